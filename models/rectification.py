"""Rectification items (整改, 第29条): a problem named for a unit, fixed by a deadline.

待整改 → (unit answers) 已提交 → (bureau) 已通过, or 重新整改 (answer again by a new deadline).
An item that needs no rectification is written off (通过整改 N 说明): stored as 已通过 like an accepted one
(both are closed and count alike in the bulletin), but shown as 已核销: no answer of the unit was accepted.

The bureau that issued the notice (`bureau`: the issuer's own, e.g. the city bureau, else the unit's county bureau)
is the one told of the unit's answers and that accepts, reopens or writes off the item (a bureau above it may too;
the county may not decide the city's item). When it is not the unit's own county bureau, the county gets copies.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session, relationship, selectinload

from models.base import Base
from models.org import Person, Unit, level_name
from models.screenshot import Screenshot

OPEN = "待整改"
SUBMITTED = "已提交"
ACCEPTED = "已通过"
REOPENED = "重新整改"
STATUSES = (OPEN, SUBMITTED, ACCEPTED, REOPENED)
TO_FIX = (OPEN, REOPENED)  # the unit still has to act
PENDING = (OPEN, SUBMITTED, REOPENED)  # not finished
WRITTEN_OFF = "已核销"  # shown, never stored: 已通过 without an accepted answer

MANUAL = "手动"
BULLETIN = "月度通报"
DEFAULT_WORKDAYS = 5


class Rectification(Base):
    __tablename__ = "rectification"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    # the bureau that issued the notice and reviews the answers (None only for a unit with no bureau above it)
    bureau_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    problem: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20), default=MANUAL)  # 手动 / 月度通报
    source_ref: Mapped[str | None] = mapped_column(String(40))  # e.g. the bulletin month "2026-10"
    deadline: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    bureau: Mapped[Unit | None] = relationship(foreign_keys=[bureau_id])
    answers: Mapped[list[RectificationAnswer]] = relationship(back_populates="item",
                                                              order_by="RectificationAnswer.id")

    @property
    def shown_status(self) -> str:
        """The status as users see it: a written-off item is 已核销, not 已通过 (see the module's docstring)."""
        if self.status == ACCEPTED and not (self.answers and self.answers[-1].verdict == ACCEPTED):
            return WRITTEN_OFF
        return self.status

    def overdue_on(self, day: date) -> bool:
        return self.status in TO_FIX and self.deadline < day

    def reviewed_by(self, person: Person) -> bool:
        """Whether `person`'s bureau may accept, reopen or write off this item: the bureau that issued it, or one
        above it (the city, for a county's item) — not the county for the city's item. That is, the item's bureau
        is in the person's part of the tree (as the digest selects them)."""
        node = self.bureau
        while node is not None and node.id != person.unit_id:
            node = node.parent
        return self.bureau is None or node is not None

    @property
    def reviewer(self) -> str:
        """The reviewing bureau as the texts name it: 县政数局 or 市政数局."""
        return level_name(self.bureau)

    @property
    def issued_from_above(self) -> bool:
        """Issued by a bureau other than the unit's own county bureau (the city's notice to a county's unit)."""
        return self.bureau is not None and self.bureau != self.unit.supervising_bureau()


class RectificationAnswer(Base):
    """The unit's answer (已整改 N 说明) and the bureau's verdict on it."""

    __tablename__ = "rectification_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("rectification.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    screenshot_file_id: Mapped[int | None]  # unused: kept for the 0005 schema
    screenshot_media_id: Mapped[str | None] = mapped_column(String(200))  # WeCom media id (valid 3 days)
    screenshot_id: Mapped[int | None] = mapped_column(ForeignKey("screenshot.id"))  # the picture kept (0017 on)
    answered_by: Mapped[str] = mapped_column(String(64))
    answered_at: Mapped[datetime]
    verdict: Mapped[str | None] = mapped_column(String(10))  # 已通过 / 重新整改
    verdict_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None]

    item: Mapped[Rectification] = relationship(back_populates="answers")
    screenshot: Mapped[Screenshot | None] = relationship()


