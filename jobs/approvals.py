"""Approval reminders (催办) and the national-registry countdown (第11条), once per working day.

Re-running a period sends nothing twice: every push carries a dedupe_key with the period.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from bot import clock, db, outbox, workdays
from handlers import approvals_after as after
from handlers import approvals_chain as chain
from jobs.schedule import daily_at, scheduled
from models import audit, org
from models.approval import STEP_CITY, STEP_NAMES, ApprovalRequest, RegistryFiling, pending_requests
from models.org import BUREAU_ADMIN, Person

ESCALATE_AFTER = 3  # daily reminders before the step is escalated (督办, see supervisors())
# Once escalated those told follow the request up (the county also sees it in every digest): the approver is
# reminded only every this many working days, not every morning — a daily reminder nobody acts on stops being read.
REMIND_EVERY_AFTER_ESCALATION = 3
# An approver's morning list names at most this many requests in full (the rest by number): one WeCom text
# holds 2048 bytes, and a longer list comes in parts.
LIST_AT_MOST = 10


def remind_after_workdays() -> int:
    """A pending step is first reminded after this many working days (BOT_APPROVAL_REMIND_AFTER)."""
    return int(os.environ.get("BOT_APPROVAL_REMIND_AFTER", "1"))


def escalation_wait() -> int:
    """The wait (working days) of the ESCALATE_AFTER-th daily reminder: that reminder escalates the step.

    Counted from the wait rather than from reminders sent, so that a re-run of the same day composes the same
    text (the outbox de-duplicates on it) and a missed run does not postpone the escalation."""
    return remind_after_workdays() + ESCALATE_AFTER - 1


def approver_reminded(waited: int) -> bool:
    """Whether the approver is reminded after `waited` working days: daily up to the escalation, then on every
    REMIND_EVERY_AFTER_ESCALATION-th working day after it."""
    if waited < remind_after_workdays():
        return False
    if waited <= escalation_wait():
        return True
    return (waited - escalation_wait()) % REMIND_EVERY_AFTER_ESCALATION == 0


@dataclass
class Waiting:
    """A request waiting at a step on the period's morning, as its approvers hear of it."""
    req: ApprovalRequest
    waited: int  # working days at this step
    people: list[Person]  # the step's approvers a push reaches
    due: bool  # reminded this morning (approver_reminded)
    escalating: bool
    chasers: list[Person] = field(default_factory=list)
    informed: list[Person] = field(default_factory=list)
    over_county: bool = False  # the county's only admin is the only approver: the city bureau chases (supervisors)


@scheduled("approval_reminders", daily_at(9, 30),
           title="提醒审批人处理等待中的申请，超期督办")
def approval_reminders(period: str) -> int:
    """One message per approver a morning, listing his requests due a reminder; returns how many requests were
    reminded. The escalation (督办) stays per request."""
    day = date.fromisoformat(period)
    with db.transaction() as session:
        workdays.prime(session)
        waiting, vacant = [], []
        for req in pending_requests(session):
            started = clock.localize(req.step_started_at).date()
            waited = workdays.workdays_between(started, day)
            # WeCom refused a holder's userid (wecom_invalid): the outbox drops his reminder, so he counts as nobody
            people = org.reachable(chain.holders(session, req))
            if not people:
                if waited >= remind_after_workdays() and not req.escalated:
                    vacant += _nobody_to_remind(session, req, waited, period)
                continue
            escalating = waited >= escalation_wait()
            item = Waiting(req, waited, people, approver_reminded(waited), escalating)
            if item.due and escalating:
                item.chasers, item.informed = supervisors(session, req, people)
                item.over_county = county_chases_itself(session, req, people)
            waiting.append(item)
        reminded = _remind_approvers(session, waiting, period)
        told = []
        for item in waiting:
            req = item.req
            if req.id not in reminded:
                continue
            req.reminders_sent += 1
            if item.escalating and not req.escalated:
                told += _escalate(session, req, item, period)
        _tell_escalations(session, told, period)
        _tell_vacancies(session, vacant, period)
    return len(reminded)


