"""Lock the sender's conversation and look for an earlier delivery of the callback, cheaply.

Every callback runs these (on PostgreSQL, first without the lock: see the end), so the statements
are built once (with bound parameters) and, on PostgreSQL, the lock and the look-ups are one statement:

    WITH conv AS (INSERT INTO conversation … ON CONFLICT (userid) DO UPDATE … RETURNING *)
    SELECT conv.*, json_build_array(conv's JSON columns, person.*, unit.*, (the person's roles),
                                    (the earlier delivery's reply, handler, outcome))
    FROM conv LEFT JOIN person … LEFT JOIN unit …

- The upsert creates the row for a first-time sender and otherwise locks it (a concurrent
  message of the same user waits here until the first commits), and returns the newest version
  of the row even after waiting — a plain `SELECT … FOR UPDATE` in the same statement would not.
  It sets `updated_at` (the time of the user's last message), so only a changed dialogue is
  written again at the end.
- The sender's directory entry (person, unit, roles) comes back in the same row, as plain
  values (`Sender`): routing, role checks and 帮助 need no ORM object. A handler that uses
  `ctx.person` gets the person put into its session as if a query had loaded it.
- The conversation is plain values too (`Dialogue`). The callback is recorded once, at the end,
  with its handler and reply (`record`), and a changed conversation is saved in the same
  statement.
- A retry that arrives after the first delivery committed finds its reply in the first
  statement. A copy that arrived while the first delivery was in flight waited for the lock, but
  its statement read inbound_callback as it was before the wait: it runs the handler, and then
  its INSERT … ON CONFLICT DO NOTHING finds the key taken (that sees committed rows whatever the
  snapshot). `record` raises `AnsweredMeanwhile`, the transaction rolls back with everything the
  handler did, and the caller answers with the first delivery's reply.

Before all this, PostgreSQL tries a message without the lock (`read_unlocked`, then
`record_if_unchanged`; bot/dispatch.py `_unlocked`): the same documents are read with the
conversation's row version (`xmin`, which every write of the row changes), and one statement in
autocommit locks the row if it still has that version, records the callback unless a copy was
recorded first, and only then writes the conversation. Any other outcome writes nothing.

SQLite takes its write lock at BEGIN IMMEDIATE, so there the row is read, the key looked up,
the person found and the callback recorded with plain statements; a copy waits at BEGIN and
then sees the first delivery's record.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import NamedTuple

from sqlalchemy import (JSON, Connection, String, bindparam, case, exists, func, insert, inspect,
                        literal_column, select, update)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.base import NO_VALUE
from sqlalchemy.orm.util import identity_key

from bot.hot_sql import HotStatement
from bot.wecom_crypto import Inbound
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


# The sender and the dialogue's JSON columns travel as one JSON value: the driver describes and
# converts one column, not twenty, and parses one document, not four.
_PERSON_COLUMNS = _json_columns(_person, leave_out=("mobile",))
_UNIT_COLUMNS = _json_columns(_unit)
_SAVED = ("state", "data", "history", "draft", "expires_at", "updated_at")
_CONV_COLUMNS = ("userid", *_SAVED)


def _build_lock_and_read():
    # Constants are written into the SQL, not sent as parameters: the driver converts fewer values.
    # The upsert writes a new version of the row anyway: it records the message's time there, so a
    # message that leaves the dialogue as it was (帮助, a command outside a dialogue) saves nothing later.
    upsert = pg_insert(_conv).values(userid=bindparam("userid"), data=literal_column("'{}'::json"),
                                     history=literal_column("'[]'::json"),
                                     updated_at=bindparam("now", type_=_conv.c.updated_at.type))
    locked = (upsert.on_conflict_do_update(index_elements=[_conv.c.userid],
                                           set_={"updated_at": upsert.excluded.updated_at})
              .returning(*(_conv.c[name] for name in _CONV_COLUMNS)).cte("conv"))
    sender, prior = _sender_and_prior()
    documents = func.json_build_array(locked.c.data, locked.c.history, locked.c.draft, sender, prior, type_=JSON)
    return (select(locked.c.userid, locked.c.state, locked.c.expires_at, locked.c.updated_at,
                   documents.label("documents"))
            .select_from(locked.outerjoin(_person, _person.c.userid == locked.c.userid)
                         .outerjoin(_unit, _unit.c.id == _person.c.unit_id)))


def _sender_and_prior():
    """The sender's directory entry (person, unit, roles) as one JSON value, from `person` and `unit`
    joined to the statement; and the earlier delivery's reply, handler and outcome."""
    prior = (select(func.json_build_array(_calls.c.reply, _calls.c.handler, _calls.c.outcome))
             .where(_calls.c.dedupe_key == bindparam("key", type_=String)).scalar_subquery())
    roles = (select(func.json_agg(func.json_build_array(_roles.c.id, _roles.c.role)))
             .where(_roles.c.person_id == _person.c.id).scalar_subquery())
    sender = case((_person.c.id.is_(None), None), else_=func.json_build_array(
        func.json_build_array(*(_person.c[name] for name in _PERSON_COLUMNS)),
        func.json_build_array(*(_unit.c[name] for name in _UNIT_COLUMNS)), roles))
    return sender, prior


