"""Repeats: make a push distinct from what its recipient got moments ago from ANOTHER outbox row.

Every send carries `enable_duplicate_check` (a resend after an uncertain attempt must be dropped), so
WeCom also drops a second, different row whose content equals one the same person received within the
duplicate window — silently, while we record it as sent (a draft regenerated with an unchanged summary,
a reminder repeated, the same notice about two events). Before a row's first attempt its content is
compared with the rows "in play" for the same person; if one is equal, the row gets a short note
(「（09:05 再次发送）」) and the changed payload is stored, so the row's own resends stay identical and
are still dropped by WeCom.

In play: rows being sent, rows already attempted and waiting for a retry (they may have arrived, or
will), rows sent within WeCom's window (plus a margin for clock drift), FAILED rows whose failure
came within that window after an uncertain attempt. Interactive cards (a task_id each), files and pictures (a
fresh media_id per push) and card updates never repeat.

A row's own resend is marked the same way when its attempt of unknown outcome (`uncertain_at`) lies further back
than WeCom's duplicate check can look (4 hours): WeCom could no longer drop it as a copy, so if that attempt did
arrive the person gets the text twice, the second one saying it is sent again (rather than none, or two the same).

A person's decisions are taken under a Redis lock, and only for rows whose content is already in play:
two workers sending equal rows to one person at once cannot both keep (or both choose) the same text.
A person is his userid in lower case: WeCom ignores the case, and `org sync` may respell a userid between
two rows (the roster's jy_zhang, then WeCom's JY_Zhang).
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import and_, func, or_, select, update

from bot import clock, db
from bot.outbox import TEXT_LIMIT, _hash
from bot.wecom_client import DUPLICATE_WINDOW
from models.outbox import FAILED, PENDING, SENDING, SENT, OutboxMessage

log = logging.getLogger("bot.delivery")

MARKABLE = ("text", "markdown", "textcard")
WINDOW = timedelta(seconds=DUPLICATE_WINDOW + 300)
DESCRIPTION_LIMIT = 512  # bytes, a textcard's description
CHUNK = 1000  # userids per IN (…) list


def note(k: int, hhmm: str) -> str:
    """k = 1: the second time this content goes to the person; 2: the third …"""
    return f"（{hhmm} 再次发送）" if k == 1 else f"（{hhmm} 第{k + 1}次发送）"


def _fit(content: str, tail: str, limit: int) -> str:
    """`content + tail` within `limit` bytes; a text at the limit loses its end rather than the note."""
    if len((content + tail).encode()) <= limit:
        return content + tail
    room = limit - len(tail.encode()) - len("…".encode())
    cut = len(content)
    while cut and len(content[:cut].encode()) > room:
        cut -= 1
    return content[:cut] + "…" + tail


def marked(msgtype: str, payload: dict, k: int, hhmm: str) -> dict:
    text = note(k, hhmm)
    if msgtype == "text":
        return {**payload, "content": _fit(payload["content"], "\n" + text, TEXT_LIMIT)}
    if msgtype == "markdown":
        return {**payload, "content": _fit(payload["content"], f'\n<font color="comment">{text}</font>', TEXT_LIMIT)}
    return {**payload, "description": _fit(payload.get("description") or "", f'<div class="gray">{text}</div>',
                                           DESCRIPTION_LIMIT)}


def _in_play(now):
    return or_(OutboxMessage.status == SENDING,
               and_(OutboxMessage.status == PENDING, OutboxMessage.attempts > 0),
               and_(OutboxMessage.status == SENT, OutboxMessage.sent_at >= now - WINDOW),
               and_(OutboxMessage.status == FAILED, OutboxMessage.uncertain_at.is_not(None),
                    OutboxMessage.failed_at >= now - WINDOW))


def make_distinct(redis, rows: list[OutboxMessage]) -> None:
    """Give each first attempt among `rows` content its recipient cannot have from another row (in place)."""
    first = [r for r in rows if r.attempts == 1 and r.msgtype in MARKABLE]
    if not first:
        return
    now = clock.now()
    users = sorted({r.userid.lower() for r in first})
    hashes = sorted({r.content_hash for r in first})
    found: dict[tuple[str, str], set[int]] = defaultdict(set)
    with db.transaction() as session:
        for start in range(0, len(users), CHUNK):
            for rid, userid, digest in session.execute(
                    select(OutboxMessage.id, OutboxMessage.userid, OutboxMessage.content_hash).where(
                        func.lower(OutboxMessage.userid).in_(users[start:start + CHUNK]),
                        OutboxMessage.content_hash.in_(hashes), _in_play(now))):
                found[(userid.lower(), digest)].add(rid)
    clashing = sorted({r.userid.lower() for r in first if found[(r.userid.lower(), r.content_hash)] - {r.id}})
    for person in clashing:
        with redis.lock(f"zwxmt:repeat:{person}", timeout=30, blocking_timeout=30):
            _decide(person, sorted((r for r in first if r.userid.lower() == person), key=lambda r: r.id))


def mark_late_resends(rows: list[OutboxMessage], reach: timedelta) -> None:
    """Mark each of `rows` (in place, and stored) whose uncertain attempt is more than `reach` ago: its resend can
    no longer be dropped by WeCom as a copy. The marked content is new to WeCom, so `uncertain_at` is cleared (an
    uncertain attempt of the marked row is guarded again from its own time)."""
    now = clock.now()
    late = [r for r in rows if r.msgtype in MARKABLE and r.uncertain_at is not None and now - r.uncertain_at > reach]
    if not late:
        return
    hhmm = clock.localize(now).strftime("%H:%M")
    with db.transaction() as session:
        for row in late:
            payload = marked(row.msgtype, row.payload, 1, hhmm)
            digest = _hash(row.msgtype, payload, row.file_id)
            session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                            .values(payload=payload, content_hash=digest, uncertain_at=None))
            row.payload, row.content_hash, row.uncertain_at = payload, digest, None
            log.info("delivery row=%s type=%s resent beyond WeCom's duplicate check: marked as sent again",
                     row.id, row.msgtype)


def _decide(person: str, mine: list[OutboxMessage]) -> None:
    """Under the person's lock (`person`: the userid in lower case): mark each of `mine` (id order) whose
    content is taken, and store it."""
    now = clock.now()
    hhmm = clock.localize(now).strftime("%H:%M")
    ours = {r.id for r in mine}
    with db.transaction() as session:
        taken = {(t, h) for rid, t, h in session.execute(
            select(OutboxMessage.id, OutboxMessage.msgtype, OutboxMessage.content_hash).where(
                func.lower(OutboxMessage.userid) == person, OutboxMessage.msgtype.in_(MARKABLE), _in_play(now)))
            if rid not in ours}  # our own rows count once decided (below), the earlier ones first
        for row in mine:
            key = (row.msgtype, row.content_hash)
            k = 0
            payload = row.payload
            while key in taken:
                k += 1
                payload = marked(row.msgtype, row.payload, k, hhmm)
                key = (row.msgtype, _hash(row.msgtype, payload, row.file_id))
            taken.add(key)
            if k:
                session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                                .values(payload=payload, content_hash=key[1]))
                row.payload, row.content_hash = payload, key[1]
                log.info("delivery row=%s type=%s repeats content the person had from another row: marked (%s)",
                         row.id, row.msgtype, k)
