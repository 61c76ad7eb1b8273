"""摘要 关闭|开启: a bureau admin turns the daily digest off or on for themself."""
from __future__ import annotations

from bot.router import Context, Router
from models.org import BUREAU_ADMIN


def register(router: Router) -> None:
    @router.command("摘要", "每日摘要", roles={BUREAU_ADMIN}, questions=True, help="开启或关闭每日摘要",
                    detail="「摘要 关闭」停止接收每日摘要，「摘要 开启」恢复。工作日上午9:30发送，没有需要关注的事项时不发送。")
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
        return None
