"""The applicant's side: 我的申请, 查看, 撤回, 修改, 导出, and 已报送 (a screenshot may follow: handlers/screenshots.py)."""
from __future__ import annotations

import re
from typing import Callable

from sqlalchemy import select

from bot import choices, clock
from bot.router import END, Context, Router, dialogue_only
from handlers import approvals_after as after
from handlers import approvals_chain as chain
from handlers import approvals_rules as rules
from handlers import approvals_takeover as takeover
from handlers import approvals_text as text
from handlers.approvals_oversight import unit_drafts
from handlers.screenshots import SCREENSHOT_MINUTES, Kind, evidence
from models import org
from models.approval import (AGREE, APPROVED, DRAFT, OPEN, RETURNED, ApprovalRequest, RegistryFiling, answered_for,
                             open_request_for_account)
from models.org import Person

# Where one's requests are, asked: 「申请到哪了」, 「我的申请批了没」, 「申请审核了吗」, 「为什么还没批」, 「审批怎么这么慢」
PROGRESS_ASKED = (r"(?:我的|我们的?|咱们的?)?(?:(?:抖音|微博|快手|视频号|公众号|头条|小红书|B站|客户端)号?的?|开设|开号|变更|注销|关停)?"
                  r"(?:的)?(?:申请|审批)?(?:审核|审批)?(?:现在)?(?:到|走到)?(?:哪了|哪一步了?|哪儿了|什么程度了?|怎么样了|"
                  r"批了吗|批了没有?|批下来了(?:吗|没有?)?|(?:审核|审批)?通过了吗|(?:审核|审批)?通过了没有?|"
                  r"(?:审核|审批)了(?:吗|没有?)|(?:注销|关停|开通|变更)(?:好|完)?了(?:吗|没有?)|有结果了吗|怎么这么慢)[？?。]*$"
                  r"|(?:为什么|为啥|怎么|咋)还没(?:有)?(?:批|审批|通过|审核)(?:下来)?(?:呢|啊)?[？?。]*$")
# How long an approval takes: 「申请多久能批下来」, 「审批要多久」, 「开个号要多长时间」
HOW_LONG_ASKED = (r"(?:申请|审批|开号|开个号)(?:一般|大概)?(?:要|需要|得)?(?:多久|多长时间|几天)"
                  r"(?:能|才能|可以)?(?:批|审批|通过|批下来|办好|办完)?(?:下来)?(?:呢|啊)?[？?。]*$")
# 已报送 in the clerk's words: 「已经在系统里改好了」, 「系统里已经弄好了」, 「全国系统报送了」 (第11条)
FILED_SAID = (r"(?:我们?)?(?:已经?|都)?(?:在)?(?:全国(?:政务新媒体信息)?(?:报送)?)?系统(?:里面|里|上|中)?(?:已经?|都)?"
              r"(?:改|填|报|报送|更新|录入|修改|变更|注销|关停|登记|备案|弄|搞|办|做)(?:好|完|过|妥|定)?了?[。！!]*$"
              r"|(?:全国系统|报送系统)(?:已经?|都)?(?:报送?|填报?|改|更新|弄|搞|办)(?:好|完|妥|定)?了[。！!]*$")

# Several request numbers in one message: 「2、3」, 「第2号和第3号」, 「2，3，5号」
LISTED_NUMBERS = re.compile(r"第?\s*\d+\s*号?(?:\s*(?:[、，,和及与/]|\s)\s*第?\s*\d+\s*号?)+\s*(?:申请)?(?:都|也)?[。.!！]*")

# What else 导出 is said for: where that is found
EXPORT_ELSEWHERE = (("周报", "周报的汇总请回复「周报情况」（「周报情况 上周」看上周）；每月各单位的周报明细在月度通报的Excel表中"
                             "（县政数局回复「查看通报 2026-11」）。「导出 编号」是导出审批表。"),
                    ("通报", "月度通报的Excel表和Word通报稿请回复「查看通报 2026-11」（县政数局）。「导出 编号」是导出审批表。"),
                    ("考核", "年度考核表请回复「年度考核 2026」（县政数局管理员和审核人）。「导出 编号」是导出审批表。"))