def _remind_approvers(session, waiting: list[Waiting], period: str) -> set[int]:
    """Push each approver's morning message (once a period whatever it lists); the ids of the requests it reached."""
    reminded = set()
    approvers = {p.id: p for item in waiting for p in item.people}
    for person in approvers.values():
        mine = [item for item in waiting if person in item.people]
        due = [item for item in mine if item.due]
        if not due:
            continue
        others = [item.req.id for item in mine if not item.due]
        if outbox.push_text(session, person, _reminder_text(person, due, others),
                            dedupe_key=f"approval-remind:{person.userid}:{period}", once=True):
            reminded |= {item.req.id for item in due}
    return reminded


def supervisors(session, req, approvers=()) -> tuple[list[Person], list[Person]]:
    """(who chases a step that waits too long (督办), who is only told of it so as to follow it up).

    The county bureau supervises its host units and its own reviewers (第4条), but not the city bureau, which the
    county only files with (第10条): a waiting city step is chased by the city bureau's own admins, and the county
    admins are told so that they can contact the city bureau. A county step whose only approver is the county's
    only admin (`approvers`, county_chases_itself) is chased by the city bureau's admins, the bureau above it
    (全市政务新媒体工作主管单位, 附件2) — as when the county has no admin (docs/approvals.md 环节没有审批人)."""
    county = chain.bureau_admins(session, req)
    if req.step != STEP_CITY:
        if county_chases_itself(session, req, approvers):
            return [p for p in _city_admins(session, req) if p not in approvers], []
        return county, []
    city_admins = _city_admins(session, req)
    return city_admins, [p for p in county if p not in city_admins]


def _city_admins(session, req) -> list[Person]:
    city = req.unit.city_bureau()
    return org.people_with_role(session, BUREAU_ADMIN, [city.id]) if city else []


def county_chases_itself(session, req, approvers) -> bool:
    """A county step (unit or bureau) whose one approver is also the county bureau's one admin: a 督办 by the
    county would reach only the person it chases."""
    if req.step == STEP_CITY or len(approvers) != 1:
        return False
    return [p.id for p in chain.bureau_admins(session, req)] == [approvers[0].id]


def escalation_notes(session, reqs) -> dict[int, str]:
    """How the bureau digest marks each escalated request of `reqs`, by id: 「，已督办」, or whom the 督办 went to
    instead when the county's only admin is its only approver. The people are read in one query for all the
    requests (the digest lists every escalated request of the county each morning)."""
    reqs = [r for r in reqs if r.escalated and r.step is not None]
    if not reqs:
        return {}
    places = {r.id: (chain.step_role(r.step), chain.step_unit_ids(r, r.step), r.unit.supervising_bureau(),
                     r.unit.city_bureau()) for r in reqs}
    unit_ids = {u for _, ids, county, city in places.values()
                for u in (*ids, *(b.id for b in (county, city) if b is not None))}
    holding = _role_holders(session, {role for role, *_ in places.values()} | {BUREAU_ADMIN}, unit_ids)

    def held(role, ids) -> list[Person]:
        return sorted((p for u in ids for p in holding.get((role, u), [])), key=lambda p: p.id)

    notes = {}
    for req in reqs:
        role, ids, county, city = places[req.id]
        approvers = org.reachable([p for p in held(role, ids) if p.id != req.applicant_id])  # chain.holders
        county_admins = held(BUREAU_ADMIN, [county.id] if county else [])
        city_admins = held(BUREAU_ADMIN, [city.id] if city else [])
        notes[req.id] = _escalation_note(req, approvers, county_admins, city_admins)
    return notes


def _role_holders(session, roles: set[str], unit_ids: set[int]) -> dict[tuple[str, int], list[Person]]:
    """Active holders of `roles` in `unit_ids`, by (role, unit), as org.people_with_role orders them (by id)."""
    rows = session.execute(select(Person, org.PersonRole.role).join(org.PersonRole).where(
        org.PersonRole.role.in_(sorted(roles)), Person.active, Person.unit_id.in_(sorted(unit_ids)))
        .options(lazyload(Person.role_rows)).order_by(Person.id))
    out: dict[tuple[str, int], list[Person]] = {}
    for person, role in rows:
        out.setdefault((role, person.unit_id), []).append(person)
    return out


