"""摘要: today's daily digest for a bureau admin; 摘要 关闭|开启 turns the pushed one off or on for themself."""
from __future__ import annotations

from bot import clock
from bot.router import Context, Router
from models.org import BUREAU_ADMIN


def register(router: Router) -> None:
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
        else:
            state = "已关闭" if person.digest_opt_out else "已开启"
            unclear = f"没能看懂「{choice[:20]}」，设置没有改变。" if choice else ""
            ctx.reply(f"{unclear}您的每日摘要目前{state}。回复「摘要 关闭」或「摘要 开启」。")
            if not choice:  # and what it holds today (it showed only the switch)
                from jobs.digest import compose
                text = compose(ctx.session, person, clock.today())
                ctx.reply(text.rsplit("\n", 1)[0] if text else "今天到现在没有需要关注的事项。")
        return None
