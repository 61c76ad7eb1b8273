"""Lock the sender's conversation and claim the callback's de-duplication key, cheaply.

Every callback runs this, so the statements are built once (with bound parameters) and, on
PostgreSQL, the lock and the claim are one statement:

    WITH conv AS (INSERT INTO conversation … ON CONFLICT (userid) DO UPDATE … RETURNING *),
         fresh AS (INSERT INTO inbound_callback SELECT :key, conv.userid, … FROM conv
                   ON CONFLICT DO NOTHING RETURNING dedupe_key)
    SELECT conv.*, EXISTS (SELECT * FROM fresh), person.*, unit.*, (the person's roles)
    FROM conv LEFT JOIN person … LEFT JOIN unit …

- The upsert creates the row for a first-time sender and otherwise locks it (a concurrent
  message of the same user waits here until the first commits), and returns the newest version
  of the row even after waiting — a plain `SELECT … FOR UPDATE` in the same statement would not.
- The key is inserted only after the row is locked (it reads from `conv`), so two copies of one
  callback never hold one lock each and wait for the other. A copy that arrives while the first
  is in flight waits for the lock, then finds the key taken (ON CONFLICT sees committed rows
  whatever the statement's snapshot) and reads the first delivery's reply.
- The sender's directory entry (person, unit, roles) comes back in the same row, and is put in
  the session as if an ORM query had loaded it: one round trip instead of two, and no ORM
  loading machinery on the path every message takes.
- The claimed row is completed with the handler and reply at the end (`record`); if the
  transaction rolls back, the claim goes with it.

SQLite takes its write lock at BEGIN IMMEDIATE, so there the row is read, the key looked up,
the person found and the callback recorded with plain statements.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import JSON, String, bindparam, case, exists, func, insert, inspect, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from bot import db
from bot.wecom_crypto import Inbound
from models.base import UTCDateTime
from models.org import Person, PersonRole, Unit, find_person
from models.platform import Conversation, InboundCallback

_conv = Conversation.__table__
_calls = InboundCallback.__table__
_person = Person.__table__
_unit = Unit.__table__
_roles = PersonRole.__table__


def _json_columns(table, leave_out=()) -> tuple[str, ...]:
    """Columns that survive a trip through JSON unchanged (numbers, text, flags). The rest stay
    behind and load on first access, as expired attributes do — as do personal ones (`mobile`)."""
    return tuple(c.key for c in table.c if c.key not in leave_out and c.type.python_type in (int, str, bool))


# The sender travels as one JSON value (the driver describes and converts one column, not twenty).
_PERSON_COLUMNS = _json_columns(_person, leave_out=("mobile",))
_UNIT_COLUMNS = _json_columns(_unit)


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
    roles = (select(func.json_agg(func.json_build_array(_roles.c.id, _roles.c.role)))
             .where(_roles.c.person_id == _person.c.id).scalar_subquery())
    sender = case((_person.c.id.is_(None), None), else_=func.json_build_array(
        func.json_build_array(*(_person.c[name] for name in _PERSON_COLUMNS)),
        func.json_build_array(*(_unit.c[name] for name in _UNIT_COLUMNS)), roles, type_=JSON))
    return (select(locked, exists(select(claim)).label("fresh"), sender.label("sender"))
            .select_from(locked.outerjoin(_person, _person.c.userid == locked.c.userid)
                         .outerjoin(_unit, _unit.c.id == _person.c.unit_id)))


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
    person: Person | None  # the sender in the directory (any case of the userid), in the session
    prior: object | None  # (reply, handler, outcome) of an earlier delivery of this callback
    claimed: bool  # the key is already inserted and only needs completing


def lock_and_claim(session: Session, inbound: Inbound, now) -> Claim:
    if not db.is_postgres(session):
        return _sqlite(session, inbound)
    connection = session.connection()  # Core statements: no ORM machinery on this path
    row = connection.execute(_LOCK_AND_CLAIM, {"userid": inbound.userid, "key": inbound.dedupe_key,
                                               "msg_type": _msg_type(inbound), "now": now}).one()
    conv = _as_loaded(session, Conversation(**{name: getattr(row, name) for name in _CONV_COLUMNS}))
    if not row.fresh:
        prior = connection.execute(_PRIOR, {"key": inbound.dedupe_key}).first()
        if prior is not None:
            return Claim(conv, None, prior, claimed=False)
        # not fresh and no prior: the row was deleted in between (a purge); record it anew at the end
    if row.sender is None:  # not under this spelling: WeCom ignores case in userids
        person = find_person(session, inbound.userid)
    else:
        person = _person_of(session, *row.sender)
    return Claim(conv, person, None, claimed=bool(row.fresh))


def _as_loaded(session: Session, obj):
    """Put a row read by hand into the session as if a query had loaded it: later changes to
    it become an UPDATE of what changed, and lazy loads work as usual."""
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def _person_of(session: Session, person_values: list, unit_values: list, roles: list | None) -> Person:
    # set_committed_value is what a loader does: no history, and no backref (assigning
    # person.unit would make unit.people look loaded with one member).
    unit = _as_loaded(session, Unit(**dict(zip(_UNIT_COLUMNS, unit_values))))
    person = _as_loaded(session, Person(**dict(zip(_PERSON_COLUMNS, person_values))))
    set_committed_value(person, "unit", unit)
    set_committed_value(person, "role_rows", [
        _as_loaded(session, PersonRole(id=role_id, person_id=person.id, role=role))
        for role_id, role in sorted(roles or ())])
    return person


def _sqlite(session: Session, inbound: Inbound) -> Claim:
    conv = session.get(Conversation, inbound.userid)  # BEGIN IMMEDIATE already serialises writers
    if conv is None:
        conv = Conversation(userid=inbound.userid, data={}, history=[])
        session.add(conv)
        session.flush()
    prior = session.execute(_PRIOR, {"key": inbound.dedupe_key}).first()
    return Claim(conv, find_person(session, inbound.userid), prior, claimed=False)


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
            session.connection().execute(_COMPLETE, params)
            return
        params.update({f"conv_{name}": getattr(conv, name) for name in _SAVED}, conv_userid=conv.userid)
        session.expunge(conv)
        session.connection().execute(_SAVE_AND_COMPLETE, params)
    else:
        session.execute(_RECORD, dict(dedupe_key=inbound.dedupe_key, userid=inbound.userid,
                                      msg_type=_msg_type(inbound), handler=handler, reply=reply,
                                      outcome="ok", received_at=now))


def _msg_type(inbound: Inbound) -> str:
    return inbound.event or inbound.msg_type
