"""Engine and sessions, usable from Flask, RQ jobs and CLI commands alike."""
from __future__ import annotations

import functools
import json
import os
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import config

_engines: dict[tuple[str, bool], Engine] = {}
_factories: dict[tuple[str, bool], sessionmaker] = {}

# JSON columns hold Chinese text as UTF-8, not as \uXXXX escapes: half the bytes to send, store,
# write to the WAL and parse again (the reply to 帮助 is mostly Chinese).
_to_json = functools.partial(json.dumps, ensure_ascii=False)


# How long an SQLite transaction waits for the write lock (BEGIN IMMEDIATE) before it fails: 15 s for jobs and
# commands; 4 s for the callback, so that behind a long job it fails and answers 503 within WeCom's 5 s and
# WeCom sends it again, rather than being answered after WeCom gave up on it (its retry would wait as well).
# On PostgreSQL the callback's statements wait as long for a lock (lock_timeout): a row another transaction holds
# (the user's conversation behind a slow message, a request a job is working on), a table a migration alters.
BUSY_SECONDS = 15
CALLBACK_BUSY_SECONDS = 4


def _sqlite_setup(engine: Engine, busy_seconds: float) -> None:
    # pysqlite's own transaction handling would defer BEGIN; we take the write
    # lock at the start of every transaction so two messages never interleave.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _postgresql_lock_timeout(engine: Engine, seconds: float) -> None:
    """Each new connection waits at most `seconds` for a lock, then fails (LockNotAvailable, an OperationalError:
    the callback answers 503). Set once per connection, outside any transaction (SQLAlchemy's recipe)."""
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        autocommit = dbapi_conn.autocommit
        dbapi_conn.autocommit = True
        dbapi_conn.execute(f"SET lock_timeout = {int(seconds * 1000)}")
        dbapi_conn.autocommit = autocommit


def get_engine(url: str | None = None, *, callback: bool = False) -> Engine:
    """The engine for `url`; `callback=True` gives the callback's own: its pool lends connections
    untested (one round trip less per transaction; the caller must cope with a dead connection), and
    it waits only CALLBACK_BUSY_SECONDS for a lock (SQLite's write lock, a PostgreSQL row or table), inside
    WeCom's 5 s."""
    url = url or config.get().database_url
    engine = _engines.get((url, callback))
    if engine is None:
        if url.startswith("sqlite"):
            busy = CALLBACK_BUSY_SECONDS if callback else BUSY_SECONDS
            engine = create_engine(url, connect_args={"timeout": busy, "check_same_thread": False},
                                   hide_parameters=True, json_serializer=_to_json)
            _sqlite_setup(engine, busy)
        else:
            engine = create_engine(url, pool_pre_ping=not callback, pool_size=10, max_overflow=20,
                                   connect_args={"connect_timeout": 5}, hide_parameters=True,
                                   json_serializer=_to_json)
            if callback:
                _postgresql_lock_timeout(engine, CALLBACK_BUSY_SECONDS)
        _engines[(url, callback)] = engine
    return engine


def session_factory(url: str | None = None, *, callback: bool = False) -> sessionmaker:
    url = url or config.get().database_url
    factory = _factories.get((url, callback))
    if factory is None:
        factory = sessionmaker(get_engine(url, callback=callback), expire_on_commit=False)
        _factories[(url, callback)] = factory
    return factory


def new_session(*, callback: bool = False) -> Session:
    return session_factory(callback=callback)()


@contextmanager
def transaction(*, callback: bool = False) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on error (`callback=True`: on
    the callback's engine, see get_engine)."""
    session = new_session(callback=callback)
    try:
        with session.begin():
            yield session
    finally:
        session.close()


def is_postgres(session_or_engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"


def ping() -> None:
    with get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))


def _forget_inherited_connections() -> None:
    """In a forked child (each RQ work horse) never reuse the parent's pooled connections: two
    processes on one server connection corrupt it (e.g. psycopg's prepared statements clash).
    SQLAlchemy's recipe: drop the pool without closing the parent's connections."""
    for engine in _engines.values():
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


def dispose_all() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
    _factories.clear()