def can_see(session, person: Person, req: ApprovalRequest) -> bool:
    """His own request, while he answers for it (not once he moved out of its unit), or one of his part of the tree."""
    his_own = person.id == req.applicant_id and not req.applicant_left
    return his_own or req.unit_id in org.visible_unit_ids(session, person)


def find(ctx: Context, usage: str, among: Callable[[Context], list[ApprovalRequest]] | None = None,
         none: str = "") -> ApprovalRequest | None:
    """The request named in the arguments, if the asker may see it; otherwise says why. With no number, the only
    request `among` gives (none: says `none`; several: lists them to pick one by number)."""
    from handlers.approvals_decide import number_and_rest
    parsed = number_and_rest(ctx.args)
    if parsed is None and among is not None:
        fitting = among(ctx)
        if len(fitting) == 1:
            return chain.lock(ctx.session, fitting[0].id)
        if not fitting:
            ctx.reply(none)
            return None
        lines = [f"有{len(fitting)}件申请，请写明编号，例如「{usage} {fitting[0].id}」："]
        ctx.reply("\n".join(lines + [f"· 第{r.id}号 {r.title} — {r.status}" for r in fitting]))
        return None
    where = "申请列表" if ctx.person.is_bureau_user else "我的申请"  # (a bureau's own requests are few)
    if parsed is None:
        ctx.reply(f"请写明申请编号，例如「{usage} 12」。回复「{where}」查看编号。")
        return None
    req = chain.lock(ctx.session, parsed[0])
    if req is None or not can_see(ctx.session, ctx.person, req):
        ctx.reply(f"没有找到您可以查看的第{parsed[0]}号申请。回复「{where}」查看编号。")
        return None
    return req


# what 「撤回」 may be followed by that is not a request: the answer to each (「撤回说明」 picked the unit's one
# withdrawable request — a drafted 注销 — and asked to confirm withdrawing it)
NOT_A_REQUEST = (
    ("说明", "已提交的跟进事项说明不能撤回；要补充或更正，请回复「说明 编号 补充内容」，会附在原说明之后交给主管单位。"),
    ("整改", "已提交的整改情况不能撤回；需要更正，请联系下发整改的主管单位，或回复「整改清单」查看进展。"),
    ("周报", "周报不用撤回：要更正请回复「修改周报」（本周和上周的可以修改）。"),
    ("同意", "审批人要收回自己的同意，请回复「收回 编号」。"),
)


def not_a_request(args: str) -> str | None:
    """「撤回说明」, 「撤回整改情况」: what 撤回 cannot withdraw, said as such; None when the words may name a request."""
    if not args or re.search(r"\d|申请|草稿", args):
        return None
    for word, answer in NOT_A_REQUEST:
        if word in args:
            return f"「撤回」用于撤回审批申请（如「撤回 12」）。{answer}"
    return None


def own_requests(ctx: Context) -> list[ApprovalRequest]:
    """The asker's own requests and the drafts waiting for his unit, oldest first."""
    own = ctx.session.scalars(select(ApprovalRequest).where(answered_for(ctx.session, ctx.person),
                                                            ApprovalRequest.status != DRAFT))
    return sorted({*own, *unit_drafts(ctx.session, ctx.person)}, key=lambda r: r.id)


def withdrawable(ctx: Context) -> list[ApprovalRequest]:
    return [r for r in own_requests(ctx) if r.is_pending or r.status in (RETURNED, DRAFT)]


def amendable(ctx: Context) -> list[ApprovalRequest]:
    return [r for r in own_requests(ctx) if r.status in (RETURNED, DRAFT)]


def urgeable(ctx: Context) -> list[ApprovalRequest]:
    return [r for r in own_requests(ctx) if r.is_pending]


def unfiled(ctx: Context) -> list[ApprovalRequest]:
    """Approved requests of the units the asker sees whose registry filing (第11条) is not yet done."""
    ids = org.visible_unit_ids(ctx.session, ctx.person)
    return list(ctx.session.scalars(
        select(ApprovalRequest).join(RegistryFiling, RegistryFiling.request_id == ApprovalRequest.id)
        .where(ApprovalRequest.unit_id.in_(ids), RegistryFiling.filed_at.is_(None)).order_by(ApprovalRequest.id)))


