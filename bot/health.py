"""`/healthz`: 200 when the database and Redis answer, 503 naming what is down — also a database whose schema
is behind the code's migrations ("migrations": every callback would fail until `flask --app bot db upgrade`)."""
from __future__ import annotations

import functools

import redis
from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot import config, db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    down = []
    try:
        if not migrated():
            down.append("migrations")
    except Exception:
        down.append("database")
    try:
        redis.Redis.from_url(config.get().redis_url, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception:
        down.append("redis")
    if down:
        return jsonify(status="unavailable", down=down), 503
    return jsonify(status="ok"), 200


def migrated() -> bool:
    """Whether the database has every migration of this code (raises if the database does not answer). A database
    ahead of the code (a newer release migrated it; its revisions are unknown here) counts as migrated."""
    with db.get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))  # the database answers: what follows is about its schema
        try:
            current = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
        except DBAPIError:  # no alembic_version table: never migrated
            return False
    ancestors, heads = _revisions()
    if not current <= ancestors.keys():
        return True
    applied = set().union(*(ancestors[rev] for rev in current)) if current else set()
    return heads <= applied


@functools.cache
def _revisions() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """Each revision with itself and all it depends on, and the heads (several, by design: one per feature)."""
    from alembic.script import ScriptDirectory

    from bot.cli import alembic_config
    script = ScriptDirectory.from_config(alembic_config())
    ancestors = {rev.revision: frozenset(r.revision for r in script.iterate_revisions(rev.revision, "base"))
                 for rev in script.walk_revisions()}
    return ancestors, frozenset(script.get_heads())
