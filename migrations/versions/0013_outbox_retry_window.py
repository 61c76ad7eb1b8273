"""outbox rows remember when they failed, were resent, and last had an attempt of unknown outcome

Revision ID: 0013_outbox_retry_window
Revises: 0001_platform
"""
from alembic import op
import sqlalchemy as sa

revision = "0013_outbox_retry_window"
down_revision = "0001_platform"
branch_labels = None
depends_on = None

COLUMNS = ("failed_at", "resent_at", "uncertain_at")


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.DateTime(), nullable=True))
    # the bureau's summary counts today's failures: rows already failed keep no time (they are not "today's")


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch_op:
        for name in COLUMNS:
            batch_op.drop_column(name)
