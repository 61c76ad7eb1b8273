"""Dormancy follow-up cases (跟进事项): the unit explains (说明 N), the bureau accepts or rejects."""
from __future__ import annotations

from bot import clock, outbox
from bot.router import END, Context, Router
from handlers.approvals_oversight import cancel_hint, request_note, withdraw_draft_of
from handlers.oversight_util import (by_number, parse_ref, text_then_confirm, the_only_awaiting, unit_in_scope,
                                     verdict_then_confirm)
from models import org
from models.oversight import (CASE_ACCEPTED, CASE_EXPLAINED, CASE_OPEN, DormancyCase, bureau_admins, cases_of_units,
                              unit_heads)
from models.org import BUREAU_ADMIN, BUREAU_REVIEWER, STAFF, UNIT_HEAD

BUREAU = {BUREAU_ADMIN, BUREAU_REVIEWER}


# A follow-up answered in the clerk's words: the account is kept (「这个号还在用，…」, 「我们不注销」)
KEPT_SAID = (r"(?:我们?|本单位)?(?:的)?(?:这个|那个)?(?:号|账号|帐号|公众号|抖音号|微博)?(?:还在|仍在|一直在)(?:用|使用|更新|运营)"
             r"|(?:我们?|本单位)?(?:不|不想|不能|暂不|不打算|不需要)(?:注销|关停|关闭)"
             r"|(?:账号|这个号)?(?:已经?|都)?恢复(?:了)?更新")


def _to_confirm(ctx: Context, text: str) -> str:
    """The reason given with 说明 (「说明 3 账号已恢复更新…」) or in a sentence: shown for 确认 before it goes to the
    bureau; 上一步 goes back to the question that asks for it, to write it again."""
    ctx.answered = ("explain.text", dict(ctx.data))
    ctx.data["text"] = text
    return "explain.confirm"


