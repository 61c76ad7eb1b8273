"""收回 (taking back one's own 同意): one tap on the card decides, so an approver who agreed by mistake may take
the request back to his step while the next step has not decided it yet. Shown and asked for 确认 first."""
from __future__ import annotations

from sqlalchemy import select

from bot import choices
from bot.router import END, Context, Router
from handlers import approvals_chain as chain
from handlers import approvals_text as text
from handlers.approvals_decide import APPROVER_ROLES
from handlers.approvals_mine import find
from models.approval import AGREE, PENDING_STATUSES, STEP_NAMES, ApprovalDecision, ApprovalRequest

NONE = "您没有可以收回的同意：只有您同意后、下一环节还没有审批的申请可以收回。"


def retractable(ctx: Context) -> list[ApprovalRequest]:
    """Pending requests the asker's 同意 sent to their current step."""
    agreed = (select(ApprovalDecision.request_id)
              .where(ApprovalDecision.decider_id == ctx.person.id, ApprovalDecision.decision == AGREE))
    pending = ctx.session.scalars(select(ApprovalRequest).where(ApprovalRequest.id.in_(agreed),
                                                                ApprovalRequest.status.in_(PENDING_STATUSES))
                                  .order_by(ApprovalRequest.id))
    return [req for req in pending if _own(ctx, req) is not None]


def _own(ctx: Context, req: ApprovalRequest) -> ApprovalDecision | None:
    agreed = chain.agreed_before(req)
    return agreed if agreed is not None and agreed.decider_id == ctx.person.id else None


def register(router: Router) -> None:
    router.conversation("retract", title="收回同意")

    @router.command("收回", "收回同意", "撤回同意", "撤销同意", roles=APPROVER_ROLES,
                    help="同意错了：下一环节审批前收回您的同意（如「收回 12」）",
                    detail="点错了「同意」时，在下一环节审批之前回复「收回 编号」：确认后申请回到您的环节，审批卡片重新发给您，"
                           "下一环节的审批人会收到通知、暂不需要审批，申请人也会知道。只有一件可以收回时可以不写编号。")
    def retract(ctx: Context):
        req = find(ctx, "收回", retractable, NONE)
        if req is None:
            return END
        agreed = _own(ctx, req)
        if agreed is None:
            ctx.reply(why_not(ctx, req))
            return END
        ctx.reply(text.describe(req, with_history=False))
        ctx.data = {"request_id": req.id, "step": agreed.step}
        return "retract.confirm"

    def confirm_prompt(ctx: Context) -> str:
        step = STEP_NAMES[ctx.data["step"]]
        return (f"确认收回您在「{step}」环节对第{ctx.data['request_id']}号申请的同意吗？收回后申请回到「{step}」环节，"
                "由您重新审批。回复「确认」收回，回复「取消」不收回。")

    @router.state("retract.confirm", prompt=confirm_prompt)
    def confirmed(ctx: Context):
        number = ctx.data["request_id"]
        if not choices.confirmed(ctx, "收回", f"没有收回，第{number}号申请保持原样。"):
            return END
        req = chain.lock(ctx.session, number)
        agreed = _own(ctx, req) if req is not None else None
        if agreed is None:  # the next step decided meanwhile
            ctx.reply(why_not(ctx, req))
            return END
        chain.retract(ctx.session, req, agreed, ctx.person, ctx.inbound.dedupe_key)
        ctx.reply(f"已收回您对第{number}号申请的同意，申请回到「{STEP_NAMES[agreed.step]}」环节。审批卡片已重新发给您，"
                  f"请重新审批（或回复「同意 {number}」「驳回 {number} 原因」「退回 {number} 说明」）。")
        return END


def why_not(ctx: Context, req: ApprovalRequest | None) -> str:
    if req is None:
        return NONE
    mine = [d for d in req.decisions if d.decider_id == ctx.person.id and d.decision == AGREE]
    if not mine:
        return f"您没有同意过第{req.id}号申请，无需收回。"
    if any(d.opinion == chain.FILED_BY_HEAD and d.round == req.round for d in mine):
        return f"第{req.id}号申请是您作为单位负责人提交的，提交即为开设单位意见，不能收回；如需收回，请撤回申请（「撤回 {req.id}」）。"
    if req.is_pending and req.step not in {d.step for d in mine if d.round == req.round}:
        return (f"第{req.id}号申请当前是「{req.status}」，下一环节已经审批，不能再收回您的同意。"
                "如有问题，请联系正在审批的环节或县政数局。")
    if req.is_pending:
        return f"第{req.id}号申请正在「{STEP_NAMES[req.step]}」环节等待审批，无需收回。"
    return f"第{req.id}号申请已经「{req.status}」，不能再收回您的同意。如有问题，请联系县政数局。"
