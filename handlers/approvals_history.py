"""审批记录: what an approver has decided — each request, his opinion, and where it stands now."""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from bot import clock
from bot.router import ARGS_PUNCTUATION, END, Context, Router
from handlers import approvals_chain as chain
from handlers.approvals_decide import APPROVER_ROLES
from models.approval import STEP_NAMES, ApprovalDecision, ApprovalRequest

SHOWN = 20
OPINION_SHOWN = 30  # characters of an opinion in the list (查看 shows it whole)
# 「我批过哪些」, 「我审批过的申请」, 「我同意过哪些」, 「我都处理过什么审批」
DECIDED_ASKED = (r"(?:我|本人)(?:都|已经)?(?:批|审批|审核|审|同意|处理)(?:过|了)的?(?:哪些|什么|几个|几件|多少)?"
                 r"(?:申请|审批)?(?:呢|啊|有哪些)?[？?。]*$")


def register(router: Router) -> None:
    @router.command("审批记录", "我的审批", "审批历史", "已审批", "审批过的", "我审批过的", roles=APPROVER_ROLES,
                    questions=True, help="查看我审批过的申请和它们现在的状态",
                    detail=f"列出您最近{SHOWN}次审批（同意、驳回、退回修改）：哪件申请、您的意见、申请现在到了哪一步。"
                           "回复「查看 编号」看审批表和全部审批记录；等待您审批的在「待办」里。")
    def history(ctx: Context):
        number = re.fullmatch(r"第?\s*(\d+)\s*号?(?:申请)?", (ctx.args or "").strip(ARGS_PUNCTUATION))
        if number:  # 「审批记录 12」: that request's form and all its decisions, as 「查看 12」 shows them
            ctx.args = number[1]
            return router.find_command("查看")[0].handler(ctx)
        mine = ApprovalDecision.decider_id == ctx.person.id
        rows = ctx.session.execute(
            select(ApprovalDecision, ApprovalRequest).join(ApprovalRequest, ApprovalDecision.request)
            .options(joinedload(ApprovalRequest.unit)).where(mine)
            .order_by(ApprovalDecision.at.desc(), ApprovalDecision.id.desc()).limit(SHOWN)).all()
        waiting = {r.id for r in chain.pending_for(ctx.session, ctx.person)}
        todo = f"另有{len(waiting)}件申请等待您审批，回复「待办」查看。" if waiting else ""
        if not rows:
            ctx.reply("您还没有审批过申请。" + todo)
            return END
        total = ctx.session.scalar(select(func.count()).select_from(ApprovalDecision).where(mine))
        shown = f"最近{len(rows)}次，共{total}次" if total > len(rows) else f"共{total}次"
        lines = [f"您审批过的申请（{shown}，最近的在前）："]
        lines += [_line(decision, req, req.id in waiting) for decision, req in rows]
        lines.append("回复「查看 编号」看审批表和全部审批记录。" + todo)
        ctx.reply("\n".join(lines))
        return END

    @router.pattern(DECIDED_ASKED, roles=APPROVER_ROLES, refused_as="审批记录")
    def history_asked(ctx: Context):
        ctx.args = ""
        return history(ctx)


def _line(decision: ApprovalDecision, req: ApprovalRequest, waiting_for_me: bool) -> str:
    at = clock.localize(decision.at)
    day = f"{at:%m-%d}" if at.year == clock.today().year else f"{at:%Y-%m-%d}"
    opinion = decision.opinion or ""
    opinion = f"，意见：{opinion[:OPINION_SHOWN]}{'…' if len(opinion) > OPINION_SHOWN else ''}" if opinion else ""
    now = f"{req.status}，等待您审批" if waiting_for_me else req.status  # (sent back to the applicant, resubmitted)
    return (f"· {day} 第{req.id}号 {req.unit.name} {req.title} — 您{decision.decision}"
            f"（{STEP_NAMES[decision.step]}）{opinion}；现在：{now}")
