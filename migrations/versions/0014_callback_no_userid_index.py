"""inbound_callback loses its userid index: no query uses it, and every callback paid an index insert

Revision ID: 0014_callback_no_userid_index
Revises: 0013_outbox_retry_window
"""
from alembic import op

revision = "0014_callback_no_userid_index"
down_revision = "0013_outbox_retry_window"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_callback") as batch_op:
        batch_op.drop_index("ix_inbound_callback_userid")


def downgrade() -> None:
    with op.batch_alter_table("inbound_callback") as batch_op:
        batch_op.create_index("ix_inbound_callback_userid", ["userid"], unique=False)
