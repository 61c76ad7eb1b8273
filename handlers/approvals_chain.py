"""The approval chain of 附件2: who holds each step, submitting, deciding, and telling everyone.

unit head (开设单位意见) → a reviewer of the county bureau above the unit (主管单位意见) →
the city bureau (审批意见; an approval or only a filing copy, `Config.city_step_is_approval`).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import clock, config, outbox
from handlers import approvals_text as text
from models import audit, org
from models.base import MAX_ID
from models.approval import (AGREE, APPROVED, DRAFT, PENDING_STATUSES, REJECT, REJECTED, RETURN, RETURNED,
                             STEP_BUREAU, STEP_CITY, STEP_NAMES, STEP_STATUS, STEP_UNIT, STEPS, WITHDRAWN,
                             ApprovalDecision, ApprovalRequest)
from models.org import BUREAU_ADMIN, BUREAU_REVIEWER, CITY_REVIEWER, UNIT_HEAD, Person
from models.platform import Card

CARD_KIND = "approval"
DECISION_KEYS = {"approve": AGREE, "reject": REJECT, "return": RETURN}
FILED_BY_HEAD = "（申请人为单位负责人，提交即为开设单位意见）"  # the unit's opinion no one gave by hand


def steps() -> tuple[str, ...]:
    if config.get().city_step_is_approval:
        return (STEP_UNIT, STEP_BUREAU, STEP_CITY)
    return (STEP_UNIT, STEP_BUREAU)


def step_role(step: str) -> str:
    return {STEP_UNIT: UNIT_HEAD, STEP_BUREAU: BUREAU_REVIEWER, STEP_CITY: CITY_REVIEWER}[step]


def step_unit_ids(req: ApprovalRequest, step: str) -> list[int]:
    """Where the holders of `step` sit: the unit itself, its county bureau, the city bureau."""
    if step == STEP_UNIT:
        return [req.unit_id]
    bureau = req.unit.supervising_bureau() if step == STEP_BUREAU else req.unit.city_bureau()
    return [bureau.id] if bureau is not None else []


def holders(session: Session, req: ApprovalRequest, step: str | None = None) -> list[Person]:
    """The people who may decide `step` (default: the current one); never the applicant."""
    step = step or req.step
    if step is None:
        return []
    people = org.people_with_role(session, step_role(step), step_unit_ids(req, step))
    return [p for p in people if p.id != req.applicant_id]


def refusal_to_decide(session: Session, req: ApprovalRequest, person: Person) -> str | None:
    """None if `person` may decide the request's current step now, else a polite reason."""
    his_own = person.id == req.applicant_id and not req.applicant_left
    if not his_own and req.unit_id not in org.visible_unit_ids(session, person):
        # outside the person's part of the tree (another unit, the neighbouring county — where its applicant may
        # have moved to): not even its stage
        return f"没有找到您可以处理的第{req.id}号申请，请核对编号。回复「待办」查看待审批事项。"
    if req.status == DRAFT:
        return f"第{req.id}号是{req.unit.name}尚未提交的申请草稿，单位核对提交后才进入审批。"
    if req.status == WITHDRAWN:
        return f"第{req.id}号申请已由申请人撤回，无需审批。"
    if not req.is_pending:
        last = req.decisions[-1] if req.decisions else None
        by = (f"：「{STEP_NAMES[last.step]}」环节由{'您' if last.decider_id == person.id else last.decider.name}"
              f"{last.decision}" if last is not None else "")
        return f"第{req.id}号申请已经处理完毕（{req.status}{by}），无需重复操作。"
    if person.id == req.applicant_id:
        return f"第{req.id}号申请是您本人提交的，申请人不能审批自己的申请。"
    done = [d for d in req.decisions if d.round == req.round and person in holders(session, req, d.step)]
    if done and person not in holders(session, req):
        d = done[-1]
        who = (f"您已于{clock.localize(d.at):%m月%d日 %H:%M}" if d.decider_id == person.id
               else f"已由{d.decider.name}")  # the asker decided it: not 「已由<own name>同意」
        return (f"第{req.id}号申请的「{STEP_NAMES[d.step]}」环节{who}{d.decision}，"
                f"现在在「{STEP_NAMES[req.step]}」环节，无需您重复操作。")
    if person not in holders(session, req):
        chain = steps()
        later = [s for s in chain[chain.index(req.step) + 1:] if person in holders(session, req, s)]
        if later:  # not his step yet (or again: the step before took its 同意 back)
            return (f"第{req.id}号申请当前在「{STEP_NAMES[req.step]}」环节，还没有到您审批的「{STEP_NAMES[later[0]]}」"
                    "环节，现在不需要您处理；到您的环节时，助手会把审批卡片发给您。")
        role = org.ROLE_NAMES[step_role(req.step)]
        return (f"第{req.id}号申请当前在「{STEP_NAMES[req.step]}」环节，需由该单位的{role}审批，"
                "您没有这个环节的审批权限。")
    return None


