"""Append-only audit log (database triggers refuse UPDATE and DELETE)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot import clock
from models.base import Base


SOURCE_MSG = "source_msg"  # key in Session.info: the de-dup key of the callback the session works for


class AuditLog(Base):
    __tablename__ = "audit_log"
    # a record's history (查看's 收回, a person's deactivation) is read by entity: no scan of the whole log
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(64))  # userid, or "system:<job>"
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    before: Mapped[dict | None]
    after: Mapped[dict | None]
    source_msg: Mapped[str | None] = mapped_column(String(200))


def record(session: Session, *, actor: str | None, action: str, entity: str, entity_id=None,
           before: dict | None = None, after: dict | None = None, source_msg: str | None = None) -> AuditLog:
    """Add an audit row to the caller's transaction. `source_msg` defaults to the callback the session serves
    (`session.info["source_msg"]`, set by the router's context): a model function called from a handler names
    the message that caused the change without every caller passing it down."""
    if source_msg is None:
        source_msg = session.info.get(SOURCE_MSG)
    row = AuditLog(at=clock.now(), actor=actor, action=action, entity=entity,
                   entity_id=None if entity_id is None else str(entity_id),
                   before=before, after=after, source_msg=source_msg)
    session.add(row)
    return row