def _escalation_note(req, approvers, county_admins, city_admins) -> str:
    """As county_chases_itself and _city_admins decide it, from people already read."""
    alone = req.step != STEP_CITY and len(approvers) == 1 and [p.id for p in county_admins] == [approvers[0].id]
    if not alone:
        return "，已督办"
    city = [p for p in city_admins if p not in approvers]
    if city:
        return f"，已督办（审批人是县政数局唯一的管理员，已通知市政数局{_names(city)}）"
    return "，无人督办（审批人是县政数局唯一的管理员，市政数局在通讯录中没有管理员）"


def _names(people) -> str:
    return "、".join(p.name for p in people)


def _told_text(req, chasers, informed, over_county: bool = False) -> str:
    """What the approver hears of the escalation, naming who was told."""
    if over_county:  # chased by the city bureau's admins (supervisors)
        city = f"已通知市政数局（{_names(chasers)}）督办，" if chasers else "市政数局在通讯录中没有管理员，无人督办，"
        return f"县政数局没有其他管理员，{city}"
    if req.step != STEP_CITY:
        return f"已通知县政数局（{_names(chasers)}）督办，" if chasers else ""
    told = [f"已通知市政数局（{_names(chasers)}）督办"] if chasers else []
    if informed:
        told.append(f"县政数局（{_names(informed)}）" + ("也已获知" if chasers else "已获知，将与您联系"))
    return "，".join(told) + "，" if told else ""


def _told_for(item: Waiting, person) -> str:
    """The escalation as `person` hears it. An approver who is also an admin of the chasing bureau is not told
    that he himself was told to chase: he hears who else was, and that he is to chase the step's other approvers."""
    req, people, chasers, informed = item.req, item.people, item.chasers, item.informed
    if not item.escalating:
        return ""
    if person not in chasers:
        return _told_text(req, chasers, informed, item.over_county)
    told = _told_text(req, [p for p in chasers if p != person], informed)
    others = [p for p in people if p != person]
    if not others:
        return told
    bureau = "市政数局" if req.step == STEP_CITY else "县政数局"
    escalated = "" if "督办" in told else "已督办，"  # he reads that the step was escalated, not only his part
    return f"{escalated}{told}您是{bureau}管理员，也请督促这一环节的其他审批人（{_names(others)}），"


def _head(req, waited: int) -> str:
    return (f"第{req.id}号申请（{req.title}，{req.unit.name}）在「{STEP_NAMES[req.step]}」环节"
            f"已等待{waited}个工作日")


def _reminder_text(person, due: list[Waiting], others: list[int]) -> str:
    """A single request reads as before; several are listed, one a line, with how to agree to them at once."""
    rest = f"另有{len(others)}件等待您审批（{_numbers(others)}），回复「待办」查看。" if others else ""
    if len(due) == 1:
        item = due[0]
        told = _told_for(item, person)
        return _approver_text(item.req, item.waited, told) + (f"\n{rest}" if rest else "")
    steps = {item.req.step for item in due}
    at = f"在「{STEP_NAMES[due[0].req.step]}」环节" if len(steps) == 1 else ""
    lines = [f"提醒：有{len(due)}件申请{at}等待您审批，请尽快处理："]
    for n, item in enumerate(due[:LIST_AT_MOST], 1):  # the oldest first (pending_requests)
        step = "" if at else f"，「{STEP_NAMES[item.req.step]}」环节"
        lines.append(f"{n}. 第{item.req.id}号 {item.req.title}，{item.req.unit.name}{step}，已等待{item.waited}个工作日"
                     + ("，已督办" if item.escalating else ""))
    more = [item.req.id for item in due[LIST_AT_MOST:]]
    if more:
        lines.append(f"还有{len(more)}件（{_numbers(more)}）也请尽快审批。")
    lines += _escalations_told(person, due)
    if any(item.escalating for item in due):
        lines.append(f"已督办的申请此后每{REMIND_EVERY_AFTER_ESCALATION}个工作日提醒一次。")
    if rest:
        lines.append(rest)
    first, second = due[0].req.id, due[1].req.id
    lines.append(f"审批卡片仍可使用；也可以回复「同意 {first}」「退回 {first} 说明」逐件处理；几件一起同意回复"
                 f"「同意 {first}、{second}」（都同意回复「全部同意」），核对后回复「确认」。回复「查看 {first}」查看申请。")
    return "\n".join(lines)


