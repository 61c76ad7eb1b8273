"""摘要: today's daily digest for a bureau admin; 摘要 关闭|开启 turns the pushed one off or on for themself."""
from __future__ import annotations

import re

from bot import clock, phrasing
from bot.router import Context, Router, dialogue_only
from models.org import BUREAU_ADMIN

# 「每天几点发摘要」, 「摘要改到下午发」: when it comes, and that it is the same for everyone
TIME_ASKED = re.compile(r"几点|什么时候|啥时候|时间|改到|改成|换到|推迟|提前|早上|上午|下午|晚上")
WHEN = ("每日摘要在工作日上午9:30统一发送（没有需要关注的事项时不发送），不能单独改时间；"
        "随时回复「摘要」可以看到今天到现在的内容，「摘要 关闭」停止接收。")
DIGEST_TIME = r"(?:每天|每日)?(?:几点|什么时候|啥时候)(?:发|推送|收到)?(?:每日)?摘要[？?。]*$"


def register(router: Router) -> None:
    @router.pattern(DIGEST_TIME, roles={BUREAU_ADMIN}, refused_as="摘要")
    @dialogue_only
    def digest_time(ctx: Context):
        ctx.reply(WHEN)

    @router.command("摘要", "每日摘要", roles={BUREAU_ADMIN}, questions=True, help="查看今天的每日摘要，或开启、关闭每日摘要",
                    detail="「摘要」看设置和今天到现在的摘要；「摘要 关闭」停止接收每日摘要，「摘要 开启」恢复。"
                           "工作日上午9:30发送，没有需要关注的事项时不发送。")
    def digest(ctx: Context):
        choice = ctx.args.strip()
        person = ctx.person
        if choice in ("关闭", "关", "停止", "退订"):
            if not person.digest_opt_out:
                person.digest_opt_out = True
                ctx.audit("digest.opt_out", "person", person.id, {"digest_opt_out": False}, {"digest_opt_out": True})
            ctx.reply("已关闭每日摘要。回复「摘要 开启」可恢复。")
        elif choice in ("开启", "开", "打开", "恢复"):
            if person.digest_opt_out:
                person.digest_opt_out = False
                ctx.audit("digest.opt_in", "person", person.id, {"digest_opt_out": True}, {"digest_opt_out": False})
            ctx.reply("已开启每日摘要：工作日上午9:30发送，没有需要关注的事项时不发送。")
        elif TIME_ASKED.search(choice):  # 「摘要 改到下午」, 「摘要几点发」
            ctx.reply(WHEN)
        else:
            state = "已关闭" if person.digest_opt_out else "已开启（工作日上午9:30发送）"
            asked = phrasing.asks_about(choice)  # 「摘要开了吗」: the answer is the setting itself
            unclear = f"没能看懂「{choice[:20]}」，设置没有改变。" if choice and not asked else ""
            ctx.reply(f"{unclear}您的每日摘要目前{state}。回复「摘要 关闭」或「摘要 开启」。")
            if not choice:  # and what it holds today (it showed only the switch)
                from jobs.digest import compose
                text = compose(ctx.session, person, clock.today())
                ctx.reply(text.rsplit("\n", 1)[0] if text else "今天到现在没有需要关注的事项。")
        return None