# The row version PostgreSQL gives every write of a row: unchanged since it was read ⇔ the same xmin.
_SEEN = literal_column(f"{_conv.name}.xmin::text")


def _build_read():
    """The conversation (with its version), the sender and any earlier delivery, without a lock."""
    sender, prior = _sender_and_prior()
    documents = func.json_build_array(_conv.c.data, _conv.c.history, _conv.c.draft, sender, prior, type_=JSON)
    return (select(_SEEN, *(_conv.c[name] for name in ("userid", "state", "expires_at", "updated_at")),
                   documents.label("documents"))
            .select_from(_conv.outerjoin(_person, _person.c.userid == _conv.c.userid)
                         .outerjoin(_unit, _unit.c.id == _person.c.unit_id))
            .where(_conv.c.userid == bindparam("userid")))


def _build_record_if_unchanged(saved: bool):
    """Lock the conversation if it is still the version read; then record the callback unless a copy
    of it was recorded first; then, only if it was recorded, write the conversation (its time, and
    with `saved` what changed). One statement: in autocommit it is one transaction, all or nothing."""
    locked = (select(_conv.c.userid).where(_conv.c.userid == bindparam("userid"), _SEEN == bindparam("seen"))
              .with_for_update().cte("locked"))
    recorded = (pg_insert(_calls).from_select(
        ["dedupe_key", "userid", "msg_type", "handler", "reply", "outcome", "received_at"],
        select(bindparam("key", type_=String), locked.c.userid, bindparam("msg_type", type_=String),
               bindparam("handler", type_=String), bindparam("reply", type_=_calls.c.reply.type),
               literal_column("'ok'"), bindparam("now", type_=_calls.c.received_at.type)))
                .on_conflict_do_nothing(index_elements=[_calls.c.dedupe_key])
                .returning(_calls.c.dedupe_key).cte("recorded"))
    values = {name: bindparam(f"conv_{name}", type_=_conv.c[name].type) for name in _SAVED} if saved else {
        "updated_at": bindparam("conv_updated_at", type_=_conv.c.updated_at.type)}
    return (update(_conv).where(_conv.c.userid == bindparam("userid"), exists(select(recorded.c.dedupe_key)))
            .values(values).returning(_conv.c.userid).add_cte(locked).add_cte(recorded))


def _build_record(saved: bool):
    """INSERT the callback's record unless a copy of it committed first (RETURNING then gives no
    row); with `saved`, the conversation's UPDATE is a CTE of the same statement."""
    record = (pg_insert(_calls).values(dedupe_key=bindparam("key"), userid=bindparam("userid"),
                                       msg_type=bindparam("msg_type"), handler=bindparam("handler"),
                                       reply=bindparam("reply"), outcome=literal_column("'ok'"),
                                       received_at=bindparam("now"))
              .on_conflict_do_nothing(index_elements=[_calls.c.dedupe_key]).returning(_calls.c.dedupe_key))
    return record.add_cte(_SAVE.returning(_conv.c.userid).cte("saved")) if saved else record