def register(router: Router) -> None:
    router.conversation("explain", title="跟进事项说明", summary=lambda d: f"跟进事项 {d.get('number')}",
                        kept_on_cancel=True)  # (a reason written out at length is not lost to one word)

    @router.command("说明", roles={STAFF, UNIT_HEAD}, help="对停更认定或责令关闭的跟进事项作出说明",
                    detail="用法：说明 编号 理由\n例如「说明 3 账号已恢复更新，今后由专人每周发布」。"
                           "编号见停更认定通知。县政数局审核后会通知您结果。")
    def explain(ctx: Context):
        number, text = parse_ref(ctx.args)
        if number is None:  # the unit's only pending case is meant; with several, the clerk is shown them
            number = _only_pending_case(ctx)
            if number is None:
                return None
        case = _case(ctx, number, "说明 编号 理由")
        if case is None:
            return None
        if case.status not in (CASE_OPEN, CASE_EXPLAINED):
            ctx.reply(f"跟进事项 {case.id} 当前状态为「{case.status}」，无需再作说明。")
            return None
        ctx.data = {"number": case.id, "what": f"跟进事项 {case.id} ", "label": f"{case.account_label}，{case.source}"}
        if case.status == CASE_EXPLAINED:
            ctx.reply(_kept_note(case))
        if len(text) < 5:  # asked for, then confirmed, rather than the whole command typed again
            return "explain.text"
        return _to_confirm(ctx, text)

    @router.pattern(KEPT_SAID, roles={STAFF, UNIT_HEAD}, refused_as="说明")
    def explain_said(ctx: Context):
        """「这个号还在用，已恢复更新」, 「我们不注销」: 说明 for the unit's only pending case — the sentence is the
        reason when it says enough (always confirmed first), else the reason is asked for."""
        number = _only_pending_case(ctx)
        case = _case(ctx, number, "说明 编号 理由") if number is not None else None
        if case is None:
            return None
        ctx.data = {"number": case.id, "what": f"跟进事项 {case.id} ", "label": f"{case.account_label}，{case.source}"}
        if case.status == CASE_EXPLAINED:
            ctx.reply(_kept_note(case))
        said = ctx.text.strip()
        if len(said) < 8:  # 「不注销」 alone is no reason yet
            return "explain.text"
        return _to_confirm(ctx, said)

    def submit_later(ctx: Context, number: int, text: str) -> None:
        case = ctx.session.get(DormancyCase, number)
        if case.status not in (CASE_OPEN, CASE_EXPLAINED):  # decided meanwhile
            ctx.reply(f"跟进事项 {case.id} 当前状态为「{case.status}」，无需再作说明。")
        else:
            _submit_explanation(ctx, case, text)

    text_then_confirm(router, "explain", command="说明", noun="说明", minimum=5, ask=lambda ctx: (
        f"跟进事项 {ctx.data['number']}（{ctx.data['label']}）：请写明理由，例如「账号已恢复更新，今后由专人每周发布」："),
        hint="说明会交县政数局审核，请写明理由（至少5个字）。", submit=submit_later)

    def _submit_explanation(ctx: Context, case: DormancyCase, text: str) -> None:
        before = {"status": case.status}
        added = case.status == CASE_EXPLAINED and bool(case.explanation)
        if added:  # the explanation awaiting review is kept: this one is added to it, not put in its place
            text = f"{case.explanation}\n（补充，{ctx.person.name} {clock.localize(ctx.now):%m-%d %H:%M}）{text}"
        case.status, case.explanation = CASE_EXPLAINED, text
        case.explained_by, case.explained_at = ctx.userid, ctx.now
        case.decided_by = case.decided_at = case.decision_note = None
        ctx.audit("dormancy_case.explain", "dormancy_case", case.id, before, {"status": case.status})
        outbox.push_text(ctx.session, bureau_admins(ctx.session, case.unit),
                         f"【跟进事项 {case.id} {'补充说明' if added else '说明'}】{case.unit.name}"
                         f"（{case.account_label}，{case.source}）：\n{text}\n"
                         f"——{ctx.person.name}\n回复「接受说明 {case.id}」或「驳回说明 {case.id} 原因」。")
        ctx.reply(f"已把补充说明加在跟进事项 {case.id} 原来的说明后面，县政数局审核后会通知您。" if added
                  else f"已提交跟进事项 {case.id} 的说明，县政数局审核后会通知您。")

    @router.command("跟进事项", "停更跟进", questions=True, help="查看停更认定、责令关闭后的跟进事项",
                    detail="「跟进事项」列出待处理的事项；「跟进事项 全部」包括已办结的。")
    def listing(ctx: Context):
        ctx.reply(_listing(ctx))
        return None

    @router.command("接受说明", roles=BUREAU, help="接受单位对跟进事项的说明",
                    detail="用法：接受说明 编号 [备注]，例如「接受说明 3」。")
    def accept(ctx: Context):
        number, note = parse_ref(ctx.args)
        if number is None:  # the one explanation awaiting review in the asker's scope, shown and confirmed first
            return _confirm_only_explained(ctx, "accept", note)
        case = _case(ctx, number, "接受说明 编号")
        if case is None or not _explained(ctx, case):
            return None
        return _accept(ctx, case, note)

    def _accept(ctx: Context, case: DormancyCase, note: str):
        _decide(ctx, case, CASE_ACCEPTED, note)
        withdraw_draft_of(ctx.session, case, ctx.userid)
        _tell_unit(ctx, case, f"【跟进事项 {case.id}】县政数局已接受您单位关于「{case.account_label}」的说明。"
                              + (f"\n备注：{note}" if note else ""))
        ctx.reply(f"已接受跟进事项 {case.id} 的说明，已通知{case.unit.name}。")
        return END

    @router.command("驳回说明", roles=BUREAU, help="驳回单位对跟进事项的说明",
                    detail="用法：驳回说明 编号 原因，例如「驳回说明 3 近一个月仍未更新」。")
    def reject(ctx: Context):
        number, reason = parse_ref(ctx.args)
        if number is None:
            if len(reason) < 2:
                ctx.reply("请写明驳回原因，例如「驳回说明 近一个月仍未更新」（有几项待审核时带上编号）。")
                return None
            return _confirm_only_explained(ctx, "reject", reason)
        case = _case(ctx, number, "驳回说明 编号 原因")
        if case is None or not _explained(ctx, case):
            return None
        if len(reason) < 2:
            ctx.reply(f"请写明驳回原因，例如「驳回说明 {case.id} 近一个月仍未更新」。")
            return None
        return _reject(ctx, case, reason)

    def _reject(ctx: Context, case: DormancyCase, reason: str):
        _decide(ctx, case, CASE_OPEN, reason)
        _tell_unit(ctx, case, f"【跟进事项 {case.id}】县政数局未接受您单位关于「{case.account_label}」的说明。\n"
                              f"原因：{reason}\n请{cancel_hint(ctx.session, case)}，或回复「说明 {case.id} 理由…」重新说明。")
        ctx.reply(f"已驳回跟进事项 {case.id} 的说明，已通知{case.unit.name}。")
        return END

    def _confirm_only_explained(ctx: Context, verdict: str, words: str):
        cases = cases_of_units(ctx.session, org.visible_unit_ids(ctx.session, ctx.person), pending_only=True)
        case = the_only_awaiting(
            ctx, [c for c in cases if c.status == CASE_EXPLAINED], "接受说明" if verdict == "accept" else "驳回说明",
            lambda c: f"{c.id}. [{c.status}] {c.unit.name}｜{c.account_label}｜{c.source}\n说明：{c.explanation}",
            "没有等待审核的说明。回复「跟进事项」查看跟进事项。", "说明")
        if case is None:
            return None
        ctx.data = {"number": case.id, "verdict": verdict, "words": words}
        return "explain_review.verdict"

    def still_explained(ctx: Context, number: int) -> DormancyCase | None:
        case = _case(ctx, number, "接受说明 编号")
        return case if case is not None and _explained(ctx, case) else None

    router.conversation("explain_review", title="审核跟进事项说明", summary=lambda d: f"跟进事项 {d.get('number')}")
    verdict_then_confirm(router, "explain_review.verdict", noun="跟进事项", again=still_explained,
                         verdicts={"accept": ("接受跟进事项 {n} 的说明", _accept), "reject": ("驳回跟进事项 {n} 的说明", _reject)})


