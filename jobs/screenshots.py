"""Keeping screenshots: fetch the picture behind a clerk's media id from WeCom and store it (models/screenshot.py).

`receive`, in the callback's transaction, writes a PENDING row and queues `fetch` once the transaction has
committed; nothing on the callback path talks to WeCom. The per-minute sweeper (jobs/maintenance.py) queues again
the rows whose job Redis lost, and those whose retry is due. A job claims a row by moving its next attempt LEASE
ahead (a worker killed mid-fetch leaves it to the sweeper after that), fetches with no transaction open, and stores
only a row still pending: however many jobs ran, the picture is stored once and forwarded once.

Failures other than 40007 (WeCom busy, HTTP 5xx, timeouts, a refused IP) are retried with the outbox's backoff
(10 s doubling, capped at 30 minutes) for as long as WeCom may hold the picture (3 days from its receipt). 40007,
or those 3 days over, make the row EXPIRED: the filing is without a screenshot again, so that 补截图 offers it,
and the clerk is told so once, through the outbox. The picture's bytes are never logged.
"""
from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import clock, db, outbox
from bot.wecom_client import Media, WeComError, get_api
from jobs.delivery import ENQUEUE_TIMEOUT, SWEEP_AFTER, backoff
from models import audit
from models.screenshot import EXPIRED, PENDING, STORED, Screenshot

log = logging.getLogger("bot.screenshots")

HELD_FOR = timedelta(days=3)  # how long WeCom serves what a member sent
LEASE = timedelta(minutes=5)  # a claimed row is left alone this long (one fetch takes seconds)


def receive(session: Session, media_id: str, userid: str) -> Screenshot:
    """A pending row for the picture, in the caller's transaction; its fetch is queued after the commit."""
    now = clock.now()
    shot = Screenshot(media_id=media_id, sent_by=userid, received_at=now, status=PENDING, attempts=0,
                      next_attempt_at=now)
    session.add(shot)
    session.flush()
    shot_id = shot.id
    outbox.after_commit(session, lambda: enqueue([shot_id]))
    return shot


def enqueue(ids: list[int]) -> None:
    """Queue the fetch; if Redis is down the sweeper finds the rows later."""
    from jobs import queue
    try:
        queue(socket_timeout=ENQUEUE_TIMEOUT).enqueue(fetch, ids, job_timeout=600, result_ttl=60, failure_ttl=86400)
    except Exception as exc:  # redis down: the rows are safe in the database
        log.warning("screenshot enqueue deferred rows=%s error=%s", len(ids), type(exc).__name__)


def fetch(ids: list[int]) -> dict:
    """Fetch and store the given pictures that are still pending and due; returns counts for logs and tests."""
    stats: dict[str, int] = defaultdict(int)
    for shot_id in ids:
        media_id = _claim(shot_id)
        if media_id is None:
            continue
        try:
            media = get_api().download(media_id)
        except WeComError as err:
            stats[_failed(shot_id, err)] += 1
            continue
        stats[_store(shot_id, media)] += 1
    return dict(stats)


def _claim(shot_id: int) -> str | None:
    now = clock.now()
    with db.transaction() as session:
        return session.scalar(update(Screenshot)
                              .where(Screenshot.id == shot_id, Screenshot.status == PENDING,
                                     Screenshot.next_attempt_at <= now)
                              .values(next_attempt_at=now + LEASE, attempts=Screenshot.attempts + 1)
                              .returning(Screenshot.media_id))


def _store(shot_id: int, media: Media) -> str:
    digest = hashlib.sha256(media.content).hexdigest()
    with db.transaction() as session:
        done = session.execute(update(Screenshot).where(Screenshot.id == shot_id, Screenshot.status == PENDING)
                               .values(status=STORED, content=media.content, content_type=media.content_type,
                                       size=len(media.content), sha256=digest, fetched_at=clock.now(), error=None))
        if not done.rowcount:
            return "gone"  # another job stored it meanwhile
        audit.record(session, actor="system", action="screenshot.stored", entity="screenshot", entity_id=shot_id,
                     before={"status": PENDING}, after={"status": STORED, "size": len(media.content), "sha256": digest})
        shot = session.get(Screenshot, shot_id)
        for kind, row in holders(session, shot_id):
            kind.on_stored(session, row, shot)
    log.info("screenshot id=%s stored type=%s size=%s", shot_id, media.content_type, len(media.content))
    return "stored"


def _failed(shot_id: int, err: WeComError) -> str:
    now = clock.now()
    error = f"{err.errcode}: {err.errmsg}"[:500]
    with db.transaction() as session:
        shot = session.get(Screenshot, shot_id)
        if err.errcode == 40007 or now >= shot.received_at + HELD_FOR:
            outcome = "expired" if _expire(session, shot, error) else "gone"
        else:
            session.execute(update(Screenshot).where(Screenshot.id == shot_id, Screenshot.status == PENDING)
                            .values(next_attempt_at=min(now + backoff(shot.attempts), shot.received_at + HELD_FOR),
                                    error=error))
            outcome = "retry"
    log.warning("screenshot id=%s fetch failed errcode=%s retryable=%s outcome=%s", shot_id, err.errcode,
                err.retryable, outcome)
    return outcome


def _expire(session: Session, shot: Screenshot, error: str) -> bool:
    """WeCom no longer has the picture: the filing is without a screenshot again, and the clerk hears it once."""
    done = session.execute(update(Screenshot).where(Screenshot.id == shot.id, Screenshot.status == PENDING)
                           .values(status=EXPIRED, error=error))
    if not done.rowcount:
        return False
    audit.record(session, actor="system", action="screenshot.expired", entity="screenshot", entity_id=shot.id,
                 before={"status": PENDING}, after={"status": EXPIRED, "error": error})
    for kind, row in holders(session, shot.id):
        setattr(row, kind.shot.key, None)  # 补截图 offers it again; screenshot_id keeps the expired row as the record
        outbox.push_text(session, shot.sent_by, expired_text(kind, row, shot),
                         dedupe_key=f"screenshot:{shot.id}:expired")
    return True


def expired_text(kind, row, shot: Screenshot) -> str:
    """「您12月7日10:05发给第3号申请的报送记录的截图没有保存下来…」"""
    sent = clock.localize(shot.received_at)
    then = kind.settled(row) or "请回复「补截图」重新发送这张截图。"
    return (f"您{sent.month}月{sent.day}日{sent:%H:%M}发给{kind.label(row)}的截图没有保存下来："
            f"企业微信只保留图片3天，这张图片已经取不到了。{then}")


def holders(session: Session, shot_id: int) -> list[tuple]:
    """(kind, row) of the filings that link this screenshot (one, or none if it was replaced)."""
    from handlers.screenshots import kinds  # late import: the kinds are the features' own
    return [(kind, row) for kind in kinds().values()
            for row in session.scalars(select(kind.model).where(kind.stored == shot_id))]


def sweep() -> int:
    """Queue the pending pictures whose fetch is due: retries, and jobs Redis lost (rows older than SWEEP_AFTER)."""
    now = clock.now()
    with db.transaction() as session:
        ids = list(session.scalars(select(Screenshot.id).where(
            Screenshot.status == PENDING, Screenshot.next_attempt_at <= now,
            Screenshot.received_at < now - SWEEP_AFTER).order_by(Screenshot.id).limit(10000)))
    if ids:
        enqueue(ids)
    return len(ids)
