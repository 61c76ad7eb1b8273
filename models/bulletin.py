"""Stored monthly bulletins (月度通报): one row per county bureau per month, kept as JSON.

草稿 (draft) after generation, sent to the bureau admins only; 已发布 once an admin publishes it,
when each unit receives its own part. The JSON is `bot.bulletin.serial.to_json` of the Bulletin.
A draft may be computed again from the data as it is now (重新生成通报): the row is replaced in place and
`revision` counts the versions (1 = as the monthly job made it); the audit log keeps what each replaced.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base
from models.org import Unit

DRAFT = "草稿"
PUBLISHED = "已发布"
CARD_KIND = "bulletin"


class StoredBulletin(Base):
    __tablename__ = "bulletin"
    __table_args__ = (UniqueConstraint("bureau_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # "2026-11"
    data: Mapped[dict]
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    generated_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(default=1, server_default="1")

    bureau: Mapped[Unit] = relationship()

    @property
    def period(self) -> str:
        year, month = self.month.split("-")
        return f"{int(year)}年{int(month)}月"


def find(session: Session, bureau_id: int, month: str, *, lock: bool = False) -> StoredBulletin | None:
    stmt = select(StoredBulletin).where(StoredBulletin.bureau_id == bureau_id, StoredBulletin.month == month)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def of_bureau(session: Session, bureau_id: int, year: int | None = None) -> list[StoredBulletin]:
    stmt = select(StoredBulletin).where(StoredBulletin.bureau_id == bureau_id).order_by(StoredBulletin.month)
    if year is not None:
        stmt = stmt.where(StoredBulletin.month.like(f"{year}-%"))
    return list(session.scalars(stmt))