def bureau_admins(session: Session, req: ApprovalRequest) -> list[Person]:
    bureau = req.unit.supervising_bureau()
    return org.people_with_role(session, BUREAU_ADMIN, [bureau.id]) if bureau else []


# --- moving through the chain ------------------------------------------------------------

def submit(session: Session, req: ApprovalRequest, actor: Person, source_msg: str | None) -> None:
    """Send a (new or corrected) request to its first step."""
    now = clock.now()
    before = req.status
    if req.submitted_at is not None:
        req.round += 1
    req.record_submission()  # before the cards: they say what changed since the last submission
    req.submitted_at = now
    req.decided_at = None
    if actor.unit_id != req.unit_id:  # before the head's card: the card alone does not say why it came
        _tell_unit_filed_for_it(session, req, actor)
    _enter_step(session, req, STEP_UNIT, actor, filed=True)
    if req.kind == "变更" and req.account is not None:
        req.account.status = "变更中"
    audit.record(session, actor=actor.userid, action="approval.submit", entity="approval_request",
                 entity_id=req.id, before={"status": before}, after={"status": req.status, "round": req.round},
                 source_msg=source_msg)


def _tell_unit_filed_for_it(session: Session, req: ApprovalRequest, actor: Person) -> None:
    """The county (or city) bureau filed for the unit: its heads and staff hear it now (第5条 谁开设、谁主办 —
    the unit hosts and runs the account, files it in the national system and reports it weekly), not first
    from the head's card or from the registry countdown after approval."""
    from models.oversight import unit_people
    again = "重新提交了" if req.round > 1 else "提交了"
    account = f"{req.form.get('name', '')}（{req.form.get('platform', '')}）"
    lines = [f"【代为提交】{actor.unit.name}的{actor.name}代本单位{again}第{req.id}号{req.kind}申请：{account}。"]
    if req.kind == "开设":
        lines.append("按《办法》第5条“谁开设、谁主办”，账号开设后由本单位主办，负责日常运维和每周报送周报。")
    lines.append("本单位的单位负责人将收到审批卡片，填写开设单位意见（同意、驳回或退回修改）；"
                 f"回复「查看 {req.id}」看完整审批表，如有疑问请联系{actor.name}。")
    outbox.push_text(session, unit_people(session, req.unit_id), "\n".join(lines))


