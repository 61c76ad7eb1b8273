"""Shared helpers for the scale benchmarks: configuration, a SQL statement counter, the machine, medians."""
from __future__ import annotations

import os
import platform
import statistics
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event

from bot import config, db

PG_BASE = "postgresql://postgres@127.0.0.1:5432/zwxmt_scale"  # one database per size: zwxmt_scale_2000 …
DEFAULT_REDIS = "redis://127.0.0.1:6379/11"
SIZES = {100: 1000, 500: 5000, 2000: 20000}  # units → accounts (and people)


def postgres_url(units: int) -> str:
    return f"{os.environ.get('BENCH_PG', PG_BASE)}_{units}"


def sqlite_url(units: int) -> str:
    path = Path(os.environ.get("BENCH_DIR", "/tmp")) / f"zwxmt_scale_{units}.sqlite3"
    return f"sqlite:///{path}"


def use(database_url: str, redis_url: str = DEFAULT_REDIS, api_base: str = "http://127.0.0.1:9/cgi-bin/"):
    """Point the bot at a benchmark database (demo WeCom credentials, Beijing time)."""
    env = {**config.DEMO, "WECOM_API_BASE": api_base, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "BOT_TIMEZONE": "Asia/Shanghai"}
    db.dispose_all()
    return config.use(config.load(env))


class StatementCounter:
    """Counts statements sent to the database (one per cursor execute/executemany)."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0
        self.texts: list[str] = []

    def _on(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        self.texts.append(statement.split("\n")[0][:120])

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._on)


@contextmanager
def counting():
    with StatementCounter(db.get_engine()) as counter:
        yield counter


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{platform.node()}: {os.cpu_count()} CPU ({cpu}), Python {platform.python_version()}, load avg {load}"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def backend(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"
