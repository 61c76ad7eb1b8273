"""Queue pushes to people: rows in the caller's transaction, delivered by RQ after commit.

    push_text(session, person_or_userid_or_list, "内容")
    push_markdown(session, to, "**标题**…", text="纯文本版本")
    push_file(session, to, "台账.xlsx", data)
    push_card(session, to, kind="approval", ref_id=12, card={...})
    push_card_update(session, card_row, button_label="已同意")
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
import unicodedata
from typing import Callable, Iterable

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bot import clock
from bot.text_clean import clean_text
from bot.wecom_crypto import fitted_key
from models.org import Person, userid_in
from models.outbox import OutboxFile, OutboxMessage
from models.platform import Card

log = logging.getLogger("bot.outbox")

TEXT_LIMIT = 2048  # bytes, WeCom's limit for text and markdown content
CHUNK = 1900


def split_text(content: str, limit: int = CHUNK) -> list[str]:
    """Split at line breaks so that each part is at most `limit` UTF-8 bytes."""
    if len(content.encode()) <= TEXT_LIMIT:
        return [content]
    parts, current = [], ""
    for line in content.split("\n"):
        while len(line.encode()) > limit:  # a single over-long line: cut by characters
            cut = _cut(line, limit)
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode()) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    total = len(parts)
    return [f"{p}\n（{i}/{total}）" for i, p in enumerate(parts, 1)]


def _cut(line: str, limit: int) -> int:
    """How many characters of an over-long line go in one part: as many as fit in `limit` bytes, but not ending
    inside an emoji or a letter with its marks (a ZWJ family, a flag's two letters, a skin tone, a variation
    selector, a combining accent), which would show as two broken halves."""
    size = cut = 0
    for ch in line:
        size += len(ch.encode())
        if size > limit:
            break
        cut += 1
    fits = cut
    while cut > 1 and _joined(line, cut):
        cut -= 1
    return fits if cut == 1 else cut


def _joined(line: str, i: int) -> bool:
    """Whether line[i - 1] and line[i] belong to one visible character."""
    before, after = line[i - 1], line[i]
    if before == "\u200d" or after == "\u200d" or unicodedata.category(after).startswith("M"):
        return True
    code = ord(after)
    if 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
        return True  # variation selectors, skin tones, the tags of a subdivision flag
    if _regional(before) and _regional(after):  # flags are pairs of regional indicators: cut between pairs
        run = 0
        while i - 1 - run >= 0 and _regional(line[i - 1 - run]):
            run += 1
        return run % 2 == 1
    return False


def _regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _userids(session: Session, to) -> list[str]:
    items = to if isinstance(to, (list, tuple, set)) else [to]
    out: list[str] = []
    for item in items:
        if isinstance(item, Person):
            if item.active and not item.wecom_invalid:
                out.append(item.userid)
        elif isinstance(item, str):
            out.append(item)
    return list(dict.fromkeys(out))


def sent_to(session: Session, people: list[Person], key_prefix: str) -> list[Person]:
    """Those of `people` who were pushed a message whose dedupe_key starts with `key_prefix`, whatever the case of
    the userid it went to (org sync may respell a userid after the push): by lower(userid), which is indexed."""
    if not people:
        return []
    told = {u.lower() for u in session.scalars(select(OutboxMessage.userid).where(
        userid_in(OutboxMessage.userid, [p.userid for p in people]), OutboxMessage.dedupe_key.like(f"{key_prefix}%")))}
    return [p for p in people if p.userid.lower() in told]


def _hash(msgtype: str, payload: dict, file_id: int | None) -> str:
    raw = json.dumps([msgtype, payload, file_id], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def _key(dedupe_key: str | None, userid: str, digest: str) -> str | None:
    """The row's key: a long one (a caller's key naming many records, then a long userid) keeps its start and the
    SHA-1 of all of it, to fit outbox_message.dedupe_key's 200 characters."""
    return fitted_key(f"{dedupe_key}:{userid}:{digest[:12]}") if dedupe_key else None


