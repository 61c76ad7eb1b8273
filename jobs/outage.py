"""What a background process logs while Redis or the database is down: one ERROR when it stops answering, a
WARNING summary every `SUMMARY_EVERY` while it stays down (how long, how many attempts failed), one WARNING when it
answers again.

Before, the scheduler logged "enqueue failed" on every tick (every 20 s) — or, without the database, a traceback on
every tick — and the worker's RQ loop logged an ERROR every 2 s: a few minutes' outage buried everything else in the
log, and nothing said when the service was back.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from bot import clock

SUMMARY_EVERY = timedelta(minutes=10)


class Outage:
    """One process's view of one service (`redis`, `database`); `failed` on every failed call, `answered` on every
    successful one."""

    def __init__(self, log: logging.Logger, what: str, service: str = "redis"):
        self.log, self.what, self.service = log, what, service
        self.lock = threading.Lock()
        self.since: datetime | None = None
        self.last_said: datetime | None = None
        self.failures = 0

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, exc: BaseException) -> None:
        now = clock.now()
        with self.lock:
            self.failures += 1
            if self.since is None:
                self.since = self.last_said = now
                self.log.error("%s down: %s cannot reach it (%s); retrying quietly, a summary every %d min",
                               self.service, self.what, type(exc).__name__, SUMMARY_EVERY.total_seconds() // 60)
            elif now - self.last_said >= SUMMARY_EVERY:
                self.last_said = now
                self.log.warning("%s still down for %s: %s, %d attempts failed so far", self.service,
                                 _minutes(now - self.since), self.what, self.failures)

    def answered(self) -> None:
        if self.since is None:  # the usual case, without taking the lock
            return
        now = clock.now()
        with self.lock:
            if self.since is None:
                return
            self.log.warning("%s back after %s: %s, %d attempts had failed", self.service, _minutes(now - self.since),
                             self.what, self.failures)
            self.since, self.last_said, self.failures = None, None, 0


def _minutes(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    return f"{seconds // 60} min {seconds % 60} s"
