"""Weekly report jobs: reminders on the due day, and after the deadline the unit heads and the bureau.

Due: the week's last working day at 17:00 (BOT_WEEKLY_DUE), on the official calendar.
- 09:00 and 15:00 on the due day: the staff of every unit that has not reported (a unit without staff: its heads).
- 09:00 on the next working day: each non-reporting unit's head and staff (the head asked to urge the staff), and the
  bureau's roll-up, which names the units that had nobody to remind.
Only people a push reaches count (models.org.reachable): those WeCom refused are treated as gone.
Each period is claimed once in `job_run` (jobs.schedule); pushes carry a dedupe_key, so
running a period again by hand sends nothing twice.
"""
from __future__ import annotations

from datetime import date, time

from sqlalchemy import or_, select
from sqlalchemy.orm import lazyload

from bot import clock, db, outbox, workdays
from jobs.schedule import daily_at, scheduled
from models import weekly
from models.account import ACTIVE_STATUSES, Account
from models.org import (BUREAU_ADMIN, COUNTY_BUREAU, HOST_UNIT, STAFF, UNIT_HEAD, Person, PersonRole, Unit,
                        people_with_role, reachable, subtree_ids)
from models.weekly_rollup import compute, render


def missing_units(session, week: date) -> list[Unit]:
    """Active host units with active accounts opened by the week's due day (weekly.opened_by_due) and no report
    for `week` (three queries, whatever the size)."""
    due = weekly.due_day(week)
    if due is None:
        return []
    units = list(session.scalars(select(Unit).where(Unit.kind == HOST_UNIT, Unit.active).order_by(Unit.id)))
    with_accounts = set(session.scalars(select(Account.unit_id).where(
        Account.status.in_(ACTIVE_STATUSES), Account.unit_id.in_([u.id for u in units]),
        or_(Account.opened_on.is_(None), Account.opened_on <= due)).distinct()))
    reported = set(session.scalars(select(weekly.WeeklyReport.unit_id).where(weekly.WeeklyReport.week == week)))
    return [u for u in units if u.id in with_accounts and u.id not in reported]


def unit_staff(session, unit: Unit) -> list[Person]:
    """Who is reminded: responsible persons of the unit's active accounts and its staff."""
    return staff_by_unit(session, [unit])[unit.id]


def staff_by_unit(session, units: list[Unit]) -> dict[int, list[Person]]:
    """unit_staff for many units at once: responsible persons first (by account), then staff (by id)."""
    ids = [u.id for u in units]
    found: dict[int, dict[int, Person]] = {i: {} for i in ids}
    accounts = session.execute(select(Account.unit_id, Account.responsible_id).where(  # rows, not objects
        Account.unit_id.in_(ids), Account.status.in_(ACTIVE_STATUSES)).order_by(Account.unit_id, Account.id)).all()
    responsible = {p.id: p for p in _people(session, select(Person).where(
        Person.id.in_(sorted({a.responsible_id for a in accounts if a.responsible_id}))))}
    staff = _people(session, select(Person).join(PersonRole).where(
        PersonRole.role == STAFF, Person.active, Person.unit_id.in_(ids)).order_by(Person.id))
    for person in [responsible[a.responsible_id] for a in accounts if a.responsible_id] + staff:
        if person.active and person.unit_id in found:
            found[person.unit_id].setdefault(person.id, person)
    return {i: list(people.values()) for i, people in found.items()}


def heads_by_unit(session, units: list[Unit]) -> dict[int, list[Person]]:
    heads: dict[int, list[Person]] = {u.id: [] for u in units}
    for person in _people(session, select(Person).join(PersonRole).where(
            PersonRole.role == UNIT_HEAD, Person.active, Person.unit_id.in_(list(heads))).order_by(Person.id)):
        heads[person.unit_id].append(person)
    return heads


def reachable_by_unit(people: dict[int, list[Person]]) -> dict[int, list[Person]]:
    """Only the people a push reaches (WeCom refused the others): a unit whose staff WeCom refused is treated as a
    unit without staff, one with nobody reachable as one with nobody left."""
    return {unit_id: reachable(found) for unit_id, found in people.items()}


def _people(session, stmt) -> list[Person]:
    return list(session.scalars(stmt.options(lazyload(Person.role_rows))))


def reminder_text(week: date, day: date, deadline, again: bool) -> str:
    """The same text for every unit (each recipient belongs to one unit), so one message/send call
    reaches up to 1,000 people instead of one call per unit."""
    again = "（再次提醒）" if again else ""
    return (f"周报提醒{again}：您单位{weekly.week_label(week)}的周报还没有报送，请在今天"
            f"（{day.month}月{day.day}日）{deadline:%H:%M}前回复「周报」填报。\n"
            "也可以一条消息快捷填报，格式见「帮助 周报」；本周各账号都没有更新的，回复「周报 都没更新」。")


AFTERNOON = (15, 0)  # the due day's second reminder


