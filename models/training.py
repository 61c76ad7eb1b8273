"""The training ledger (培训台账, 第28条): each unit needs at least one trained person a year."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from bot import clock, outbox
from models import org
from models.base import Base
from models.org import Person, Unit


class Training(Base):
    __tablename__ = "training"
    __table_args__ = (UniqueConstraint("held_on", "topic", "organiser"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(index=True)
    topic: Mapped[str] = mapped_column(String(200))
    organiser: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(10), default="登记")  # 登记 / 导入
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]

    attendees: Mapped[list[TrainingAttendee]] = relationship(back_populates="training",
                                                             order_by="TrainingAttendee.id")


class TrainingAttendee(Base):
    __tablename__ = "training_attendee"
    __table_args__ = (UniqueConstraint("training_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("training.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # the unit when trained

    training: Mapped[Training] = relationship(back_populates="attendees")
    person: Mapped[Person] = relationship()


def find_training(session: Session, held_on: date, topic: str, organiser: str) -> Training | None:
    return session.scalar(select(Training).where(Training.held_on == held_on, Training.topic == topic,
                                                 Training.organiser == organiser))


def add_attendees(session: Session, training: Training, people: list[Person]) -> int:
    """Add people not yet on the training; returns how many were added."""
    present = {a.person_id for a in training.attendees}
    added = 0
    for person in people:
        if person.id not in present:
            training.attendees.append(TrainingAttendee(person_id=person.id, unit_id=person.unit_id))
            present.add(person.id)
            added += 1
    session.flush()
    return added


def trained_unit_ids(session: Session, year: int) -> set[int]:
    stmt = (select(TrainingAttendee.unit_id).join(Training)
            .where(Training.held_on >= date(year, 1, 1), Training.held_on <= date(year, 12, 31)))
    return set(session.scalars(stmt))


def has_training(session: Session, person: Person) -> bool:
    return session.scalar(select(TrainingAttendee.id).where(TrainingAttendee.person_id == person.id)
                          .limit(1)) is not None


def newly_responsible(session: Session, person: Person, account_id: int | None = None) -> bool:
    """Whether `person`, now the responsible person (专人, 第21条) of account `account_id`, has just become one: no other
    account of the ledger names them — whatever its status, as one closed since made them a responsible person too.
    Someone who already answers for an account and takes on another (a unit's second platform, a colleague's account)
    is not 新任."""
    from models.account import Account
    others = select(Account.id).where(Account.responsible_id == person.id)
    if account_id is not None:
        others = others.where(Account.id != account_id)
    return session.scalar(others.limit(1)) is None


def flag_untrained(session: Session, person: Person, account_id: int | None = None) -> bool:
    """Tell the bureau that a newly appointed responsible person has no training on record.

    Call it where an account's responsible person (专人, 第21条) changes to `person` (`account_id`: that account);
    only someone who was not a responsible person before (newly_responsible) is 新任. Once a year per person."""
    if has_training(session, person) or not newly_responsible(session, person, account_id):
        return False
    admins = org.bureau_people(session, person.unit, org.BUREAU_ADMIN)
    year = clock.today().year
    outbox.push_text(session, admins,
                     f"培训提醒：{person.unit.name}的{person.name}新任政务新媒体账号负责人，培训台账中没有其参训记录。"
                     "请安排培训（第28条），培训后用「培训登记」记录。",
                     dedupe_key=f"untrained:{person.id}:{year}")
    return True


def units_needing_training(session: Session, year: int, unit_ids: list[int] | None = None) -> list[Unit]:
    """Host units with an account in use at `year`'s end and no trained person that year (涉密单位 and 内设机构 left
    out, as in 培训台账: 第8条 bars their accounts, which are to be closed, not trained for). For a year gone by, an
    account opened since does not count, and one closed since does (as the December bulletin counts them)."""
    from models.account import Account, in_use_on
    in_use = select(Account.unit_id).where(in_use_on(date(year, 12, 31)))
    stmt = (select(Unit).where(Unit.kind == org.HOST_UNIT, Unit.active, Unit.id.in_(in_use),
                               Unit.is_classified.is_(False), Unit.is_internal.is_(False))  # may hold none (第8条)
            .order_by(Unit.id))
    if unit_ids is not None:
        stmt = stmt.where(Unit.id.in_(unit_ids))
    trained = trained_unit_ids(session, year)
    return [u for u in session.scalars(stmt) if u.id not in trained]
