"""RQ jobs. Job functions take ids and short strings, open their own session, and are idempotent."""
from __future__ import annotations

import redis
from rq import Queue

from bot import config, logs

logs.install_redaction()  # workers do not build the app; their log records are scrubbed too

QUEUE_NAME = "zwxmt"


def connection(socket_timeout: float = 10) -> redis.Redis:
    return redis.Redis.from_url(config.get().redis_url, socket_connect_timeout=2, socket_timeout=socket_timeout)


def queue(socket_timeout: float = 10) -> Queue:
    return Queue(QUEUE_NAME, connection=connection(socket_timeout))