def named_number(ctx: Context) -> bool:
    from handlers.approvals_decide import number_and_rest
    return number_and_rest(ctx.args) is not None


def filing_line(ctx: Context, req: ApprovalRequest) -> str:
    filing = after.open_filing(ctx.session, req.id)
    if filing is None:
        return ""
    if filing.filed_at is not None:
        return f"\n全国系统报送：已报送（{clock.localize(filing.filed_at):%Y-%m-%d}），{evidence(filing)}"
    return (f"\n全国系统报送：待报送（第11条），{after.due_text(filing.deadline, clock.today(), ctx.session)}。"
            f"完成后回复「已报送 {req.id}」")


def to_decide_line(ctx: Context) -> str:
    """For an approver asking 我的申请 (which lists what he filed): the requests waiting for his decision."""
    from handlers.approvals_decide import APPROVER_ROLES
    if not ctx.person.has_role(*APPROVER_ROLES):
        return ""
    waiting = chain.pending_for(ctx.session, ctx.person)
    return f"另有{len(waiting)}件申请等待您审批，回复「待办」查看。" if waiting else ""


def with_filings(ctx: Context, requests) -> list[tuple[ApprovalRequest, RegistryFiling | None]]:
    """The requests a `select(ApprovalRequest)…` reads, each with its registry filing (第11条) or None, in one
    statement: a list asked for on the callback path does not look each filing up on its own."""
    return list(ctx.session.execute(requests.add_columns(RegistryFiling).outerjoin(
        RegistryFiling, RegistryFiling.request_id == ApprovalRequest.id)).all())


def where(req: ApprovalRequest, filing: RegistryFiling | None) -> str:
    """A request's status in 我的申请, with what the applicant can do about it now (`filing`: its 第11条 filing)."""
    from handlers.approvals_decide import waited_text
    if req.is_pending:
        return f"{req.status}（已等{waited_text(req)}，回复「催办 {req.id}」可提醒审批人）"
    if req.status == RETURNED:
        return f"{req.status}，回复「修改 {req.id}」修改后重新提交"
    if req.status == APPROVED and filing is not None and filing.filed_at is None:
        return f"{req.status}，待报送全国系统，完成后回复「已报送 {req.id}」"
    return req.status


