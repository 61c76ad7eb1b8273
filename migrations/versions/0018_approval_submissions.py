"""approval requests keep what each submission filed: a resubmission's approvers see what changed

Requests already submitted get their latest submission as it stands (a request sent back still holds what was
filed last), so one sent back before this upgrade and corrected after it is compared too.

Revision ID: 0018_approval_submissions
Revises: 0003_approvals
"""
from alembic import op
import sqlalchemy as sa

revision = "0018_approval_submissions"
down_revision = "0003_approvals"
branch_labels = None
depends_on = None

REQUEST = sa.table("approval_request", sa.column("id", sa.Integer), sa.column("round", sa.Integer),
                   sa.column("form", sa.JSON), sa.column("changes", sa.JSON),
                   sa.column("reason_kind", sa.String), sa.column("reason", sa.Text),
                   sa.column("rules_submitted", sa.Boolean), sa.column("announcement", sa.Boolean),
                   sa.column("submitted_at", sa.DateTime), sa.column("submissions", sa.JSON))


def upgrade() -> None:
    with op.batch_alter_table("approval_request") as batch_op:
        batch_op.add_column(sa.Column("submissions", sa.JSON(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(REQUEST).where(REQUEST.c.submitted_at.is_not(None))).all()
    if rows:
        conn.execute(sa.update(REQUEST).where(REQUEST.c.id == sa.bindparam("request_id"))
                     .values(submissions=sa.bindparam("kept", type_=sa.JSON)),
                     [{"request_id": r.id, "kept": [{"round": r.round, "form": r.form, "changes": r.changes,
                                                     "reason_kind": r.reason_kind, "reason": r.reason,
                                                     "rules_submitted": r.rules_submitted,
                                                     "announcement": r.announcement}]} for r in rows])


def downgrade() -> None:
    with op.batch_alter_table("approval_request") as batch_op:
        batch_op.drop_column("submissions")