def items_of_units(session: Session, unit_ids: list[int], *, pending_only: bool = True) -> list[Rectification]:
    stmt = select(Rectification).where(Rectification.unit_id.in_(unit_ids)).order_by(Rectification.id)
    if pending_only:
        stmt = stmt.where(Rectification.status.in_(PENDING))
    else:  # closed items show 已通过 or 已核销 by their answers
        stmt = stmt.options(selectinload(Rectification.answers).selectinload(RectificationAnswer.screenshot))
    return list(session.scalars(stmt))


def overdue_items(session: Session, day: date, unit_ids: list[int] | None = None) -> list[Rectification]:
    stmt = (select(Rectification).where(Rectification.status.in_(TO_FIX), Rectification.deadline < day)
            .order_by(Rectification.unit_id, Rectification.id))
    if unit_ids is not None:
        stmt = stmt.where(Rectification.unit_id.in_(unit_ids))
    return list(session.scalars(stmt))


def create_item(session: Session, *, unit: Unit, problem: str, by: str | None, source: str = MANUAL,
                source_ref: str | None = None, account_id: int | None = None,
                deadline: date | None = None, tell: bool = True) -> Rectification:
    """Record a problem for a unit and tell the unit (`tell=False`: the caller tells it — the bulletin names its items
    in the unit's part, not in one notice each)."""
    from bot import clock, outbox, workdays
    from models import audit
    from models.oversight import bureau_admins, unit_people
    deadline = deadline or workdays.add_workdays(clock.today(), DEFAULT_WORKDAYS, session)
    bureau = issuing_bureau(session, unit, by)
    item = Rectification(unit_id=unit.id, bureau=bureau, account_id=account_id, problem=problem, source=source,
                         source_ref=source_ref, deadline=deadline, status=OPEN, created_by=by,
                         created_at=clock.now())
    session.add(item)
    session.flush()
    audit.record(session, actor=by or "system", action="rectification.create", entity="rectification",
                 entity_id=item.id, after={"unit_id": unit.id, "deadline": deadline.isoformat(), "source": source})
    issuer = bureau.name if bureau is not None else "主管单位"
    origin = f"（来源：{source}{' ' + source_ref if source_ref else ''}）" if source != MANUAL else \
        f"（{issuer}下发）"  # 「手动」 is our label, not the unit's business
    when = f"整改期限：{deadline.isoformat()}（{workdays.workdays_between(clock.today(), deadline)}个工作日内）。"
    if tell:
        outbox.push_text(session, unit_people(session, unit.id),
                         f"【整改通知 {item.id}】{unit.name}{origin}\n问题：{problem}\n{when}\n"
                         f"整改完成后请回复「已整改 {item.id} 整改说明」。",
                         dedupe_key=f"rectification:{item.id}:created")
    if item.issued_from_above:  # the county answers for its units (第4条): it learns what the city asked of one
        outbox.push_text(session, bureau_admins(session, unit),
                         f"【整改通知 {item.id}（抄送）】{issuer}向{unit.name}下发整改通知：\n问题：{problem}\n{when}\n"
                         f"单位的整改情况由{item.reviewer}审核，无需您处理；回复「查看整改 {item.id}」可了解进展。",
                         dedupe_key=f"rectification:{item.id}:copied")
    return item


def issuing_bureau(session: Session, unit: Unit, by: str | None) -> Unit | None:
    """The bureau a notice comes from: the issuer's own bureau, else (the system, or nobody known) the unit's
    supervising one."""
    from models.org import find_person
    person = find_person(session, by) if by else None
    return person.unit if person is not None and person.unit.is_bureau else unit.supervising_bureau()


def describe(item: Rectification, day: date, *, with_unit: bool = True) -> str:
    when = f"期限 {item.deadline.isoformat()}"
    if item.overdue_on(day):
        from bot import workdays
        # working days, as the deadline was set (DEFAULT_WORKDAYS): not 「已逾期8天」 across 国庆.
        # Prime with the item's own session: inside a transaction on SQLite a second one would wait.
        workdays.prime(object_session(item))
        late = workdays.workdays_between(item.deadline, day)
        when = f"已逾期{late}个工作日" if late else f"已逾期，{when}"  # a weekend or holiday just after the deadline
    unit = f"{item.unit.name}｜" if with_unit else ""
    issuer = f"（{item.reviewer}下发）" if item.issued_from_above else ""
    return f"{item.id}. [{item.shown_status}] {unit}{item.problem}（{when}）{issuer}"
