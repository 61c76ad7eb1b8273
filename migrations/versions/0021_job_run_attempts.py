"""a scheduled period that failed is run again, a few times (jobs/lost_runs.py): job_run counts its attempts

Revision ID: 0021_job_run_attempts
Revises: 0001_platform
"""
from alembic import op
import sqlalchemy as sa

revision = "0021_job_run_attempts"
down_revision = "0001_platform"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job_run") as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("job_run") as batch_op:
        batch_op.drop_column("attempts")