def _remind(period: str, slot: str) -> str:
    day = date.fromisoformat(period)
    week = workdays.week_monday(day)
    deadline = weekly.due_at(week)
    if deadline is None or weekly.due_day(week) != day or clock.now() > deadline:
        return "跳过：今天不是截止日，或已过截止时间"  # a late catch-up must not ask for the impossible
    if slot == "0900" and clock.local_now().time() >= time(*AFTERNOON):
        # a scheduler down through both slots catches both up in one tick: the clerks would get two reminders at once
        return "跳过：已到下午提醒的时间，由下午的提醒发出"
    with db.transaction() as session:
        units = missing_units(session, week)
        staff = reachable_by_unit(staff_by_unit(session, units))
        heads = reachable_by_unit(heads_by_unit(session, [u for u in units if not staff[u.id]]))  # the heads file it
        people = [p for unit in units for p in staff[unit.id] or heads[unit.id]]
        told = set(outbox.sent_to(session, people, f"{remind_key(week, '0900')}:")) if slot == "1500" else set()
        rows = []
        for again in (False, True):
            group = [p for p in people if (p in told) == again]
            rows += outbox.push_text(session, group, reminder_text(week, day, deadline, again),
                                     dedupe_key=remind_key(week, slot)) if group else []
    return f"提醒{len(rows)}人"


def remind_key(week: date, slot: str) -> str:
    return f"weekly:remind:{week}:{slot}"


@scheduled("weekly_remind_0900", daily_at(9, 0, when=weekly.is_due_day),
           title="截止日上午提醒未报周报的单位")
def remind_morning(period: str) -> str:
    return _remind(period, "0900")


@scheduled("weekly_remind_1500", daily_at(15, 0, when=weekly.is_due_day),
           title="截止日下午再次提醒未报周报的单位")
def remind_afternoon(period: str) -> str:
    return _remind(period, "1500")


def how_to_file_overdue(week: date, day: date) -> str:
    """The words that file `week` on `day`: plain 周报 files the current week (it offers last week only
    on the week's first two working days), so the overdue week needs 「周报 上周」, which skips a week
    without working days (after 春节 the overdue week is the one before the holiday week)."""
    if weekly.previous_due_week(workdays.week_monday(day)) == week:
        return "回复「周报 上周」补报"
    return "尽快补报（该周已不能在助手中补报，请联系县政数局）"


def overdue_key(week: date) -> str:
    return f"weekly:overdue:{week}"


def heads_told_overdue(session, unit_id: int, week: date) -> list[Person]:
    """The unit's heads who were told that `week`'s report was missing (the overdue notice went out to them)."""
    heads = _people(session, select(Person).join(PersonRole).where(
        PersonRole.role == UNIT_HEAD, Person.active, Person.unit_id == unit_id).order_by(Person.id))
    # by recipient first (indexed): a LIKE alone would read the whole outbox on a late report's callback
    return outbox.sent_to(session, heads, f"{overdue_key(week)}:")


def overdue_notices(unit: Unit, week: date, how: str, heads: list[Person], staff: list[Person],
                    key: str) -> list[tuple]:
    """The overdue notice, worded for who receives it: the heads urge the staff, and the staff hear it too (with the
    words that file the week); a unit without staff a push reaches (none in the directory, or all refused by
    WeCom) has its heads file the report, one without such a head its staff (nobody is asked to urge people the
    notice cannot reach)."""
    missing = f"周报未报提醒：{unit.name}{weekly.week_label(week)}的周报截至{weekly.deadline_label(week)}仍未报送，"
    others = [p for p in staff if p not in heads]
    if heads and others:
        return [(heads, f"{missing}请督促本单位工作人员{how}。", key),
                (others, f"{missing}已逾期，单位负责人也已收到提醒。请{how}。", key)]
    if heads:
        return [(heads, f"{missing}本单位没有其他能收到提醒的工作人员，请{how}。", key)]
    return [(staff, f"{missing}本单位没有能收到提醒的单位负责人，请{how}。", key)]


@scheduled("weekly_overdue", daily_at(9, 0, when=lambda day: weekly.overdue_week(day) is not None),
           title="截止后通知未报单位负责人，给主管单位发周报汇总")
def overdue(period: str) -> str:
    """The working day after the deadline: tell the heads of units that did not report; roll-up to bureaus."""
    week = weekly.overdue_week(date.fromisoformat(period))
    if week is None:
        return "跳过：今天没有刚过截止时间的周"
    key = overdue_key(week)
    told = 0
    with db.transaction() as session:
        units = missing_units(session, week)
        heads = reachable_by_unit(heads_by_unit(session, units))
        staff = reachable_by_unit(staff_by_unit(session, units))
        how = how_to_file_overdue(week, date.fromisoformat(period))
        told += len(outbox.push_texts(session, [item for unit in units for item in overdue_notices(
            unit, week, how, heads[unit.id], staff[unit.id], key)]))
        unreached = {u.id for u in units if not heads[u.id] and not staff[u.id]}  # the roll-up says so
        bureaus = list(session.scalars(select(Unit).where(Unit.kind == COUNTY_BUREAU, Unit.active)))
        for bureau in bureaus:
            admins = people_with_role(session, BUREAU_ADMIN, [bureau.id])
            if not admins:
                continue
            rollup = compute(session, subtree_ids(session, bureau.id), week)
            if not rollup.due_units:
                continue
            rollup.unreached = [u for u in rollup.missing if u.id in unreached]
            outbox.push_markdown(session, admins, render(rollup, bureau.name, markdown=True),
                                 text=render(rollup, bureau.name, markdown=False), dedupe_key=f"{key}:rollup",
                                 once=True)
    return f"通知单位负责人{told}人"
