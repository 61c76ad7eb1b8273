"""What approval requests look like in messages: the form, the approver's card, the news."""
from __future__ import annotations

from sqlalchemy.orm import object_session

from bot import clock
from models.approval import AGREE, CHANGE, DRAFT, OPEN, RETURNED, STEP_NAMES, ApprovalRequest, retractions

FIELD_NAMES = {
    "name": "账号名称", "platform": "账号类型", "function": "账号功能", "url": "主页URL/下载URL",
    "platform_account_id": "平台账号ID", "responsible_name": "账号负责人", "contact": "联系电话",
    "operator": "第三方机构", "unit_name": "主办单位",
}
CARD_VALUE = 60  # characters of a card row's value
# The way every request goes, told in 帮助 开设/变更/注销/关停/补办备案 (and so to 「注销要多久」)
FLOW_HELP = ("\n审批顺序：本单位负责人 → 县政数局 → 市政数局，每一步的结果都会通知您；审批人没有及时处理时，"
             "助手会按工作日提醒他，您也可以回复「催办」。\n全部通过后，须在3个工作日内到全国政务新媒体信息报送系统"
             "办理（第11条），办完回复「已报送」。")


FORM_KEYS = ("name", "platform", "function", "url", "platform_account_id", "registry_code", "responsible_name",
             "contact", "operator")  # the 基本信息 of 附件2, in its order


def form_label(key: str) -> str:
    return "国办登记系统单位标识码" if key == "registry_code" else FIELD_NAMES[key]


def form_lines(data: dict, unit_name: str, bureau_name: str) -> list[str]:
    """The 基本信息 part of 附件2 from a form dict."""
    lines = [f"开设主体：{unit_name}", f"主管单位：{bureau_name}"]
    lines += [f"{form_label(key)}：{data[key]}" for key in FORM_KEYS if data.get(key)]
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


def filed_items(kind: str, filed: dict) -> dict[str, str]:
    """A submission (ApprovalRequest.content) as the items a reviewer reads, label → value, in the form's order."""
    form, changes = filed.get("form") or {}, filed.get("changes") or {}
    items = {form_label(key): str(form.get(key) or "") for key in FORM_KEYS}
    if kind == CHANGE:  # what is asked for: each item's new value, or that it is not to change
        items |= {f"{name}变更为": (changes[key][1] or "（空）") if key in changes else "（不变更）"
                  for key, name in FIELD_NAMES.items()}
    label, reason = reason_line(kind, filed.get("reason_kind"), filed.get("reason")).split("：", 1)
    items[label] = reason
    if kind == OPEN:
        items["已同时提交主办责任保障制度"] = "是" if filed.get("rules_submitted") else "否"
    if filed.get("announcement") is not None:
        items["第12条公告"] = "将按要求发布" if filed["announcement"] else "未承诺"
    return items


def revisions(req: ApprovalRequest) -> list[str] | None:
    """What this submission changed from the one before, 「账号功能：旧 → 新」 ([]: nothing); None for a first
    submission, or when the one before was not kept (sent back before submissions were kept)."""
    before, now = (req.submission(req.round - 1), req.submission(req.round)) if req.round > 1 else (None, None)
    if before is None or now is None:
        return None
    old, new = filed_items(req.kind, before), filed_items(req.kind, now)
    return [f"{label}：{old.get(label) or '（空）'} → {new.get(label) or '（空）'}"
            for label in dict.fromkeys([*new, *old]) if old.get(label, "") != new.get(label, "")]


def revisions_text(req: ApprovalRequest) -> str:
    """「与上次提交相比，申请人修改了：」 and the lines, or 「未作修改」; "" when there is nothing to compare."""
    changed = revisions(req)
    if changed is None:
        return ""
    if not changed:
        return "与上次提交相比：未作修改（内容与上次提交的相同）。\n"
    return "与上次提交相比，申请人修改了：\n" + "".join(f"· {line}\n" for line in changed)


def revisions_fact(changed: list[str]) -> str:
    """The card's 「本次修改」: the changes themselves when they fit on the card, else the items' names."""
    if not changed:
        return "未作修改"
    said = "；".join(changed)
    if len(said) <= CARD_VALUE:
        return said
    names = "、".join(line.split("：", 1)[0].removesuffix("变更为") for line in changed)
    return names[:CARD_VALUE - 10] + "（详见随卡片的消息）"


def describe(req: ApprovalRequest, *, with_history: bool = True) -> str:
    bureau = req.unit.supervising_bureau()
    lines = [f"第{req.id}号 {req.kind}申请 · {req.status}",
             f"申请人：{req.applicant.name}（{req.applicant_gone or req.applicant.unit.name}）"]
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
    changed = revisions(req)
    if changed is not None:
        lines.append(f"第{req.round}次提交与第{req.round - 1}次相比" + ("修改了：" if changed else "：未作修改"))
        lines += [f"· {line}" for line in changed]
    if with_history:
        lines += history_lines(req)
    return "\n".join(lines)


