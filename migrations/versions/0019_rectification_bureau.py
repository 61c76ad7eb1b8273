"""a rectification item keeps the bureau that issued it, which reviews the unit's answers

Items issued before this upgrade get the bureau of the person who issued them (a city admin's notice: the city
bureau), else the unit's own supervising bureau, as the notice named it to the unit.

Revision ID: 0019_rectification_bureau
Revises: 0012_rectification_screenshot
"""
from alembic import op
import sqlalchemy as sa

revision = "0019_rectification_bureau"
down_revision = "0012_rectification_screenshot"
branch_labels = None
depends_on = None

BUREAU_KINDS = ("city_bureau", "county_bureau")
UNIT = sa.table("unit", sa.column("id", sa.Integer), sa.column("parent_id", sa.Integer), sa.column("kind", sa.String))
PERSON = sa.table("person", sa.column("userid", sa.String), sa.column("unit_id", sa.Integer))
ITEM = sa.table("rectification", sa.column("id", sa.Integer), sa.column("unit_id", sa.Integer),
                sa.column("created_by", sa.String), sa.column("bureau_id", sa.Integer))


def upgrade() -> None:
    with op.batch_alter_table("rectification") as batch_op:
        batch_op.add_column(sa.Column("bureau_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_rectification_bureau_id_unit", "unit", ["bureau_id"], ["id"])
    conn = op.get_bind()
    items = conn.execute(sa.select(ITEM.c.id, ITEM.c.unit_id, ITEM.c.created_by)).all()
    if not items:
        return
    units = {u.id: u for u in conn.execute(sa.select(UNIT)).all()}
    people = {p.userid.lower(): p.unit_id for p in conn.execute(sa.select(PERSON)).all()}

    def supervising(unit_id):
        node = units.get(units[unit_id].parent_id) if unit_id in units else None
        while node is not None and node.kind not in BUREAU_KINDS:
            node = units.get(node.parent_id)
        return node.id if node is not None else None

    def bureau_of(item):
        own = people.get((item.created_by or "").lower())
        return own if own in units and units[own].kind in BUREAU_KINDS else supervising(item.unit_id)

    rows = [{"item_id": i.id, "bureau": bureau} for i in items if (bureau := bureau_of(i)) is not None]
    if rows:
        conn.execute(sa.update(ITEM).where(ITEM.c.id == sa.bindparam("item_id"))
                     .values(bureau_id=sa.bindparam("bureau")), rows)


def downgrade() -> None:
    with op.batch_alter_table("rectification") as batch_op:
        batch_op.drop_constraint("fk_rectification_bureau_id_unit", type_="foreignkey")
        batch_op.drop_column("bureau_id")
