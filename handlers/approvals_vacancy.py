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
from models.approval import STEP_NAMES, ApprovalRequest, pending_requests
from models.org import ROLE_NAMES, Person, Unit
from models.platform import Card


def _names(people) -> str:
    return "、".join(p.name for p in people)


def missing_role(session: Session, req: ApprovalRequest, step: str) -> str:
    """Whom the directory lacks for `step`, e.g. 抚松县教育局的「单位负责人」."""
    role = ROLE_NAMES[chain.step_role(step)]
    units = [session.get(Unit, i) for i in chain.step_unit_ids(req, step)]
    where = units[0].name if units else ("主管单位" if step != "city" else "市级主管单位")
    return f"{where}的「{role}」"


def admin_text(session: Session, req: ApprovalRequest, step: str) -> str:
    """For the bureau admins: the step has nobody, and whom to appoint."""
    return (f"第{req.id}号{req.kind}申请（{req.form.get('name', '')}，{req.unit.name}）在「{STEP_NAMES[step]}」环节"
            f"找不到审批人：通讯录中没有在职的{missing_role(session, req, step)}（申请人本人除外）。"
            "请在名册中指定后导入（flask --app bot org import），助手会自动把审批卡片发给新的审批人。")


def told_text(admins: list[Person]) -> str:
    if admins:
        return f"已通知县政数局管理员（{_names(admins)}）在通讯录中指定"
    return "县政数局在通讯录中没有管理员，无人收到通知，请直接联系县政数局在通讯录中指定"


def step_entered_without_holder(session: Session, req: ApprovalRequest, step: str, filed: bool) -> None:
    """The request entered `step` and nobody may decide it: the admins hear whom to appoint, the applicant
    that the request waits and who was told (not only the admins: he would otherwise wait for nothing)."""
    admins = [p for p in chain.bureau_admins(session, req) if p.id != req.applicant_id]
    outbox.push_text(session, admins, admin_text(session, req, step))
    if not req.applicant.active:
        return
    done = "已提交" if filed else f"已进入「{STEP_NAMES[step]}」环节"
    outbox.push_text(session, req.applicant,
                     f"您的第{req.id}号{req.kind}申请（{req.form.get('name', '')}）{done}，但「{STEP_NAMES[step]}」"
                     f"环节暂时没有审批人：通讯录中没有在职的{missing_role(session, req, step)}。{told_text(admins)}；"
                     "指定后助手会自动把审批卡片发给新的审批人，您无需重新提交。")
