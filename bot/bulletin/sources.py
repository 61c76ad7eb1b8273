"""The bulletin's database reads: one statement each, for all of a bureau's units at once.

Rows are plain (column tuples), never ORM objects with lazy relationships, so that computing a
bulletin issues the same number of statements for ten units as for a thousand.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import clock
from models.account import ACTIVE_STATUSES, APPLYING, Account
from models.approval import ApprovalRequest
from models.oversight import DormancyRung
from models.rectification import PENDING, Rectification, RectificationAnswer
from models.training import Training, TrainingAttendee
from models.weekly import WeeklyReport, WeeklyReportEntry

CLOSED = ("已关停", "已注销")


def accounts(session: Session, unit_ids: list[int]):
    return session.execute(select(
        Account.id, Account.unit_id, Account.name, Account.platform, Account.status, Account.opened_on,
        Account.closed_on, Account.imported_at, Account.last_update_on,
    ).where(Account.unit_id.in_(unit_ids)).order_by(Account.unit_id, Account.id)).all()


def opened(a) -> date | None:
    """When the account came under watch: opened or imported, whichever is later."""
    known = [d for d in (a.opened_on, a.imported_at and clock.localize(a.imported_at).date()) if d]
    return max(known) if known else None


def listed(a, m) -> bool:
    """In the month's registry: applied for and opened by the month's end, not closed before it began."""
    if a.status == APPLYING or (a.opened_on is not None and a.opened_on > m.last):
        return False
    if a.status in CLOSED:
        return a.closed_on is not None and a.closed_on >= m.first
    return True


def live_at_end(a, m) -> bool:
    """In use at the month's end (watched for dormancy, must report)."""
    return a.status in ACTIVE_STATUSES or (a.status in CLOSED and a.closed_on is not None and a.closed_on > m.last)


def in_use_during(a, due_on: date) -> bool:
    """Due for the week's report: opened by its due day, and not closed by then (the bot tells a unit whose accounts
    are all closed that no report is due, and nobody chases it)."""
    if a.opened_on is not None and a.opened_on > due_on:
        return False
    return a.status in ACTIVE_STATUSES or (a.closed_on is not None and a.closed_on > due_on)


def reports(session: Session, unit_ids: list[int], mondays: list[date]):
    return session.execute(select(WeeklyReport.unit_id, WeeklyReport.week, WeeklyReport.submitted_at,
                                  WeeklyReport.late)
                           .where(WeeklyReport.unit_id.in_(unit_ids), WeeklyReport.week.in_(mondays))).all()


def entry_sums(session: Session, unit_ids: list[int], mondays: list[date]):
    """(unit_id, posts, originals, received, answered) over the weeks' reports."""
    return session.execute(select(
        WeeklyReport.unit_id, func.sum(WeeklyReportEntry.posts), func.sum(WeeklyReportEntry.originals),
        func.sum(WeeklyReportEntry.messages_received), func.sum(WeeklyReportEntry.messages_answered),
    ).join(WeeklyReportEntry, WeeklyReportEntry.report_id == WeeklyReport.id)
        .where(WeeklyReport.unit_id.in_(unit_ids), WeeklyReport.week.in_(mondays))
        .group_by(WeeklyReport.unit_id)).all()


def latest_posts(session: Session, unit_ids: list[int], until: date) -> dict[int, date]:
    """The newest post date on or before `until` of each account of the units, as known from weekly reports.

    Selected by unit through a join, not by an IN list of account ids: at 20,000 accounts expanding and
    converting that list cost more than the query (bench/README.md, monthly bulletin)."""
    rows = session.execute(select(WeeklyReportEntry.account_id, func.max(WeeklyReportEntry.latest_post_on))
                           .join(Account, Account.id == WeeklyReportEntry.account_id)
                           .where(Account.unit_id.in_(unit_ids), WeeklyReportEntry.latest_post_on <= until)
                           .group_by(WeeklyReportEntry.account_id)).all()
    return {account_id: day for account_id, day in rows}


