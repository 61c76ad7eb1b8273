"""Bureau measures against a host unit (第32条): 约谈 / 警告 / 通报 / 责令关闭."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base
from models.org import Unit

INTERVIEW, WARNING, NOTICE, ORDER_CLOSE = "约谈", "警告", "通报", "责令关闭"
KINDS = (INTERVIEW, WARNING, NOTICE, ORDER_CLOSE)


class Measure(Base):
    __tablename__ = "measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))  # the account concerned, if one
    meeting_time: Mapped[str | None] = mapped_column(String(60))  # 约谈: when (as the bureau wrote it, or 待定)
    meeting_place: Mapped[str | None] = mapped_column(String(120))  # 约谈: where
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]

    unit: Mapped[Unit] = relationship()


def measures_of_unit(session: Session, unit_id: int) -> list[Measure]:
    return list(session.scalars(select(Measure).where(Measure.unit_id == unit_id).order_by(Measure.id)))
