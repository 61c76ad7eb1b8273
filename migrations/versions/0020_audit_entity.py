"""audit_log is read by record (a request's 收回, a person's deactivation): index it by entity

Revision ID: 0020_audit_entity
Revises: 0001_platform
"""
from alembic import op

revision = "0020_audit_entity"
down_revision = "0001_platform"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_entity", "audit_log", ["entity", "entity_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_entity", table_name="audit_log")
