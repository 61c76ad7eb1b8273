"""Platform records: conversations, inbound callbacks, cards and scheduled runs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Conversation(Base):
    """One row per WeCom user: where their dialogue is and what they have typed so far."""

    __tablename__ = "conversation"

    userid: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(80))
    data: Mapped[dict] = mapped_column(default=dict)
    history: Mapped[list] = mapped_column(default=list)  # [(state, data)] for 上一步
    draft: Mapped[dict | None]  # what an expired dialogue left behind, for 继续
    expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]


class InboundCallback(Base):
    """Each callback's de-duplication key and the reply it got (a retry gets the same reply)."""

    __tablename__ = "inbound_callback"

    dedupe_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    userid: Mapped[str] = mapped_column(String(64))  # no index: no query asks by sender, every callback writes one
    msg_type: Mapped[str] = mapped_column(String(40))
    handler: Mapped[str | None] = mapped_column(String(80))
    reply: Mapped[dict | None]  # {"kind": "text"|"update_button", "content": ...}
    outcome: Mapped[str] = mapped_column(String(20), default="ok")
    received_at: Mapped[datetime]


class Card(Base):
    """An interactive template card we sent: routes clicks and keeps the newest ResponseCode."""

    __tablename__ = "card"

    task_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. "approval", "bulletin"
    ref_id: Mapped[int | None]
    userid: Mapped[str] = mapped_column(String(64), index=True)
    response_code: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open / closed
    result: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # The outbox row that sends the card, written with it: greying a card that has no ResponseCode yet
    # asks this row whether the card is still on its way. None only for a card whose row was never found.
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))


class JobRun(Base):
    """One row per scheduled job per period: the unique key makes each period run once."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    period: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued/done/failed/skipped/lost
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    detail: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=1, server_default="1")  # runs of this period, retries included
