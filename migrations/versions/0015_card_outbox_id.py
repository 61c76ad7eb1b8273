"""a card names the outbox row that sends it (card.outbox_id), instead of being found by time and payload

Revision ID: 0015_card_outbox_id
Revises: 0014_callback_no_userid_index
"""
from alembic import op
import sqlalchemy as sa

revision = "0015_card_outbox_id"
down_revision = "0014_callback_no_userid_index"
branch_labels = None
depends_on = None

FK = "fk_card_outbox_id_outbox_message"


def upgrade() -> None:
    with op.batch_alter_table("card") as batch_op:
        batch_op.add_column(sa.Column("outbox_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(FK, "outbox_message", ["outbox_id"], ["id"])
    # Cards sent before the upgrade: their row is the template_card to the same person whose payload
    # carries the card's task_id (a card_update carries it too, hence the msgtype).
    card = sa.table("card", sa.column("task_id", sa.String), sa.column("userid", sa.String),
                    sa.column("outbox_id", sa.Integer))
    outbox = sa.table("outbox_message", sa.column("id", sa.Integer), sa.column("userid", sa.String),
                      sa.column("msgtype", sa.String), sa.column("payload", sa.JSON))
    sent_by = (sa.select(sa.func.min(outbox.c.id))
               .where(outbox.c.userid == card.c.userid, outbox.c.msgtype == "template_card",
                      outbox.c.payload["task_id"].as_string() == card.c.task_id)
               .scalar_subquery())
    op.execute(card.update().values(outbox_id=sent_by))


def downgrade() -> None:
    with op.batch_alter_table("card") as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")
        batch_op.drop_column("outbox_id")