def recorded_rungs(session: Session, unit_ids: list[int], until: date) -> dict[int, list[tuple[date, str]]]:
    """The ladder's record: (spell start, rung kind) fired on or before `until`, per account of the units."""
    out: dict[int, list[tuple[date, str]]] = {}
    for account_id, spell, kind in session.execute(
            select(DormancyRung.account_id, DormancyRung.spell_start, DormancyRung.kind)
            .join(Account, Account.id == DormancyRung.account_id)
            .where(Account.unit_id.in_(unit_ids), DormancyRung.fired_on <= until)):
        out.setdefault(account_id, []).append((spell, kind))
    return out


def approvals(session: Session, unit_ids: list[int], start: datetime, end: datetime):
    """Requests submitted or decided in [start, end)."""
    return session.execute(select(
        ApprovalRequest.id, ApprovalRequest.unit_id, ApprovalRequest.kind, ApprovalRequest.form,
        ApprovalRequest.status, ApprovalRequest.submitted_at, ApprovalRequest.decided_at,
    ).where(ApprovalRequest.unit_id.in_(unit_ids), ApprovalRequest.submitted_at.is_not(None),
            ((ApprovalRequest.submitted_at >= start) & (ApprovalRequest.submitted_at < end))
            | ((ApprovalRequest.decided_at >= start) & (ApprovalRequest.decided_at < end)))
        .order_by(ApprovalRequest.id)).all()


def registry_filings(session: Session, unit_ids: list[int], last: date, start: datetime):
    """(unit_id, deadline, filed_at) of filings past their deadline by `last`, not filed before `start`."""
    from models.approval import RegistryFiling
    return session.execute(select(RegistryFiling.unit_id, RegistryFiling.deadline, RegistryFiling.filed_at)
                           .where(RegistryFiling.unit_id.in_(unit_ids), RegistryFiling.deadline < last,
                                  RegistryFiling.filed_at.is_(None) | (RegistryFiling.filed_at >= start))).all()


def rectifications(session: Session, unit_ids: list[int], end: datetime):
    """Items open at `end`, with their latest answer's time."""
    answered = (select(RectificationAnswer.item_id, func.max(RectificationAnswer.answered_at).label("answered_at"))
                .group_by(RectificationAnswer.item_id).subquery())
    return session.execute(select(
        Rectification.id, Rectification.unit_id, Rectification.status, Rectification.deadline,
        Rectification.closed_at, answered.c.answered_at, Rectification.problem, Rectification.source,
    ).outerjoin(answered, answered.c.item_id == Rectification.id)
        .where(Rectification.unit_id.in_(unit_ids), Rectification.created_at < end,
               Rectification.status.in_(PENDING) | (Rectification.closed_at >= end))).all()


def notices(session: Session, unit_ids: list[int], start: datetime, end: datetime):
    """(unit_id, reason, created_at, issuer's unit name) of the 通报批评 taken against the units in [start, end)."""
    from models.measure import NOTICE, Measure
    from models.org import Person, Unit
    return session.execute(select(Measure.unit_id, Measure.reason, Measure.created_at, Unit.name)
                           .outerjoin(Person, Person.userid == Measure.created_by)
                           .outerjoin(Unit, Unit.id == Person.unit_id)
                           .where(Measure.unit_id.in_(unit_ids), Measure.kind == NOTICE,
                                  Measure.created_at >= start, Measure.created_at < end)
                           .order_by(Measure.created_at, Measure.id)).all()


def trained_units(session: Session, unit_ids: list[int], first: date, last: date) -> set[int]:
    return set(session.scalars(select(TrainingAttendee.unit_id).join(Training)
                               .where(TrainingAttendee.unit_id.in_(unit_ids), Training.held_on >= first,
                                      Training.held_on <= last).distinct()))
