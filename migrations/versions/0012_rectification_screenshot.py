"""rectification answers keep the screenshot's WeCom media id

Revision ID: 0012_rectification_screenshot
Revises: 0005_oversight
"""
from alembic import op
import sqlalchemy as sa

revision = "0012_rectification_screenshot"
down_revision = "0005_oversight"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rectification_answer") as batch_op:
        batch_op.add_column(sa.Column("screenshot_media_id", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rectification_answer") as batch_op:
        batch_op.drop_column("screenshot_media_id")