def register(router: Router) -> None:
    @router.command("我的申请", "申请记录", "申请进度", "审批进度", "我提交的申请", "进度", help="查看我提交的申请及进度",
                    questions=True)
    def mine(ctx: Context):
        rows = with_filings(ctx, select(ApprovalRequest).where(answered_for(ctx.session, ctx.person),
                                                               ApprovalRequest.status != DRAFT)
                            .order_by(ApprovalRequest.id.desc()).limit(20))
        drafts = unit_drafts(ctx.session, ctx.person)
        left = takeover.left_behind(ctx.session, ctx.person)
        todo = to_decide_line(ctx)
        if not rows and not drafts and not left:
            start = "「变更 账号」「注销 账号」" if rules.opening_withheld(ctx.sender) else "「开设」「变更 账号」「注销 账号」"
            ctx.reply(f"您还没有提交过申请。回复{start}开始。" + (f"\n{todo}" if todo else ""))
            return END
        lines = []
        if drafts:
            lines.append("待本单位完成的申请草稿（停更认定或责令关闭后由助手起草）：")
            lines += [f"· 第{r.id}号 {r.title} — {r.status}，回复「修改 {r.id}」核对提交，「撤回 {r.id}」撤回"
                      for r in drafts]
        if left:
            lines.append("申请人已停用或调离、由本单位接手的申请：")
            lines += [f"· 第{r.id}号 {r.title} — {r.status}（申请人{r.applicant.name}{r.applicant_gone}），{takeover.hint(r)}"
                      for r in left]
        if rows:
            lines.append("您的申请（最近20件）：")
            lines += [f"· 第{r.id}号 {r.title} — {where(r, filing)}" for r, filing in rows]
        lines.append("回复「查看 编号」看详情。")
        ctx.reply("\n".join([*lines, todo] if todo else lines))
        return END

    @router.pattern(HOW_LONG_ASKED)
    @dialogue_only
    def how_long_asked(ctx: Context):
        ctx.reply("审批没有固定天数，取决于各环节审批人处理的快慢。" + text.FLOW_HELP
                  + "\n回复「我的申请」查看您的申请到了哪一步、已等几个工作日。")
        return END

    @router.pattern(PROGRESS_ASKED)
    def progress_asked(ctx: Context):
        """「申请到哪了」, 「为什么还没批」: 我的申请, which says how long each has waited and how to urge it."""
        ctx.args = ""
        return mine(ctx)

    @router.command("查看", "查看申请", help="查看一件申请的审批表和审批记录（如「查看 12」）")
    def show(ctx: Context):
        if not ctx.args:  # 「查看申请」 with no number: the list to pick one from
            return mine(ctx)
        item = re.fullmatch(r"整改(?:事项)?\s*(\d+)", ctx.args.strip())
        if item:  # 「查看整改 3」: the rectification item, not request 3
            ctx.args = item[1]
            return router.find_command("整改清单")[0].handler(ctx)
        req = find(ctx, "查看")
        if req is not None:
            draft = (f"\n这是助手起草、尚未提交的草稿：回复「修改 {req.id}」核对后提交，「撤回 {req.id}」撤回。"
                     if req.status == DRAFT else "")
            ctx.reply(text.describe(req) + filing_line(ctx, req) + draft)
        return END

    router.conversation("withdraw", title="撤回申请")

    @router.command("撤回", "撤销申请", "撤销", help="撤回审批中的申请或草稿（如「撤回 12」）")
    def withdraw(ctx: Context):
        from handlers.approvals_decide import APPROVER_ROLES
        if (other := not_a_request(ctx.args)) is not None:
            ctx.reply(other)
            return END
        approver = "审批人要收回自己的同意，请回复「收回 编号」。" if ctx.person.has_role(*APPROVER_ROLES) else ""
        req = find(ctx, "撤回", withdrawable, "您没有可以撤回的申请（审批中、被退回的申请和助手起草的草稿可以撤回）。"
                   + approver)
        if req is None:
            return END
        if not named_number(ctx):  # 「撤回」 alone: the one that fits, confirmed first
            ctx.reply(text.describe(req, with_history=False))
            ctx.data = {"request_id": req.id}
            return "withdraw.confirm"
        return withdraw_named(ctx, req)

    @router.state("withdraw.confirm", prompt=lambda ctx: f"确认撤回第{ctx.data['request_id']}号申请吗？"
                                                          "回复「确认」撤回，回复「取消」不撤回。")
    def withdraw_confirmed(ctx: Context):
        number = ctx.data["request_id"]
        if choices.confirmed(ctx, "撤回", f"没有撤回，第{number}号申请保持原样。"):
            req = chain.lock(ctx.session, number)
            ctx.args = str(number)
            return withdraw_named(ctx, req) if req is not None else END
        return END

    def withdraw_named(ctx: Context, req: ApprovalRequest):
        if req.status == DRAFT:
            refusal = rules.filing_refusal(ctx.session, ctx.person, req.unit)
            if refusal:
                ctx.reply(f"第{req.id}号是{req.unit.name}的申请草稿。{refusal}")
            else:
                chain.withdraw(ctx.session, req, ctx.person, ctx.inbound.dedupe_key)
                ctx.reply(f"已撤回第{req.id}号申请草稿。")
        elif not (req.is_pending or req.status == RETURNED):
            ctx.reply(f"第{req.id}号申请当前是「{req.status}」，不能撤回。")
        elif refused := takeover.refusal(ctx.session, ctx.person, req, "撤回"):
            agreed = any(d.decider_id == ctx.person.id and d.decision == AGREE for d in req.decisions)
            ctx.reply(refused + (f"您要收回自己的同意，请回复「收回 {req.id}」。" if agreed else ""))
        else:
            withdraw_request(ctx, req)
        return END

    @router.command("修改", "修改申请", help="修改被退回的申请或核对助手起草的草稿后提交（如「修改 12」）")
    def amend(ctx: Context):
        req = find(ctx, "修改", amendable, "您没有被退回的申请或待核对的草稿，不需要修改。"
                                         "回复「我的申请」查看申请进度。")
        if req is None:
            return END
        if req.status == DRAFT:
            refusal = rules.filing_refusal(ctx.session, ctx.person, req.unit)
            if refusal:
                ctx.reply(f"第{req.id}号是{req.unit.name}的申请草稿。{refusal}")
                return END
            pending = open_request_for_account(ctx.session, req.account_id)
            if pending is not None:
                ctx.reply(f"账号「{req.form.get('name', '')}」已有一件在办的申请（第{pending.id}号，{pending.status}），"
                          f"请等它办结后再提交第{req.id}号草稿。")
                return END
        elif req.status != RETURNED:
            ctx.reply(f"只有被退回的申请可以由申请人修改，第{req.id}号申请当前是「{req.status}」。")
            return END
        elif refused := takeover.refusal(ctx.session, ctx.person, req, "修改"):
            ctx.reply(refused)
            return END
        returned = [d for d in req.decisions if d.round == req.round and d.opinion]
        if returned:
            ctx.reply(f"退回意见：{returned[-1].opinion}")
        if req.kind == OPEN:
            from handlers import approvals_open
            ctx.data = approvals_open.load(req)
            return "open.confirm"
        from handlers import approvals_change
        ctx.data = approvals_change.load(req)
        return approvals_change.confirm_state(req.kind)

    @router.command("导出", "导出审批表", help="把审批表（Word）发给我（如「导出 12」）")
    def export(ctx: Context):
        if not ctx.args.strip():
            ctx.reply("导出审批表请写明申请编号，例如「导出 12」（回复「我的申请」查看编号）；"
                      "导出账号台账请回复「导出台账」。")
            return END
        elsewhere = next((hint for word, hint in EXPORT_ELSEWHERE if word in ctx.args), None)
        if elsewhere and not named_number(ctx):  # 「导出本月周报」: not an approval form
            ctx.reply(elsewhere)
            return END
        req = find(ctx, "导出")
        if req is not None:
            after.send_form(ctx.session, req, [ctx.person])
            ctx.reply(f"第{req.id}号审批表已生成，请查收文件。")
        return END

    @router.command("已报送", "报送完成", help="全国政务新媒体信息报送系统已报送（如「已报送 12」）",
                    detail="申请审批通过后，须在3个工作日内到全国政务新媒体信息报送系统办理（第11条），办完回复「已报送 编号」，"
                           "随后可发送系统截图留存。只有一件待报送时可以不写编号，也可以说「系统里改好了」。")
    def filed(ctx: Context):
        numbers = listed_numbers(ctx.args)
        if len(numbers) > 1:  # 「已报送 2、3」: every one of them (only the first was recorded, without a word)
            results = [file_numbered(ctx, number) for number in numbers]
            later = "\n如需留存报送截图，请回复「补截图」逐件发送。" if any(done for done, _ in results) else ""
            ctx.reply("\n".join(line for _, line in results) + later)
            return END
        req = find(ctx, "已报送", unfiled, "没有待报送全国政务新媒体信息报送系统的申请。")
        if req is None:
            return END
        done, line = record_filing(ctx, req)
        if done:
            line += f"\n如需留存报送截图，请在{SCREENSHOT_MINUTES}分钟内直接发送图片；之后要补发，请回复「补截图」。"
        ctx.reply(line)
        return END

    @router.pattern(FILED_SAID)
    def filed_said(ctx: Context):
        ctx.args = ""
        return filed(ctx)