_PG_LOCK_AND_READ = HotStatement(_build_lock_and_read())
_PG_READ = HotStatement(_build_read())
_PG_TOUCH_IF_UNCHANGED = HotStatement(_build_record_if_unchanged(saved=False))
_PG_SAVE_IF_UNCHANGED = HotStatement(_build_record_if_unchanged(saved=True))
_PRIOR = (select(_calls.c.reply, _calls.c.handler, _calls.c.outcome)
          .where(_calls.c.dedupe_key == bindparam("key")))
_SAVE = (update(_conv).where(_conv.c.userid == bindparam("conv_userid"))
         .values({name: bindparam(f"conv_{name}") for name in _SAVED}))
_PG_RECORD = HotStatement(_build_record(saved=False))
_PG_SAVE_AND_RECORD = HotStatement(_build_record(saved=True))
_RECORD = insert(_calls)
_CONV = select(*(_conv.c[name] for name in _CONV_COLUMNS)).where(_conv.c.userid == bindparam("userid"))
_NEW_CONV = insert(_conv).values(userid=bindparam("userid"), data={}, history=[])


class Dialogue:
    """The locked conversation row as plain values: where the user's dialogue is.

    Read by hand and saved by hand (no ORM object on the path every message takes). Assigning
    an attribute marks it changed, as assigning an ORM attribute makes it dirty: values are
    replaced, never mutated in place.
    """
    __slots__ = (*_SAVED, "userid", "changed")

    def __init__(self, userid: str, state=None, data=None, history=None, draft=None, expires_at=None,
                 updated_at=None) -> None:
        for name, value in (("userid", userid), ("state", state), ("data", {} if data is None else data),
                            ("history", [] if history is None else history), ("draft", draft),
                            ("expires_at", expires_at), ("updated_at", updated_at), ("changed", False)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value) -> None:
        object.__setattr__(self, name, value)
        object.__setattr__(self, "changed", True)


class Sender:
    """Who sent the callback, as read with the lock: enough to route, check roles and answer
    帮助 without building ORM objects. `person()` puts the directory entry into a session as
    if a query had loaded it, for the handlers that work with the ORM."""
    __slots__ = ("_person", "_unit", "_roles", "roles", "loaded")

    def __init__(self, person_values: dict, unit_values: dict, roles: list):
        self._person, self._unit, self._roles, self.loaded = person_values, unit_values, roles, None
        self.roles = frozenset(role for _id, role in roles)

    @classmethod
    def of(cls, person: Person) -> "Sender":
        return cls({name: getattr(person, name) for name in _PERSON_COLUMNS},
                   {name: getattr(person.unit, name) for name in _UNIT_COLUMNS},
                   sorted((r.id, r.role) for r in person.role_rows))

    id = property(lambda self: self._person["id"])
    userid = property(lambda self: self._person["userid"])
    name = property(lambda self: self._person["name"])
    active = property(lambda self: self._person["active"])
    unit_id = property(lambda self: self._person["unit_id"])
    unit_name = property(lambda self: self._unit["name"])

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    def unit_is(self, flag: str) -> bool:
        """A flag of the sender's unit (`is_classified`, `is_internal`), as read with the lock."""
        return bool(self._unit.get(flag))

    def person(self, session: Session) -> Person:
        if self.loaded is None or self.loaded not in session:
            self.loaded = _person_of(session, self._person, self._unit, self._roles)
        return self.loaded


class Prior(NamedTuple):
    """What an earlier delivery of the callback was answered with."""
    reply: dict | None
    handler: str | None
    outcome: str


@dataclass
class Claim:
    conv: Dialogue  # the locked row; saved by `record` if changed
    sender: Sender | None  # the sender in the directory (any case of the userid)
    prior: Prior | None  # the answer of an earlier delivery of this callback


