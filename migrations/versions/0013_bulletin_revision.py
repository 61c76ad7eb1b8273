"""bulletin drafts count their versions (重新生成通报)

Revision ID: 0013_bulletin_revision
Revises: 0008_bulletin
"""
from alembic import op
import sqlalchemy as sa

revision = "0013_bulletin_revision"
down_revision = "0008_bulletin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bulletin") as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("bulletin") as batch_op:
        batch_op.drop_column("revision")
