"""Putting failed pushes back in the queue (`flask --app bot outbox resend`, 「重发失败推送」).

A resent row is pending again with a fresh retry window; it keeps its content, recipient and
dedupe key. Rows to people WeCom called invalid are skipped unless the person has been
re-activated since (the mark is cleared then, see models/directory.py and models/org_sync.py);
rows to people who have left (停用) are skipped too, and so are interactive cards whose matter was settled
meanwhile (the card is closed: resent, it would arrive with live buttons for something already decided).
Every resend is one audit row.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot import clock
from models import audit
from models.delivery_failures import CHUNK, INVALID_USER, MESSAGES, cause_of, recipients
from models.org import Person, userid_is
from models.outbox import FAILED, PENDING, OutboxMessage
from models.platform import Card

DEFAULT_DAYS = 7  # without --since: the pushes of the last week
SKIP_INVALID, SKIP_INACTIVE, SKIP_SETTLED = "invalid", "inactive", "settled"
SKIP_REASONS = {
    SKIP_INVALID: "收件人在企业微信中无效（已离职、已禁用或不在应用可见范围），且之后没有在通讯录中重新启用",
    SKIP_INACTIVE: "收件人已在通讯录中停用",
    SKIP_SETTLED: "卡片上的事项已经处理完毕（重发只会送去一张过时的、还能点的卡片）",
}


@dataclass
class ResendPlan:
    since: datetime
    ids: list[int] = field(default_factory=list)  # rows to resend
    people: set[str] = field(default_factory=set)
    causes: Counter = field(default_factory=Counter)  # why the rows to resend failed
    skipped: Counter = field(default_factory=Counter)  # SKIP_* → rows

    @property
    def failed(self) -> int:
        return len(self.ids) + sum(self.skipped.values())


def default_since() -> datetime:
    return clock.now() - timedelta(days=DEFAULT_DAYS)


def plan(session: Session, *, since: datetime, unit_ids: list[int] | None = None,
         userid: str | None = None) -> ResendPlan:
    """The failed rows pushed (or last resent) since `since`, to people in `unit_ids` (None: to
    anyone, also userids the directory does not know) or to `userid`, and which to skip."""
    stmt = select(OutboxMessage.id, OutboxMessage.userid, OutboxMessage.error, OutboxMessage.msgtype).where(
        OutboxMessage.status == FAILED, OutboxMessage.msgtype.in_(MESSAGES),
        func.coalesce(OutboxMessage.resent_at, OutboxMessage.created_at) >= since).order_by(OutboxMessage.id)
    if userid:
        stmt = stmt.where(userid_is(OutboxMessage.userid, userid))
    rows = session.execute(stmt).all()
    people = recipients(session, {u for _, u, _, _ in rows})
    settled = _settled_cards(session, [row_id for row_id, _, _, msgtype in rows if msgtype == "template_card"])
    result = ResendPlan(since=since)
    for row_id, row_userid, error, _ in rows:
        person = people.get(row_userid.lower())
        if unit_ids is not None and (person is None or person.unit_id not in unit_ids):
            continue
        skip = SKIP_SETTLED if row_id in settled else _skip_reason(person, cause_of(error))
        if skip:
            result.skipped[skip] += 1
            continue
        result.ids.append(row_id)
        result.people.add(row_userid.lower())
        result.causes[cause_of(error)] += 1
    return result


def _settled_cards(session: Session, row_ids: list[int]) -> set[int]:
    """Those of these card rows whose card was closed (its matter decided) after the send failed."""
    settled: set[int] = set()
    for start in range(0, len(row_ids), CHUNK):
        settled.update(session.scalars(select(Card.outbox_id).where(
            Card.outbox_id.in_(row_ids[start:start + CHUNK]), Card.status == "closed")))
    return settled


def _skip_reason(person: Person | None, cause: str) -> str | None:
    if person is None:
        return SKIP_INVALID if cause == INVALID_USER else None
    if person.wecom_invalid:
        return SKIP_INVALID
    if not person.active:
        return SKIP_INACTIVE
    return None


def resend(session: Session, planned: ResendPlan, *, actor: str, scope: str,
           source_msg: str | None = None) -> int:
    """Put the planned rows that are still FAILED back to pending (queued after commit); audited."""
    now = clock.now()
    done: list[int] = []
    for start in range(0, len(planned.ids), CHUNK):
        done += session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(planned.ids[start:start + CHUNK]), OutboxMessage.status == FAILED)
            .values(status=PENDING, next_attempt_at=now, attempts=0, resent_at=now, failed_at=None,
                    claimed_at=None)
            .returning(OutboxMessage.id)).all()
    done.sort()
    if done:
        session.info.setdefault("outbox_ids", []).extend(done)  # bot/outbox.py enqueues them after commit
    audit.record(session, actor=actor, action="outbox.resend", entity="outbox_message", entity_id=None,
                 before={"status": FAILED},
                 after={"status": PENDING, "count": len(done), "ids": id_ranges(done), "scope": scope,
                        "since": planned.since.isoformat(timespec="minutes"),
                        "skipped": {SKIP_REASONS[k]: v for k, v in sorted(planned.skipped.items())}},
                 source_msg=source_msg)
    return len(done)


def id_ranges(ids: list[int]) -> str:
    """1,2,3,7,9,10 → "1-3,7,9-10": the audit row names every row without growing with a long outage."""
    parts, start, prev = [], None, None
    for i in sorted(ids):
        if start is None:
            start = prev = i
        elif i == prev + 1:
            prev = i
        else:
            parts.append(f"{start}-{prev}" if prev != start else str(start))
            start = prev = i
    if start is not None:
        parts.append(f"{start}-{prev}" if prev != start else str(start))
    return ",".join(parts)


def skipped_lines(planned: ResendPlan) -> list[str]:
    return [f"{SKIP_REASONS[k]}：{n} 条" for k, n in sorted(planned.skipped.items())]