class AnsweredMeanwhile(Exception):
    """A copy of this callback committed while this one waited for the lock: roll back, answer as it did."""


def lock_and_read(connection: Connection, inbound: Inbound, now: datetime) -> Claim:
    """Runs on the callback's connection, inside its transaction; Core statements only. The
    conversation's `updated_at` becomes `now` (saved on SQLite by `record`)."""
    if connection.dialect.name != "postgresql":
        return _sqlite(connection, inbound, now)
    row = _PG_LOCK_AND_READ.run(connection, {"userid": inbound.userid, "key": inbound.dedupe_key,
                                             "now": now}).fetchone()
    userid, state, expires_at, updated_at, (data, history, draft, sender_values, prior) = row
    conv = Dialogue(userid, state, data, history, draft, _utc(expires_at), _utc(updated_at))
    if prior is not None:
        return Claim(conv, None, Prior(*prior))
    if sender_values is None:  # not under this spelling: WeCom ignores case in userids
        sender = _find_sender(connection, inbound.userid)
    else:
        person_values, unit_values, roles = sender_values
        sender = Sender(dict(zip(_PERSON_COLUMNS, person_values)), dict(zip(_UNIT_COLUMNS, unit_values)),
                        sorted(roles or ()))
    return Claim(conv, sender, None)


@dataclass
class Seen:
    """What an unlocked read found (PostgreSQL): the claim, and the conversation's version then."""
    claim: Claim
    version: str


def read_unlocked(connection: Connection, inbound: Inbound, now: datetime) -> Seen | None:
    """The sender's conversation, directory entry and any earlier delivery, read without a lock, on
    PostgreSQL in autocommit (`autocommit`); None when only the locked path will do: no
    conversation row yet, or a sender not found under this spelling of the userid."""
    row = _PG_READ.run(connection, {"userid": inbound.userid, "key": inbound.dedupe_key}).fetchone()
    if row is None:
        return None
    version, userid, state, expires_at, _updated_at, (data, history, draft, sender_values, prior) = row
    conv = Dialogue(userid, state, data, history, draft, _utc(expires_at), now)  # (the message's time, as locked)
    if prior is not None:
        return Seen(Claim(conv, None, Prior(*prior)), version)
    if sender_values is None:
        return None
    person_values, unit_values, roles = sender_values
    sender = Sender(dict(zip(_PERSON_COLUMNS, person_values)), dict(zip(_UNIT_COLUMNS, unit_values)),
                    sorted(roles or ()))
    return Seen(Claim(conv, sender, None), version)


def record_if_unchanged(connection: Connection, seen: Seen, inbound: Inbound, handler: str | None,
                        reply: dict | None, now: datetime) -> bool:
    """Record the callback and save the conversation in one statement (autocommit: one transaction),
    if the conversation is still the version read and no copy of the callback was recorded first;
    False, with nothing written, otherwise."""
    conv = seen.claim.conv
    values = {"userid": conv.userid, "seen": seen.version, "key": inbound.dedupe_key, "msg_type": msg_type(inbound),
              "handler": handler_name(handler), "reply": reply, "now": now, "conv_updated_at": now}
    if conv.changed:
        values.update({f"conv_{name}": getattr(conv, name) for name in _SAVED if name != "updated_at"})
        return _PG_SAVE_IF_UNCHANGED.run(connection, values).fetchone() is not None
    return _PG_TOUCH_IF_UNCHANGED.run(connection, values).fetchone() is not None


@contextmanager
def autocommit(connection: Connection):
    """Each statement its own transaction, on the connection's driver, until the block ends (then
    `connection.begin()` works as usual). No round trip: psycopg only sets a flag."""
    driver = connection.connection.driver_connection
    driver.autocommit = True
    try:
        yield
    finally:
        if not connection.invalidated:
            driver.autocommit = False


def _utc(value: datetime | None) -> datetime | None:
    """As UTCDateTime reads it: stored naive in UTC, handed out aware."""
    return value.replace(tzinfo=timezone.utc) if value is not None else None


