"""Statements on the callback's path, run on the database driver's own connection.

`Connection.execute` does a good deal per execution besides the query: it computes the
statement's cache key (a walk over the whole statement), looks up the compiled form, processes
every parameter, and builds result metadata from the cursor's description. For the statements
every message runs that was as much work as the rest of the transaction. A `HotStatement` is
compiled once for the connection's dialect; each run converts only the parameters whose type
needs it (JSON, UTC datetimes) and hands the SQL to the driver. Errors come out as
`Connection.execute` raises them: wrapped in SQLAlchemy's exception classes, and a lost
connection invalidated, so the callback's retry and its 503 work the same.

On PostgreSQL a message's transaction is two round trips, not four (BEGIN, lock-and-claim,
complete, COMMIT). The hot statements are prepared on the server once per connection
(`PREPARE zwxmt_… AS …`), and the callback sends

    BEGIN; EXECUTE zwxmt_lock_and_claim('…', …)      -- run(begin=True)
    … the handler's own statements, if any …
    EXECUTE zwxmt_complete('…', …); COMMIT           -- run(commit=True)

as simple queries, with the parameters quoted by psycopg (its client-side binding). Their plans
stay cached on the server as with any prepared statement. psycopg must not send a BEGIN of its
own in front, so the driver connection is in autocommit mode from `begin` until the COMMIT (the
server's transaction is what holds the row lock); a pool check-in hook puts it back if a callback
ends some other way (`install`). A connection that lost the prepared statements (psycopg
deallocates everything after a ROLLBACK once it has prepared statements of its own) prepares them
again and repeats the BEGIN — nothing has happened in that transaction yet.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement

# The hot statements' cursor, kept in the pool's per-connection info: that is cleared when the connection
# is closed or invalidated, so a new connection prepares the statements again.
_CURSOR = "zwxmt_hot_sql_cursor"
_PLACEHOLDER = re.compile(r"%%|%\((\w+)\)s")
_statements: list["HotStatement"] = []


class HotStatement:
    """One statement of the callback's path on PostgreSQL, prepared on the server as `zwxmt_<name>`."""

    def __init__(self, statement: ClauseElement, name: str) -> None:
        self.statement = statement
        self.name = f"zwxmt_{name}"
        self._dialect = None
        _statements.append(self)

    def _compile(self, dialect) -> None:
        compiled = self.statement.compile(dialect=dialect)
        self.sql = compiled.string
        self._process = dict(compiled._bind_processors)  # noqa: SLF001 — the type conversions of each parameter
        self._defaults = {name: self._process[name](value) if name in self._process else value
                          for name, value in compiled.params.items() if value is not None}
        self.prepare_sql, self._order = _server_prepared(self.name, self.sql, compiled, dialect)
        execute = f"EXECUTE {self.name}({', '.join(['%s'] * len(self._order))})"
        self._plain, self._begin, self._commit = execute, f"BEGIN; {execute}", f"{execute}; COMMIT"
        self._dialect = dialect

    def parameters(self, values: dict[str, Any]) -> dict[str, Any]:
        params = dict(self._defaults)
        for name, value in values.items():
            process = self._process.get(name)
            params[name] = process(value) if process is not None else value
        return params

    def run(self, connection: Connection, values: dict[str, Any], *, begin: bool = False, commit: bool = False):
        """Execute on `connection`'s driver connection; returns the driver's cursor, on the statement's rows.

        `begin=True` starts the transaction in the same round trip (when the connection has
        none open yet); `commit=True` ends the transaction that such a `begin` started with a
        COMMIT in the same round trip. Otherwise the statement runs in the connection's
        transaction, committed by its owner.
        """
        if self._dialect is not connection.dialect:
            self._compile(connection.dialect)
        params = self.parameters(values)
        args = tuple(params[name] for name in self._order)
        driver = connection.connection.driver_connection
        try:
            return self._execute(connection.connection.info, driver, connection.dialect, args, begin, commit)
        except connection.dialect.loaded_dbapi.Error as exc:
            lost = connection.dialect.is_disconnect(exc, driver, None)
            if lost:
                connection.invalidate(exc)
            raise DBAPIError.instance(self.sql, params, exc, connection.dialect.loaded_dbapi.Error,
                                      hide_parameters=True, connection_invalidated=lost,
                                      dialect=connection.dialect) from exc

    def _execute(self, info: dict, driver, dialect, args: tuple, begin: bool, commit: bool):
        from psycopg.errors import InvalidSqlStatementName
        from psycopg.pq import TransactionStatus

        if begin and driver.pgconn.transaction_status == TransactionStatus.IDLE:
            driver.autocommit = True  # the BEGIN is ours, in the same round trip
            cursor = _cursor(info, driver, dialect)
            try:
                cursor.execute(self._begin, args)
            except InvalidSqlStatementName:  # deallocated since they were prepared: again, from the start
                driver.rollback()
                cursor = _cursor(info, driver, dialect, prepare=True)
                cursor.execute(self._begin, args)
            cursor.nextset()  # past BEGIN's result, to the statement's rows
            return cursor
        cursor = _cursor(info, driver, dialect)  # may prepare inside the transaction: PREPARE is not undone by a rollback
        if commit and driver.autocommit:  # the transaction our `begin` started: end it in this round trip
            cursor.execute(self._commit, args)
            driver.autocommit = False
            return cursor
        cursor.execute(self._plain, args)
        return cursor


def _cursor(info: dict, driver, dialect, *, prepare: bool = False):
    """The connection's cursor for hot statements, once they are all prepared on it (one round trip)."""
    cursor = info.get(_CURSOR)
    if cursor is None or prepare:
        from psycopg import ClientCursor
        for statement in _statements:
            if statement._dialect is not dialect:  # noqa: SLF001
                statement._compile(dialect)  # noqa: SLF001
        with driver.cursor() as preparing:
            preparing.execute("; ".join(statement.prepare_sql for statement in _statements))
        cursor = info[_CURSOR] = ClientCursor(driver)
    return cursor


def _server_prepared(name: str, sql: str, compiled, dialect) -> tuple[str, tuple[str, ...]]:
    """`PREPARE name (types) AS sql` with $1… for the named parameters, and their order."""
    order: list[str] = []

    def number(match: re.Match) -> str:
        if match.group(1) is None:
            return "%"
        if match.group(1) not in order:
            order.append(match.group(1))
        return f"${order.index(match.group(1)) + 1}"
    body = _PLACEHOLDER.sub(number, sql)
    types = ", ".join(compiled.binds[param].type.compile(dialect=dialect) for param in order)
    return f"PREPARE {name} ({types}) AS {body}", tuple(order)


def install(engine: Engine) -> None:
    """Hand connections back to the pool with the driver's own transaction handling switched on
    again, whatever way the callback ended (`run(begin=True)` switches it off until its COMMIT)."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "checkin")
    def _restore(driver, _record) -> None:
        if driver is not None and driver.autocommit:
            driver.autocommit = False  # the pool's reset has rolled back whatever was open
