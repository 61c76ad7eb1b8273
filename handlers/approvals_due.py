"""By when the national registry filing is due (第11条), asked in a clerk's words: 「报送截止是哪天」,
「全国系统什么时候报送」. Answered with the unit's approved requests still to file, each with its deadline."""
from __future__ import annotations

from bot import clock
from bot.router import Context, Router
from handlers import approvals_after as after
from handlers.approvals_mine import unfiled

# 「报送截止是哪天」, 「全国系统报送期限是什么时候」, 「什么时候之前要报送」, 「报送还剩几天」
DUE_ASKED = (r"(?:全国系统|全国政务新媒体信息报送系统)?(?:的)?(?:报送|备案|登记)(?:的)?(?:截止|期限|最后一天|还剩|还有)"
             r"(?:日期|时间)?(?:是|到)?(?:哪天|哪一天|什么时候|啥时候|几号|几天|多久)?(?:呢|啊)?[？?。]*$"
             r"|(?:什么时候|啥时候|哪天|几号)(?:之前|以前)?(?:要|得|必须|需要)?(?:在全国系统)?(?:报送|备案)(?:呢|啊)?[？?。]*$")


def register(router: Router) -> None:
    @router.pattern(DUE_ASKED)
    def due_asked(ctx: Context):
        waiting = unfiled(ctx)
        if not waiting:
            ctx.reply("现在没有待报送全国政务新媒体信息报送系统的申请。申请审批通过后，须在3个工作日内（不含审批通过当天）"
                      "到全国系统办理（第11条），助手会写明截止日期并每个工作日提醒。")
            return None
        today = clock.today()
        lines = ["待报送全国政务新媒体信息报送系统的申请（第11条）："]
        for req in waiting:
            filing = after.open_filing(ctx.session, req.id)
            lines.append(f"· 第{req.id}号 {req.title}：{after.due_text(filing.deadline, today, ctx.session)}"
                         f" → 报送后回复「已报送 {req.id}」")
        ctx.reply("\n".join(lines))
        return None
