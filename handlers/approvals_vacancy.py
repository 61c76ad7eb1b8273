"""A step of the 附件2 chain that nobody can decide: who is missing, who is told, and the cards that follow
when the directory (org import / org sync) gives the step a holder again."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import clock, outbox
from handlers import approvals_chain as chain
from handlers import approvals_text as text
from models import audit
from models.approval import STEP_CITY, STEP_NAMES, ApprovalRequest, pending_requests
from models.org import (BUREAU_ADMIN, ROLE_NAMES, Person, Unit, level_name, people_with_role, userid_in,
                        userid_is)
from models.platform import Card


def _names(people) -> str:
    return "、".join(p.name for p in people)


def missing_role(session: Session, req: ApprovalRequest, step: str) -> str:
    """Whom the directory lacks for `step`, e.g. 抚松县教育局的「单位负责人」."""
    role = ROLE_NAMES[chain.step_role(step)]
    units = [session.get(Unit, i) for i in chain.step_unit_ids(req, step)]
    where = units[0].name if units else ("主管单位" if step != "city" else "市级主管单位")
    return f"{where}的「{role}」"


@dataclass
class Appointers:
    """The bureau admins asked to appoint a step's approver, and how the texts name them."""
    admins: list[Person]
    level: str  # 县政数局 / 市政数局: the level of the admins told (with none: of the bureau that should appoint)
    note: str = ""  # 「抚松县…管理局在通讯录中没有管理员，」 when the bureau that should appoint has no admin

    @classmethod
    def told(cls, admins: list[Person]) -> Appointers:
        """Admins found by the caller (the departure notice's): named by their own bureau's level."""
        return cls(admins, level_name(admins[0].unit if admins else None))


def appointers(session: Session, req: ApprovalRequest, step: str) -> Appointers:
    """Who appoints the approver of `step`: the admins of the unit's county bureau, or of the city bureau for the
    city step (its 市级审批人 sit there). A bureau without any admin: the other level — the county's fall to the city
    bureau above it; the city's to the county bureau, which follows the request up with the city (as in 督办)."""
    county, city = req.unit.supervising_bureau(), req.unit.city_bureau()
    order = [b for b in dict.fromkeys([city, county] if step == STEP_CITY else [county, city]) if b is not None]
    for bureau in order:
        admins = people_with_role(session, BUREAU_ADMIN, [bureau.id])
        if admins:
            note = "" if bureau is order[0] else f"{order[0].name}在通讯录中没有管理员，"
            return Appointers(admins, level_name(bureau), note)
    return Appointers([], level_name(order[0] if order else None))


def admin_text(session: Session, req: ApprovalRequest, step: str, note: str = "") -> str:
    """For the bureau admins: the step has nobody, and whom to appoint (`note`: why they are told, not another)."""
    why = f"（{note}改为通知您）" if note else ""
    return (f"第{req.id}号{req.kind}申请（{req.form.get('name', '')}，{req.unit.name}）在「{STEP_NAMES[step]}」环节"
            f"找不到审批人：通讯录中没有在职的{missing_role(session, req, step)}（申请人本人除外）{why}。"
            "请在名册中指定后导入（flask --app bot org import），助手会自动把审批卡片发给新的审批人。")


def told_text(told: Appointers, what: str = "") -> str:
    if told.admins:
        return f"{told.note}已通知{told.level}管理员（{_names(told.admins)}）在通讯录中指定{what}"
    return f"{told.level}在通讯录中没有管理员，无人收到通知，请直接联系{told.level}在通讯录中指定{what}"


def nobody_to_urge(session: Session, req: ApprovalRequest) -> str:
    """The answer to 催办 when no approver could be reached."""
    gone = [p for p in chain.holders(session, req) if p.wecom_invalid]
    why = (f"审批人{_names(gone)}在企业微信中已无效（可能已离职），消息发不到" if gone
           else f"通讯录中没有在职的{missing_role(session, req, req.step)}")
    told = appointers(session, req, req.step)
    ask = (f"{told.note}请联系{told.level}管理员（{_names(told.admins)}）在通讯录中指定{missing_role(session, req, req.step)}"
           if told.admins else f"请联系{told.level}在通讯录中指定{missing_role(session, req, req.step)}")
    return (f"第{req.id}号申请在「{STEP_NAMES[req.step]}」环节目前没有可以催办的审批人：{why}。{ask}，"
            "指定后助手会自动把审批卡片发给新的审批人。")


