"""Directory upkeep shared by `org import` and `org sync`: audited changes to units and people,
departures (停用) with the bureau notice listing the accounts a leaver answered for (第21条) and the
approval requests they leave unfinished, and the printed tree of `org show`."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import clock, outbox
from models import audit
from models.account import CANCELLED, Account
from models.approval import DRAFT, PENDING_STATUSES, RETURNED, ApprovalRequest
from models.org import (BUREAU_ADMIN, CITY_BUREAU, COUNTY_BUREAU, HOST_UNIT, ROLE_NAMES, ROLES, STAFF, UNIT_HEAD,
                        Person, Unit, bureau_people, people_with_role)

KIND_NAMES = {CITY_BUREAU: "市级主管单位", COUNTY_BUREAU: "县级主管单位", HOST_UNIT: "主办单位"}


def role_names(roles) -> str:
    return "、".join(ROLE_NAMES[r] for r in ROLES if r in roles) or "未分配角色"


def unit_snapshot(unit: Unit) -> dict:
    return {"name": unit.name, "kind": unit.kind, "parent": unit.parent.name if unit.parent else None,
            "registry_code": unit.registry_code, "is_classified": unit.is_classified,
            "is_internal": unit.is_internal, "wecom_department_id": unit.wecom_department_id}


def person_snapshot(person: Person) -> dict:
    """What the audit log keeps of a person (activity has its own audit rows; the mobile is masked)."""
    return {"userid": person.userid, "name": person.name, "unit": person.unit.name if person.unit else None,
            "roles": sorted(person.roles), "mobile": mask_mobile(person.mobile)}


def mask_mobile(mobile: str | None) -> str | None:
    """Enough to see that a number changed, not enough to call it."""
    if not mobile:
        return None
    return mobile[:3] + "****" + mobile[-2:] if len(mobile) > 6 else "****"


def changed_fields(before: dict | None, after: dict) -> dict:
    if before is None:
        return after
    return {k: v for k, v in after.items() if before.get(k) != v}


def audit_change(session: Session, actor: str, entity: str, entity_id, before: dict | None, after: dict) -> bool:
    """Record a create/update if anything changed; returns whether it did."""
    if before == after:
        return False
    action = f"org.{entity}.{'create' if before is None else 'update'}"
    audit.record(session, actor=actor, action=action, entity=entity, entity_id=entity_id,
                 before=None if before is None else {k: before.get(k) for k in changed_fields(before, after)},
                 after=changed_fields(before, after))
    return True


def _role_list(roles) -> str:
    return "".join(f"「{ROLE_NAMES[r]}」" for r in ROLES if r in roles)


def change_line(where: str, person: Person, before: dict, old_mobile: str | None, activity: str) -> str:
    """「「人员」表第4行 张伟 jy_zhang：所在单位 A → B；角色去掉「…」，加上「…」；手机号已更新；停用」 (`where` may be
    "": `org sync` has no rows), or "" if nothing changes (the phone number itself is never shown)."""
    parts = []
    if before["name"] != person.name:
        parts.append(f"姓名 {before['name']} → {person.name}")
    if before["unit"] != person.unit.name:
        parts.append(f"所在单位 {before['unit']} → {person.unit.name}")
    gone, added = set(before["roles"]) - person.roles, person.roles - set(before["roles"])
    if gone or added:
        said = [f"去掉{_role_list(gone)}" if gone else "", f"加上{_role_list(added)}" if added else ""]
        parts.append("角色" + "，".join(s for s in said if s))
    if old_mobile != person.mobile:
        parts.append("手机号已更新")
    if activity:
        parts.append(activity)
    return f"{where} {person.name} {person.userid}：{'；'.join(parts)}".lstrip() if parts else ""


def bureau_admins(session: Session) -> dict[str, list[Person]]:
    """Bureau name → its active 主管单位管理员 (they get the departure and stranger notices)."""
    bureaus = {u.id: u.name for u in session.scalars(select(Unit).where(Unit.kind.in_((CITY_BUREAU, COUNTY_BUREAU))))}
    out: dict[str, list[Person]] = {name: [] for name in bureaus.values()}
    for person in people_with_role(session, BUREAU_ADMIN, list(bureaus)):
        out[bureaus[person.unit_id]].append(person)
    return out


def orphaned_bureaus(before: dict[str, list[Person]], after: dict[str, list[Person]]) -> list[tuple[str, list[Person]]]:
    return [(name, admins) for name, admins in before.items() if admins and not after.get(name)]


# --- departures -------------------------------------------------------------------------

UNFINISHED = (DRAFT, *PENDING_STATUSES, RETURNED)  # an approval request the applicant still answers for


@dataclass
class Departure:
    person: Person
    accounts: list[Account] = field(default_factory=list)
    requests: list[ApprovalRequest] = field(default_factory=list)
    stranded: list[str] = field(default_factory=list)  # requests waiting at a step only this person could decide


def open_accounts_of(session: Session, person: Person) -> list[Account]:
    """Accounts this person answers for (专人, 第21条) that still exist."""
    return list(session.scalars(select(Account).where(Account.responsible_id == person.id,
                                                      Account.status != CANCELLED).order_by(Account.id)))


def unfinished_requests_of(session: Session, person: Person) -> list[ApprovalRequest]:
    """Approval requests this person filed that are not settled: 草稿, 审批中 or 已退回."""
    return list(session.scalars(select(ApprovalRequest).where(ApprovalRequest.applicant_id == person.id,
                                                              ApprovalRequest.status.in_(UNFINISHED))
                                .order_by(ApprovalRequest.id)))


def deactivate(session: Session, person: Person, actor: str, reason: str) -> Departure:
    person.active = False
    person.deactivated_at = clock.now()
    audit.record(session, actor=actor, action="org.person.deactivate", entity="person", entity_id=person.id,
                 before={"active": True}, after={"active": False, "reason": reason})
    return Departure(person, open_accounts_of(session, person), unfinished_requests_of(session, person))


def reactivate(session: Session, person: Person, actor: str, reason: str) -> None:
    """Back in service; a WeCom "invalid user" mark from before is dropped (pushes may be resent)."""
    before, after = {"active": False}, {"active": True, "reason": reason}
    if person.wecom_invalid:
        before["wecom_invalid"], after["wecom_invalid"] = True, False
    person.active = True
    person.deactivated_at = None
    person.wecom_invalid = False
    audit.record(session, actor=actor, action="org.person.reactivate", entity="person", entity_id=person.id,
                 before=before, after=after)


def revalidate(session: Session, person: Person, actor: str, reason: str) -> None:
    """WeCom lists the member as active again: drop the "invalid user" mark delivery set."""
    person.wecom_invalid = False
    audit.record(session, actor=actor, action="org.person.revalidate", entity="person", entity_id=person.id,
                 before={"wecom_invalid": True}, after={"wecom_invalid": False, "reason": reason})


def admins_for(session: Session, unit: Unit) -> list[Person]:
    """The bureau admins who look after `unit`; if its bureau has none, the next bureau up. A unit under no bureau
    at all (placed at the top of the tree): the city bureau's, which oversees every unit of the city."""
    node: Unit | None = unit
    under_a_bureau = False
    while node is not None:
        if node.is_bureau:
            under_a_bureau = True
            admins = bureau_people(session, node, BUREAU_ADMIN)
            if admins:
                return admins
        node = node.parent
    if under_a_bureau:
        return []
    cities = list(session.scalars(select(Unit.id).where(Unit.kind == CITY_BUREAU, Unit.active)))
    return people_with_role(session, BUREAU_ADMIN, cities) if cities else []


