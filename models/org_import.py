"""`org import`: check every row of a directory file, then create or update units and people.

Units are matched by 单位名称 and people by 企业微信UserID, so importing the same file twice
changes nothing. Every problem is collected with its row; if there is any, nothing is written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import clock
from models.audit import AuditLog
from models.directory import (KIND_NAMES, Departure, audit_change, bureau_admins, change_line, deactivate,
                              notify_departures, orphaned_bureaus, person_snapshot, reactivate, unit_snapshot)
from models.org import (BUREAU_ADMIN, BUREAU_REVIEWER, CITY_BUREAU, CITY_REVIEWER, COUNTY_BUREAU, HOST_UNIT,
                        ROLE_NAMES, STAFF, Person, Unit, userid_is)
from models.org_files import Row
from models.org_moves import (KeeperMoved, RequestLeft, keepers_moved, notify_keepers_moved, notify_requests_left,
                              requests_left)
from models.org_text import UnitNames, name_key, tidied
from models.org_sync import ACTOR as SYNC_ACTOR

if TYPE_CHECKING:
    from handlers.approvals_vacancy import Restaffing

ACTOR = "system:org_import"
KIND_BY_NAME = {v: k for k, v in KIND_NAMES.items()}
ROLE_BY_NAME = {v: k for k, v in ROLE_NAMES.items()}
USERID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@\-]{0,63}$")
REGISTRY_CODE = re.compile(r"^[0-9A-Za-z]{1,40}$")
MOBILE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")
ROLE_SPLIT = re.compile(r"[,，、;；/\s]+")


class Problems:
    """What is wrong with the file, listed top-down as the admin fixes it: the unit rows, then registered
    units the file would break, then the people rows; a row's own problems in the order they were found."""

    def __init__(self, unit_rows: list[Row], people_rows: list[Row]):
        self._position = {row.where: i for i, row in enumerate([*unit_rows, *people_rows])}
        self._registered = len(unit_rows) - 0.5  # where a registered unit's problem goes
        self._found: list[tuple[float, int, str]] = []

    def add(self, where: str, text: str) -> None:
        self._found.append((self._position.get(where, self._registered), len(self._found), f"{where}：{text}"))

    def __len__(self) -> int:
        return len(self._found)

    def messages(self) -> list[str]:
        return [text for *_order, text in sorted(self._found)]


class ImportRejected(Exception):
    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


@dataclass
class UnitSpec:
    where: str
    name: str
    parent: str | None
    kind: str
    registry_code: str | None
    is_classified: bool
    is_internal: bool
    wecom_department_id: int | None


@dataclass
class PersonSpec:
    where: str
    userid: str
    name: str
    unit: str
    roles: set[str]
    mobile: str | None
    active: bool | None  # None: 在职 left blank — a known person stays as they are, a new one is in service


@dataclass
class ImportResult:
    units: dict[str, int] = field(default_factory=lambda: {"新增": 0, "更新": 0, "未变": 0})
    people: dict[str, int] = field(default_factory=lambda: {"新增": 0, "更新": 0, "未变": 0, "停用": 0, "恢复": 0})
    departures: list[Departure] = field(default_factory=list)
    notified: dict[str, list[Departure]] = field(default_factory=dict)
    back_after_sync: list[Person] = field(default_factory=list)  # 在职=是 for someone `org sync` deactivated
    restaffing: Restaffing | None = None  # approval steps left without, or given, an approver
    changes: list[str] = field(default_factory=list)  # what changes for each registered person, row by row
    orphaned: list[tuple[str, list[Person]]] = field(default_factory=list)  # bureau left without an admin, former
    moved: list[tuple[Person, str]] = field(default_factory=list)  # moved to another unit: (person, unit left)
    keepers_moved: dict[str, list[KeeperMoved]] = field(default_factory=dict)  # their accounts, by admins told
    requests_left: dict[str, list[RequestLeft]] = field(default_factory=dict)  # their requests, by admins told


