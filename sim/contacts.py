"""WeCom's contacts (department/list, user/list) as they would look for a directory, so that the
fake WeCom can serve the demo county and `flask --app bot org sync` has something to pull.

In demo mode the sim process serves the bot's own directory (`serve_directory`): filled at
start-up and read afresh at every department/list, so a sync in demo mode finds what the
directory already holds and changes nothing (an `org import` is not undone by the next sync)."""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from models.org import Person, Unit

log = logging.getLogger("sim.contacts")

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


def directory_contacts() -> tuple[list[dict], dict[int, list[dict]]] | None:
    """The bot's directory as WeCom contacts; None while there is no database or no unit yet."""
    from bot import db
    try:
        with db.transaction() as session:
            departments, users = contacts_from_directory(session)
    except SQLAlchemyError as exc:  # not migrated yet: serve nothing rather than fail
        log.warning("directory not readable for the fake contacts: %s", type(exc).__name__)
        return None
    return (departments, users) if departments else None


def serve_directory(fake) -> tuple[int, int]:
    """Make `fake` serve the directory from now on; (departments, members) served at start."""
    fake.contacts_source = directory_contacts
    fake.refresh_contacts()
    with fake.lock:
        return len(fake.state.departments), sum(len(u) for u in fake.state.users.values())