def _enter_step(session: Session, req: ApprovalRequest, step: str, actor: Person, filed: bool = False,
                why_again: str = "") -> None:
    """`why_again`: why the step's approvers get the request a second time (told to all but the actor)."""
    req.step, req.status = step, STEP_STATUS[step]
    req.step_started_at = clock.now()
    req.reminders_sent, req.escalated = 0, False
    if step == STEP_UNIT and actor.id == req.applicant_id and actor.unit_id == req.unit_id \
            and actor.has_role(UNIT_HEAD) and not holders(session, req, STEP_UNIT):
        # The unit's only head filed it: filing is the unit's opinion (附件2 注2: signed by the head).
        _record(session, req, STEP_UNIT, actor, AGREE, FILED_BY_HEAD)
        return _enter_step(session, req, STEP_BUREAU, actor, filed)
    people = holders(session, req, step)
    if not people:
        from handlers.approvals_vacancy import step_entered_without_holder
        return step_entered_without_holder(session, req, step, filed)
    outbox.push_card(session, people, kind=CARD_KIND, ref_id=req.id, card=text.card(req))
    others = [p for p in people if p.id != actor.id] if why_again else []
    if others:
        outbox.push_text(session, others, why_again + text.card_fallback(req))
    outbox.push_text(session, [p for p in people if p not in others], text.card_fallback(req))


def _record(session: Session, req: ApprovalRequest, step: str, person: Person, decision: str,
            opinion: str | None) -> ApprovalDecision:
    row = ApprovalDecision(round=req.round, step=step, decider=person, decision=decision, opinion=opinion,
                           at=clock.now())
    req.decisions.append(row)  # keeps a collection loaded earlier in this transaction up to date
    session.flush()  # the unique key (request, round, step) refuses a second decision here
    session.expire(req, ["decisions"])  # the Word form reads req.decisions: include this one
    return row


def lock(session: Session, request_id: int) -> ApprovalRequest | None:
    """The request row, locked for the rest of the transaction (SQLite serialises writers anyway); None for a
    number no request can have (「同意 99999999999999999999」)."""
    if not 0 < request_id <= MAX_ID:
        return None
    return session.scalar(select(ApprovalRequest).where(ApprovalRequest.id == request_id).with_for_update())


def decide(session: Session, req: ApprovalRequest, person: Person, decision: str, opinion: str | None,
           source_msg: str | None, *, clicked: Card | None = None) -> str:
    """Record a decision on the current step; returns the answer for the decider."""
    step, before = req.step, req.status
    _record(session, req, step, person, decision, opinion)
    label = f"{person.name}已{'同意' if decision == AGREE else decision}"
    close_cards(session, req, label, skip=clicked, decider=person,
                instead=text.decided_elsewhere(req, person, decision))
    chain = steps()
    if decision == AGREE and chain.index(step) + 1 < len(chain):
        _enter_step(session, req, chain[chain.index(step) + 1], person)
        answer = (f"已同意第{req.id}号申请，已转「{STEP_NAMES[req.step]}」环节。"
                  f"（点错了？「{STEP_NAMES[req.step]}」审批之前可回复「收回 {req.id}」。）")
    elif decision == AGREE:
        req.step, req.status, req.decided_at = None, APPROVED, clock.now()
        _tell_applicant(session, req, person, text.applicant_news(req, person, step, decision, opinion))
        from handlers import approvals_after
        approvals_after.apply(session, req, person)  # after the news: the registry countdown follows it
        answer = f"已同意第{req.id}号申请，审批完成。"
    else:
        req.step, req.decided_at = None, clock.now()
        req.status = REJECTED if decision == REJECT else RETURNED
        if req.account is not None and req.account.status == "变更中":
            req.account.status = "正常"
        if req.status == REJECTED:
            from handlers.approvals_oversight import request_dropped
            request_dropped(session, req, person)
        told = f"申请单位（申请人{req.applicant_gone}）" if req.applicant_left else "申请人"
        answer = f"已{decision}第{req.id}号申请，已通知{told}。"
    audit.record(session, actor=person.userid, action=f"approval.{_key_of(decision)}", entity="approval_request",
                 entity_id=req.id, before={"status": before, "step": step},
                 after={"status": req.status, "opinion": opinion}, source_msg=source_msg)
    if req.status != APPROVED:
        _tell_applicant(session, req, person, text.applicant_news(req, person, step, decision, opinion))
    if not req.is_pending:
        _tell_earlier_deciders(session, req, person, step, decision, opinion)
    return answer