def _yes_no(row: Row, column: str, default: bool | None, errors: Problems) -> bool | None:
    value = row.get(column)
    if value == "":
        return default
    if value in ("是", "否"):
        return value == "是"
    errors.add(row.where, f"「{column}」只能填「是」或「否」，现在是「{value}」。")
    return default


def _text(row: Row, column: str, limit: int, errors: Problems, required: bool = True) -> str:
    value = row.get(column)
    if column in row.problems:  # already reported: not text
        return value
    if required and not value:
        errors.add(row.where, f"「{column}」不能为空。")
    elif len(value) > limit:
        errors.add(row.where, f"「{column}」超过{limit}个字。")
    return value


def parse_unit(row: Row, errors: Problems) -> UnitSpec | None:
    before = len(errors)
    for problem in row.problems.values():
        errors.add(row.where, problem)
    name = _text(row, "单位名称", 120, errors)
    parent = row.get("上级单位") or None
    kind_name = row.get("类型")
    kind = KIND_BY_NAME.get(kind_name)
    if kind is None and "类型" not in row.problems:
        errors.add(row.where, f"「类型」应为{'、'.join(KIND_BY_NAME)}之一，现在是「{kind_name}」。"
                   if kind_name else "「类型」不能为空。")
    code = row.get("国办登记系统单位标识码") or None
    if code and not REGISTRY_CODE.match(code):
        errors.add(row.where, f"「国办登记系统单位标识码」只能是字母和数字（最长40位），现在是「{code}」。")
    classified = _yes_no(row, "涉密单位", False, errors)
    internal = _yes_no(row, "内设机构", False, errors)
    dept_text = row.get("企业微信部门ID")
    dept = None
    if dept_text:
        if dept_text.isdigit() and int(dept_text) > 0:
            dept = int(dept_text)
        else:
            errors.add(row.where, f"「企业微信部门ID」应为正整数，现在是「{dept_text}」。")
    if len(errors) > before:
        return None
    return UnitSpec(row.where, name, parent, kind, code, classified, internal, dept)


def parse_person(row: Row, errors: Problems) -> PersonSpec | None:
    before = len(errors)
    for problem in row.problems.values():
        errors.add(row.where, problem)
    userid = row.get("企业微信UserID")
    if not userid:
        if "企业微信UserID" not in row.problems:
            errors.add(row.where, "「企业微信UserID」不能为空。")
    elif not USERID.match(userid):
        errors.add(row.where, f"「企业微信UserID」只能由字母、数字和 _ - . @ 组成（以字母或数字开头，"
                   f"最长64位），现在是「{userid}」。")
    name = _text(row, "姓名", 60, errors)
    unit = _text(row, "所在单位", 120, errors)
    roles: set[str] = set()
    for word in ROLE_SPLIT.split(row.get("角色")):
        if not word:
            continue
        if word in ROLE_BY_NAME:
            roles.add(ROLE_BY_NAME[word])
        else:
            errors.add(row.where, f"没有「{word}」这个角色。可选：{'、'.join(ROLE_BY_NAME)}。")
    mobile = row.get("手机").replace(" ", "") or None
    if mobile and not MOBILE.match(mobile):
        errors.add(row.where, "「手机」格式不正确，请填写手机号或带区号的电话号码。")
    active = _yes_no(row, "在职", None, errors)
    if len(errors) > before:
        return None
    return PersonSpec(row.where, userid, name, unit, roles or {STAFF}, mobile, active)


def _lenient_unit(row: Row) -> UnitSpec | None:
    """A unit row that has a problem, read as far as its place in the tree goes (nothing is reported here)."""
    if row.get("单位名称") == "" or row.problems.keys() & {"单位名称", "上级单位", "类型"}:
        return None
    return UnitSpec(row.where, row.get("单位名称"), row.get("上级单位") or None, KIND_BY_NAME.get(row.get("类型")),
                    None, False, False, None)


