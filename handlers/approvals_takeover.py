"""A request whose applicant has left — deactivated (停用) or moved out of its unit (调离, by org sync / org import:
ApprovalRequest.applicant_left): only the applicant may 修改 or 撤回 a request, so once he is gone the unit takes
it over — its staff and heads, and the bureau above, i.e. whoever may file for the unit
(approvals_rules.filing_refusal) — and whoever resubmits it becomes its applicant. An active applicant's
request stays his alone. Not a feature: no `register`."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, contains_eager

from bot import outbox
from bot.router import Context
from handlers import approvals_rules as rules
from models import org
from models.approval import AGREE, PENDING_STATUSES, RETURNED, ApprovalRequest
from models.org import Person
from models.oversight import unit_people


def refusal(session: Session, person: Person, req: ApprovalRequest, what: str) -> str | None:
    """None if `person` may `what` (修改 / 撤回) the request as its applicant, else why not."""
    if not req.applicant_left:
        if person.id == req.applicant_id:
            return None
        return f"只有申请人{req.applicant.name}可以{what}第{req.id}号申请。"
    refused = rules.filing_refusal(session, person, req.unit)
    if refused:
        return (f"第{req.id}号申请的申请人{req.applicant.name}{req.applicant_gone}，可由{req.unit.name}的工作人员、单位负责人"
                f"或主管单位{what}。{refused}")
    return None


def left_behind(session: Session, person: Person) -> list[ApprovalRequest]:
    """For the unit's staff and heads (我的申请): its requests in progress whose applicant has left (停用 or moved
    away; the statement reads those of an applicant now elsewhere, `applicant_left` keeps who is not of a bureau
    above the unit)."""
    if not person.has_role(org.STAFF, org.UNIT_HEAD):
        return []
    rows = session.scalars(select(ApprovalRequest).join(ApprovalRequest.applicant).where(
        ApprovalRequest.unit_id == person.unit_id, ApprovalRequest.status.in_((*PENDING_STATUSES, RETURNED)),
        or_(Person.active.is_(False), Person.unit_id != ApprovalRequest.unit_id))
        .options(contains_eager(ApprovalRequest.applicant)).order_by(ApprovalRequest.id))
    return [r for r in rows if r.applicant_left]


def hint(req: ApprovalRequest) -> str:
    """What the unit may do with a leaver's request now."""
    if req.status == RETURNED:
        return f"回复「修改 {req.id}」接手修改后重新提交，「撤回 {req.id}」撤回"
    return f"审批照常进行，被退回后可「修改 {req.id}」接手；不再需要时回复「撤回 {req.id}」"


def is_outsider(person: Person, req: ApprovalRequest) -> bool:
    """A bureau user finishing a unit's request: the unit must hear why."""
    return person.id != req.applicant_id and person.unit_id != req.unit_id


def take_over(ctx: Context, req: ApprovalRequest) -> None:
    """The resubmitter of a leaver's request becomes its applicant (audited); the unit's others hear it.
    A bureau user's resubmission is announced by the chain (【代为提交】) instead."""
    leaver, gone = req.applicant, req.applicant_gone
    if ctx.person.id == leaver.id:
        return
    req.applicant_id = ctx.person.id
    ctx.audit("approval.takeover", "approval_request", req.id, before={"applicant": leaver.userid},
              after={"applicant": ctx.person.userid, "why": f"申请人{gone}"})
    ctx.session.flush()
    ctx.session.expire(req, ["applicant"])
    if ctx.person.unit_id == req.unit_id:
        others = [p for p in unit_people(ctx.session, req.unit_id) if p.id != ctx.person.id]
        outbox.push_text(ctx.session, others, f"【接手申请】{ctx.person.name}接手了{leaver.name}（{gone}）提交的"
                         f"第{req.id}号申请：{req.title}，修改后重新提交。今后的审批进展通知{ctx.person.name}。")


def tell_unit_withdrawn(session: Session, req: ApprovalRequest, person: Person, why: str | None) -> list[Person]:
    """A leaver's request withdrawn by someone else: the unit's staff and heads (but the withdrawer, and who
    heard it already as an approver who agreed: approvals_chain.withdraw) hear who withdrew it and why.
    Returns who was told."""
    agreed = {d.decider_id for d in req.decisions if d.round == req.round and d.decision == AGREE}
    others = [p for p in unit_people(session, req.unit_id) if p.id != person.id and p.id not in agreed]
    said = f"，原因：{why}" if why else ""
    outbox.push_text(session, others, f"【申请撤回】{req.applicant.name}（{req.applicant_gone}）提交的第{req.id}号申请：{req.title}，"
                     f"已由{person.unit.name}的{person.name}撤回{said}。")
    return others


def tell_unit_for_leaver(session: Session, req: ApprovalRequest, decider: Person, news: str) -> None:
    """A decision on a leaver's request (the news meant for him: approvals_text.applicant_news) goes to the
    unit's staff and heads but the decider: a send-back is theirs to 修改 or 撤回 now."""
    others = [p for p in unit_people(session, req.unit_id) if p.id != decider.id]
    outbox.push_text(session, others, f"【申请人{req.applicant_gone}】{req.applicant.name}提交的" + news.removeprefix("您的"))
