"""screenshots are kept: the picture's bytes in `screenshot`, linked from registry filings and rectification answers

Screenshots received before this upgrade keep their WeCom media id only (WeCom held them 3 days): no rows are
made for them, so nothing fetches them or asks the clerk to send them again.

Revision ID: 0017_screenshot
Revises: 0016_outbox_userid_lower
"""
from alembic import op
import sqlalchemy as sa

import models.base

revision = "0017_screenshot"
down_revision = "0016_outbox_userid_lower"
branch_labels = None
depends_on = ("0003_approvals", "0012_rectification_screenshot")  # the tables it links from

LINKED = ("registry_filing", "rectification_answer")


def upgrade() -> None:
    op.create_table(
        "screenshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.String(length=200), nullable=False),
        sa.Column("sent_by", sa.String(length=64), nullable=False),
        sa.Column("received_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("fetched_at", models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screenshot")),
    )
    op.create_index("ix_screenshot_status_due", "screenshot", ["status", "next_attempt_at"])
    for table in LINKED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("screenshot_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(f"fk_{table}_screenshot_id_screenshot", "screenshot", ["screenshot_id"], ["id"])


def downgrade() -> None:
    for table in LINKED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_screenshot_id_screenshot", type_="foreignkey")
            batch_op.drop_column("screenshot_id")
    op.drop_index("ix_screenshot_status_due", table_name="screenshot")
    op.drop_table("screenshot")