def _lenient_person(row: Row) -> PersonSpec | None:
    """A person row that has a problem, read as far as its unit and roles go (nothing is reported here)."""
    if row.get("所在单位") == "" or row.problems.keys() & {"所在单位", "角色"}:
        return None
    roles = {ROLE_BY_NAME[w] for w in ROLE_SPLIT.split(row.get("角色")) if w in ROLE_BY_NAME}
    return PersonSpec(row.where, row.get("企业微信UserID"), row.get("姓名"), row.get("所在单位"), roles or {STAFF},
                      None, None)


def _duplicates(specs, key, label: str, errors: Problems) -> None:
    """`specs`: parsed specs or raw rows (both have `where`)."""
    seen: dict = {}
    for spec in specs:
        value = key(spec)
        if value is None:
            continue
        if value in seen:
            errors.add(spec.where, f"{label}「{value}」与{seen[value]}重复。")
        else:
            seen[value] = spec.where


def check_tree(session: Session, specs: list[UnitSpec], errors: Problems, broken: set[str]) -> dict[str, str]:
    """Check the tree as it would be after the import; returns unit name → kind.

    `broken` names rows that already failed: references to them are not reported twice."""
    existing = list(session.scalars(select(Unit)))
    kinds = {u.name: u.kind for u in existing}
    parents = {u.name: (u.parent.name if u.parent else None) for u in existing}
    where = {u.name: f"已登记的单位「{u.name}」" for u in existing}
    by_dept = {u.wecom_department_id: u.name for u in existing if u.wecom_department_id is not None}
    new_dept = {s.name: s.wecom_department_id for s in specs}  # None: the unit keeps its id
    for spec in specs:
        kinds[spec.name], parents[spec.name], where[spec.name] = spec.kind, spec.parent, spec.where
        owner = by_dept.get(spec.wecom_department_id)
        if owner is not None and owner != spec.name and new_dept.get(owner) is None:
            errors.add(spec.where, f"企业微信部门ID {spec.wecom_department_id} 已属于单位「{owner}」。")
    for name, kind in kinds.items():
        parent = parents[name]
        if parent in broken:
            continue
        if parent is not None and parent not in kinds:
            errors.add(where[name], f"上级单位「{parent}」不存在（本文件和系统中都没有）。")
        elif kind == CITY_BUREAU and parent is not None:
            errors.add(where[name], "市级主管单位不应填写上级单位。")
        elif kind == COUNTY_BUREAU and (parent is None or kinds[parent] != CITY_BUREAU):
            errors.add(where[name], "县级主管单位的上级单位必须是市级主管单位。")
        elif kind == HOST_UNIT and parent is None:
            errors.add(where[name], "主办单位必须填写上级单位（通常是县级主管单位）。")
        elif _in_cycle(name, parents):
            errors.add(where[name], "上级单位形成循环（单位不能是自己的上级）。")
    return kinds


def _in_cycle(name: str, parents: dict[str, str | None]) -> bool:
    seen, node = set(), name
    while node is not None and node in parents:
        if node in seen:
            return True
        seen.add(node)
        node = parents[node]
    return False


def check_roles(spec: PersonSpec, kinds: dict[str, str], errors: Problems, broken: set[str]) -> None:
    kind = kinds.get(spec.unit)
    if spec.unit in broken:
        return
    if kind is None:
        errors.add(spec.where, f"所在单位「{spec.unit}」不存在（本文件和系统中都没有）。")
        return
    if spec.roles & {BUREAU_REVIEWER, BUREAU_ADMIN} and kind not in (CITY_BUREAU, COUNTY_BUREAU):
        errors.add(spec.where, f"「主管单位审核人」「主管单位管理员」只能给主管单位的人员，"
                   f"「{spec.unit}」是主办单位。")
    if CITY_REVIEWER in spec.roles and kind != CITY_BUREAU:
        errors.add(spec.where, "「市级审批人」只能给市级主管单位的人员。")


