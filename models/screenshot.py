"""Screenshots (截图) kept as evidence: the picture itself, fetched from WeCom after the clerk sent it.

WeCom holds what a member sends for 3 days only (its media id answers 40007 after), while the bureau needs the
evidence for the monthly inspection, the bulletins and the year-end assessment (第11条, 第29–31条). The callback
writes a PENDING row with the media id (no HTTP on the callback path); jobs/screenshots.py fetches the bytes
(STORED), or finds WeCom no longer has them (EXPIRED: the clerk is asked to send the picture again with 补截图).
A registry filing and a rectification answer link their screenshot by `screenshot_id`.
"""
from __future__ import annotations

import mimetypes
from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

PENDING, STORED, EXPIRED = "pending", "stored", "expired"


class Screenshot(Base):
    __tablename__ = "screenshot"
    __table_args__ = (Index("ix_screenshot_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[str] = mapped_column(String(200))  # as the clerk's picture came (valid 3 days)
    sent_by: Mapped[str] = mapped_column(String(64))  # the clerk's userid
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]  # a PENDING row is fetched (or swept) from then on
    error: Mapped[str | None] = mapped_column(Text)  # the last failure, e.g. "40007: invalid media_id"
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # never logged
    content_type: Mapped[str | None] = mapped_column(String(100))  # e.g. image/png
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime | None]

    def filename(self, stem: str) -> str:
        """`stem` with the extension of the picture's type: 「整改事项3截图.png」."""
        kind = self.content_type or ""
        return stem + ((mimetypes.guess_extension(kind) if kind.startswith("image/") else None) or ".jpg")

    @property
    def shown(self) -> str:
        """The picture's state as the bureau reads it, e.g. in 查看 and 单位记录."""
        if self.status == STORED:
            return f"截图已存档（{max(1, -(-self.size // 1024))} KB）"
        if self.status == EXPIRED:
            return "截图未能保存（企业微信已不再提供），已请经办人用「补截图」重新发送"
        return "截图正在保存"
