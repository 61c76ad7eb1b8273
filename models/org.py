"""Organisation directory: units (a tree) and people with roles.

City bureau (全市政务新媒体工作主管单位) → county bureaus (县政数局, 主管单位) →
host units (主办单位). A bureau sees its subtree; a host unit sees only itself.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, bindparam, func, select
from sqlalchemy.orm import Mapped, Session, joinedload, mapped_column, relationship

from models.base import Base

CITY_BUREAU = "city_bureau"
COUNTY_BUREAU = "county_bureau"
HOST_UNIT = "host"
UNIT_KINDS = (CITY_BUREAU, COUNTY_BUREAU, HOST_UNIT)

STAFF = "staff"
UNIT_HEAD = "unit_head"
BUREAU_REVIEWER = "bureau_reviewer"
BUREAU_ADMIN = "bureau_admin"
CITY_REVIEWER = "city_reviewer"
ROLES = (STAFF, UNIT_HEAD, BUREAU_REVIEWER, BUREAU_ADMIN, CITY_REVIEWER)
ROLE_NAMES = {
    STAFF: "单位工作人员",
    UNIT_HEAD: "单位负责人",
    BUREAU_REVIEWER: "主管单位审核人",
    BUREAU_ADMIN: "主管单位管理员",
    CITY_REVIEWER: "市级审批人",
}
BUREAU_ROLES = frozenset({BUREAU_REVIEWER, BUREAU_ADMIN, CITY_REVIEWER})


class Unit(Base):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=HOST_UNIT)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    registry_code: Mapped[str | None] = mapped_column(String(40))  # 国办登记系统单位标识码
    is_classified: Mapped[bool] = mapped_column(default=False)  # 涉密单位 (第8条)
    is_internal: Mapped[bool] = mapped_column(default=False)  # 内设机构 (第8条)
    wecom_department_id: Mapped[int | None] = mapped_column(unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")
    people: Mapped[list[Person]] = relationship(back_populates="unit")

    @property
    def is_bureau(self) -> bool:
        return self.kind in (CITY_BUREAU, COUNTY_BUREAU)

    def supervising_bureau(self) -> Unit | None:
        """The nearest county (or city) bureau above a host unit."""
        node = self.parent
        while node is not None and not node.is_bureau:
            node = node.parent
        return node

    def city_bureau(self) -> Unit | None:
        node: Unit | None = self
        while node is not None and node.kind != CITY_BUREAU:
            node = node.parent
        return node


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    userid: Mapped[str] = mapped_column(String(64), unique=True)  # WeCom 成员UserID
    name: Mapped[str] = mapped_column(String(60))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    mobile: Mapped[str | None] = mapped_column(String(20))  # personal data: never logged
    active: Mapped[bool] = mapped_column(default=True)
    wecom_invalid: Mapped[bool] = mapped_column(default=False)  # WeCom said the userid is invalid
    digest_opt_out: Mapped[bool] = mapped_column(default=False)
    prefers_text: Mapped[bool] = mapped_column(default=False)  # reads in WeChat: no markdown
    deactivated_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship(back_populates="people")
    role_rows: Mapped[list[PersonRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_rows}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_bureau_user(self) -> bool:
        return bool(self.roles & BUREAU_ROLES) and self.unit.is_bureau

    def set_roles(self, roles: set[str]) -> None:
        current = {r.role: r for r in self.role_rows}
        for role in set(current) - roles:
            self.role_rows.remove(current[role])
        for role in roles - set(current):
            self.role_rows.append(PersonRole(role=role))


class PersonRole(Base):
    __tablename__ = "person_role"
    __table_args__ = (UniqueConstraint("person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(30))


class UnknownSender(Base):
    """A message from a userid the directory does not know; one bureau push per day."""

    __tablename__ = "unknown_sender"
    __table_args__ = (UniqueConstraint("userid", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    userid: Mapped[str] = mapped_column(String(64))
    day: Mapped[str] = mapped_column(String(10))
    first_seen: Mapped[datetime]


# --- scoping: every query, list and push goes through these ---------------------------

def subtree_ids(session: Session, root_id: int) -> list[int]:
    """Ids of a unit and everything below it."""
    rows = session.execute(select(Unit.id, Unit.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for uid, parent in rows:
        children.setdefault(parent, []).append(uid)
    out, stack = [], [root_id]
    while stack:
        uid = stack.pop()
        out.append(uid)
        stack.extend(children.get(uid, []))
    return out


def visible_unit_ids(session: Session, person: Person) -> list[int]:
    """The part of the tree this person may see: a bureau user its subtree, others their unit."""
    if person.is_bureau_user:
        return subtree_ids(session, person.unit_id)
    return [person.unit_id]


def counties_of(session: Session, city: Unit) -> list[Unit]:
    """The active county bureaus under a city bureau."""
    rows = session.scalars(select(Unit).where(Unit.kind == COUNTY_BUREAU, Unit.active).order_by(Unit.id))
    return [unit for unit in rows if unit.city_bureau() is city]


def visible_host_units(session: Session, person: Person) -> list[Unit]:
    ids = visible_unit_ids(session, person)
    return list(session.scalars(
        select(Unit).where(Unit.id.in_(ids), Unit.kind == HOST_UNIT, Unit.active).order_by(Unit.id)))


def people_with_role(session: Session, role: str, unit_ids: list[int] | None = None) -> list[Person]:
    stmt = (select(Person).join(PersonRole).where(PersonRole.role == role, Person.active)
            .order_by(Person.id))
    if unit_ids is not None:
        stmt = stmt.where(Person.unit_id.in_(unit_ids))
    return list(session.scalars(stmt))


def level_name(bureau: Unit | None) -> str:
    """How the texts name a bureau's level: 市政数局 (the city bureau) or 县政数局."""
    return "市政数局" if bureau is not None and bureau.kind == CITY_BUREAU else "县政数局"