def _escalations_told(person, due: list[Waiting]) -> list[str]:
    """Who was told of the escalations, said once for the requests it is the same for (not on every line)."""
    told: dict[str, list[int]] = {}
    for item in due:
        text = _told_for(item, person).rstrip("，").removeprefix("已督办，")
        if text:
            told.setdefault(text, []).append(item.req.id)
    if len(told) == 1 and len(next(iter(told.values()))) == sum(item.escalating for item in due):
        return [f"督办情况：{text}。" for text in told]  # the same for every escalated request listed
    return [f"督办情况（{_numbers(ids)}）：{text}。" for text, ids in told.items()]


def _numbers(ids: list[int]) -> str:
    return "、".join(f"第{i}号" for i in ids)


def _approver_text(req, waited: int, told: str) -> str:
    ask = (f"{told}请尽快审批（此后每{REMIND_EVERY_AFTER_ESCALATION}个工作日提醒一次）。" if told else "请尽快审批。")
    return (f"提醒：{_head(req, waited)}，{ask}"
            f"回复「查看 {req.id}」查看，「同意 {req.id}」或「退回 {req.id} 说明」处理。")


def _nobody_to_remind(session, req, waited: int, period: str) -> list[tuple[Person, str, int, str]]:
    """The step has no approver a reminder could reach: marks it escalated (once per step) and returns who is to hear
    that, and whom to appoint: [(admin, line, request number, why him)] for _tell_vacancies."""
    from handlers.approvals_vacancy import appointers, missing_role
    req.escalated = True
    if req.step == STEP_CITY:
        chasers, informed = supervisors(session, req)
        note = ""
    else:  # a county without admins: the city bureau's appoint (approvals_vacancy.appointers)
        told = appointers(session, req, req.step)
        chasers, informed, note = told.admins, [], told.note
    unreachable = [p for p in chain.holders(session, req) if p.wecom_invalid]
    if unreachable:
        why = (f"审批人{_names(unreachable)}在企业微信中已无效（可能已离职），提醒发不到。"
               f"请运行通讯录同步（org sync）或在名册中另行指定{missing_role(session, req, req.step)}")
    else:
        why = f"通讯录中没有在职的{missing_role(session, req, req.step)}。请在名册中指定后导入（org import）"
    line = f"{_head(req, waited)}，没有可以提醒的审批人：{why}"
    audit.record(session, actor="system:approval_reminders", action="approval.escalate",
                 entity="approval_request", entity_id=req.id,
                 after={"step": req.step, "period": period, "vacant": True,
                        "chasers": [p.userid for p in [*chasers, *informed]],
                        "unreachable": [p.userid for p in unreachable]})
    return [(p, line, req.id, note) for p in [*chasers, *informed]]