def _queued(session: Session, key: str | None) -> bool:
    return bool(key and session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)))


def _add(session: Session, userids: Iterable[str], msgtype: str, payload: dict, *,
         file_id: int | None = None, dedupe_key: str | None = None, same_as: str | None = None) -> list[OutboxMessage]:
    """`same_as`: the digest identifying "the same message" for dedupe_key when the payload
    itself differs on every call (a new task_id, a new file row)."""
    digest = _hash(msgtype, payload, file_id)
    return _insert(session, [(userid, msgtype, payload, digest, file_id, dedupe_key, same_as or digest)
                             for userid in userids])


DEDUPE_CHUNK = 10000  # keys per IN (…) list


def _insert(session: Session, planned: list[tuple]) -> list[OutboxMessage]:
    """Rows for (userid, msgtype, payload, digest, file_id, dedupe_key, key_digest); one query finds
    the keys already queued (not one per recipient), one flush writes the rows."""
    now = clock.now()
    keyed = [(_key(p[5], p[0], p[6]), p) for p in planned]
    keys = [k for k, _ in keyed if k]
    seen: set[str] = set()
    for start in range(0, len(keys), DEDUPE_CHUNK):
        seen.update(session.scalars(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.in_(keys[start:start + DEDUPE_CHUNK]))))
    rows = []
    for key, (userid, msgtype, payload, digest, file_id, _, _) in keyed:
        if key and key in seen:
            continue  # this period's message to this person was already queued
        if key:
            seen.add(key)
        rows.append(OutboxMessage(userid=userid, msgtype=msgtype, payload=payload, content_hash=digest,
                                  file_id=file_id, next_attempt_at=now, created_at=now, dedupe_key=key))
    session.add_all(rows)
    session.flush()
    session.info.setdefault("outbox_ids", []).extend(r.id for r in rows)
    return rows


def push_texts(session: Session, items: list[tuple]) -> list[OutboxMessage]:
    """Many text pushes at once, [(to, content, dedupe_key), …]: for jobs that tell many units
    (one dedupe query and one flush instead of one per push)."""
    planned = []
    for to, content, dedupe_key in items:
        userids = _userids(session, to)
        for part in split_text(content):
            payload = {"content": part}
            digest = _hash("text", payload, None)
            planned += [(userid, "text", payload, digest, None, dedupe_key, digest) for userid in userids]
    return _insert(session, planned)


def push_text(session: Session, to, content: str, *, dedupe_key: str | None = None,
              once: bool = False) -> list[OutboxMessage]:
    """`once`: a person gets one message per dedupe_key whatever it says — for a period's summary (a digest, a
    week's roll-up) that a by-hand re-run would otherwise send again, with newer figures, as a second summary.
    Without it a different content under the same key is a different message."""
    rows = []
    for number, part in enumerate(split_text(content)):
        rows += _add(session, _userids(session, to), "text", {"content": part}, dedupe_key=dedupe_key,
                     same_as=f"once-{number}" if once else None)
    return rows


def push_markdown(session: Session, to, content: str, *, text: str | None = None,
                  dedupe_key: str | None = None, once: bool = False) -> list[OutboxMessage]:
    """Markdown for the WeCom client; people who read in WeChat (prefers_text) get `text`. `once` as for push_text."""
    people = to if isinstance(to, (list, tuple, set)) else [to]
    plain = [p for p in people if isinstance(p, Person) and p.prefers_text]
    rich = [p for p in people if p not in plain]
    rows = push_text(session, plain, text or content, dedupe_key=dedupe_key, once=once) if plain else []
    for number, part in enumerate(split_text(content)):
        rows += _add(session, _userids(session, rich), "markdown", {"content": part}, dedupe_key=dedupe_key,
                     same_as=f"once-{number}" if once else None)
    return rows


def push_textcard(session: Session, to, title: str, description: str, url: str, btntxt: str = "详情",
                  *, dedupe_key: str | None = None) -> list[OutboxMessage]:
    payload = {"title": title, "description": description, "url": url, "btntxt": btntxt}
    return _add(session, _userids(session, to), "textcard", payload, dedupe_key=dedupe_key)


