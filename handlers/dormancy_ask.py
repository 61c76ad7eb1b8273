"""A unit asking where its explanation (说明) of a follow-up case stands: 「我们的说明审核了吗」, 「说明批了吗」.
Answered with each case and what the bureau made of it — not with how to write one (the help of 说明)."""
from __future__ import annotations

from bot import clock
from bot.router import Context, Router
from models import org
from models.oversight import CASE_ACCEPTED, CASE_EXPLAINED, CASE_OPEN, DormancyCase, cases_of_units
from models.org import STAFF, UNIT_HEAD

# 「我们的说明审核了吗」, 「说明审核通过了没有」, 「说明批了吗」, 「我们交的说明怎么样了」, 「说明被驳回了吗」, 「说明交了吗」
REVIEW_ASKED = (r"(?:我们?|咱们?|本单位)?(?:单位)?(?:的|交的|提交的|写的|报的|发的)?(?:那个|那条)?(?:跟进事项的?)?说明"
                r"(?:县政数局|局里)?(?:被)?(?:审核|审|批|通过|接受|处理|看|驳回|退回|有结果|有回复|结果|怎么样|咋样|交|提交|报)"
                r"[^，,；;\d]{0,6}?"
                r"(?:吗|没有?|了|呢|样)[？?。！!]*$")
RECENT = 5  # the cases shown, newest first


def register(router: Router) -> None:
    @router.pattern(REVIEW_ASKED, roles={STAFF, UNIT_HEAD})
    def review_asked(ctx: Context):
        units = org.visible_unit_ids(ctx.session, ctx.person)
        cases = [c for c in cases_of_units(ctx.session, units, pending_only=False)
                 if c.status in (CASE_OPEN, CASE_EXPLAINED) or c.explanation]
        if not cases:
            ctx.reply("本单位没有需要说明的跟进事项，也没有提交过说明。回复「跟进事项 全部」查看以往的事项。")
            return None
        cases = sorted(cases, key=lambda c: c.id, reverse=True)[:RECENT]
        ctx.reply("\n".join(standing(case) for case in cases))
        return None


def standing(case: DormancyCase) -> str:
    """Where one case's explanation stands, and what the unit can do next."""
    head = f"跟进事项 {case.id}（{case.account_label}，{case.source}）："
    if case.status == CASE_EXPLAINED:
        return (head + f"说明（{_at(case.explained_at)}提交）正在等待县政数局审核，审核后会通知您。\n"
                f"说明：{case.explanation}")
    if case.status == CASE_OPEN and case.decided_at:
        return (head + f"县政数局于{_at(case.decided_at)}未接受说明，原因：{case.decision_note or '未写明'}。"
                f"请回复「说明 {case.id} 理由」重新说明，或申请注销。")
    if case.status == CASE_OPEN:
        return head + f"还没有作出说明。请回复「说明 {case.id} 理由」，或申请注销。"
    if case.status == CASE_ACCEPTED:
        note = f"（备注：{case.decision_note}）" if case.decision_note else ""
        return head + f"县政数局已于{_at(case.decided_at)}接受说明{note}，事项已办结。"
    return head + f"已办结（{case.status}）。"


def _at(moment) -> str:
    return f"{clock.localize(moment):%m-%d %H:%M}" if moment else ""
