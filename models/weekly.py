"""Weekly update reports (周报, 第30条): one report per host unit per week, one entry per account.

The report row holds the current state; every submission and every later edit also
writes a `WeeklyReportVersion` with a JSON snapshot, so history is never overwritten.
"""
from __future__ import annotations

import logging
import os
from datetime import date, datetime, time, timedelta

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from bot import clock, config, workdays
from models import audit
from models.account import Account
from models.base import Base
from models.org import Person, Unit

log = logging.getLogger("bot.weekly")


class WeeklyReport(Base):
    __tablename__ = "weekly_report"
    __table_args__ = (UniqueConstraint("unit_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    week: Mapped[date]  # the Monday of the reported week
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    submitted_at: Mapped[datetime]
    late: Mapped[bool] = mapped_column(default=False)  # first submission after the deadline
    version: Mapped[int] = mapped_column(default=1)
    edited: Mapped[bool] = mapped_column(default=False)  # amended after the first submission
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    updated_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship()
    submitted_by: Mapped[Person] = relationship(foreign_keys=[submitted_by_id])
    updated_by: Mapped[Person | None] = relationship(foreign_keys=[updated_by_id])
    entries: Mapped[list[WeeklyReportEntry]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="WeeklyReportEntry.account_id")
    versions: Mapped[list[WeeklyReportVersion]] = relationship(
        back_populates="report", order_by="WeeklyReportVersion.version")


class WeeklyReportEntry(Base):
    """One account's figures for the week (账号更新维护情况)."""

    __tablename__ = "weekly_report_entry"
    __table_args__ = (UniqueConstraint("report_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("weekly_report.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    posts: Mapped[int] = mapped_column(default=0)  # 本周发布条数
    originals: Mapped[int] = mapped_column(default=0)  # 其中原创 (第18条)
    latest_post_on: Mapped[date | None]  # 最近一次发布日期
    messages_received: Mapped[int] = mapped_column(default=0)  # 收到留言/评论
    messages_answered: Mapped[int] = mapped_column(default=0)  # 已回复
    problems: Mapped[str | None] = mapped_column(Text)  # 问题或整改情况

    report: Mapped[WeeklyReport] = relationship(back_populates="entries")
    account: Mapped[Account] = relationship()


class WeeklyReportVersion(Base):
    """A kept version: the report as it stood after each submission or edit."""

    __tablename__ = "weekly_report_version"
    __table_args__ = (UniqueConstraint("report_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("weekly_report.id"), index=True)
    version: Mapped[int]
    snapshot: Mapped[dict]
    by: Mapped[str] = mapped_column(String(64))  # userid
    at: Mapped[datetime]

    report: Mapped[WeeklyReport] = relationship(back_populates="versions")


class MonthClose(Base):
    """关账: after a bureau closes a month, that month's weekly reports can no longer be edited."""

    __tablename__ = "month_close"
    __table_args__ = (UniqueConstraint("bureau_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    month: Mapped[str] = mapped_column(String(7))  # "2026-11"
    closed_by: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[datetime]


ENTRY_FIELDS = ("posts", "originals", "latest_post_on", "messages_received", "messages_answered", "problems")


# --- the calendar of a report week ------------------------------------------------------

def due_time() -> time:
    """The deadline's time of day on the week's last working day (BOT_WEEKLY_DUE, default 17:00)."""
    raw = os.environ.get("BOT_WEEKLY_DUE", "17:00")
    try:
        return config.weekly_due_time(raw)
    except config.ConfigError:  # (checked at start-up: only a value changed since)
        log.warning("BOT_WEEKLY_DUE=%r is not HH:MM; using 17:00", raw)
        return time(17, 0)


def due_day(week: date) -> date | None:
    """The week's last working day; None when the week has no working day (no report due)."""
    return workdays.last_workday_of_week(week)


def due_at(week: date) -> datetime | None:
    day = due_day(week)
    if day is None:
        return None
    return datetime.combine(day, due_time(), tzinfo=config.get().tz)


def opened_by_due(opened_on: date | None, week: date) -> bool:
    """An account is reported for `week` once it was opened by the week's due day (as the monthly bulletin counts
    it, bot/bulletin/sources.in_use_during); one opened later starts with the next week. Unknown opening: due."""
    day = due_day(week)
    return day is not None and (opened_on is None or opened_on <= day)


def is_due_day(day: date) -> bool:
    return due_day(day) == day


def previous_workday(day: date) -> date:
    day -= timedelta(days=1)
    while not workdays.is_workday(day):
        day -= timedelta(days=1)
    return day


def overdue_week(day: date) -> date | None:
    """The week whose non-reporters are chased on `day` (the working day after its due day)."""
    if not workdays.is_workday(day):
        return None
    before = previous_workday(day)
    return workdays.week_monday(before) if is_due_day(before) else None


def previous_due_week(week: date) -> date:
    """The latest week before `week` that had a report due: the week before, or an earlier one when that week
    had no working day (the week of 2-16 in 2026, all 春节). This is what 「上周」 files."""
    earlier = week - timedelta(days=7)
    for _ in range(4):
        if due_day(earlier) is not None:
            return earlier
        earlier -= timedelta(days=7)
    return week - timedelta(days=7)


def deadline_label(week: date) -> str:
    """「9月30日（周三）17:00」, 「10月10日（周六，调休上班）17:00」 (nobody believes a bare Saturday deadline), or
    「无需报送」 for a week without a working day."""
    moment = due_at(week)
    if moment is None:
        return "无需报送"
    worked = "，调休上班" if moment.weekday() >= 5 else ""  # the due day is a working day: a weekend one is 调休
    return f"{moment.month}月{moment.day}日（周{'一二三四五六日'[moment.weekday()]}{worked}）{moment:%H:%M}"


def week_label(week: date) -> str:
    sunday = week + timedelta(days=6)
    return f"{week.month}月{week.day}日—{sunday.month}月{sunday.day}日"


def month_of_week(week: date) -> str:
    """A week belongs to the month of its Thursday (as ISO weeks do)."""
    return (week + timedelta(days=3)).strftime("%Y-%m")


def first_reported_week(session: Session, unit_ids: list[int]) -> date | None:
    """The first week any of these units reported through the bot: the bot's first week in use there. Weeks before
    it count nowhere as missing (周报情况, 统计, the bulletin) — the units reported some other way then."""
    return session.scalar(select(func.min(WeeklyReport.week)).where(WeeklyReport.unit_id.in_(unit_ids)))


def reports_due(session: Session, unit_ids: list[int],
                mondays: list[date]) -> dict[date, tuple[set[int], dict[int, bool]]]:
    """For each week with a working day: (the units due — an account opened by the week's due day and not closed by
    then, as the reminders and the monthly bulletin count them — and the reports filed, {unit id: late}). Two
    queries, whatever the number of weeks."""
    from models.account import ACTIVE_STATUSES
    if not unit_ids or not mondays:
        return {}
    rows = session.execute(select(Account.unit_id, Account.opened_on, Account.status, Account.closed_on).where(
        Account.unit_id.in_(unit_ids), or_(Account.status.in_(ACTIVE_STATUSES), Account.closed_on.is_not(None))))
    # an account closed since counts for the weeks due before it closed (a month closed later still lists them)
    opened = [(unit_id, on, None if status in ACTIVE_STATUSES else closed) for unit_id, on, status, closed in rows]
    filed: dict[date, dict[int, bool]] = {}
    reports = select(WeeklyReport.unit_id, WeeklyReport.week, WeeklyReport.late).where(
        WeeklyReport.unit_id.in_(unit_ids), WeeklyReport.week >= min(mondays), WeeklyReport.week <= max(mondays))
    for unit_id, week, late in session.execute(reports):
        filed.setdefault(week, {})[unit_id] = late
    result = {}
    for monday in mondays:
        due = due_day(monday)
        if due is not None:
            result[monday] = ({u for u, on, closed in opened if (on is None or on <= due)
                               and (closed is None or closed > due)}, filed.get(monday, {}))
    return result


def month_mondays(month: str) -> list[date]:
    """The Mondays of the weeks belonging to `month` ("2026-11"): those whose Thursday falls in it."""
    first = date(int(month[:4]), int(month[5:7]), 1)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    mondays = []
    while thursday.month == first.month:
        mondays.append(thursday - timedelta(days=3))
        thursday += timedelta(days=7)
    return mondays


# --- reading and writing reports ----------------------------------------------------------

def find_report(session: Session, unit_id: int, week: date) -> WeeklyReport | None:
    return session.scalar(select(WeeklyReport).where(WeeklyReport.unit_id == unit_id, WeeklyReport.week == week))


def month_closed(session: Session, unit: Unit, week: date) -> bool:
    bureau = unit.supervising_bureau()
    if bureau is None:
        return False
    return session.scalar(select(MonthClose.id).where(MonthClose.bureau_id == bureau.id,
                                                      MonthClose.month == month_of_week(week))) is not None


def entry_dict(entry: WeeklyReportEntry) -> dict:
    return {"account_id": entry.account_id, "posts": entry.posts, "originals": entry.originals,
            "latest_post_on": entry.latest_post_on.isoformat() if entry.latest_post_on else None,
            "messages_received": entry.messages_received, "messages_answered": entry.messages_answered,
            "problems": entry.problems}


def _normalise(item: dict) -> dict:
    out = {"account_id": int(item["account_id"])}
    for name in ENTRY_FIELDS:
        value = item.get(name)
        if name == "latest_post_on" and isinstance(value, date):
            value = value.isoformat()
        out[name] = value
    return out


def save_report(session: Session, *, unit: Unit, week: date, entries: list[dict], person: Person,
                source_msg: str | None = None) -> tuple[WeeklyReport, bool]:
    """Create or amend the unit's report; returns (report, changed). Unchanged re-submits write nothing."""
    now = clock.now()
    items = sorted((_normalise(e) for e in entries), key=lambda e: e["account_id"])
    report = find_report(session, unit.id, week)
    created = False
    if report is None:
        report = _insert_report(session, unit=unit, week=week, person=person, now=now)
        created = report is not None
        report = report or find_report(session, unit.id, week)  # a colleague filed first: amend theirs
    before = None
    if not created:
        current = {e.account_id: entry_dict(e) for e in report.entries}
        merged = {**current, **{e["account_id"]: e for e in items}}
        items = [merged[k] for k in sorted(merged)]
        if [current.get(e["account_id"]) for e in items] == items:
            return report, False
        before = {"version": report.version, "entries": list(current.values())}
        report.version += 1
        report.edited = True
        report.updated_by, report.updated_at = person, now
        report.entries.clear()
        session.flush()
    for item in items:
        report.entries.append(WeeklyReportEntry(
            account_id=item["account_id"], posts=item["posts"] or 0, originals=item["originals"] or 0,
            latest_post_on=date.fromisoformat(item["latest_post_on"]) if item["latest_post_on"] else None,
            messages_received=item["messages_received"] or 0, messages_answered=item["messages_answered"] or 0,
            problems=item["problems"] or None))
    session.flush()
    snapshot = {"week": week.isoformat(), "unit_id": unit.id, "entries": items}
    session.add(WeeklyReportVersion(report=report, version=report.version, snapshot=snapshot,
                                    by=person.userid, at=now))
    refresh_last_update(session, [e["account_id"] for e in items])
    audit.record(session, actor=person.userid, action="weekly.submit" if before is None else "weekly.edit",
                 entity="weekly_report", entity_id=report.id, before=before,
                 after={"version": report.version, "entries": items}, source_msg=source_msg)
    return report, True


def _insert_report(session: Session, *, unit: Unit, week: date, person: Person, now: datetime) -> WeeklyReport | None:
    """The unit's first report for the week; None if a concurrent submission won the unique key."""
    deadline = due_at(week)
    report = WeeklyReport(unit=unit, week=week, submitted_by=person, submitted_at=now, version=1,
                          late=deadline is not None and now > deadline)
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:
        return None
    return report


def refresh_last_update(session: Session, account_ids: list[int]) -> None:
    """Account.last_update_on = the newest post date the weekly reports give for the account, or None when none
    gives one (a report amended to 「不详」): the ledger's 「最近更新」 and the roll-up's staleness read it, so it
    says no more than the reports do."""
    if not account_ids:
        return
    newest = dict(session.execute(select(WeeklyReportEntry.account_id, func.max(WeeklyReportEntry.latest_post_on))
                                  .where(WeeklyReportEntry.account_id.in_(account_ids))
                                  .group_by(WeeklyReportEntry.account_id)).all())
    for account_id in account_ids:
        session.get(Account, account_id).last_update_on = newest.get(account_id)