def refused_text(unit: Unit, refused: list[Person]) -> str:
    """For the bureau admins told instead of a unit's people: those of them WeCom refused (marked invalid by the
    delivery after 81013/40003: left or disabled in WeCom, not yet synced), so that nothing reaches them."""
    return f"{unit.name}的{'、'.join(p.name for p in refused)}在企业微信中已无效（可能已离职）"


def unit_left_empty(session: Session, unit_id: int) -> bool:
    """No active staff member or head is left in the unit to take over its requests."""
    return not people_with_role(session, STAFF, [unit_id]) and not people_with_role(session, UNIT_HEAD, [unit_id])


def request_advice(req: ApprovalRequest, empty: bool) -> str:
    """What becomes of a leaver's unfinished request and who finishes it (handlers/approvals_takeover.py)."""
    n, unit = req.id, f"{req.unit.name}的工作人员或单位负责人"  # the request's unit: a bureau user may have filed it
    if req.status in PENDING_STATUSES:
        advice = (f"审批照常进行，不需要申请人本人参与，各环节结果改为通知{unit}；如被退回修改，由他们回复「修改 {n}」"
                  f"接手修改后重新提交，不再需要时回复「撤回 {n}」撤回")
    elif req.status == RETURNED:
        advice = (f"已退回修改，原本只有申请人能修改或撤回，现在需要有人接手：{unit}回复「修改 {n}」"
                  f"修改后重新提交（提交人成为申请人），或回复「撤回 {n}」撤回；主管单位也可以回复「撤回 {n} 原因」撤回")
    else:
        advice = f"助手起草的草稿，{unit}回复「修改 {n}」核对提交，或回复「撤回 {n}」撤回"
    if empty:
        advice += (f"。注意：{req.unit.name}已没有在职的工作人员或单位负责人，请尽快在通讯录中补充，"
                   f"或由主管单位回复「撤回 {n} 原因」撤回")
    return advice


