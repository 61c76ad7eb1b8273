"""outbox_message gets an index on lower(userid): the repeat check finds a person's rows whatever the case

Revision ID: 0016_outbox_userid_lower
Revises: 0015_card_outbox_id
"""
from alembic import op
import sqlalchemy as sa

revision = "0016_outbox_userid_lower"
down_revision = "0015_card_outbox_id"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_message_userid_lower", "outbox_message", [sa.text("lower(userid)")])


def downgrade() -> None:
    op.drop_index("ix_outbox_message_userid_lower", table_name="outbox_message")
