"""Weekly report jobs: reminders on the due day, and after the deadline the unit heads and the bureau.

Due: the week's last working day at 17:00 (BOT_WEEKLY_DUE), on the official calendar.
- 09:00 and 15:00 on the due day: the staff of every unit that has not reported.
- 09:00 on the next working day: each non-reporting unit's head, and the bureau's roll-up.
Each period is claimed once in `job_run` (jobs.schedule); pushes carry a dedupe_key, so
running a period again by hand sends nothing twice.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot import clock, db, outbox, workdays
from jobs.schedule import daily_at, scheduled
from models import weekly
from models.account import accounts_of_units
from models.org import BUREAU_ADMIN, COUNTY_BUREAU, HOST_UNIT, STAFF, UNIT_HEAD, Person, Unit, people_with_role, \
    subtree_ids
from models.weekly_rollup import compute, render


def missing_units(session, week: date) -> list[Unit]:
    """Active host units with active accounts and no report for `week`."""
    units = list(session.scalars(select(Unit).where(Unit.kind == HOST_UNIT, Unit.active).order_by(Unit.id)))
    accounts = accounts_of_units(session, [u.id for u in units], active_only=True)
    with_accounts = {a.unit_id for a in accounts}
    return [u for u in units if u.id in with_accounts and weekly.find_report(session, u.id, week) is None]


def unit_staff(session, unit: Unit) -> list[Person]:
    """Who is reminded: responsible persons of the unit's active accounts and its staff."""
    responsible = [a.responsible for a in accounts_of_units(session, [unit.id], active_only=True) if a.responsible]
    staff = people_with_role(session, STAFF, [unit.id])
    people = {p.id: p for p in [*responsible, *staff] if p.active and p.unit_id == unit.id}
    return list(people.values())


def _remind(period: str, slot: str) -> str:
    day = date.fromisoformat(period)
    week = workdays.week_monday(day)
    deadline = weekly.due_at(week)
    if deadline is None or weekly.due_day(week) != day or clock.now() > deadline:
        return "skipped: not due or past the deadline"  # a late catch-up must not ask for the impossible
    sent = 0
    with db.transaction() as session:
        for unit in missing_units(session, week):
            again = "（再次提醒）" if slot == "1500" else ""
            text = (f"周报提醒{again}：{unit.name}{weekly.week_label(week)}的周报还没有报送，请在今天"
                    f"（{day.month}月{day.day}日）{deadline:%H:%M}前回复「周报」填报。\n"
                    "也可以一条消息快捷填报，格式见「帮助 周报」。")
            rows = outbox.push_text(session, unit_staff(session, unit), text,
                                    dedupe_key=f"weekly:remind:{week}:{slot}")
            sent += len(rows)
    return f"{sent} reminders"


@scheduled("weekly_remind_0900", daily_at(9, 0, when=weekly.is_due_day))
def remind_morning(period: str) -> str:
    return _remind(period, "0900")


@scheduled("weekly_remind_1500", daily_at(15, 0, when=weekly.is_due_day))
def remind_afternoon(period: str) -> str:
    return _remind(period, "1500")


@scheduled("weekly_overdue", daily_at(9, 0, when=lambda day: weekly.overdue_week(day) is not None))
def overdue(period: str) -> str:
    """The working day after the deadline: tell the heads of units that did not report; roll-up to bureaus."""
    week = weekly.overdue_week(date.fromisoformat(period))
    if week is None:
        return "skipped: no week is overdue on this day"
    key = f"weekly:overdue:{week}"
    told = 0
    with db.transaction() as session:
        for unit in missing_units(session, week):
            heads = people_with_role(session, UNIT_HEAD, [unit.id])
            text = (f"周报未报提醒：{unit.name}{weekly.week_label(week)}的周报截至"
                    f"{weekly.deadline_label(week)}仍未报送，请督促本单位工作人员回复「周报」补报。")
            told += len(outbox.push_text(session, heads, text, dedupe_key=key))
        bureaus = list(session.scalars(select(Unit).where(Unit.kind == COUNTY_BUREAU, Unit.active)))
        for bureau in bureaus:
            admins = people_with_role(session, BUREAU_ADMIN, [bureau.id])
            if not admins:
                continue
            rollup = compute(session, subtree_ids(session, bureau.id), week)
            if not rollup.due_units:
                continue
            outbox.push_markdown(session, admins, render(rollup, bureau.name, markdown=True),
                                 text=render(rollup, bureau.name, markdown=False), dedupe_key=f"{key}:rollup")
    return f"{told} unit heads told"
