"""What approval requests look like in messages: the form, the approver's card, the news."""
from __future__ import annotations

from bot import clock
from models.approval import (AGREE, CHANGE, OPEN, STEP_NAMES, ApprovalRequest)

FIELD_NAMES = {
    "name": "账号名称", "platform": "账号类型", "function": "账号功能", "url": "主页URL/下载URL",
    "platform_account_id": "平台账号ID", "responsible_name": "账号负责人", "contact": "联系电话",
    "operator": "第三方机构", "unit_name": "主办单位",
}
# The way every request goes, told in 帮助 开设/变更/注销/关停/补办备案 (and so to 「注销要多久」)
FLOW_HELP = ("\n审批顺序：本单位负责人 → 县政数局 → 市政数局，每一步的结果都会通知您；审批人没有及时处理时，"
             "助手会按工作日提醒他，您也可以回复「催办」。\n全部通过后，须在3个工作日内到全国政务新媒体信息报送系统"
             "办理（第11条），办完回复「已报送」。")


def form_lines(data: dict, unit_name: str, bureau_name: str) -> list[str]:
    """The 基本信息 part of 附件2 from a form dict."""
    lines = [f"开设主体：{unit_name}", f"主管单位：{bureau_name}"]
    for key in ("name", "platform", "function", "url", "platform_account_id", "registry_code",
                "responsible_name", "contact", "operator"):
        label = "国办登记系统单位标识码" if key == "registry_code" else FIELD_NAMES[key]
        if data.get(key):
            lines.append(f"{label}：{data[key]}")
    return lines


def reason_line(req_kind: str, reason_kind: str | None, reason: str | None) -> str:
    if req_kind == OPEN:
        return f"开设理由：{reason or ''}"
    if reason_kind and reason_kind != "其他":
        return f"{req_kind}原因：{reason_kind}" + (f"（{reason}）" if reason else "")
    return f"{req_kind}原因：其他：{reason or ''}"


def changes_lines(changes: dict | None) -> list[str]:
    return [f"{FIELD_NAMES.get(k, k)}：{old or '（空）'} → {new or '（空）'}"
            for k, (old, new) in (changes or {}).items()]


def describe(req: ApprovalRequest, *, with_history: bool = True) -> str:
    bureau = req.unit.supervising_bureau()
    lines = [f"第{req.id}号 {req.kind}申请 · {req.status}",
             f"申请人：{req.applicant.name}（{req.applicant.unit.name}）"]
    if req.submitted_at:
        lines.append(f"申请时间：{clock.localize(req.submitted_at):%Y-%m-%d %H:%M}")
    lines += form_lines(req.form, req.unit.name, bureau.name if bureau else "")
    if req.kind == CHANGE:
        lines += ["变更内容：", *changes_lines(req.changes)]
    lines.append(reason_line(req.kind, req.reason_kind, req.reason))
    if req.kind == OPEN:
        lines.append(f"已同时提交主办责任保障制度：{'是' if req.rules_submitted else '否'}")
    if req.announcement is not None:
        lines.append(f"第12条公告：{'将按要求发布' if req.announcement else '未承诺'}")
    if with_history and req.decisions:
        lines.append("审批记录：")
        rounds = req.round > 1  # a resubmitted request: which decisions belong to which submission
        for n, d in enumerate(req.decisions):
            if rounds and (n == 0 or req.decisions[n - 1].round != d.round):
                lines.append(f"第{d.round}次提交：")
            opinion = f"：{d.opinion}" if d.opinion else ""
            lines.append(f"· {STEP_NAMES[d.step]} {d.decider.name} {d.decision}{opinion}"
                         f"（{clock.localize(d.at):%m-%d %H:%M}）")
    return "\n".join(lines)


def applicant_line(req: ApprovalRequest) -> str:
    """「马管理（抚松县政务服务和数字化建设管理局代为提交）」 when someone outside the unit filed for it."""
    if req.applicant.unit_id == req.unit_id:
        return req.applicant.name
    return f"{req.applicant.name}（{req.applicant.unit.name}代为提交）"


def card(req: ApprovalRequest) -> dict:
    """A button_interaction card with the request's main facts."""
    facts = [("申请单位", req.unit.name), ("账号", req.form.get("name", "")),
             ("类型", req.form.get("platform", "")), ("申请人", applicant_line(req))]
    if req.kind == CHANGE:
        facts.append(("变更", "；".join(changes_lines(req.changes))[:60]))
    else:
        # the reason as the form says it: 「其他」 alone would hide what the applicant wrote
        facts.append(("理由", reason_line(req.kind, req.reason_kind, req.reason).split("：", 1)[1][:60]))
    return {
        "card_type": "button_interaction",
        "source": {"desc": "政务新媒体审批", "desc_color": 0},
        "main_title": {"title": f"第{req.id}号{req.kind}申请待您审批",
                       "desc": f"{STEP_NAMES[req.step]} · {req.status}"
                               + (" · 退回修改后重新提交" if last_send_back(req) else "")},
        "horizontal_content_list": [{"keyname": k, "value": str(v)[:60]} for k, v in facts if v][:6],
        "button_list": [{"text": "同意", "style": 1, "key": "approve"},
                        {"text": "驳回", "style": 2, "key": "reject"},
                        {"text": "退回修改", "style": 3, "key": "return"}],
    }


def last_send_back(req: ApprovalRequest):
    """The decision that sent the request back before this round (None in the first round)."""
    earlier = [d for d in req.decisions if d.round == req.round - 1 and d.decision != AGREE]
    return earlier[-1] if earlier else None


def resubmitted_line(req: ApprovalRequest) -> str:
    """For a corrected request: that it was sent back before, by whom and why — else the approver who agreed in
    the first round sees the same card again without knowing why."""
    back = last_send_back(req)
    if back is None:
        return ""
    return (f"这是退回修改后重新提交的申请（第{req.round}次提交）。上次在「{STEP_NAMES[back.step]}」环节"
            f"由{back.decider.name}{back.decision}：{back.opinion or '（无意见）'}。\n")


def card_fallback(req: ApprovalRequest) -> str:
    return (resubmitted_line(req) + f"如果卡片按钮无法使用，也可以直接回复：\n同意 {req.id} 意见（可不填）\n驳回 {req.id} 原因\n"
            f"退回 {req.id} 需要修改的地方\n回复「查看 {req.id}」看完整审批表。")


def applicant_news(req: ApprovalRequest, person, step: str, decision: str, opinion: str | None) -> str:
    said = f"，意见：{opinion}" if opinion else ""
    head = f"您的第{req.id}号{req.kind}申请（{req.form.get('name', '')}）：{STEP_NAMES[step]}由{person.name}{decision}{said}。"
    if decision == AGREE and req.is_pending:
        return head + f"\n已转「{STEP_NAMES[req.step]}」环节。"
    if decision == AGREE:
        return head + "\n审批已全部通过。"
    if req.status == "已退回":
        return head + f"\n请回复「修改 {req.id}」按意见修改后重新提交，或回复「撤回 {req.id}」。"
    return head + "\n申请已结束。如有疑问请联系审批人。"
