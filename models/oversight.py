"""Dormancy oversight (停更预警, 第15条): the rungs fired per idle spell, the dormant mark,
and the follow-up case that asks the unit to cancel the account or explain.

An idle spell is identified by its baseline: the date of the account's latest known update
(or the day it opened / was imported, if it was never reported). When the baseline moves
forward the account has updated, so a new spell (and a fresh ladder) begins.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.account import Account
from models.base import Base
from models.org import Unit

# Rung kinds, in ladder order; the day counts are configurable (see jobs.dormancy.rungs()).
NUDGE, WARNING, BUREAU, ZOMBIE, DORMANT = "nudge", "warning", "bureau", "zombie", "dormant"
RUNG_KINDS = (NUDGE, WARNING, BUREAU, ZOMBIE, DORMANT)
RUNG_NAMES = {NUDGE: "停更提醒", WARNING: "停更警告", BUREAU: "两周未更新", ZOMBIE: "僵尸账号预警", DORMANT: "认定停更"}

# DormancyCase sources and statuses
FROM_DORMANCY = "停更90天"
FROM_ORDER = "责令关闭"
CASE_OPEN = "待处理"  # the unit must file a cancellation or explain
CASE_EXPLAINED = "说明待审"
CASE_ACCEPTED = "说明已接受"
CASE_CANCELLED = "已注销"  # the account was cancelled (or suspended): the case is settled
CASE_SUSPENDED = "已关停"
CASE_STATUSES = (CASE_OPEN, CASE_EXPLAINED, CASE_ACCEPTED, CASE_CANCELLED, CASE_SUSPENDED)
CASE_PENDING = (CASE_OPEN, CASE_EXPLAINED)


class DormancyWatch(Base):
    """One row per watched account: its current idle spell and whether it is marked dormant."""

    __tablename__ = "dormancy_watch"

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    spell_start: Mapped[date]  # baseline of the current idle spell
    dormant: Mapped[bool] = mapped_column(default=False)  # 认定为停更 (僵尸) 账号
    dormant_since: Mapped[date | None]

    account: Mapped[Account] = relationship()


class DormancyRung(Base):
    """A rung that fired for an account in one idle spell (fires once per spell)."""

    __tablename__ = "dormancy_rung"
    __table_args__ = (UniqueConstraint("account_id", "spell_start", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    spell_start: Mapped[date]
    kind: Mapped[str] = mapped_column(String(10))
    days: Mapped[int]  # days idle when it fired
    fired_on: Mapped[date] = mapped_column(index=True)
    notified: Mapped[bool] = mapped_column(default=True)  # False: passed over by a higher rung the same day

    account: Mapped[Account] = relationship()


class DormancyCase(Base):
    """The follow-up after the 90-day rung or an ordered closure (责令关闭): cancel or explain."""

    __tablename__ = "dormancy_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    source: Mapped[str] = mapped_column(String(10))  # FROM_DORMANCY / FROM_ORDER
    measure_id: Mapped[int | None]  # the 责令关闭 measure, when it came from one
    spell_start: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(10), default=CASE_OPEN)
    opened_at: Mapped[datetime]
    explanation: Mapped[str | None] = mapped_column(Text)
    explained_by: Mapped[str | None] = mapped_column(String(64))
    explained_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    approval_request_id: Mapped[int | None]  # the drafted cancellation (approvals feature)

    unit: Mapped[Unit] = relationship()
    account: Mapped[Account | None] = relationship()

    @property
    def account_label(self) -> str:
        return account_label(self.account) if self.account else "（未指定账号）"


def account_label(account: Account) -> str:
    return f"{account.name}（{account.platform}）"


def last_update(session: Session, account: Account) -> tuple[date | None, str]:
    """The account's latest known update and the record that says so: the weekly report that gave that post date
    (`Account.last_update_on` is the newest any report gave), else the registry's own date (an account whose date
    came with the registry); (None, …) when nothing was ever reported."""
    from bot import clock
    from models.weekly import WeeklyReport, WeeklyReportEntry, week_label
    day = account.last_update_on
    if day is None:
        return None, "尚无周报填报的更新记录"
    report = session.scalar(select(WeeklyReport).join(WeeklyReportEntry).where(
        WeeklyReportEntry.account_id == account.id, WeeklyReportEntry.latest_post_on == day)
        .order_by(WeeklyReport.week.desc()).limit(1))
    if report is None:
        return day, "据台账记录的最近更新日期"
    by = report.updated_by or report.submitted_by
    at = report.updated_at or report.submitted_at
    return day, f"据{report.unit.name}{week_label(report.week)}的周报（{by.name} {clock.localize(at):%m-%d %H:%M}填报）"


def watch_of(session: Session, account_id: int) -> DormancyWatch | None:
    return session.get(DormancyWatch, account_id)


def is_dormant(session: Session, account_id: int) -> bool:
    watch = session.get(DormancyWatch, account_id)
    return bool(watch and watch.dormant)


def cases_of_units(session: Session, unit_ids: list[int], *, pending_only: bool = False) -> list[DormancyCase]:
    stmt = select(DormancyCase).where(DormancyCase.unit_id.in_(unit_ids)).order_by(DormancyCase.id)
    if pending_only:
        stmt = stmt.where(DormancyCase.status.in_(CASE_PENDING))
    return list(session.scalars(stmt))


def open_case(session: Session, *, unit_id: int, account_id: int | None, source: str, now: datetime,
              spell_start: date | None = None, measure_id: int | None = None) -> DormancyCase:
    case = DormancyCase(unit_id=unit_id, account_id=account_id, source=source, spell_start=spell_start,
                        measure_id=measure_id, status=CASE_OPEN, opened_at=now)
    session.add(case)
    session.flush()
    return case


def settle_closed_accounts(session: Session, now: datetime, actor: str) -> list[DormancyCase]:
    """Pending cases whose account has since been cancelled or suspended are settled."""
    from models import audit
    from models.account import CANCELLED, SUSPENDED
    settled = []
    for case in session.scalars(select(DormancyCase).join(DormancyCase.account).where(
            DormancyCase.status.in_(CASE_PENDING), Account.status.in_((CANCELLED, SUSPENDED)))):
        before = {"status": case.status}
        case.status = CASE_CANCELLED if case.account.status == CANCELLED else CASE_SUSPENDED
        case.decided_by, case.decided_at = actor, now
        audit.record(session, actor=actor, action="dormancy_case.settle", entity="dormancy_case",
                     entity_id=case.id, before=before, after={"status": case.status})
        settled.append(case)
    return settled


# --- who is told (shared by the oversight jobs and handlers) ---------------------------------

def unit_heads(session: Session, unit_id: int):
    """The unit's heads (单位负责人); its staff if it has no head in the directory."""
    from models import org
    return org.people_with_role(session, org.UNIT_HEAD, [unit_id]) or org.people_with_role(
        session, org.STAFF, [unit_id])


def unit_people(session: Session, unit_id: int):
    """Everyone who acts for the unit: heads and staff."""
    from models import org
    people = org.people_with_role(session, org.UNIT_HEAD, [unit_id]) + org.people_with_role(
        session, org.STAFF, [unit_id])
    return list({p.id: p for p in people}.values())


def bureau_admins(session: Session, unit: Unit):
    from models import org
    return org.bureau_people(session, unit, org.BUREAU_ADMIN)