def _person_of(session: Session, person_values: dict, unit_values: dict, roles: list) -> Person:
    """Put a sender read by hand into the session as if a query had loaded it: later changes
    become an UPDATE of what changed, and lazy loads (mobile, the unit's people) work as usual.
    set_committed_value is what a loader does: no history, and no backref (assigning
    person.unit would make unit.people look loaded with one member)."""
    person = _in_session(session, Person, person_values)
    if inspect(person).attrs.role_rows.loaded_value is NO_VALUE:  # not already loaded by a query
        set_committed_value(person, "unit", _in_session(session, Unit, unit_values))
        set_committed_value(person, "role_rows", [
            _in_session(session, PersonRole, {"id": role_id, "person_id": person.id, "role": role})
            for role_id, role in roles])
    return person


def _in_session(session: Session, model, values: dict):
    """The object a query would have given: the session's own if it already has it."""
    known = session.identity_map.get(identity_key(model, values["id"]))
    if known is not None:
        return known
    obj = model(**values)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def _find_sender(connection: Connection, userid: str) -> Sender | None:
    """The sender under any spelling of the userid (see `models.org.find_person`)."""
    with Session(bind=connection, join_transaction_mode="rollback_only") as session:
        person = find_person(session, userid)
        return Sender.of(person) if person is not None else None


def _sqlite(connection: Connection, inbound: Inbound, now: datetime) -> Claim:
    # BEGIN IMMEDIATE already serialises writers: plain statements suffice.
    row = connection.execute(_CONV, {"userid": inbound.userid}).first()
    if row is None:
        connection.execute(_NEW_CONV, {"userid": inbound.userid})
        conv = Dialogue(inbound.userid)
    else:
        conv = Dialogue(*row)
    conv.updated_at = now  # marks the dialogue changed: `record` saves it
    prior = connection.execute(_PRIOR, {"key": inbound.dedupe_key}).first()
    if prior is not None:
        return Claim(conv, None, Prior(*prior))
    return Claim(conv, _find_sender(connection, inbound.userid), None)


def record(connection: Connection, claim: Claim, inbound: Inbound, handler: str | None, reply: dict | None,
           now) -> None:
    """Record the callback with its handler and the reply a retry will get, and save the
    conversation if it changed — on PostgreSQL in one statement (the conversation's UPDATE is a
    CTE). Raises AnsweredMeanwhile if a copy of the callback was recorded first."""
    conv = claim.conv
    handler = handler_name(handler)
    values = {"key": inbound.dedupe_key, "userid": inbound.userid, "msg_type": msg_type(inbound),
              "handler": handler, "reply": reply, "now": now}
    saved = {f"conv_{name}": getattr(conv, name) for name in _SAVED} if conv.changed else None
    if connection.dialect.name != "postgresql":
        if saved:
            connection.execute(_SAVE, {**saved, "conv_userid": conv.userid})
        connection.execute(_RECORD, dict(dedupe_key=values["key"], userid=values["userid"],
                                         msg_type=values["msg_type"], handler=handler, reply=reply,
                                         outcome="ok", received_at=now))
        return
    if saved:
        recorded = _PG_SAVE_AND_RECORD.run(connection, {**values, **saved, "conv_userid": conv.userid}).fetchone()
    else:
        recorded = _PG_RECORD.run(connection, values).fetchone()
    if recorded is None:
        raise AnsweredMeanwhile(inbound.dedupe_key)


def msg_type(inbound: Inbound) -> str:
    """The event or message type as recorded (see `_fitted`)."""
    return _fitted(inbound.event or inbound.msg_type, _calls.c.msg_type)


def handler_name(handler: str | None) -> str | None:
    """The handler's name as recorded (see `_fitted`)."""
    return _fitted(handler, _calls.c.handler)


def _fitted(value: str | None, column) -> str | None:
    """`value` cut to the column's length: an unknown event's name (its type, and its handler's name) longer
    than the column (none of WeCom's is) would make PostgreSQL refuse the record, and the callback fail
    with a 5xx at every retry."""
    return value[:column.type.length] if value else value