def bureau_people(session: Session, unit: Unit, role: str) -> list[Person]:
    """Holders of a bureau role at the bureau that supervises `unit` (or at `unit` if it is one)."""
    bureau = unit if unit.is_bureau else unit.supervising_bureau()
    if bureau is None:
        return []
    return people_with_role(session, role, [bureau.id])


# One query for the person, their unit and roles (every callback needs all three), built once.
_FIND_PERSON = (select(Person).options(joinedload(Person.unit), joinedload(Person.role_rows))
                .where(Person.userid == bindparam("userid")))


def userid_is(column, userid: str):
    """A SQL condition: `column` (a userid column) holds `userid` whatever its case (WeCom ignores case in
    userids; rosters and `org sync` may spell one differently from a callback)."""
    return func.lower(column) == userid.lower()


def userid_in(column, userids):
    """A SQL condition: `column` holds one of `userids` whatever its case (see userid_is)."""
    return func.lower(column).in_(sorted({u.lower() for u in userids}))


def names_of(session: Session, userids) -> dict[str, str]:
    """{userid: name} for the people with these userids, in one query; userids match whatever their case
    (as `find_person`), the exact spelling first (see `shown_name`)."""
    userids = {u for u in userids if u}
    wanted = {u.lower() for u in userids}
    rows = session.execute(select(Person.userid, Person.name).where(userid_in(Person.userid, wanted))
                           .order_by(Person.active)).all() if wanted else []
    names: dict[str, str] = {}
    for userid, name in rows:  # active people last: they win over an inactive namesake
        names[userid.lower()] = name
    names.update({userid: name for userid, name in rows if userid in userids})
    return names


def shown_name(names: dict[str, str], userid: str | None, nobody: str = "系统") -> str:
    """The name `names_of` found for `userid`, else the userid itself (`nobody` when there is none)."""
    if not userid:
        return nobody
    return names.get(userid) or names.get(userid.lower()) or userid


def reachable(people) -> list[Person]:
    """Those of `people` a push reaches: active, and not refused by WeCom (`wecom_invalid`, which the delivery
    sets after 81013/40003-style errors); the outbox drops pushes to anyone else."""
    return [p for p in people if p.active and not p.wecom_invalid]


def find_person(session: Session, userid: str) -> Person | None:
    """The person with this WeCom userid, whatever its case (WeCom ignores case in userids).

    The exact spelling is looked up first, through the unique index, with unit and roles in
    the same query (every callback needs all three): callbacks carry WeCom's spelling and
    `org sync` stores it, so that is nearly always a hit. Only a miss (an unknown sender, or a
    userid typed differently in a roster) compares lower(); that scan is small and rare.
    """
    person = session.scalars(_FIND_PERSON, {"userid": userid}).unique().one_or_none()
    if person is not None or not userid:
        return person
    return session.scalars(select(Person).where(userid_is(Person.userid, userid))
                           .order_by(Person.active.desc(), Person.id).limit(1)).first()