def _tell_vacancies(session, told: list[tuple[Person, str, int, str]], period: str) -> None:
    """One message a morning to each admin told of steps nobody can be reminded of, listing them."""
    for person in {p.id: p for p, *_rest in told}.values():
        mine = [(line, number, note) for p, line, number, note in told if p is person]
        notes = "".join(dict.fromkeys(note for _line, _number, note in mine if note))
        instead = f"（{notes}改为通知您。）" if notes else ""
        first = mine[0][1]
        if len(mine) == 1:
            text = (f"督办：{mine[0][0]}，助手会自动把审批卡片发给新的审批人。{instead}"
                    f"回复「查看 {first}」查看这件申请。")
        else:
            lines = "\n".join(f"{n}. {line}。" for n, (line, _number, _note) in enumerate(mine, 1))
            text = (f"督办：有{len(mine)}件申请没有可以提醒的审批人：\n{lines}\n助手会自动把审批卡片发给新的审批人。"
                    f"{instead}回复「查看 {first}」等查看申请。")
        outbox.push_text(session, person, text, dedupe_key=f"approval-vacant:{person.userid}:{period}", once=True)


def _escalate(session, req, item: Waiting, period: str) -> list[tuple[Person, str, Waiting]]:
    """Mark the step escalated (once a step) and say who hears of it: [(person, "chase" | "informed", item)]."""
    req.escalated = True
    people, chasers, informed = item.people, item.chasers, item.informed
    audit.record(session, actor="system:approval_reminders", action="approval.escalate",
                 entity="approval_request", entity_id=req.id,
                 after={"step": req.step, "period": period, "chasers": [p.userid for p in chasers],
                        "informed": [p.userid for p in informed]})
    # a chaser who is himself an approver of the step heard of the escalation in his reminder (_told_for)
    return ([(p, "chase", item) for p in chasers if p not in people]
            + [(p, "informed", item) for p in informed])


def _escalation_line(item: Waiting, kind: str) -> str:
    req, names = item.req, _names(item.people)
    line = (f"{_head(req, item.waited)}，已提醒{req.reminders_sent}次仍未处理。审批人：{names}。")
    if item.over_county:
        line += f"县政数局的管理员只有{names}，他本人就是这一环节的审批人，改为通知市政数局管理员。"
    if kind == "informed":  # a city step: what the county admins hear of the city bureau
        line += (f"已通知市政数局管理员（{_names(item.chasers)}）督办。" if item.chasers
                 else "市政数局在通讯录中没有管理员，无人督办。")
    return line


def _tell_escalations(session, told: list[tuple[Person, str, Waiting]], period: str) -> None:
    """One message a morning to each person told of escalations, listing the requests escalated that day."""
    for person in {p.id: p for p, _kind, _item in told}.values():
        for kind in ("chase", "informed"):
            items = [item for p, k, item in told if p is person and k == kind]
            if items:
                outbox.push_text(session, person, _escalation_text(kind, items),
                                 dedupe_key=f"approval-escalate:{person.userid}:{kind}:{period}", once=True)


def _escalation_text(kind: str, items: list[Waiting]) -> str:
    one = len(items) == 1
    lines = (_escalation_line(items[0], kind) if one
             else "\n".join(f"{n}. {_escalation_line(item, kind)}" for n, item in enumerate(items, 1)) + "\n")
    view = (f"回复「查看 {items[0].req.id}」查看这件申请。" if one
            else f"回复「查看 {items[0].req.id}」等查看申请。")
    if kind == "informed":
        head = "市级环节等待：" if one else f"市级环节等待：有{len(items)}件申请在「市级审批意见」环节仍未处理：\n"
        return f"{head}{lines}请与市政数局联系，跟进审批。{view}"
    county = any(item.req.step != STEP_CITY for item in items)  # the county's digest lists them
    digest = (("；这件申请" if one else "；这些申请") + "每天列在每日摘要中，直到处理完毕") if county else ""
    later = f"此后审批人每{REMIND_EVERY_AFTER_ESCALATION}个工作日收到一次提醒（不再每天提醒）{digest}。"
    head = "督办：" if one else f"督办：有{len(items)}件申请多次提醒审批人仍未处理：\n"
    return f"{head}{lines}{later}{view}"


@scheduled("registry_countdown", daily_at(9, 0),
           title="提醒在3个工作日内报送全国系统（第11条）")