def history_lines(req: ApprovalRequest) -> list[str]:
    """审批记录: every decision, and every 同意 taken back (收回) where it was given, so the record shows it."""
    session = object_session(req)
    taken_back = retractions(session, req.id) if session is not None else []
    entries = [(d.round, clock.localize(d.at), _decision_line(d.step, d.decider.name, d.decision, d.opinion, d.at))
               for d in req.decisions]
    for r in taken_back:
        at = r.agreed_at or r.retracted_at
        when = f"已于{clock.localize(r.retracted_at):%m-%d %H:%M}收回"
        entries.append((r.round or req.round, clock.localize(at),
                        _decision_line(r.step, r.decider_name, AGREE, r.opinion, r.agreed_at, when)))
    if not entries:
        return []
    entries.sort(key=lambda e: (e[0], e[1]))
    lines = ["审批记录："]
    rounds = req.round > 1  # a resubmitted request: which decisions belong to which submission
    for n, (round_, _at, line) in enumerate(entries):
        if rounds and (n == 0 or entries[n - 1][0] != round_):
            lines.append(f"第{round_}次提交：")
        lines.append(line)
    return lines


def _decision_line(step: str, name: str, decision: str, opinion: str | None, at, note: str = "") -> str:
    said = f"：{opinion}" if opinion else ""
    times = [f"{clock.localize(at):%m-%d %H:%M}"] if at is not None else []
    return f"· {STEP_NAMES.get(step, step)} {name} {decision}{said}（{'，'.join([*times, *([note] if note else [])])}）"


def applicant_line(req: ApprovalRequest) -> str:
    """「马管理（抚松县政务服务和数字化建设管理局代为提交）」 when someone outside the unit filed for it;
    「张伟（已调离）」 when the applicant has left it."""
    if req.applicant_left:
        return f"{req.applicant.name}（{req.applicant_gone}）"
    if req.applicant.unit_id == req.unit_id:
        return req.applicant.name
    return f"{req.applicant.name}（{req.applicant.unit.name}代为提交）"


def card(req: ApprovalRequest) -> dict:
    """A button_interaction card with the request's main facts."""
    facts = [("申请单位", req.unit.name), ("账号", req.form.get("name", "")),
             ("类型", req.form.get("platform", "")), ("申请人", applicant_line(req))]
    if req.kind == CHANGE:
        facts.append(("变更", "；".join(changes_lines(req.changes))))
    else:
        # the reason as the form says it: 「其他」 alone would hide what the applicant wrote
        facts.append(("理由", reason_line(req.kind, req.reason_kind, req.reason).split("：", 1)[1]))
    changed = revisions(req)
    if changed is not None:  # a resubmission: what changed, so that no approver has to compare from memory
        facts.append(("本次修改", revisions_fact(changed)))
    return {
        "card_type": "button_interaction",
        "source": {"desc": "政务新媒体审批", "desc_color": 0},
        "main_title": {"title": f"第{req.id}号{req.kind}申请待您审批",
                       "desc": f"{STEP_NAMES[req.step]} · {req.status}"
                               + (" · 退回修改后重新提交" if last_send_back(req) else "")},
        "horizontal_content_list": [{"keyname": k, "value": str(v)[:CARD_VALUE]} for k, v in facts if v][:6],
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
            f"由{back.decider.name}{back.decision}：{back.opinion or '（无意见）'}。\n" + revisions_text(req))


def card_fallback(req: ApprovalRequest) -> str:
    """The text sent with each approval card. It names the request, so that it stands alone for a reader who
    cannot see the card (WeChat, an old client) and in the chat history, rather than repeating commands about
    a request it does not name."""
    return (resubmitted_line(req) + f"第{req.id}号{req.kind}申请（{req.form.get('name', '')}，{req.form.get('platform', '')}，"
            f"{req.unit.name}）在「{STEP_NAMES[req.step]}」环节待您审批。卡片按钮无法使用时，也可以回复"
            f"「同意 {req.id}」（可加意见）、「驳回 {req.id} 原因」或「退回 {req.id} 需要修改的地方」；"
            f"回复「查看 {req.id}」看完整审批表。")


def decided_elsewhere(req: ApprovalRequest, person, decision: str) -> str:
    """For an approver of the step whose card could not be greyed after `person` decided it: the outcome, and
    that the card's buttons, which WeCom may still show, no longer do anything."""
    return (f"第{req.id}号{req.kind}申请（{req.form.get('name', '')}，{req.form.get('platform', '')}，{req.unit.name}）"
            f"的「{STEP_NAMES[req.step]}」环节已由{person.name}{decision}，无需您审批。"
            "这件申请的审批卡片已失效，卡片上如果仍显示按钮，也不用再点。")


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


def left_unchanged(ctx) -> str | None:
    """取消 while correcting a returned request or a draft (修改 N): it stays as it was, and how to take it up again.
    None for a new form (nothing of it was kept)."""
    number = ctx.data.get("request_id")
    req = ctx.session.get(ApprovalRequest, number) if number else None
    if req is None or req.status not in (RETURNED, DRAFT):
        return None
    if req.status == DRAFT:
        return f"第{number}号{req.kind}申请草稿没有改动，也没有提交。回复「修改 {number}」可再核对后提交。"
    return f"第{number}号{req.kind}申请没有改动，仍是「{req.status}」。回复「修改 {number}」重新修改后提交，或「撤回 {number}」。"
