"""Migrations: what SQLite would accept but PostgreSQL would refuse, and data carried across an upgrade."""
from __future__ import annotations

import importlib
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from bot.cli import alembic_config


def test_every_revision_id_fits_alembic_version_column():
    """alembic_version.version_num is VARCHAR(32): PostgreSQL refuses a longer id, SQLite does not."""
    scripts = ScriptDirectory.from_config(alembic_config())
    too_long = [s.revision for s in scripts.walk_revisions() if len(s.revision) > 32]
    assert not too_long, too_long


# --- 0015_card_outbox_id: a card names its send row; cards sent before the upgrade are linked from the payload

BEFORE_CARD_LINK = "0014_callback_no_userid_index"
CARD = sa.table("card", sa.column("task_id", sa.String), sa.column("kind", sa.String),
                sa.column("userid", sa.String), sa.column("status", sa.String),
                sa.column("created_at", sa.DateTime), sa.column("outbox_id", sa.Integer))
ROW = sa.table("outbox_message", sa.column("id", sa.Integer), sa.column("userid", sa.String),
               sa.column("msgtype", sa.String), sa.column("payload", sa.JSON), sa.column("content_hash", sa.String),
               sa.column("status", sa.String), sa.column("attempts", sa.Integer),
               sa.column("next_attempt_at", sa.DateTime), sa.column("created_at", sa.DateTime))


def migrate(url: str, target: str) -> None:
    engine = sa.create_engine(url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)
    engine.dispose()


def test_cards_sent_before_the_upgrade_are_linked_to_their_send_row(unmigrated_url):
    """Each old card gets the template_card row to its recipient that carries its task_id, however far
    apart their time stamps (the delivery job used to look within a minute); not a card_update of it,
    not another card to the same person. A card without a row stays unlinked."""
    migrate(unmigrated_url, BEFORE_CARD_LINK)
    made = datetime(2026, 11, 2, 9, 0)
    cards = [("approval-aa01", "zsj_admin", made), ("approval-aa02", "zsj_admin", made),
             ("bulletin-bb01", "zsj_review", made), ("approval-cc01", "zsj_admin", made)]
    rows = [(1, "zsj_admin", "template_card", "approval-aa02", made),
            (2, "zsj_admin", "card_update", "approval-aa01", made + timedelta(hours=2)),
            (3, "zsj_admin", "template_card", "approval-aa01", made + timedelta(minutes=3)),
            (4, "zsj_review", "template_card", "bulletin-bb01", made - timedelta(minutes=2)),
            (5, "zsj_review", "text", None, made)]
    engine = sa.create_engine(unmigrated_url)
    with engine.begin() as conn:
        conn.execute(sa.insert(CARD), [dict(task_id=t, kind=t.split("-")[0], userid=u, status="open", created_at=at)
                                       for t, u, at in cards])
        conn.execute(sa.insert(ROW), [dict(id=i, userid=u, msgtype=m, content_hash=f"h{i}", status="sent",
                                           attempts=1, next_attempt_at=at, created_at=at,
                                           payload={"task_id": t} if t else {"content": "通知"})
                                      for i, u, m, t, at in rows])
    engine.dispose()
    migrate(unmigrated_url, "heads")
    engine = sa.create_engine(unmigrated_url)
    with engine.connect() as conn:
        linked = dict(conn.execute(sa.select(CARD.c.task_id, CARD.c.outbox_id)).all())
    engine.dispose()
    assert linked == {"approval-aa01": 3, "approval-aa02": 1, "bulletin-bb01": 4, "approval-cc01": None}


# --- 0019_rectification_bureau: an item issued before the upgrade is reviewed by the bureau that issued it

BEFORE_ISSUER = "0012_rectification_screenshot"
UNIT = sa.table("unit", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("kind", sa.String),
                sa.column("parent_id", sa.Integer), sa.column("is_classified", sa.Boolean),
                sa.column("is_internal", sa.Boolean), sa.column("active", sa.Boolean))
PERSON = sa.table("person", sa.column("id", sa.Integer), sa.column("userid", sa.String), sa.column("name", sa.String),
                  sa.column("unit_id", sa.Integer), sa.column("active", sa.Boolean),
                  sa.column("wecom_invalid", sa.Boolean), sa.column("digest_opt_out", sa.Boolean),
                  sa.column("prefers_text", sa.Boolean))
ITEM = sa.table("rectification", sa.column("id", sa.Integer), sa.column("unit_id", sa.Integer),
                sa.column("problem", sa.Text), sa.column("source", sa.String), sa.column("deadline", sa.Date),
                sa.column("status", sa.String), sa.column("created_by", sa.String),
                sa.column("created_at", sa.DateTime), sa.column("bureau_id", sa.Integer))


def test_items_issued_before_the_upgrade_keep_the_bureau_that_issued_them(unmigrated_url):
    """A city admin's notice is the city's to review; the county's and the bulletin's (no person) are the county's.
    A userid spelt in another case is the same person."""
    migrate(unmigrated_url, BEFORE_ISSUER)
    engine = sa.create_engine(unmigrated_url)
    flags = dict(is_classified=False, is_internal=False, active=True)
    with engine.begin() as conn:
        conn.execute(sa.insert(UNIT), [dict(id=1, name="市局", kind="city_bureau", parent_id=None, **flags),
                                       dict(id=2, name="县局", kind="county_bureau", parent_id=1, **flags),
                                       dict(id=3, name="教育局", kind="host", parent_id=2, **flags),
                                       dict(id=4, name="教育局办公室", kind="host", parent_id=3, **flags)])
        conn.execute(sa.insert(PERSON), [dict(id=i, userid=u, name=u, unit_id=unit, active=True, wecom_invalid=False,
                                              digest_opt_out=False, prefers_text=False)
                                         for i, u, unit in ((1, "city_qian", 1), (2, "zsj_admin", 2),
                                                            (3, "jy_wang", 3))])
        made = datetime(2026, 11, 16, 2, 0)
        conn.execute(sa.insert(ITEM), [dict(id=i, unit_id=unit, problem="问题", source="手动", deadline=made.date(),
                                            status="待整改", created_by=by, created_at=made)
                                       for i, unit, by in ((1, 3, "City_Qian"), (2, 3, "zsj_admin"), (3, 4, None),
                                                           (4, 3, "jy_wang"), (5, 3, "gone"))])
    engine.dispose()
    migrate(unmigrated_url, "heads")
    engine = sa.create_engine(unmigrated_url)
    with engine.connect() as conn:
        bureaus = dict(conn.execute(sa.select(ITEM.c.id, ITEM.c.bureau_id)).all())
    engine.dispose()
    assert bureaus == {1: 1, 2: 2, 3: 2, 4: 2, 5: 2}


# --- the models and the migrations agree on indexes: an index declared on a model but never migrated does not exist

@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")  # SQLite: expression indexes
def test_every_index_the_models_declare_is_created_by_the_migrations(unmigrated_url):
    from models.base import Base
    importlib.import_module("models")  # every model module: all tables on Base.metadata
    migrate(unmigrated_url, "heads")
    engine = sa.create_engine(unmigrated_url)
    inspector = sa.inspect(engine)
    missing = []
    for table in Base.metadata.sorted_tables:
        migrated = {tuple(ix["column_names"]) for ix in inspector.get_indexes(table.name)}
        missing += [f"{table.name}{tuple(c.name for c in ix.columns)}" for ix in table.indexes
                    if tuple(c.name for c in ix.columns) not in migrated]
    engine.dispose()
    assert not missing, missing
