"""Statements on the callback's path, run on the database driver's own connection.

Used on PostgreSQL only: on SQLite the callback's statements go through `Connection.execute`
(`bot.claim._sqlite`, `bot.claim.record`), where the write lock, not the driver, sets the pace.

`Connection.execute` does a good deal per execution besides the query: it computes the
statement's cache key (a walk over the whole statement), looks up the compiled form, processes
every parameter, and builds result metadata from the cursor's description. For the two
statements every message runs that was as much work as the rest of the transaction. A
`HotStatement` is compiled once for the connection's dialect; each run converts only the
parameters whose type needs it (JSON, UTC datetimes) and hands the SQL to the driver, which
prepares it after a few runs. Errors come out as `Connection.execute` raises them: wrapped in
SQLAlchemy's exception classes, and a lost connection invalidated, so the callback's retry and
its 503 work the same.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement


class HotStatement:
    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._dialect = None

    def _compile(self, dialect) -> None:
        compiled = self.statement.compile(dialect=dialect)
        self.sql = compiled.string
        self._process = dict(compiled._bind_processors)  # noqa: SLF001 — the type conversions of each parameter
        self._defaults = {name: self._process[name](value) if name in self._process else value
                          for name, value in compiled.params.items() if value is not None}
        self._dialect = dialect

    def parameters(self, values: dict[str, Any]) -> dict[str, Any]:
        params = dict(self._defaults)
        for name, value in values.items():
            process = self._process.get(name)
            params[name] = process(value) if process is not None else value
        return params

    def run(self, connection: Connection, values: dict[str, Any]):
        """Execute on `connection`'s driver connection (in its transaction); returns the driver's cursor."""
        if self._dialect is not connection.dialect:
            self._compile(connection.dialect)
        params = self.parameters(values)
        driver = connection.connection.driver_connection
        try:
            return driver.execute(self.sql, params)
        except connection.dialect.loaded_dbapi.Error as exc:
            lost = connection.dialect.is_disconnect(exc, driver, None)
            if lost:
                connection.invalidate(exc)
            raise DBAPIError.instance(self.sql, params, exc, connection.dialect.loaded_dbapi.Error,
                                      hide_parameters=True, connection_invalidated=lost,
                                      dialect=connection.dialect) from exc
