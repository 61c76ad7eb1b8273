"""`/healthz`: 200 when the database and Redis answer, 503 naming what is down."""
from __future__ import annotations

import redis
from flask import Blueprint, jsonify

from bot import config, db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    down = []
    try:
        db.ping()
    except Exception:
        down.append("database")
    try:
        redis.Redis.from_url(config.get().redis_url, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception:
        down.append("redis")
    if down:
        return jsonify(status="unavailable", down=down), 503
    return jsonify(status="ok"), 200
