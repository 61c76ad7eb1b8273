"""WeCom's contacts (department/list, user/list) as they would look for a directory, so that the
fake WeCom can serve the demo county and `flask --app bot org sync` has something to pull."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.org import Person, Unit

ID_OFFSET = 1000  # department ids for units that have none yet (sync then links them by name)


def department_id(unit: Unit) -> int:
    return unit.wecom_department_id if unit.wecom_department_id is not None else ID_OFFSET + unit.id


def contacts_from_directory(session: Session) -> tuple[list[dict], dict[int, list[dict]]]:
    """(departments, users by department id) mirroring the active people of the directory."""
    units = list(session.scalars(select(Unit).order_by(Unit.id)))
    departments = [{"id": department_id(u), "name": u.name, "order": u.id,
                    "parentid": department_id(u.parent) if u.parent else 0} for u in units]
    users: dict[int, list[dict]] = {d["id"]: [] for d in departments}
    for person in session.scalars(select(Person).where(Person.active).order_by(Person.id)):
        dept = department_id(person.unit)
        users[dept].append({"userid": person.userid, "name": person.name, "department": [dept],
                            "main_department": dept, "status": 1})
    return departments, users
