"""A unit's questions about its rectification items (整改, 第29条), asked in its own words: by when
(「整改期限能延期吗」, 「整改要多久」), whether it was reviewed (「整改情况审核了吗」), and why it was sent back
(「为什么要重新整改」)."""
from __future__ import annotations

from bot import clock
from bot.router import Context, Router
from handlers.rectification import item_text
from models import org
from models.org import STAFF, UNIT_HEAD
from models.rectification import OPEN, PENDING, REOPENED, SUBMITTED, TO_FIX, describe, items_of_units

# 「整改期限能延期吗」, 「整改要多久」, 「整改什么时候截止」, 「整改能不能宽限几天」
DEADLINE_ASKED = (r"(?=.*整改)(?=.*(?:期限|截止|多久|多长时间|几天|什么时候|啥时候|哪天|延期|延长|推迟|宽限|来不及))"
                  r"(?!.*整改(?:好|完))[^，,。；;]{0,30}[？?。]*$")
# 「我们的整改情况审核了吗」, 「整改审核通过了没有」, 「整改情况有结果了吗」
REVIEW_ASKED = (r"(?:我们?|咱们?|本单位)?(?:单位)?(?:的|交的|提交的|报的)?整改(?:情况|说明|材料)?(?:县政数局|局里)?"
                r"(?:审核|审|批|通过|验收|有结果|有回复)[^，,；;\d]{0,6}?(?:吗|没有?|了|呢)[？?。！!]*$")
RECENT = 5  # the items shown to 「审核了吗」, newest first
# 「整改通知在哪看」, 「整改要求在哪里查」, 「去哪看整改事项」: the list of items (整改清单)
WHERE_ASKED = (r"(?:整改(?:通知|事项|要求|清单)?)(?:在|要|去|到)?(?:哪里?|哪儿)(?:能|可以)?(?:看|查|找)(?:到)?(?:呢|啊)?[？?。]*$"
               r"|(?:在|去|到)?(?:哪里?|哪儿)(?:能|可以)?(?:看|查|找)(?:到)?整改(?:通知|事项|要求|清单)?(?:呢|啊)?[？?。]*$")
# 「为什么要重新整改」, 「重新整改的原因是什么」, 「怎么又要整改」
REOPEN_ASKED = (r"(?:为什么|为啥|怎么|咋)(?:又|还)?(?:要|让|被|得)?(?:我们)?(?:重新|再次?)整改.{0,10}"
                r"|重新整改(?:的)?(?:原因|理由)(?:是)?(?:什么|啥)?.{0,6}")


def register(router: Router) -> None:
    @router.pattern(DEADLINE_ASKED, roles={STAFF, UNIT_HEAD})
    def deadline_asked(ctx: Context):
        items = _pending(ctx)
        if not items:
            ctx.reply("本单位现在没有未完成的整改事项。整改通知写明整改期限（默认5个工作日）；回复「整改清单 全部」查看以往的事项。")
            return None
        today = clock.today()
        to_fix = [item for item in items if item.status in TO_FIX]
        submitted = [describe(item, today, with_unit=False) for item in items if item.status not in TO_FIX]
        if not to_fix:  # all awaiting review: no deadline left to extend
            ctx.reply("\n".join(["本单位的整改事项都已提交整改情况、正在等待审核，不需要延期：", *submitted,
                                 "审核后会通知您；回复「查看整改 编号」看一项的全部经过。"]))
            return None
        lines = ["本单位未完成的整改事项和期限：", *(describe(item, today, with_unit=False) for item in to_fix),
                 "期限由下发整改通知的主管单位确定，助手里不能申请延期；确实需要延期的，请直接联系"
                 + "、".join(sorted({item.reviewer for item in to_fix})) + "说明情况。",
                 "整改完成后回复「已整改 编号 整改说明」，「查看整改 编号」看一项的全部经过。"]
        if submitted:  # (said apart: these need no extension)
            lines += ["已提交整改情况、正在等待审核（不需要延期）：", *submitted]
        ctx.reply("\n".join(lines))
        return None

    @router.pattern(REVIEW_ASKED, roles={STAFF, UNIT_HEAD})
    def review_asked(ctx: Context):
        """Where each item's 整改情况 stands — not the help of 整改情况 (the command's other name)."""
        units = org.visible_unit_ids(ctx.session, ctx.person)
        items = sorted(items_of_units(ctx.session, units, pending_only=False), key=lambda i: i.id, reverse=True)
        if not items:
            ctx.reply("本单位还没有整改事项。")
            return None
        today = clock.today()
        lines = ["本单位整改事项的审核情况（最近的在前）：", *(describe(item, today, with_unit=False) for item in items[:RECENT])]
        if any(item.status == SUBMITTED for item in items[:RECENT]):
            lines.append("「已提交」的整改情况正在等待" + "、".join(sorted({i.reviewer for i in items if i.status == SUBMITTED}))
                         + "审核，审核后会通知您。")
        if any(item.status == REOPENED for item in items[:RECENT]):
            lines.append("「重新整改」的是审核没有通过，回复「为什么要重新整改」看原因。")
        if any(item.status == OPEN for item in items[:RECENT]):
            lines.append("「待整改」的还没有提交整改情况，完成后回复「已整改 编号 整改说明」。")
        lines.append("回复「查看整改 编号」看一项的全部经过。")
        ctx.reply("\n".join(lines))
        return None

    @router.pattern(WHERE_ASKED, roles={STAFF, UNIT_HEAD})
    def where_asked(ctx: Context):
        """The list itself (整改清单), with how to see one item."""
        listing, _ = router.find_command("整改清单")
        ctx.args = ""
        listing.handler(ctx)
        ctx.reply("整改通知下发时会发到本单位人员的企业微信；以后随时回复「整改清单」查看，「查看整改 编号」看一项的全部经过。")
        return None

    @router.pattern(REOPEN_ASKED, roles={STAFF, UNIT_HEAD})
    def reopen_asked(ctx: Context):
        reopened = [item for item in _pending(ctx) if item.status == REOPENED]
        if not reopened:
            ctx.reply("本单位现在没有被要求重新整改的事项。回复「整改清单」查看未完成的整改事项。")
            return None
        ctx.reply("\n\n".join([*(item_text(ctx, item) for item in reopened),
                               "「审核：重新整改」后面是主管单位写的原因。整改后回复「已整改 编号 整改说明」重新提交。"]))
        return None


def _pending(ctx: Context) -> list:
    units = org.visible_unit_ids(ctx.session, ctx.person)
    return [item for item in items_of_units(ctx.session, units) if item.status in PENDING]
