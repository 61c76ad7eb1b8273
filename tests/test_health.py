"""/healthz: 200 when the database and Redis answer, 503 naming what is down."""
from __future__ import annotations

import dataclasses

import pytest

from bot import config

DOWN_DB = {"sqlite": "sqlite:////nonexistent-dir/sub/bot.sqlite3",
           "postgresql": "postgresql://postgres@127.0.0.1:1/nowhere"}
DOWN_REDIS = "redis://127.0.0.1:1/0"


def test_healthy(app):
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}


@pytest.mark.parametrize("down", [["database"], ["redis"], ["database", "redis"]])
def test_unhealthy_names_what_is_down(app, down):
    cfg = config.get()
    changes = {}
    if "database" in down:
        changes["database_url"] = DOWN_DB["postgresql" if cfg.database_url.startswith("postgresql") else "sqlite"]
    if "redis" in down:
        changes["redis_url"] = DOWN_REDIS
    config.use(dataclasses.replace(cfg, **changes))
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503 and resp.get_json() == {"status": "unavailable", "down": down}
    config.use(cfg)
    assert app.test_client().get("/healthz").status_code == 200


def test_a_database_behind_the_migrations_is_named(app, tmp_path):
    """Started on a database nobody migrated, or one a migration behind: every callback would answer 503 while
    /healthz said 200. It says so until `flask --app bot db upgrade`."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from bot.cli import alembic_config, upgrade_database
    cfg = config.get()
    config.use(dataclasses.replace(cfg, database_url=f"sqlite:///{tmp_path / 'fresh.sqlite3'}"))
    try:
        resp = app.test_client().get("/healthz")
        assert resp.status_code == 503 and resp.get_json() == {"status": "unavailable", "down": ["migrations"]}
        script = ScriptDirectory.from_config(alembic_config())
        head = next(h for h in sorted(script.get_heads()) if isinstance(script.get_revision(h).down_revision, str))
        command.upgrade(alembic_config(), script.get_revision(head).down_revision)  # one short on one branch
        assert app.test_client().get("/healthz").get_json()["down"] == ["migrations"]
        upgrade_database()
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        config.use(cfg)