def _unit_duplicates(rows: list[Row], errors: Problems) -> None:
    """A unit listed twice, also when the two rows spell its name differently (「（县政府办）」, 「(县政府办)」)."""
    seen: dict[str, Row] = {}
    for row in rows:
        name = row.get("单位名称")
        first = seen.setdefault(name_key(name), row) if name else row
        if first is row:
            continue
        if first.get("单位名称") == name:
            errors.add(row.where, f"单位名称「{name}」与{first.where}重复。")
        else:
            errors.add(row.where, f"单位名称「{name}」与{first.where}的「{first.get('单位名称')}」重复"
                       "（写法只差空格或全角、半角字符，是同一个单位），请只保留一行。")


def _spelled(session: Session, unit_rows: list[Row], units: list[UnitSpec], people: list[PersonSpec]) -> set[str]:
    """Every unit name in the spelling of the unit it means (registered units keep theirs); returns the names of
    the unit rows that have a problem (references to them are not reported twice)."""
    names = UnitNames(list(session.scalars(select(Unit.name))))
    for row in unit_rows:
        if row.get("单位名称"):
            names.add(row.get("单位名称"))
    for spec in units:
        spec.name, spec.parent = names.spelled(spec.name), names.spelled(spec.parent)
    for person in people:
        person.unit = names.spelled(person.unit)
    return {names.spelled(r.get("单位名称")) for r in unit_rows} - {s.name for s in units}


def validate(session: Session, unit_rows: list[Row], people_rows: list[Row]) -> tuple[list[UnitSpec], list[PersonSpec]]:
    unit_rows, people_rows = [tidied(r) for r in unit_rows], [tidied(r) for r in people_rows]
    errors = Problems(unit_rows, people_rows)
    if not unit_rows and not people_rows:
        raise ImportRejected(["文件中没有任何单位或人员。"])
    units = [s for s in (parse_unit(r, errors) for r in unit_rows) if s]
    people = [s for s in (parse_person(r, errors) for r in people_rows) if s]
    # A row with a problem is still checked against the tree (上级单位, 所在单位, roles for the unit's kind), so that
    # the admin sees all of its problems at the first attempt; it is never imported.
    parsed = {s.where for s in [*units, *people]}
    lenient_units = [s for s in (_lenient_unit(r) for r in unit_rows if r.where not in parsed) if s]
    lenient_people = [s for s in (_lenient_person(r) for r in people_rows if r.where not in parsed) if s]
    # Names and userids are compared over every row, also those with another problem, so that the
    # user sees a duplicate at the first attempt and not only after correcting the other mistake.
    _unit_duplicates(unit_rows, errors)
    _duplicates(units, lambda s: s.wecom_department_id, "企业微信部门ID", errors)
    _duplicates(people_rows, lambda r: r.get("企业微信UserID").lower() or None, "企业微信UserID",
                errors)  # WeCom ignores case
    broken = _spelled(session, unit_rows, units, people)
    _spelled(session, unit_rows, lenient_units, lenient_people)
    lenient_units = [s for s in lenient_units if s.name not in {u.name for u in units}]  # a duplicate: said above
    kinds = check_tree(session, [*units, *lenient_units], errors, broken)
    for spec in [*people, *lenient_people]:
        check_roles(spec, kinds, errors, broken)
    if errors:
        raise ImportRejected(errors.messages())
    return units, people


def apply(session: Session, units: list[UnitSpec], people: list[PersonSpec]) -> ImportResult:
    from handlers import approvals_vacancy as vacancy  # late: the approval chain decides who holds a step
    result = ImportResult()
    waiting = vacancy.waiting_holders(session)
    by_name = {u.name: u for u in session.scalars(select(Unit))}
    before = {name: unit_snapshot(u) for name, u in by_name.items()}
    for spec in units:  # a department id moving to another unit: free it first (validate checked the owner)
        owner = next((u for u in by_name.values() if u.wecom_department_id == spec.wecom_department_id), None)
        if spec.wecom_department_id is not None and owner is not None and owner.name != spec.name:
            owner.wecom_department_id = None
    session.flush()
    pending = list(units)
    while pending:  # parents first; check_tree ruled out cycles
        ready = [s for s in pending if s.parent is None or s.parent in by_name and s.parent not in
                 {p.name for p in pending if p is not s}]
        if not ready:
            raise RuntimeError("unit tree not resolvable after validation")
        for spec in ready:
            by_name[spec.name] = _apply_unit(session, spec, by_name, before.get(spec.name), result)
            pending.remove(spec)
    admins_before = bureau_admins(session)
    for spec in people:
        _apply_person(session, spec, by_name, result)
    session.flush()
    result.orphaned = orphaned_bureaus(admins_before, bureau_admins(session))
    result.restaffing = vacancy.after_directory_change(session, waiting, result.departures, "名册导入", ACTOR)
    if result.departures:
        result.notified = notify_departures(session, result.departures, "名册导入")
    result.keepers_moved = notify_keepers_moved(session, keepers_moved(session, result.moved), "名册导入")
    result.requests_left = notify_requests_left(session, requests_left(session, result.moved), "名册导入")
    return result


