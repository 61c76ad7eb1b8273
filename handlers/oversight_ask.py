"""What a bureau command acting on a unit (整改通知, 约谈, 警告, 通报, 责令关闭) asks when it is typed without
its unit or its reason: the unit, then the reason, one question at a time; then the command runs as if
typed in full (「约谈 教育局 原因」), with its own checks and its own confirmation."""
from __future__ import annotations

from bot.choices import numbered
from bot.router import END, Context, Reask, Router
from handlers.oversight_util import account_units, match_units, picked_unit, unit_hint

MIN_REASON = 4


def ask(ctx: Context, command: str, what: str, example: str, name: str = "") -> str | None:
    """Start asking for what `command` lacks; `what` names its text (「问题」, 「原因」)."""
    ctx.data = {"command": command, "what": what, "example": example}
    if not account_units(ctx):
        ctx.reply("您管辖的范围内还没有主办单位。")
        return None
    if name:
        units = match_units(ctx, name)
        if len(units) == 1:
            ctx.data.update(unit_id=units[0].id, unit_name=units[0].name)
            return "oversight_ask.text"
        ctx.reply(unit_hint(ctx, name, units))
    return "oversight_ask.unit"


def _units_prompt(ctx: Context) -> str:
    names = [u.name for u in account_units(ctx)]
    return numbered(names, f"「{ctx.data['command']}」哪个单位？").replace("（回复序号）", "（回复序号或单位名称）")


def register(router: Router) -> None:
    router.conversation("oversight_ask", title="整改通知或处置措施",
                        summary=lambda d: f"{d.get('command', '')} {d.get('unit_name', '')}".strip())

    @router.state("oversight_ask.unit", prompt=_units_prompt)
    def unit(ctx: Context):
        chosen = picked_unit(ctx)
        ctx.data.update(unit_id=chosen.id, unit_name=chosen.name)
        return "oversight_ask.text"

    @router.state("oversight_ask.text", prompt=lambda ctx: (
        f"「{ctx.data['command']}」{ctx.data['unit_name']}：请写明{ctx.data['what']}，例如「{ctx.data['example']}」："))
    def text(ctx: Context):
        reason = ctx.text.strip()
        typed = router.find_command(reason)
        if typed and router.allowed(typed[0], ctx.sender) and _used_as_command(ctx, typed[1]):
            # (the router adds how to leave for that command)
            raise Reask(f"「{reason[:20]}」是一条命令，不是{ctx.data['what']}，没有记入。请直接写{ctx.data['what']}。")
        if len(reason) < MIN_REASON:
            raise Reask(f"请把{ctx.data['what']}写具体一些（至少{MIN_REASON}个字），它会送达单位并记入单位记录。")
        command = router.find_command(ctx.data["command"])[0]
        ctx.args = f"{ctx.data['unit_name']} {reason}"
        ctx.data = {}
        return command.handler(ctx) or END  # it answered (and refused) by itself


def _used_as_command(ctx: Context, args: str) -> bool:
    """What follows a command's word is what the command takes (a unit, a week, a number) or nothing:
    「约谈 教育局 无」, 「周报情况 上周」, 「单位记录 教育局」 — not 「周报两周未交」, 「台账信息不全」."""
    first = args.split()[0] if args.split() else ""
    return not args or first in ("上周", "本周", "这周") or first.isdigit() or bool(match_units(ctx, first))
