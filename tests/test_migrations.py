"""Migrations that SQLite would accept but PostgreSQL would refuse."""
from __future__ import annotations

from alembic.script import ScriptDirectory

from bot.cli import alembic_config


def test_every_revision_id_fits_alembic_version_column():
    """alembic_version.version_num is VARCHAR(32): PostgreSQL refuses a longer id, SQLite does not."""
    scripts = ScriptDirectory.from_config(alembic_config())
    too_long = [s.revision for s in scripts.walk_revisions() if len(s.revision) > 32]
    assert not too_long, too_long
