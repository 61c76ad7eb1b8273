"""Fixtures: a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL), a real Redis
(a database index of our own), the fake WeCom over real HTTP, and a `bot` that talks to the
app with real encrypted callbacks."""
from __future__ import annotations

import os
import shutil

import pytest
import redis as redis_lib
from sqlalchemy import create_engine, text

from bot import clock, config, db, workdays
from sim.fake_wecom import FakeWeComServer
from tests.harness import BotHarness

# Fixtures that test modules share besides these: `tbot` (platform tests), `wecom` and `sync` (org sync)
pytest_plugins = ["tests.platform_support", "tests.org_sync_support"]

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
OWNER_KEY = "zwxmt:test-owner"


def make_config(database_url: str, api_base: str) -> config.Config:
    env = {"WECOM_CORP_ID": config.DEMO["WECOM_CORP_ID"], "WECOM_AGENT_ID": config.DEMO["WECOM_AGENT_ID"],
           "WECOM_SECRET": config.DEMO["WECOM_SECRET"], "WECOM_TOKEN": config.DEMO["WECOM_TOKEN"],
           "WECOM_AES_KEY": config.DEMO["WECOM_AES_KEY"], "WECOM_API_BASE": api_base,
           "DATABASE_URL": database_url, "REDIS_URL": TEST_REDIS_URL, "BOT_TIMEZONE": "Asia/Shanghai"}
    return config.load(env)


def _migrate(url: str) -> None:
    config.use(make_config(url, "http://127.0.0.1:9/cgi-bin/"))
    from bot.cli import upgrade_database
    upgrade_database()
    db.dispose_all()


@pytest.fixture(scope="session")
def redis_conn():
    conn = redis_lib.Redis.from_url(TEST_REDIS_URL)
    try:
        conn.ping()
    except redis_lib.ConnectionError:
        pytest.exit(f"Redis is not answering at {TEST_REDIS_URL}; start redis-server (see README)", 2)
    if conn.dbsize() and not conn.exists(OWNER_KEY):
        pytest.exit(f"{TEST_REDIS_URL} holds keys the tests did not create; set TEST_REDIS_URL to an empty index", 2)
    conn.set(OWNER_KEY, "1")
    return conn


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Migrate once per session: a SQLite file to copy, or a PostgreSQL database to truncate."""
    if TEST_DATABASE_URL.startswith("postgresql"):
        base, name = TEST_DATABASE_URL.rsplit("/", 1)
        admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        _migrate(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    _migrate(f"sqlite:///{path}")
    return str(path)


def _truncate_postgres(url: str) -> None:
    engine = db.get_engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"))]
        # DELETE is much faster than TRUNCATE on tiny tables; replica mode skips the audit
        # triggers and foreign-key checks, so order does not matter.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("; ".join(f'DELETE FROM "{t}"' for t in tables)))
        conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                          "WHERE c.relkind = 'S' AND n.nspname = 'public'"))


@pytest.fixture
def unmigrated_url(tmp_path):
    """An empty database of the backend under test: reachable, but `db upgrade` never ran."""
    if not TEST_DATABASE_URL.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    base, name = TEST_DATABASE_URL.rsplit("/", 1)
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}_unmigrated" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}_unmigrated"'))
    yield f"{base}/{name}_unmigrated"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}_unmigrated" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def fake_server():
    server = FakeWeComServer().start()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_server):
    fake_server.fake.reset()
    return fake_server.fake


@pytest.fixture
def database_url(database_template, tmp_path):
    if database_template.startswith("postgresql"):
        _truncate_postgres(database_template)
        yield database_template
        return
    path = tmp_path / "bot.sqlite3"
    shutil.copy(database_template, path)
    url = f"sqlite:///{path}"
    yield url
    for callback in (False, True):  # the engine of jobs and commands, and the callback's
        engine = db._engines.pop((url, callback), None)
        db._factories.pop((url, callback), None)
        if engine is not None:
            engine.dispose()


@pytest.fixture
def cfg(database_url, fake_server, redis_conn):
    redis_conn.flushdb()
    redis_conn.set(OWNER_KEY, "1")
    clock.reset()
    workdays.forget_cache()
    from bot import wecom_client
    wecom_client.reset()
    return config.use(make_config(database_url, fake_server.base_url))


@pytest.fixture
def app(cfg):
    from bot import create_app
    application = create_app(cfg)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def session(cfg):
    s = db.new_session()
    yield s
    s.close()


@pytest.fixture
def directory(cfg):
    """The demo county directory (see sim/demo.py)."""
    from sim import demo
    with db.transaction() as s:
        demo.seed(s)


@pytest.fixture
def bot(app, fake, directory, redis_conn) -> BotHarness:
    from bot import dispatch
    dispatch._LOCK_FIRST.clear()  # (a process's hint of who needed the lock last: the users are new again)
    harness = BotHarness(app, fake, redis_conn)
    yield harness
    clock.reset()


def pytest_report_header(config):
    backend = "PostgreSQL" if TEST_DATABASE_URL.startswith("postgresql") else "SQLite"
    return f"database: {backend}; redis: {TEST_REDIS_URL}"
