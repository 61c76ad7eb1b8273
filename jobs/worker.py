"""The worker process's RQ Worker (`flask --app bot worker`): RQ's own, but a Redis outage is logged by
jobs/outage.py — once when it starts, a summary every 10 minutes, once when Redis answers again — instead of
RQ's "could not connect to Redis instance" ERROR every 2 seconds from its pubsub thread (and every minute from its
main loop) for as long as the outage lasts."""
from __future__ import annotations

import logging

import redis
import rq

from jobs.outage import Outage

REDIS = Outage(logging.getLogger("bot.worker"), "worker")
RQ_CANNOT_CONNECT = "could not connect to Redis instance"


class _OutageFilter(logging.Filter):
    """Turns RQ's per-retry connection errors into calls to REDIS.failed (bot.logs has already formatted the
    message when the record was made, so it is recognised by its text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if RQ_CANNOT_CONNECT not in record.getMessage():
            return True
        REDIS.failed(redis.ConnectionError())
        return False


class Worker(rq.Worker):
    """RQ's worker; its heartbeat (the first call of every pass of its loop) tells REDIS that Redis answered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not any(isinstance(f, _OutageFilter) for f in self.log.filters):
            self.log.addFilter(_OutageFilter())

    def heartbeat(self, *args, **kwargs):
        result = super().heartbeat(*args, **kwargs)
        REDIS.answered()
        return result