def registry_countdown(period: str) -> int:
    """Each person reminded of the filings still to be entered gets one message a day listing them all (a unit with
    an opening and a change approved got two every morning); likewise the bureau admins told of deadlines reached.
    Returns how many filings were reminded of."""
    day = date.fromisoformat(period)
    reminded: set[int] = set()
    with db.transaction() as session:
        workdays.prime(session)
        filings = list(session.scalars(select(RegistryFiling).where(RegistryFiling.filed_at.is_(None))
                                       .order_by(RegistryFiling.deadline, RegistryFiling.id)))
        to_staff: dict[Person, list[RegistryFiling]] = {}
        at_deadline: dict[Person, list[RegistryFiling]] = {}
        for filing in filings:
            req = filing.request
            staff = after.unit_staff(session, req)
            for person in staff:
                to_staff.setdefault(person, []).append(filing)
            if not staff and outbox.push_text(session, after.registry_admins(session, req),  # as at approval
                                              after.nobody_text(session, filing, day),
                                              dedupe_key=after.remind_key(filing, day)):
                reminded.add(filing.id)
            if day >= filing.deadline and filing.bureau_told_on is None:
                filing.bureau_told_on = day
                if staff:  # else the admins' reminder above already says where the deadline stands
                    for person in after.registry_admins(session, req):
                        at_deadline.setdefault(person, []).append(filing)
                audit.record(session, actor="system:registry_countdown", action="registry.deadline",
                             entity="registry_filing", entity_id=filing.id, after={"deadline": str(filing.deadline)})
        for person, due in to_staff.items():
            key = after.remind_key(due[0], day) if len(due) == 1 else \
                f"registry-remind:{day.isoformat()}:{'-'.join(str(f.id) for f in due)}"
            if outbox.push_text(session, person, _staff_text(due, day), dedupe_key=key):
                reminded.update(f.id for f in due)
        for person, due in at_deadline.items():
            outbox.push_text(session, person, _deadline_text(session, due, day),
                             dedupe_key=f"registry-deadline:{'-'.join(str(f.id) for f in due)}")
        for filing in filings:
            filing.reminders_sent += filing.id in reminded
    return len(reminded)


def _staff_text(due: list[RegistryFiling], day: date) -> str:
    """The unit's reminder: one filing as before, several as one list."""
    if len(due) == 1:
        req = due[0].request
        return (f"提醒：第{req.id}号{req.kind}申请（{req.form.get('name', '')}）已审批通过，"
                f"须在全国政务新媒体信息报送系统中完成{req.kind}（第11条），{after.due_text(due[0].deadline, day)}。"
                f"\n完成后请回复「已报送 {req.id}」。")
    lines = [f"提醒：{len(due)}件审批通过的申请须在全国政务新媒体信息报送系统中办理（第11条）："]
    lines += [f"· 第{f.request_id}号{f.request.kind}申请（{f.request.form.get('name', '')}，"
              f"{f.request.form.get('platform', '')}）：{after.due_text(f.deadline, day)}" for f in due]
    numbers = "、".join(str(f.request_id) for f in due)
    lines.append(f"完成后请回复「已报送 编号」，几件一起报送的可以回复「已报送 {numbers}」。")
    return "\n".join(lines)


def _deadline_text(session, due: list[RegistryFiling], day: date) -> str:
    """For the bureau admins: the filings whose deadline has come with no 已报送 from the unit."""
    if len(due) == 1:
        req = due[0].request
        return (f"报送到期：{req.unit.name}第{req.id}号{req.kind}申请（{req.form.get('name', '')}）"
                f"的全国政务新媒体信息报送系统报送{after.due_text(due[0].deadline, day, session)}，"
                "单位尚未回复已报送（第11条）。")
    lines = [f"报送到期：{len(due)}件申请的全国政务新媒体信息报送系统报送已到截止日，单位尚未回复已报送（第11条）："]
    lines += [f"· {f.request.unit.name}第{f.request_id}号{f.request.kind}申请（{f.request.form.get('name', '')}，"
              f"{f.request.form.get('platform', '')}）：{after.due_text(f.deadline, day, session)}" for f in due]
    return "\n".join(lines)
