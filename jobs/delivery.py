"""Delivery of outbox rows through WeCom: batching, throttling, retries, exactly-once.

A row is claimed (pending → sending) in its own transaction before the API call, and
marked sent with WeCom's msgid right after it. A worker killed between the two leaves the
row `sending`; the sweeper returns it to `pending` and the resend carries
`enable_duplicate_check`, so WeCom drops the copy.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select, update

from bot import clock, config, db
from bot.wecom_client import WeComAPI, WeComError, get_api
from models.org import Person
from models.outbox import FAILED, PENDING, SENDING, SENT, OutboxFile, OutboxMessage
from models.platform import Card

log = logging.getLogger("bot.delivery")

BATCH = 1000  # WeCom accepts up to 1000 userids per message/send
MAX_ATTEMPTS = 8
STUCK_AFTER = timedelta(minutes=5)
SWEEP_AFTER = timedelta(seconds=30)


def enqueue(ids: list[int]) -> None:
    """After commit: queue delivery; if Redis is down the sweeper will find the rows later."""
    from jobs import queue
    try:
        q = queue()
        for start in range(0, len(ids), BATCH):
            q.enqueue(deliver, ids[start:start + BATCH], job_timeout=600, result_ttl=60, failure_ttl=86400)
    except Exception as exc:  # redis down: the rows are safe in the database
        log.warning("delivery enqueue deferred rows=%s error=%s", len(ids), type(exc).__name__)


def _claim(ids: list[int]) -> list[OutboxMessage]:
    now = clock.now()
    with db.transaction() as session:
        claimed = session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == PENDING,
                   OutboxMessage.next_attempt_at <= now)
            .values(status=SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage.id)).all()
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(claimed))
                                    .order_by(OutboxMessage.id)))
    return rows


def deliver(ids: list[int]) -> dict:
    """Send the given rows that are still pending; returns counts for logs and tests."""
    rows = _claim(list(ids))
    stats = defaultdict(int)
    if not rows:
        return dict(stats)
    api = get_api()
    allowed, throttled = _throttle(api, rows)
    if throttled:
        _defer([r.id for r in throttled], timedelta(seconds=61), "throttled")
        stats["throttled"] += len(throttled)
    groups: dict[tuple, list[OutboxMessage]] = defaultdict(list)
    for row in allowed:
        if row.msgtype == "card_update":
            _deliver_card_update(api, row, stats)
        else:
            groups[(row.msgtype, row.content_hash)].append(row)
    for group in groups.values():
        for start in range(0, len(group), BATCH):
            _deliver_group(api, group[start:start + BATCH], stats)
    return dict(stats)


def _payload(api: WeComAPI, row: OutboxMessage) -> dict:
    if row.file_id is None:
        return row.payload
    with db.transaction() as session:
        record = session.get(OutboxFile, row.file_id)
        fresh = record.uploaded_at and clock.now() - record.uploaded_at < timedelta(days=2, hours=12)
        if not (record.media_id and fresh):
            record.media_id = api.upload(record.media_type, record.filename, record.content)
            record.uploaded_at = clock.now()
        return {"media_id": record.media_id}


def _deliver_group(api: WeComAPI, rows: list[OutboxMessage], stats) -> None:
    first = rows[0]
    userids = [r.userid for r in rows]
    try:
        # WeCom's duplicate check drops identical content to a person for 30 minutes, so it is
        # only a guard for resends: rows that may already have reached WeCom once.
        resend = any(r.attempts > 1 for r in rows)
        result = api.send(first.msgtype, _payload(api, first), userids, duplicate_check=resend)
    except WeComError as err:
        if err.errcode == 81013:
            _mark_invalid(rows, set(userids), err)
            stats["invalid"] += len(rows)
        elif err.retryable:
            _retry(rows, err)
            stats["retry"] += len(rows)
        else:
            _fail(rows, err)
            stats["failed"] += len(rows)
        log.warning("delivery rows=%s type=%s errcode=%s retryable=%s", len(rows), first.msgtype,
                    err.errcode, err.retryable)
        return
    invalid = {u.lower() for u in result.invalid_users}
    bad = [r for r in rows if r.userid.lower() in invalid]
    good = [r for r in rows if r.userid.lower() not in invalid]
    now = clock.now()
    with db.transaction() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in good]))
                        .values(status=SENT, sent_at=now, msgid=result.msgid, error=None))
        if first.msgtype == "template_card" and result.response_code:
            session.execute(update(Card).where(Card.task_id == first.payload.get("task_id"))
                            .values(response_code=result.response_code))
    if bad:
        _mark_invalid(bad, {r.userid.lower() for r in bad}, None)
    stats["sent"] += len(good)
    stats["invalid"] += len(bad)
    log.info("delivery rows=%s type=%s outcome=sent invalid=%s", len(good), first.msgtype, len(bad))


def _deliver_card_update(api: WeComAPI, row: OutboxMessage, stats) -> None:
    with db.transaction() as session:
        card = session.get(Card, row.payload["task_id"])
        code = card.response_code if card else None
    if not code:
        _fail([row], WeComError(None, "card has no response code yet", retryable=False))
        stats["failed"] += 1
        return
    try:
        api.update_card([row.userid], code, button_label=row.payload["replace_name"])
    except WeComError as err:
        (_retry if err.retryable else _fail)([row], err)
        stats["retry" if err.retryable else "failed"] += 1
        return
    with db.transaction() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                        .values(status=SENT, sent_at=clock.now()))
        session.execute(update(Card).where(Card.task_id == row.payload["task_id"]).values(response_code=None))
    stats["sent"] += 1


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 10 * 2 ** max(0, attempts - 1)))


def _retry(rows: list[OutboxMessage], err: WeComError) -> None:
    now = clock.now()
    with db.transaction() as session:
        for row in rows:
            if row.attempts >= MAX_ATTEMPTS:
                values = dict(status=FAILED, error=f"gave up after {row.attempts}: {err.errcode}")
            else:
                values = dict(status=PENDING, next_attempt_at=now + _backoff(row.attempts),
                              error=f"{err.errcode}: {err.errmsg}"[:500])
            session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(**values))


def _fail(rows: list[OutboxMessage], err: WeComError) -> None:
    with db.transaction() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows]))
                        .values(status=FAILED, error=f"{err.errcode}: {err.errmsg}"[:500]))


def _mark_invalid(rows: list[OutboxMessage], userids: set[str], err: WeComError | None) -> None:
    with db.transaction() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows]))
                        .values(status=FAILED, error="invalid user" + (f" ({err.errcode})" if err else "")))
        for person in session.scalars(select(Person)):
            if person.userid.lower() in userids:
                person.wecom_invalid = True


def _defer(ids: list[int], delay: timedelta, reason: str) -> None:
    with db.transaction() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                        .values(status=PENDING, next_attempt_at=clock.now() + delay, error=reason,
                                attempts=OutboxMessage.attempts - 1))


def _throttle(api: WeComAPI, rows: list[OutboxMessage]) -> tuple[list, list]:
    """Keep every member below WeCom's silent-drop limits (30/minute, 1000/hour)."""
    cfg = config.get()
    now = clock.now()
    minute, hour = now.strftime("%Y%m%d%H%M"), now.strftime("%Y%m%d%H")
    counts: dict[str, int] = defaultdict(int)
    allowed, throttled = [], []
    redis = api.redis
    pipe = redis.pipeline()
    users = sorted({r.userid for r in rows})
    for userid in users:
        pipe.get(f"zwxmt:rate:m:{minute}:{userid}")
        pipe.get(f"zwxmt:rate:h:{hour}:{userid}")
    values = pipe.execute()
    used = {u: (int(values[2 * i] or 0), int(values[2 * i + 1] or 0)) for i, u in enumerate(users)}
    for row in rows:
        per_minute, per_hour = used[row.userid]
        n = counts[row.userid]
        if per_minute + n >= cfg.per_member_per_minute or per_hour + n >= cfg.per_member_per_hour:
            throttled.append(row)
        else:
            counts[row.userid] += 1
            allowed.append(row)
    pipe = redis.pipeline()
    for userid, n in counts.items():
        pipe.incrby(f"zwxmt:rate:m:{minute}:{userid}", n)
        pipe.expire(f"zwxmt:rate:m:{minute}:{userid}", 120)
        pipe.incrby(f"zwxmt:rate:h:{hour}:{userid}", n)
        pipe.expire(f"zwxmt:rate:h:{hour}:{userid}", 7200)
    pipe.execute()
    return allowed, throttled


def sweep() -> int:
    """Re-queue rows that Redis lost (or that a killed worker left `sending`)."""
    now = clock.now()
    with db.transaction() as session:
        session.execute(update(OutboxMessage)
                        .where(OutboxMessage.status == SENDING, OutboxMessage.claimed_at < now - STUCK_AFTER)
                        .values(status=PENDING, next_attempt_at=now))
        ids = list(session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now,
            OutboxMessage.created_at < now - SWEEP_AFTER).order_by(OutboxMessage.id).limit(50000)))
    if ids:
        enqueue(ids)
    return len(ids)
