"""The outbox: every push to a person is a row written with the change that causes it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    userid: Mapped[str] = mapped_column(String(64), index=True)
    msgtype: Mapped[str] = mapped_column(String(30))  # text/markdown/textcard/file/image/template_card/card_update
    payload: Mapped[dict]  # the msgtype's body (without touser/agentid)
    content_hash: Mapped[str] = mapped_column(String(64))  # same content → one API call for many people
    file_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_file.id"))
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    msgid: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    failed_at: Mapped[datetime | None]  # when it became FAILED (for the bureau's daily summary)
    resent_at: Mapped[datetime | None]  # put back to pending by `outbox resend` / 重发失败推送: the retry window restarts
    # The first attempt whose outcome is unknown (a timeout, a dropped connection, a 5xx, a worker killed mid-send):
    # it may have reached the person, so later attempts ask WeCom's duplicate check to look back at least that far.
    uncertain_at: Mapped[datetime | None]
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)  # e.g. "remind:week:2026-W48:alice"


# WeCom ignores a userid's case: the repeat check finds a person's rows under any spelling (jobs/delivery_repeats)
Index("ix_outbox_message_userid_lower", func.lower(OutboxMessage.userid))


class OutboxFile(Base):
    """A file (xlsx, docx, png) to send; uploaded at delivery time, media_id cached 3 days."""

    __tablename__ = "outbox_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(10), default="file")  # file / image
    content: Mapped[bytes] = mapped_column(LargeBinary)
    media_id: Mapped[str | None] = mapped_column(String(200))
    uploaded_at: Mapped[datetime | None]