def _listing(ctx: Context) -> str:
    unit_ids = org.visible_unit_ids(ctx.session, ctx.person)
    cases = cases_of_units(ctx.session, unit_ids, pending_only="全部" not in ctx.args)
    if not cases:
        return "没有待处理的跟进事项。"
    bureau = ctx.person.is_bureau_user
    lines = [f"跟进事项（{len(cases)}项）："]
    lines += [f"{c.id}. [{c.status}] {c.unit.name + '｜' if bureau else ''}{c.account_label}｜{c.source}"
              + request_note(ctx.session, c) for c in cases]
    lines.append("县政数局回复「接受说明 编号」或「驳回说明 编号 原因」审核说明。" if bureau
                 else "请申请注销相应账号，或回复「说明 编号 理由」作出说明。")
    return "\n".join(lines)


def _kept_note(case: DormancyCase) -> str:
    return (f"（跟进事项 {case.id} 已有说明在等待县政数局审核：「{case.explanation}」。"
            "这次写的作为补充说明加在后面，原来的说明保留。）")


def _only_pending_case(ctx: Context) -> int | None:
    """「说明」 without a number: the one case of the sender's unit waiting for a word, or None after saying why not."""
    cases = cases_of_units(ctx.session, org.visible_unit_ids(ctx.session, ctx.person), pending_only=True)
    cases = [c for c in cases if c.status in (CASE_OPEN, CASE_EXPLAINED)]
    if len(cases) == 1:
        return cases[0].id
    if not cases:
        ctx.reply("本单位现在没有需要说明的跟进事项。回复「跟进事项 全部」查看以往的。")
        return None
    ctx.reply("\n".join([f"本单位有{len(cases)}项跟进事项，请带上编号，例如「说明 {cases[0].id} 理由」：",
                         *(f"{c.id}. [{c.status}] {c.account_label}｜{c.source}" for c in cases)]))
    return None


def _case(ctx: Context, number: int | None, usage: str) -> DormancyCase | None:
    if number is None:
        ctx.reply(f"请带上跟进事项编号，用法：{usage}。编号见停更认定或责令关闭的通知，也可用「单位记录」查看。")
        return None
    case = by_number(ctx.session, DormancyCase, number)
    if case is None or not unit_in_scope(ctx, case.unit_id):
        ctx.reply(f"没有找到您可以处理的跟进事项 {number}，请核对编号（可用「单位记录」查看）。")
        return None
    return case


def _explained(ctx: Context, case: DormancyCase) -> bool:
    if case.status != CASE_EXPLAINED:
        ctx.reply(f"跟进事项 {case.id} 当前状态为「{case.status}」，没有待审核的说明。")
        return False
    return True


def _decide(ctx: Context, case: DormancyCase, status: str, note: str) -> None:
    before = {"status": case.status}
    case.status, case.decided_by, case.decided_at, case.decision_note = status, ctx.userid, ctx.now, note or None
    ctx.audit("dormancy_case.decide", "dormancy_case", case.id, before, {"status": status, "note": note})


def _tell_unit(ctx: Context, case: DormancyCase, text: str) -> None:
    from models.org import find_person
    people = unit_heads(ctx.session, case.unit_id)
    explainer = find_person(ctx.session, case.explained_by) if case.explained_by else None
    outbox.push_text(ctx.session, ([explainer] if explainer else []) + people, text)