def _tell_applicant(session: Session, req: ApprovalRequest, decider: Person, news: str) -> None:
    """The applicant hears each decision; for one who has left (停用 or moved away: `applicant_left`), the unit that
    takes the request over."""
    if not req.applicant_left:
        outbox.push_text(session, req.applicant, news)
    else:
        from handlers.approvals_takeover import tell_unit_for_leaver
        tell_unit_for_leaver(session, req, decider, news)


def _tell_earlier_deciders(session: Session, req: ApprovalRequest, person: Person, step: str, decision: str,
                           opinion: str | None) -> None:
    """Those who agreed at an earlier step of this round hear how it ended: a later send-back or rejection
    undoes their 同意 (and a corrected request comes back to them); an approval closes what they signed."""
    told = {req.applicant_id, person.id}
    if req.applicant_left:  # the unit heard it in the applicant's place (_tell_applicant)
        from models.oversight import unit_people
        told |= {p.id for p in unit_people(session, req.unit_id)}
    if req.status == APPROVED:  # these hear of it already (the registry notice, the form)
        from handlers.approvals_after import unit_staff
        told |= {p.id for p in [*unit_staff(session, req), *bureau_admins(session, req)]}
        after = "审批已全部通过。"
    elif req.status == RETURNED:
        after = "申请人按意见修改、重新提交后，会再请您审批。"
    else:
        after = "申请已结束。"
    said = f"：{opinion}" if opinion else ""
    _tell_who_agreed(session, req, told, f"「{STEP_NAMES[step]}」环节由{person.name}{decision}{said}。{after}")


def _tell_who_agreed(session: Session, req: ApprovalRequest, told: set[int], news: str) -> None:
    """Tell each who agreed at a step of the current round (but those in `told`) what became of the request —
    and those who agreed in the round before: the send-back told them a corrected request would come back to
    them, so a request withdrawn or rejected before it reached them again would otherwise leave them waiting.
    Each person once, for his newest 同意."""
    told = set(told)
    for d in sorted(req.decisions, key=lambda d: (-d.round, d.id)):
        if d.round in (req.round, req.round - 1) and d.decision == AGREE and d.decider_id not in told:
            told.add(d.decider_id)
            outbox.push_text(session, d.decider, f"第{req.id}号{req.kind}申请（{req.form.get('name', '')}，"
                             f"{req.unit.name}）您已在「{STEP_NAMES[d.step]}」环节同意，{news}")


def _key_of(decision: str) -> str:
    return {v: k for k, v in DECISION_KEYS.items()}[decision]


def close_cards(session: Session, req: ApprovalRequest, label: str, skip: Card | None = None,
                decider: Person | None = None, instead: str | None = None) -> None:
    """Grey out every open approval card of the request (the clicked one is answered passively). `instead`: what
    the other approvers of the step (not the `decider`) are told if their card can no longer be greyed (its
    ResponseCode used up or older than 72 hours) — the grey is all they would hear of another's decision."""
    cards = session.scalars(select(Card).where(Card.kind == CARD_KIND, Card.ref_id == req.id,
                                               Card.status == "open"))
    for card in cards:
        if skip is not None and card.task_id == skip.task_id:
            card.status, card.result = "closed", label
            continue
        theirs = decider is None or card.userid.lower() != decider.userid.lower()
        outbox.push_card_update(session, card, button_label=label, instead=instead if theirs else None)


def agreed_before(req: ApprovalRequest) -> ApprovalDecision | None:
    """The 同意 that sent a pending request to its current step (None at the first step, or given by filing)."""
    chain = steps()
    if not req.is_pending or req.step not in chain or chain.index(req.step) == 0:
        return None
    previous = chain[chain.index(req.step) - 1]
    found = [d for d in req.decisions if d.round == req.round and d.step == previous and d.decision == AGREE]
    return found[0] if found and found[0].opinion != FILED_BY_HEAD else None


