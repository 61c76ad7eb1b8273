"""a 约谈 keeps its time and place (as the bureau wrote them, or 待定)

Revision ID: 0019_measure_meeting
Revises: 0005_oversight
"""
from alembic import op
import sqlalchemy as sa

revision = "0019_measure_meeting"
down_revision = "0005_oversight"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("measure") as batch_op:
        batch_op.add_column(sa.Column("meeting_time", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("meeting_place", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("measure") as batch_op:
        batch_op.drop_column("meeting_place")
        batch_op.drop_column("meeting_time")