def listed_numbers(args: str) -> list[int]:
    """The request numbers of 「2、3」, 「第2号和第3号」, 「2，3，5」 (two or more); else []."""
    if not LISTED_NUMBERS.fullmatch(args.strip()):
        return []
    return list(dict.fromkeys(int(n) for n in re.findall(r"\d+", args)))


def file_numbered(ctx: Context, number: int) -> tuple[bool, str]:
    req = chain.lock(ctx.session, number)
    if req is None or not can_see(ctx.session, ctx.person, req):
        return False, f"没有找到您可以查看的第{number}号申请。"
    return record_filing(ctx, req)


def record_filing(ctx: Context, req: ApprovalRequest) -> tuple[bool, str]:
    """Records the registry filing (第11条) of an approved request: (recorded now, the sentence saying so or why not)."""
    filing = after.open_filing(ctx.session, req.id)
    if filing is None:
        return False, f"第{req.id}号申请还没有审批通过，无需报送。"
    if filing.filed_at is not None:
        by = org.shown_name(org.names_of(ctx.session, {filing.filed_by}), filing.filed_by)
        return False, f"第{req.id}号申请已于{clock.localize(filing.filed_at):%Y-%m-%d}由{by}登记为已报送，无需再报。"
    after.mark_filed(ctx.session, filing, ctx.person)
    ctx.audit("registry.filed", "registry_filing", filing.id, after={"request_id": req.id})
    return True, f"已记录：第{req.id}号申请已在全国政务新媒体信息报送系统报送。" + _late_filing_item(ctx, req)