def retract(session: Session, req: ApprovalRequest, agreed: ApprovalDecision, person: Person,
            source_msg: str | None) -> None:
    """Take back `agreed` (the person's 同意 at the step before the current one, not yet acted on): the request
    goes back to that step, the next step's approvers are told it needs nothing from them now, and that step's
    holders (him included) get a fresh card."""
    step, before, back = req.step, req.status, agreed.step
    waiting = holders(session, req)
    close_cards(session, req, f"{person.name}已收回同意")
    if waiting:
        outbox.push_text(session, waiting, f"第{req.id}号申请（{req.title}）：{person.name}收回了在「{STEP_NAMES[back]}」"
                                           "环节的同意，暂不需要您审批；重新同意后会再请您审批。")
    opinion, agreed_round, agreed_at = agreed.opinion, agreed.round, clock.localize(agreed.at).isoformat()
    session.delete(agreed)
    session.flush()
    session.expire(req, ["decisions"])
    _tell_applicant(session, req, person, f"您的第{req.id}号{req.kind}申请（{req.form.get('name', '')}）："
                                          f"{person.name}收回了「{STEP_NAMES[back]}」环节的同意，将重新审批。")
    _enter_step(session, req, back, person, why_again=f"{person.name}收回了在「{STEP_NAMES[back]}」环节的同意，"
                                                      "这件申请回到这一环节，需要重新审批。\n")
    audit.record(session, actor=person.userid, action="approval.retract", entity="approval_request",
                 entity_id=req.id,
                 before={"status": before, "step": step,
                         "agreed": {"step": back, "opinion": opinion, "round": agreed_round, "at": agreed_at}},
                 after={"status": req.status, "step": req.step}, source_msg=source_msg)


def withdraw(session: Session, req: ApprovalRequest, person: Person, source_msg: str | None,
             why: str | None = None) -> None:
    """By the applicant, or by the unit or bureau for an applicant who has left (approvals_takeover)."""
    before = req.status
    people = holders(session, req) if req.is_pending else []
    by = "申请人" if person.id == req.applicant_id else person.name
    said = f"（原因：{why}）" if why else ""
    req.status, req.step, req.decided_at = WITHDRAWN, None, clock.now()
    if req.account is not None and req.account.status == "变更中":
        req.account.status = "正常"
    close_cards(session, req, f"{by}已撤回")
    if people:
        outbox.push_text(session, people, f"第{req.id}号申请（{req.title}）已由{by}撤回{said}，无需再审批。")
    _tell_who_agreed(session, req, {req.applicant_id, person.id, *(p.id for p in people)},  # the approvers: above
                     f"{person.name}已撤回这件申请{said}，不再需要审批。")
    after = {"status": WITHDRAWN}
    if person.id != req.applicant_id:
        after.update(applicant=req.applicant.userid, why=why)
    audit.record(session, actor=person.userid, action="approval.withdraw", entity="approval_request",
                 entity_id=req.id, before={"status": before}, after=after, source_msg=source_msg)
    from handlers.approvals_oversight import request_dropped
    request_dropped(session, req, person)


def pending_for(session: Session, person: Person) -> list[ApprovalRequest]:
    """Requests waiting for `person`'s decision, oldest first (待办). Only those at a step whose role he holds, of
    units he sees, are read (every holder sees the request's unit), then checked against the step's holders: not
    every pending request of the city, as 待办 and each approver's greeting ask this."""
    steps = [step for step in STEPS if person.has_role(step_role(step))]
    if not steps:
        return []
    rows = session.scalars(select(ApprovalRequest).where(
        ApprovalRequest.status.in_(PENDING_STATUSES), ApprovalRequest.step.in_(steps),
        ApprovalRequest.unit_id.in_(org.visible_unit_ids(session, person)))
        .order_by(ApprovalRequest.step_started_at, ApprovalRequest.id))
    return [r for r in rows if person in holders(session, r)]
