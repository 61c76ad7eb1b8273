"""`org sync`: bring the directory in line with WeCom's contacts (department/list, user/list).

Departments map to units by `wecom_department_id` (a unit with the department's name, spaces and
full-width or half-width characters aside, and no id yet is linked once); a sub-department without a
unit belongs to its nearest mapped ancestor. Members are created or updated; members who left (missing from
every list, or status 已禁用/已退出) are deactivated and the accounts they answered for are
pushed to the bureau admins of their part of the tree, all in the caller's transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.directory import (Departure, audit_change, bureau_admins, change_line, deactivate, notify_departures,
                              orphaned_bureaus, person_snapshot, reactivate, revalidate, unit_snapshot)
from models.org import HOST_UNIT, STAFF, Person, Unit
from models.org_moves import (KeeperMoved, RequestLeft, keepers_moved, notify_keepers_moved, notify_requests_left,
                              requests_left)
from models.org_text import name_key

if TYPE_CHECKING:
    from handlers.approvals_vacancy import Restaffing

ACTOR = "system:org_sync"
GONE_STATUSES = {2, 5}  # WeCom member status: 2 已禁用, 5 已退出企业 (1 已激活, 4 未激活 stay)
ACTIVATED = 1
MAX_DEPARTURE_SHARE = 0.5  # refuse to deactivate more than this share at once without --force


class SyncRefused(Exception):
    """The contacts look wrong (e.g. nothing visible); nothing was changed."""


@dataclass
class SyncResult:
    linked: list[Unit] = field(default_factory=list)
    people: dict[str, int] = field(default_factory=lambda: {"新增": 0, "更新": 0, "未变": 0, "停用": 0, "恢复": 0})
    new_people: list[Person] = field(default_factory=list)
    departures: list[Departure] = field(default_factory=list)
    unmapped_departments: list[dict] = field(default_factory=list)
    missing_departments: list[Unit] = field(default_factory=list)
    skipped_members: list[str] = field(default_factory=list)  # only in departments without a unit
    notified: dict[str, list[Departure]] = field(default_factory=dict)
    restaffing: Restaffing | None = None  # approval steps left without, or given, an approver
    changes: list[str] = field(default_factory=list)  # what changed for each registered person
    roles_reset: list[Person] = field(default_factory=list)  # moved to another unit: its first roles, not the old
    # departments without a unit whose members went to the bureau above (perhaps a host unit missing from the roster)
    folded: dict[int, dict] = field(default_factory=dict)
    folded_people: dict[str, dict] = field(default_factory=dict)  # new member's userid → such a department
    orphaned: list[tuple[str, list[Person]]] = field(default_factory=list)  # bureau left without an admin, former
    moved: list[tuple[Person, str]] = field(default_factory=list)  # moved to another unit: (person, unit left)
    keepers_moved: dict[str, list[KeeperMoved]] = field(default_factory=dict)  # their accounts, by admins told
    requests_left: dict[str, list[RequestLeft]] = field(default_factory=dict)  # their requests, by admins told


def map_departments(session: Session, departments: list[dict], result: SyncResult) -> dict[int, Unit]:
    units = list(session.scalars(select(Unit)))
    by_dept = {u.wecom_department_id: u for u in units if u.wecom_department_id is not None}
    by_name = {u.name: u for u in units}
    by_key: dict[str, list[Unit]] = {}
    for u in units:
        by_key.setdefault(name_key(u.name), []).append(u)
    mapped: dict[int, Unit] = {}
    for dept in departments:
        dept_id = int(dept["id"])
        unit = by_dept.get(dept_id)
        name = str(dept.get("name", "")).strip()
        spelled = by_key.get(name_key(name), [])  # 「(县政府办)」 in WeCom, 「（县政府办）」 in the roster
        candidate = by_name.get(name) or (spelled[0] if len(spelled) == 1 else None)
        if unit is None and candidate is not None and candidate.wecom_department_id is None:
            before = unit_snapshot(candidate)
            candidate.wecom_department_id = dept_id
            audit_change(session, ACTOR, "unit", candidate.id, before, unit_snapshot(candidate))
            result.linked.append(candidate)
            unit = candidate
        if unit is not None:
            mapped[dept_id] = unit
    listed = {int(d["id"]) for d in departments}
    result.missing_departments = [u for d, u in sorted(by_dept.items()) if d not in listed]
    inherited = _inherit(departments, mapped)
    result.folded = {int(d["id"]): d for d in departments
                     if int(d["id"]) not in mapped and int(d["id"]) in inherited and inherited[int(d["id"])].is_bureau}
    result.unmapped_departments = [d for d in departments if int(d["id"]) not in inherited]
    return inherited


def _inherit(departments: list[dict], mapped: dict[int, Unit]) -> dict[int, Unit]:
    """A sub-department without a unit of its own (科室, 股) belongs to its nearest mapped ancestor."""
    parent = {int(d["id"]): int(d.get("parentid") or 0) for d in departments}
    out: dict[int, Unit] = {}
    for dept_id in parent:
        node, seen = dept_id, set()
        while node in parent and node not in mapped and node not in seen:
            seen.add(node)
            node = parent[node]
        if node in mapped:
            out[dept_id] = mapped[node]
    return out


def collect_members(users_by_dept: dict[int, list[dict]]) -> dict[str, dict]:
    """One entry per userid (a member in several departments is listed in each)."""
    members: dict[str, dict] = {}
    for dept_id, users in users_by_dept.items():
        for user in users:
            entry = members.setdefault(user["userid"], {**user, "department": list(user.get("department") or [])})
            if dept_id not in entry["department"]:
                entry["department"].append(dept_id)
    return members


def choose_unit(member: dict, mapped: dict[int, Unit], current: Unit | None) -> Unit | None:
    units = [mapped[d] for d in member["department"] if d in mapped]
    main = mapped.get(member.get("main_department"))
    if main is not None:
        return main
    if current is not None and current in units:
        return current
    return units[0] if units else None


def apply_contacts(session: Session, departments: list[dict], users_by_dept: dict[int, list[dict]],
                   *, force: bool = False) -> SyncResult:
    if not departments:
        raise SyncRefused("企业微信没有返回任何部门：请检查应用的通讯录可见范围。未做任何修改。")
    from handlers import approvals_vacancy as vacancy  # late: the approval chain decides who holds a step
    result = SyncResult()
    waiting = vacancy.waiting_holders(session)
    admins_before = bureau_admins(session)
    mapped = map_departments(session, departments, result)
    members = collect_members(users_by_dept)
    people = {p.userid.lower(): p for p in session.scalars(select(Person))}  # WeCom userids ignore case
    listed_users = {u.lower() for u in members}
    present: set[str] = set()
    for userid, member in members.items():
        if int(member.get("status", 1)) in GONE_STATUSES:
            continue
        present.add(userid.lower())
        person = people.get(userid.lower())
        unit = choose_unit(member, mapped, person.unit if person else None)
        if unit is None:
            result.skipped_members.append(userid)
            continue
        _upsert(session, person, member, unit, result)
    listed = set(mapped)
    leavers = [p for key, p in people.items() if p.active and key not in present
               and (key in listed_users or p.unit.wecom_department_id in listed)]
    watched = [p for p in people.values() if p.active and p.unit.wecom_department_id in listed]
    if not force and len(leavers) > 5 and len(leavers) > MAX_DEPARTURE_SHARE * max(len(watched), 1):
        raise SyncRefused(f"本次同步将停用 {len(leavers)} 人（超过对应单位在册人数的一半），"
                          "可能是应用可见范围设置有误。请核实后加 --force 重新执行。未做任何修改。")
    for person in sorted(leavers, key=lambda p: p.id):
        result.departures.append(deactivate(session, person, ACTOR, "企业微信通讯录中已不存在或已禁用/退出"))
        result.people["停用"] += 1
    session.flush()
    result.orphaned = orphaned_bureaus(admins_before, bureau_admins(session))
    result.restaffing = vacancy.after_directory_change(session, waiting, result.departures, "企业微信通讯录同步", ACTOR)
    if result.departures:
        result.notified = notify_departures(session, result.departures, "企业微信通讯录同步")
    result.keepers_moved = notify_keepers_moved(session, keepers_moved(session, result.moved), "企业微信通讯录同步")
    result.requests_left = notify_requests_left(session, requests_left(session, result.moved), "企业微信通讯录同步")
    return result


def first_roles(unit: Unit) -> set[str]:
    """The roles of someone WeCom puts in `unit` without a roster saying more: 单位工作人员 in a host unit,
    none in a bureau (bureau roles come from the import)."""
    return {STAFF} if unit.kind == HOST_UNIT else set()


def _upsert(session: Session, person: Person | None, member: dict, unit: Unit, result: SyncResult) -> None:
    before = person_snapshot(person) if person else None
    old_mobile = person.mobile if person else None
    if person is None:
        person = Person(userid=member["userid"], name=(member.get("name") or member["userid"])[:60], unit=unit)
        person.set_roles(first_roles(unit))
        session.add(person)
        result.new_people.append(person)
        if member.get("main_department") in result.folded:
            result.folded_people[person.userid] = result.folded[member["main_department"]]
    elif person.unit_id != unit.id and person.roles != first_roles(unit):
        person.set_roles(first_roles(unit))  # moved in WeCom: a head or reviewer of the old unit is not one of the new
        result.roles_reset.append(person)
    person.userid = member["userid"]  # callbacks carry WeCom's spelling of the userid
    if member.get("name"):
        person.name = member["name"][:60]  # the column's length
    person.unit = unit
    if before is not None and before["unit"] != unit.name:
        result.moved.append((person, before["unit"]))
    if member.get("mobile"):  # apps created after 2022-06 get no mobile: keep what the import gave
        person.mobile = member["mobile"][:20]
    session.flush()
    changed = audit_change(session, ACTOR, "person", person.id, before, person_snapshot(person))
    result.people["新增" if before is None else "更新" if changed else "未变"] += 1
    if before is not None and (line := change_line("", person, before, old_mobile, "")):
        result.changes.append(line)
    if not person.active:
        reactivate(session, person, ACTOR, "企业微信通讯录中重新出现")
        result.people["恢复"] += 1
    elif person.wecom_invalid and int(member.get("status", ACTIVATED)) == ACTIVATED:
        revalidate(session, person, ACTOR, "企业微信通讯录中为已激活成员")