def push_file(session: Session, to, filename: str, content: bytes, *, media_type: str = "file",
              dedupe_key: str | None = None) -> list[OutboxMessage]:
    """A file (or, with media_type="image", a picture) uploaded at delivery time."""
    same_as = _hash(media_type, {"filename": filename, "sha256": hashlib.sha256(content).hexdigest()}, None)
    userids = [u for u in _userids(session, to) if not _queued(session, _key(dedupe_key, u, same_as))]
    if not userids:
        return []
    record = OutboxFile(filename=_safe_filename(filename), media_type=media_type, content=content)
    session.add(record)
    session.flush()
    return _add(session, userids, media_type, {}, file_id=record.id, dedupe_key=dedupe_key, same_as=same_as)


def new_task_id(kind: str) -> str:
    return f"{kind}-{secrets.token_hex(8)}"


def push_card(session: Session, to, *, kind: str, ref_id: int | None, card: dict,
              dedupe_key: str | None = None) -> list[Card]:
    """One interactive card per recipient (own task_id, so each card can be updated), linked to the
    outbox row that sends it."""
    cards = []
    same_as = _hash("template_card", {"kind": kind, "ref_id": ref_id, "card": card}, None)
    for userid in _userids(session, to):
        task_id = new_task_id(kind)
        sent = _add(session, [userid], "template_card", {**card, "task_id": task_id},
                    dedupe_key=dedupe_key, same_as=same_as)
        if not sent:
            continue  # already queued under dedupe_key (compared by what the card says, not by its task_id)
        row = Card(task_id=task_id, kind=kind, ref_id=ref_id, userid=userid, outbox_id=sent[0].id,
                   created_at=sent[0].created_at)
        session.add(row)
        cards.append(row)
    return cards


def push_card_update(session: Session, card: Card, *, button_label: str, instead: str | None = None) -> None:
    """Grey out a card's buttons with a label (for its recipient), via its newest ResponseCode.

    `instead`: the text its recipient gets if the card cannot be greyed — WeCom takes a ResponseCode once and for
    72 hours only, so a card that waited longer keeps buttons that can no longer decide anything. For a recipient
    who hears of the matter in no other message (a co-approver's card after another approver decided)."""
    card.status = "closed"
    card.result = button_label
    payload = {"task_id": card.task_id, "replace_name": button_label}
    if instead:
        payload["instead"] = instead
    _add(session, [card.userid], "card_update", payload)


def _safe_filename(name: str, limit: int = 120) -> str:
    """No path or control characters, no bidirectional overrides; a long name keeps its extension."""
    cleaned = "".join(ch for ch in clean_text(name) if ch not in '/\\:*?"<>|' and ord(ch) >= 32).strip(". ")
    stem, dot, ext = cleaned.rpartition(".")
    if len(cleaned) > limit and dot and 0 < len(ext) <= 8:
        cleaned = stem[:limit - len(ext) - 1].rstrip(". ") + "." + ext
    return cleaned[:limit] or "file"


def pending_ids(session: Session) -> list[int]:
    return session.info.get("outbox_ids", [])


def after_commit(session: Session, queue_work: Callable[[], None]) -> None:
    """Queue other durable work (a job whose pending row this transaction writes, e.g. fetching a screenshot)
    once the transaction has committed, as the pushes are; `queue_work` must not raise."""
    session.info.setdefault("after_commit", []).append(queue_work)


@event.listens_for(Session, "after_commit")
def enqueue_committed(session: Session) -> None:
    """Queue the rows this session wrote for delivery, and the work `after_commit` named, once their transaction
    has committed (the callback calls it itself: its session joins a transaction the session does not commit)."""
    ids = session.info.pop("outbox_ids", None)
    if ids:
        from jobs import delivery  # late import: jobs depend on models, not the reverse
        delivery.enqueue(ids)
    for queue_work in session.info.pop("after_commit", None) or []:
        queue_work()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("outbox_ids", None)
    session.info.pop("after_commit", None)
