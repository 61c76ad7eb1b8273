"""申请列表: the requests of the units in the asker's part of the tree — what waits where, what was decided."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from bot.router import END, Context, Router
from handlers.oversight_util import units_named
from models import org
from models.approval import DRAFT, RETURNED, ApprovalRequest

SHOWN = 20


def register(router: Router) -> None:
    @router.command("申请列表", "全部申请", "所有申请", "辖区申请", "单位申请", help="查看所辖单位的申请和各自的进度",
                    detail=f"列出您管辖范围内各单位最近{SHOWN}件申请（草稿除外），审批中的在前：编号、单位、申请、现在到了哪一步。"
                           "「申请列表 教育局」只看一个单位，市政数局「申请列表 抚松」只看一个县。回复「查看 编号」看审批表和审批记录。")
    def listing(ctx: Context):
        from handlers.approvals_decide import waited_text
        ids, whose = org.visible_unit_ids(ctx.session, ctx.person), "您管辖范围内"
        name = ctx.args.strip()
        if name:
            named = units_named(ctx, name)
            if named is None:
                return END
            ids, whose = named
        scope = (ApprovalRequest.unit_id.in_(ids), ApprovalRequest.status != DRAFT)
        rows = list(ctx.session.scalars(select(ApprovalRequest).options(joinedload(ApprovalRequest.unit),
                                                                        joinedload(ApprovalRequest.applicant))
                                        .where(*scope).order_by(ApprovalRequest.id.desc()).limit(SHOWN)))
        if not rows:
            ctx.reply(f"{whose}还没有申请。")
            return END
        total = ctx.session.scalar(select(func.count()).select_from(ApprovalRequest).where(*scope))
        rows.sort(key=lambda r: (not r.is_pending, -r.id))  # waiting first, newest first
        shown = f"最近{len(rows)}件，共{total}件" if total > len(rows) else f"共{total}件"
        lines = [f"{whose}的申请（{shown}，审批中的在前）："]
        lines += [f"· 第{r.id}号 {r.unit.name} {r.title} — {r.status}"
                  + (f"（已等{waited_text(r)}）" if r.is_pending else "") + _left(r) for r in rows]
        lines.append("回复「查看 编号」看审批表和审批记录。")
        ctx.reply("\n".join(lines))
        return END


def _left(req: ApprovalRequest) -> str:
    """An unfinished request whose applicant has left (停用 or moved out of the unit): the unit finishes it."""
    if not (req.is_pending or req.status == RETURNED) or not req.applicant_left:
        return ""
    return f"，申请人{req.applicant.name}{req.applicant_gone}，由单位接手"
