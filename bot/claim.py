"""Lock the sender's conversation and claim the callback's de-duplication key, cheaply.

Every callback runs this, so the statements are built once (with bound parameters) and, on
PostgreSQL, the lock and the claim are one statement:

    WITH conv AS (INSERT INTO conversation … ON CONFLICT (userid) DO UPDATE … RETURNING *),
         fresh AS (INSERT INTO inbound_callback SELECT :key, conv.userid, … FROM conv
                   ON CONFLICT DO NOTHING RETURNING dedupe_key)
    SELECT conv.*, EXISTS (SELECT * FROM fresh) FROM conv

- The upsert creates the row for a first-time sender and otherwise locks it (a concurrent
  message of the same user waits here until the first commits), and returns the newest version
  of the row even after waiting — a plain `SELECT … FOR UPDATE` in the same statement would not.
- The key is inserted only after the row is locked (it reads from `conv`), so two copies of one
  callback never hold one lock each and wait for the other. A copy that arrives while the first
  is in flight waits for the lock, then finds the key taken (ON CONFLICT sees committed rows
  whatever the statement's snapshot) and reads the first delivery's reply.
- The claimed row is completed with the handler and reply at the end (`record`); if the
  transaction rolls back, the claim goes with it.

SQLite takes its write lock at BEGIN IMMEDIATE, so there the row is read, the key looked up
and the callback recorded with plain statements.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, bindparam, exists, insert, inspect, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, make_transient_to_detached

from bot import db
from bot.wecom_crypto import Inbound
from models.base import UTCDateTime
from models.platform import Conversation, InboundCallback

_conv = Conversation.__table__
_calls = InboundCallback.__table__


def _build_lock_and_claim():
    upsert = pg_insert(_conv).values(userid=bindparam("userid"), data={}, history=[])
    locked = (upsert.on_conflict_do_update(index_elements=[_conv.c.userid],
                                           set_={"userid": upsert.excluded.userid})
              .returning(*_conv.c).cte("conv"))
    claim = (pg_insert(_calls)
             .from_select(["dedupe_key", "userid", "msg_type", "outcome", "received_at"],
                          select(bindparam("key", type_=String), locked.c.userid,
                                 bindparam("msg_type", type_=String), literal("ok"),
                                 bindparam("now", type_=UTCDateTime())))
             .on_conflict_do_nothing(index_elements=[_calls.c.dedupe_key])
             .returning(_calls.c.dedupe_key).cte("fresh"))
    return select(locked, exists(select(claim)).label("fresh"))


def _build_save_and_complete():
    saved = (update(_conv).where(_conv.c.userid == bindparam("conv_userid"))
             .values({name: bindparam(f"conv_{name}") for name in _SAVED}).returning(_conv.c.userid)
             .cte("saved"))
    return _COMPLETE.add_cte(saved)


_SAVED = ("state", "data", "history", "draft", "expires_at", "updated_at")
_LOCK_AND_CLAIM = _build_lock_and_claim()
_PRIOR = (select(_calls.c.reply, _calls.c.handler, _calls.c.outcome)
          .where(_calls.c.dedupe_key == bindparam("key")))
_COMPLETE = (update(_calls).where(_calls.c.dedupe_key == bindparam("key"))
             .values(handler=bindparam("handler"), reply=bindparam("reply")))
_SAVE_AND_COMPLETE = _build_save_and_complete()
_RECORD = insert(_calls)
_CONV_COLUMNS = tuple(c.key for c in _conv.c)


@dataclass
class Claim:
    conv: Conversation  # the locked row, attached to the session (changes are flushed at commit)
    prior: object | None  # (reply, handler, outcome) of an earlier delivery of this callback
    claimed: bool  # the key is already inserted and only needs completing


def lock_and_claim(session: Session, inbound: Inbound, now) -> Claim:
    if not db.is_postgres(session):
        return _sqlite(session, inbound)
    row = session.execute(_LOCK_AND_CLAIM, {"userid": inbound.userid, "key": inbound.dedupe_key,
                                            "msg_type": _msg_type(inbound), "now": now}).one()
    conv = Conversation(**{name: getattr(row, name) for name in _CONV_COLUMNS})
    make_transient_to_detached(conv)  # as if loaded: later changes become an UPDATE of what changed
    session.add(conv)
    prior = None if row.fresh else session.execute(_PRIOR, {"key": inbound.dedupe_key}).first()
    # not fresh and no prior: the row was deleted in between (a purge); record it anew at the end
    return Claim(conv, prior, claimed=bool(row.fresh))


def _sqlite(session: Session, inbound: Inbound) -> Claim:
    conv = session.get(Conversation, inbound.userid)  # BEGIN IMMEDIATE already serialises writers
    if conv is None:
        conv = Conversation(userid=inbound.userid, data={}, history=[])
        session.add(conv)
        session.flush()
    prior = session.execute(_PRIOR, {"key": inbound.dedupe_key}).first()
    return Claim(conv, prior, claimed=False)


def record(session: Session, claim: Claim, inbound: Inbound, handler: str | None, reply: dict | None,
           now) -> None:
    """Store the handler and the reply a retry of this callback will get.

    On PostgreSQL a changed conversation is saved in the same statement (the UPDATE is a CTE)
    instead of by the ORM's flush, and the row leaves the session so the commit does not write
    it again. Changes are noticed as the ORM notices them: by assigning an attribute.
    """
    conv = claim.conv
    if claim.claimed:
        params = {"key": inbound.dedupe_key, "handler": handler, "reply": reply}
        if not inspect(conv).modified:
            session.execute(_COMPLETE, params)
            return
        params.update({f"conv_{name}": getattr(conv, name) for name in _SAVED}, conv_userid=conv.userid)
        session.expunge(conv)
        session.execute(_SAVE_AND_COMPLETE, params)
    else:
        session.execute(_RECORD, dict(dedupe_key=inbound.dedupe_key, userid=inbound.userid,
                                      msg_type=_msg_type(inbound), handler=handler, reply=reply,
                                      outcome="ok", received_at=now))


def _msg_type(inbound: Inbound) -> str:
    return inbound.event or inbound.msg_type