def _late_filing_item(ctx: Context, req: ApprovalRequest) -> str:
    """The bulletin's item for filings not made in time (第11条) is not closed by 已报送: the unit answers it, and the
    bureau checks — said here, where the filing is done, with the words that answer it."""
    from models.rectification import TO_FIX, Rectification
    item = ctx.session.scalar(select(Rectification).where(
        Rectification.unit_id == req.unit_id, Rectification.status.in_(TO_FIX),
        Rectification.problem.contains("审批后未在3个工作日内报送")).order_by(Rectification.id).limit(1))
    if item is None:
        return ""
    return (f"\n本单位的整改事项 {item.id}（审批后未按时报送全国系统）不会因此自动办结：报送完成后请回复"
            f"「已整改 {item.id} 已于{clock.today().month}月{clock.today().day}日在全国系统补报」，由县政数局审核。")


def withdraw_request(ctx: Context, req: ApprovalRequest) -> None:
    """撤回 by the applicant, or for an applicant who has left by the unit or bureau (a bureau user gives a reason:
    the unit hears it)."""
    if ctx.person.id == req.applicant_id:
        chain.withdraw(ctx.session, req, ctx.person, ctx.inbound.dedupe_key)
        ctx.reply(f"已撤回第{req.id}号申请。")
        return
    from handlers.approvals_decide import number_and_rest
    why = number_and_rest(ctx.args)[1] or None
    if why is None and takeover.is_outsider(ctx.person, req):
        ctx.reply(f"第{req.id}号申请的申请人{req.applicant.name}{req.applicant_gone}。主管单位撤回单位的申请请写明原因，单位会收到，"
                  f"例如「撤回 {req.id} 申请人已调离，单位暂不开设」。")
        return
    chain.withdraw(ctx.session, req, ctx.person, ctx.inbound.dedupe_key, why)
    told = takeover.tell_unit_withdrawn(ctx.session, req, ctx.person, why)
    whom = f"已通知{'、'.join(p.name for p in told)}。" if told else f"{req.unit.name}已没有其他在职人员可以通知。"
    ctx.reply(f"已撤回第{req.id}号申请（申请人{req.applicant.name}{req.applicant_gone}），{whom}")


def _attach_screenshot(ctx: Context, filing: RegistryFiling) -> None:
    ctx.audit("registry.screenshot", "registry_filing", filing.id,
              after={"request_id": filing.request_id, "screenshot_id": filing.screenshot_id})
    ctx.reply(f"截图已保存在第{filing.request_id}号申请的报送记录中，谢谢。")


SCREENSHOTS = Kind("registry", RegistryFiling.filed_by, RegistryFiling.filed_at, RegistryFiling.screenshot_media_id,
                   RegistryFiling.screenshot_id, _attach_screenshot,
                   label=lambda filing: f"第{filing.request_id}号申请的报送记录",
                   detail=lambda filing: filing.request.title)