def step_entered_without_holder(session: Session, req: ApprovalRequest, step: str, filed: bool) -> None:
    """The request entered `step` and nobody may decide it: the admins hear whom to appoint, the applicant
    that the request waits and who was told (not only the admins: he would otherwise wait for nothing)."""
    told = appointers(session, req, step)
    others = Appointers([p for p in told.admins if p.id != req.applicant_id], told.level, told.note)
    outbox.push_text(session, others.admins, admin_text(session, req, step, told.note))
    if req.applicant_left:
        return
    done = "已提交" if filed else f"已进入「{STEP_NAMES[step]}」环节"
    said = (told_text(others) if others.admins or req.applicant not in told.admins
            else f"您是{told.level}管理员，请在通讯录中指定")
    outbox.push_text(session, req.applicant,
                     f"您的第{req.id}号{req.kind}申请（{req.form.get('name', '')}）{done}，但「{STEP_NAMES[step]}」"
                     f"环节暂时没有审批人：通讯录中没有在职的{missing_role(session, req, step)}。{said}；"
                     "指定后助手会自动把审批卡片发给新的审批人，您无需重新提交。")


# --- the directory changed (org import / org sync) ------------------------------------------

def waiting_holders(session: Session) -> dict[int, set[int]]:
    """Who may decide each pending request now: taken before a directory change, compared after it."""
    return {req.id: {p.id for p in chain.holders(session, req)} for req in pending_requests(session)}


NO_LONGER_APPROVER = "已不是审批人"  # the label on the greyed card of someone who lost the right to decide


@dataclass
class Restaffing:
    stranded: list[ApprovalRequest] = field(default_factory=list)  # had an approver, now has none
    former: dict[int, list[Person]] = field(default_factory=dict)  # stranded request id → who held its step
    told: dict[int, list[Person]] = field(default_factory=dict)  # stranded request id → the admins told of it
    reached: dict[int, list[Person]] = field(default_factory=dict)  # request id → who got its card now


def after_directory_change(session: Session, before: dict[int, set[int]], departures: list, source: str,
                           actor: str) -> Restaffing:
    """Compare each pending request's approvers with `before`: a step left without one is reported (in the
    departure notice when a leaver held it, else in its own notice) and its applicant told; whoever lost the right
    to decide has his open card greyed; a new approver gets the card and fallback text `_enter_step` sends, unless
    he already has a live card for the request."""
    from models.directory import admins_for
    session.flush()
    out = Restaffing()
    leftovers: dict[tuple[str, ...], tuple[list[Person], list[str]]] = {}
    for req in pending_requests(session):
        had = before.get(req.id, set())
        people = chain.holders(session, req)
        _grey_cards_of(session, req, had - {p.id for p in people})
        if had and not people:
            former = [session.get(Person, i) for i in sorted(had)]
            line = stranded_line(session, req, former)
            dep = next((d for d in departures if d.person.id in had and admins_for(session, d.person.unit)), None)
            if dep is not None:
                dep.stranded.append(line)
                told = Appointers.told(admins_for(session, dep.person.unit))
            else:
                told = appointers(session, req, req.step)
                leftovers.setdefault(tuple(sorted(a.userid for a in told.admins)), (told.admins, []))[1].append(line)
            admins = told.admins
            _tell_applicant_stranded(session, req, former, told)
            audit.record(session, actor=actor, action="approval.vacant", entity="approval_request", entity_id=req.id,
                         after={"step": req.step, "former": [p.userid for p in former]})
            out.stranded.append(req)
            out.former[req.id], out.told[req.id] = former, admins
        new = [p for p in people if p.id not in had and not has_live_card(session, req, p)]
        if new:
            _reach(session, req, new, actor)
            out.reached[req.id] = new
        if people and not had:
            _found(session, req, people)
    for admins, lines in leftovers.values():
        outbox.push_text(session, admins, f"【审批无人】{source}后，以下审批中的申请已没有审批人：\n" + "\n".join(lines))
    return out