def _count(counts: dict[str, int], before, changed: bool) -> None:
    counts["新增" if before is None else "更新" if changed else "未变"] += 1


def _apply_unit(session: Session, spec: UnitSpec, by_name: dict[str, Unit], before: dict | None,
                result: ImportResult) -> Unit:
    unit = by_name.get(spec.name)
    if unit is None:
        unit = Unit(name=spec.name)
        session.add(unit)
    unit.kind, unit.parent = spec.kind, by_name[spec.parent] if spec.parent else None
    unit.is_classified, unit.is_internal = spec.is_classified, spec.is_internal
    if spec.registry_code:  # blank keeps what is known (e.g. a department id linked by `org sync`)
        unit.registry_code = spec.registry_code
    if spec.wecom_department_id is not None:
        unit.wecom_department_id = spec.wecom_department_id
    session.flush()
    _count(result.units, before, audit_change(session, ACTOR, "unit", unit.id, before, unit_snapshot(unit)))
    return unit


def _apply_person(session: Session, spec: PersonSpec, by_name: dict[str, Unit], result: ImportResult) -> None:
    person = session.scalar(select(Person).where(userid_is(Person.userid, spec.userid)))
    before = person_snapshot(person) if person else None
    old_mobile = person.mobile if person else None
    if person is None:
        active = spec.active is not False
        person = Person(userid=spec.userid, active=active, deactivated_at=None if active else clock.now())
        session.add(person)
    person.name, person.unit = spec.name, by_name[spec.unit]
    if before is not None and before["unit"] != person.unit.name:
        result.moved.append((person, before["unit"]))
    if spec.mobile:
        person.mobile = spec.mobile
    person.set_roles(spec.roles)
    session.flush()
    _count(result.people, before, audit_change(session, ACTOR, "person", person.id, before, person_snapshot(person)))
    if before is None:
        return
    activity = ""
    if person.active and spec.active is False:
        result.departures.append(deactivate(session, person, ACTOR, "名册导入：在职=否"))
        result.people["停用"] += 1
        activity = "停用"
    elif not person.active and spec.active:  # only an explicit 是: an old roster's blank brings no one back
        if _last_deactivated_by(session, person) == SYNC_ACTOR:
            result.back_after_sync.append(person)
        reactivate(session, person, ACTOR, "名册导入：在职=是")
        result.people["恢复"] += 1
        activity = "恢复在职"
    line = change_line(spec.where, person, before, old_mobile, activity)
    if line:
        result.changes.append(line)


def _last_deactivated_by(session: Session, person: Person) -> str | None:
    """Who deactivated the person last (`org sync` when they left WeCom, or an import's 在职=否)."""
    return session.scalar(select(AuditLog.actor).where(
        AuditLog.entity == "person", AuditLog.entity_id == str(person.id),
        AuditLog.action == "org.person.deactivate").order_by(AuditLog.id.desc()).limit(1))


def import_file_rows(session: Session, unit_rows: list[Row], people_rows: list[Row]) -> ImportResult:
    """Validate, then apply inside the caller's transaction (nothing is written on a rejection)."""
    units, people = validate(session, unit_rows, people_rows)
    return apply(session, units, people)

