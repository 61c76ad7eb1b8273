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