def _grey_cards_of(session: Session, req: ApprovalRequest, person_ids: set[int]) -> None:
    """Those who may no longer decide the request (left, lost the role, moved away) keep no live-looking card:
    greyed like a card someone else decided. A departed person's update may be refused by WeCom; the outbox
    records that and nothing waits on it (card updates are not in the failure summary)."""
    if not person_ids:
        return
    userids = {session.get(Person, i).userid.lower() for i in person_ids}  # sync may respell a userid's case
    cards = session.scalars(select(Card).where(Card.kind == chain.CARD_KIND, Card.ref_id == req.id,
                                               Card.status == "open", userid_in(Card.userid, userids)))
    for card in cards:
        outbox.push_card_update(session, card, button_label=NO_LONGER_APPROVER)


def has_live_card(session: Session, req: ApprovalRequest, person: Person) -> bool:
    """Whether `person` holds an open card of the request, under any spelling of his userid (sync may
    respell its case after the card went out)."""
    return session.scalar(select(Card.task_id).where(Card.kind == chain.CARD_KIND, Card.ref_id == req.id,
                                                     userid_is(Card.userid, person.userid),
                                                     Card.status == "open")
                          .limit(1)) is not None


def _why_gone(req: ApprovalRequest, person: Person) -> str:
    role = chain.step_role(req.step)
    if not person.active:
        return f"{person.name}已停用"
    if not person.has_role(role):
        return f"{person.name}已不再担任「{ROLE_NAMES[role]}」"
    return f"{person.name}已不在{person.unit.name}"


def stranded_line(session: Session, req: ApprovalRequest, former: list[Person]) -> str:
    why = "、".join(_why_gone(req, p) for p in former)
    return (f"第{req.id}号{req.kind}申请（{req.form.get('name', '')}，{req.unit.name}）在「{STEP_NAMES[req.step]}」环节"
            f"已无审批人（{why}），请在通讯录中指定{missing_role(session, req, req.step)}，"
            "指定后助手会自动把审批卡片发给他。")


def _tell_applicant_stranded(session: Session, req: ApprovalRequest, former: list[Person], told: Appointers) -> None:
    if req.applicant_left:  # the admins hear of the step (and of a 停用 leaver's requests: the departure notice);
        return  # the unit hears the decisions that follow in his place (approvals_takeover)
    why = "、".join(_why_gone(req, p) for p in former)
    outbox.push_text(session, req.applicant,
                     f"您的第{req.id}号{req.kind}申请（{req.form.get('name', '')}）在「{STEP_NAMES[req.step]}」环节"
                     f"已没有审批人：{why}。{told_text(told, missing_role(session, req, req.step))}；"
                     f"指定后助手会自动把审批卡片发给新的审批人，您无需重新提交。不再需要时可以回复「撤回 {req.id}」。")


def _reach(session: Session, req: ApprovalRequest, people: list[Person], actor: str) -> None:
    """The card and fallback text of `_enter_step`, for people who may now decide the request."""
    outbox.push_card(session, people, kind=chain.CARD_KIND, ref_id=req.id, card=text.card(req))
    outbox.push_text(session, people, text.card_fallback(req))
    audit.record(session, actor=actor, action="approval.reach", entity="approval_request", entity_id=req.id,
                 after={"step": req.step, "approvers": [p.userid for p in people]})


def _found(session: Session, req: ApprovalRequest, people: list[Person]) -> None:
    """The step had nobody and has an approver again: the applicant hears it, and the reminder count starts
    now (nobody could decide it before; the first reminder would otherwise already be a 督办)."""
    req.step_started_at, req.reminders_sent, req.escalated = clock.now(), 0, False
    if not req.applicant_left:
        outbox.push_text(session, req.applicant,
                         f"您的第{req.id}号{req.kind}申请（{req.form.get('name', '')}）在「{STEP_NAMES[req.step]}」环节"
                         f"已有审批人：{_names(people)}，由{'他' if len(people) == 1 else '他们'}审批，审批卡片已发出。")
