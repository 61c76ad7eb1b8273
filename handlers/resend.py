"""「重发失败推送」: a bureau admin sees the failed pushes of their part of the tree and resends them."""
from __future__ import annotations

from datetime import datetime

from bot import clock
from bot.choices import confirmed
from bot.router import END, Context, Router
from models import outbox_resend
from models.delivery_failures import IP_REFUSED, cause_lines
from models.org import BUREAU_ADMIN, visible_unit_ids

DETAIL = (f"列出您所辖范围内最近{outbox_resend.DEFAULT_DAYS}天发送失败的推送（数量、原因、会跳过哪些），"
          "您回复「确认」后重新发送。\n发给在企业微信中无效的人员（已离职、已禁用或不在应用可见范围）的推送不会重发，"
          "除非该人员已在通讯录中重新启用；已停用人员的推送也不会重发。")


def register(router: Router) -> None:
    router.conversation("resend", title="重发失败推送",
                        summary=lambda d: f"重发 {d.get('count', 0)} 条发送失败的推送")

    @router.command("重发失败推送", "重发推送", "失败推送", roles={BUREAU_ADMIN},
                    help="查看并重发发送失败的推送", detail=DETAIL)
    def start(ctx: Context):
        since = outbox_resend.default_since()
        planned = _plan(ctx, since)
        if not planned.failed:
            ctx.reply(f"您所辖范围内最近{outbox_resend.DEFAULT_DAYS}天没有发送失败的推送。")
            return None
        if not planned.ids:
            ctx.reply("\n".join([_overview(planned), "没有可以重发的推送。"]))
            return None
        ctx.data.update(since=since.isoformat(), count=len(planned.ids), overview=_overview(planned))
        return "resend.confirm"

    def confirm_prompt(ctx: Context) -> str:
        return (f"{ctx.data['overview']}\n回复「确认」重发这 {ctx.data['count']} 条，回复「取消」放弃。")

    @router.state("resend.confirm", prompt=confirm_prompt)
    def confirm(ctx: Context):
        if not confirmed(ctx, "重发", "已放弃，没有重发任何推送。"):
            return END
        planned = _plan(ctx, datetime.fromisoformat(ctx.data["since"]))
        count = outbox_resend.resend(ctx.session, planned, actor=ctx.userid, scope=f"chat:{ctx.person.unit.name}",
                                     source_msg=ctx.inbound.dedupe_key)
        if count == 0:
            ctx.reply("这些推送已经不在失败状态（可能已被其他管理员重发），没有重发任何推送。")
            return END
        lines = [f"已重新排队 {count} 条推送，几分钟内按限流陆续送达。"]
        if count != ctx.data["count"]:
            lines.append(f"（与刚才列出的 {ctx.data['count']} 条不同：期间有推送新失败或已被他人重发。）")
        skipped = outbox_resend.skipped_lines(planned)
        if skipped:
            lines.append("未重发：" + "；".join(skipped) + "。")
        if planned.causes.get(IP_REFUSED):
            lines.append("如果服务器 IP 仍未加入企业微信「企业可信IP」，这些推送还会失败。")
        ctx.reply("\n".join(lines))
        return END


def _plan(ctx: Context, since: datetime) -> outbox_resend.ResendPlan:
    return outbox_resend.plan(ctx.session, since=since, unit_ids=visible_unit_ids(ctx.session, ctx.person))


def _overview(planned: outbox_resend.ResendPlan) -> str:
    shown = clock.localize(planned.since)
    lines = [f"您所辖范围内 {shown.month}月{shown.day}日 {shown:%H:%M} 以来有 {planned.failed} 条推送发送失败。"]
    if planned.ids:
        lines.append(f"可以重发 {len(planned.ids)} 条（发给 {len(planned.people)} 人），失败原因：")
        lines += cause_lines(planned.causes)
    skipped = outbox_resend.skipped_lines(planned)
    if skipped:
        lines.append("不会重发：" + "；".join(skipped) + "。")
    return "\n".join(lines)