def departure_notice(session: Session, departures: list[Departure], source: str) -> str:
    handover = any(dep.accounts for dep in departures)
    ask = "请安排其负责账号的交接（第二十一条：每个账号须有专人负责）" if handover else "他们没有负责的账号"
    if any(dep.requests for dep in departures):
        ask += "；他们还有未办结的审批申请，请按每件申请下的说明跟进"
    if any(dep.stranded for dep in departures):
        ask += "；有的审批中的申请因此已无审批人，请尽快在通讯录中指定"
    lines = [f"【人员停用】{source}：以下人员已停用，{ask}。"]
    for i, dep in enumerate(departures, 1):
        p = dep.person
        lines.append(f"{i}. {p.name}（{p.unit.name}，{p.userid}）")
        for acc in dep.accounts:
            lines.append(f"   负责账号：{acc.name}（{acc.platform}，{acc.status}）")
        if not dep.accounts:
            lines.append("   负责账号：无")
        for req in dep.requests:
            lines.append(f"   未办结申请：第{req.id}号 {req.title}，{req.status}")
            lines.append(f"     → {request_advice(req, unit_left_empty(session, req.unit_id))}。")
        for line in dep.stranded:
            lines.append(f"   审批无人：{line}")
    if handover:
        lines.append("请督促主办单位指定新的账号负责人。")
    return "\n".join(lines)


def notify_departures(session: Session, departures: list[Departure], source: str) -> dict[str, list[Departure]]:
    """One push per set of bureau admins, listing only the leavers in their part of the tree."""
    groups: dict[tuple[str, ...], tuple[list[Person], list[Departure]]] = {}
    unnotified: list[Departure] = []
    for dep in departures:
        admins = admins_for(session, dep.person.unit)
        if not admins:
            unnotified.append(dep)
            continue
        key = tuple(sorted(a.userid for a in admins))
        groups.setdefault(key, (admins, []))[1].append(dep)
    for admins, deps in groups.values():
        outbox.push_text(session, admins, departure_notice(session, deps, source))
    out = {"、".join(key): deps for key, (_, deps) in groups.items()}
    if unnotified:
        out[""] = unnotified
    return out


# --- the printed tree --------------------------------------------------------------------

def unit_label(unit: Unit) -> str:
    flags = [KIND_NAMES.get(unit.kind, unit.kind)]
    if unit.is_classified:
        flags.append("涉密单位")
    if unit.is_internal:
        flags.append("内设机构")
    if not unit.active:
        flags.append("已撤销")
    extra = []
    if unit.registry_code:
        extra.append(f"标识码 {unit.registry_code}")
    if unit.wecom_department_id is not None:
        extra.append(f"部门ID {unit.wecom_department_id}")
    return f"{unit.name}〔{'，'.join(flags)}〕" + (f" {' '.join(extra)}" if extra else "")


def person_label(person: Person) -> str:
    """Name, userid and roles — never the mobile number."""
    state = "" if person.active else "，已停用"
    return f"· {person.name} {person.userid}（{role_names(person.roles)}{state}）"


def tree_lines(session: Session, root: Unit | None = None, visible: set[int] | None = None) -> list[str]:
    """The tree (below `root`, or only the `visible` units) with each unit's people."""
    units = [u for u in session.scalars(select(Unit).order_by(Unit.id)) if visible is None or u.id in visible]
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    people: dict[int, list[Person]] = {}
    for person in session.scalars(select(Person).order_by(Person.id)):
        people.setdefault(person.unit_id, []).append(person)
    lines: list[str] = []

    def walk(unit: Unit, depth: int) -> None:
        pad = "  " * depth
        lines.append(pad + unit_label(unit))
        for person in people.get(unit.id, []):
            lines.append(pad + "  " + person_label(person))
        for child in children.get(unit.id, []):
            walk(child, depth + 1)

    tops = [u for u in units if u.parent_id is None or visible is not None and u.parent_id not in visible]
    for top in ([root] if root is not None else tops):
        walk(top, 0)
    return lines
