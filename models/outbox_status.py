"""What the outbox holds now, for the operator (`flask --app bot outbox status`): how many pushes wait and since
when, why the retried ones failed, how many a worker holds, how many went out in the last day, how many failed."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import clock
from models.outbox import FAILED, PENDING, SENDING, SENT, OutboxMessage

FAILED_DAYS = 7  # failures counted this far back (as `outbox resend` looks by default)


@dataclass
class Backlog:
    pending: int = 0
    people: int = 0
    oldest: datetime | None = None  # created_at of the oldest pending push
    retrying: int = 0  # pending pushes that have failed at least once
    errors: list[tuple[str, int]] = field(default_factory=list)  # their latest errors, the commonest first
    sending: int = 0
    oldest_claim: datetime | None = None
    sent_day: int = 0
    failed: int = 0


def backlog(session: Session) -> Backlog:
    now = clock.now()
    pending = OutboxMessage.status == PENDING
    count, people, oldest, retrying = session.execute(select(
        func.count(), func.count(func.distinct(func.lower(OutboxMessage.userid))), func.min(OutboxMessage.created_at),
        func.count().filter(OutboxMessage.attempts > 0)).where(pending)).one()
    errors = session.execute(select(OutboxMessage.error, func.count()).where(
        pending, OutboxMessage.error.is_not(None)).group_by(OutboxMessage.error).order_by(
        func.count().desc()).limit(3)).all()
    sending, oldest_claim = session.execute(select(func.count(), func.min(OutboxMessage.claimed_at)).where(
        OutboxMessage.status == SENDING)).one()
    sent_day = session.scalar(select(func.count()).where(
        OutboxMessage.status == SENT, OutboxMessage.sent_at >= now - timedelta(days=1)))
    failed = session.scalar(select(func.count()).where(
        OutboxMessage.status == FAILED, OutboxMessage.failed_at >= now - timedelta(days=FAILED_DAYS)))
    return Backlog(count, people, oldest, retrying, [(e, n) for e, n in errors], sending, oldest_claim, sent_day,
                   failed)


def lines(b: Backlog) -> list[str]:
    """The report, in Chinese, one fact a line."""
    out = [f"待发送：{b.pending} 条（{b.people} 人）" + (f"，最早的一条已等待 {_age(b.oldest)}" if b.oldest else "")]
    if b.retrying:
        out.append(f"  其中 {b.retrying} 条发送失败、正在按退避重试，最近的错误："
                   + "；".join(f"{error[:80]}（{n} 条）" for error, n in b.errors))
    if b.sending:
        out.append(f"发送中：{b.sending} 条，最早 {_age(b.oldest_claim)}前由 worker 取走"
                   "（worker 被强杀时由每分钟的清扫任务收回重发）")
    out.append(f"最近 24 小时已送达：{b.sent_day} 条")
    out.append(f"最近 {FAILED_DAYS} 天发送失败（未重发）：{b.failed} 条"
               + ("，查看原因并重发：flask --app bot outbox resend --dry-run" if b.failed else ""))
    return out


def _age(moment: datetime) -> str:
    minutes = max(0, int((clock.now() - moment).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} 分钟"
    return f"{minutes // 60} 小时 {minutes % 60} 分钟"
