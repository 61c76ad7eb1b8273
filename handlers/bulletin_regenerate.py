"""Regenerating the monthly bulletin draft (重新生成通报) for bureau admins.

The monthly job computes the draft once; reports filed late, rectifications answered or a corrected
台账 afterwards are not in it. `重新生成通报 [2026-11]` computes the unpublished draft again from the data
as it is now, shows what changed, asks for 确认, then replaces the draft in place (a new revision, the
old figures kept in the audit log), closes the old publish cards and sends the new summary, chart,
workbook, Word draft and card to the admins as the job does. A published bulletin is never recomputed.
"""
from __future__ import annotations

import importlib

from sqlalchemy import select

from bot import clock, outbox
from bot.bulletin import changes, serial
from bot.bulletin.compute import compute, first_report_month
from bot.bulletin.figures import Bulletin
from bot.choices import confirmed
from bot.router import END, Context, Router
from handlers.bulletin import bureau_of, close_cards, month_of
from models import org
from models.bulletin import DRAFT, PUBLISHED, StoredBulletin, find

# 确认 renders the chart, workbook and Word draft inside the callback: load matplotlib and friends
# when the web worker starts (about 1.3 s), not in the first such callback (WeCom waits 5 s).
for _module in ("chart", "draft", "workbook"):
    importlib.import_module(f"bot.bulletin.{_module}")

CONFIRM = "bulletin_regen.confirm"


def register(router: Router) -> None:
    router.conversation("bulletin_regen", title="重新生成通报", summary=lambda d: f"{d.get('period', '')}月度通报")

    @router.command("重新生成通报", "更新通报", "刷新通报", "重算通报", "重新计算通报", roles={org.BUREAU_ADMIN},
                    help="按最新数据重新生成未发布的月度通报草稿（如「重新生成通报 2026-11」）",
                    detail="用法：重新生成通报 [2026-11]（不写月份时为最近一期未发布的草稿）。\n"
                           "草稿生成后补报的周报、提交的整改、更正的台账，重新生成后才会计入。助手先列出与现有草稿相比的变化，"
                           "回复「确认」才替换草稿，并重新发送摘要、图表、通报表、通报稿和发布卡片；旧卡片失效。"
                           "已发布的通报不能重新生成。")
    def start(ctx: Context):
        bureau = bureau_of(ctx)
        if bureau is None:
            ctx.reply("只有县政数局管理员可以重新生成月度通报。")
            return END
        row = _pick(ctx, bureau.id)
        if row is None:
            return END
        if row.status == PUBLISHED:
            ctx.reply(published_answer(row))
            return END
        new = _recompute(ctx, row)
        if new is None:
            return END
        ctx.data.update(bulletin_id=row.id, period=row.period, revision=row.revision,
                        fingerprint=changes.fingerprint(new),
                        changes=changes.summary_lines(serial.from_json(row.data), new))
        return CONFIRM

    def confirm_prompt(ctx: Context) -> str:
        d = ctx.data
        return "\n".join([f"按现有数据重新计算{d['period']}月度通报，与现有草稿（第{d['revision']}版）相比：",
                          *d["changes"],
                          "回复「确认」用新数据替换草稿，并重新发送摘要、图表、通报表、通报稿和发布卡片（旧卡片失效）；"
                          "回复「取消」保留现有草稿。"])

    @router.state(CONFIRM, prompt=confirm_prompt)
    def confirm(ctx: Context):
        if not confirmed(ctx, "替换草稿", "已放弃，草稿保持不变。",
                         hint="请回复「确认」替换草稿，或回复「取消」保留现有草稿。"):
            return END
        row = ctx.session.scalar(select(StoredBulletin).where(StoredBulletin.id == ctx.data["bulletin_id"])
                                 .with_for_update())
        if row.status == PUBLISHED:
            ctx.reply("在您确认之前，" + published_answer(row))
            return END
        if row.revision != ctx.data["revision"]:
            ctx.reply(f"在您确认之前，其他管理员已重新生成了{row.period}月度通报草稿（第{row.revision}版），"
                      "新版已发给您。如需再次按最新数据计算，请重新回复「重新生成通报」。")
            return END
        new = _recompute(ctx, row)
        if new is None:
            return END
        if changes.fingerprint(new) != ctx.data["fingerprint"]:  # the data moved again while they read
            ctx.data.update(fingerprint=changes.fingerprint(new),
                            changes=changes.summary_lines(serial.from_json(row.data), new))
            ctx.reply("您核对期间数据又有变化，请按最新结果再核对一次。")
            return CONFIRM
        replace(ctx, row, new)
        ctx.reply(f"已按最新数据重新生成{row.period}月度通报草稿（第{row.revision}版）。新版的摘要、图表、通报表、"
                  "通报稿和发布卡片稍后发给各位管理员，旧卡片已失效；核对后点新卡片上的「发布通报」发布。")
        return END


def not_made_why(ctx: Context, bureau_id: int, key: str) -> str:
    """Why a month has no bulletin: before the county's first weekly report through the bot, not yet due, or when
    it comes."""
    first = first_report_month(ctx.session, bureau_id)
    if first is None:
        return "本县还没有任何单位通过助手报送过周报，所以还没有可生成的通报。"
    if key < first:
        return f"本县第一份经助手报送的周报在{first}，之前的月份没有数据，不生成通报。"
    if key >= clock.today().strftime("%Y-%m"):
        return f"{key}还没有结束，下月第一个工作日9:00自动生成。"
    return "每月第一个工作日9:00自动生成上月通报。"


def _pick(ctx: Context, bureau_id: int) -> StoredBulletin | None:
    """The month named in the arguments, else the newest draft, else the newest bulletin (to explain)."""
    args = (ctx.args or "").strip()
    if args:
        key = month_of(args)
        if key is None:
            ctx.reply(f"「{args[:20]}」不是月份。请写明年份和月份，例如「重新生成通报 2026-11」；"
                      "不写月份时为最近一期未发布的草稿。")
            return None
        row = find(ctx.session, bureau_id, key)
        if row is None:
            ctx.reply(f"{key}的月度通报还没有生成，无需重新生成。" + not_made_why(ctx, bureau_id, key))
        return row
    newest = select(StoredBulletin).where(StoredBulletin.bureau_id == bureau_id).order_by(StoredBulletin.month.desc())
    row = ctx.session.scalar(newest.where(StoredBulletin.status == DRAFT)) or ctx.session.scalar(newest)
    if row is None:
        ctx.reply("还没有生成过月度通报。每月第一个工作日9:00自动生成上月通报。")
    return row


def published_answer(row: StoredBulletin) -> str:
    when = clock.localize(row.published_at).strftime("%m-%d %H:%M") if row.published_at else ""
    return (f"{row.period}月度通报已于{when}发布（{row.published_by}），各单位已收到本单位的通报并建立了整改事项，"
            "已发布的通报不能重新生成。\n如发现通报有误，请另行印发更正说明或补充通报，告知有关单位；"
            "因此不需要整改的事项，可回复「通过整改 编号 说明」核销。"
            "补报的周报和新提交的整改计入以后月份的检查，发布的通报和年度考核仍以已发布的内容为准。")


def _recompute(ctx: Context, row: StoredBulletin) -> Bulletin | None:
    """The month computed from the data as it is now; None (and says why) when nothing would change."""
    year, month = (int(part) for part in row.month.split("-"))
    new = compute(ctx.session, row.bureau_id, year, month)
    if not new.units:
        ctx.reply(f"按现有数据，{row.period}没有可以列入通报的单位，草稿保持不变。")
        return None
    if changes.same(serial.from_json(row.data), new):
        generated = clock.localize(row.generated_at).strftime("%m-%d %H:%M")
        ctx.reply(f"按现有数据重新计算，{row.period}月度通报与现有草稿（第{row.revision}版，{generated}生成）相同，"
                  "无需重新生成。")
        return None
    return new


def replace(ctx: Context, row: StoredBulletin, new: Bulletin) -> None:
    """Replace the draft with `new` (a new revision) and send it to the admins as the monthly job does."""
    from jobs.bulletin import send_to_admins
    old = serial.from_json(row.data)
    lines = changes.summary_lines(old, new)
    before = {"revision": row.revision, "generated_at": row.generated_at.isoformat(), **_scores(old)}
    row.data, row.generated_at, row.revision = serial.to_json(new), clock.now(), row.revision + 1
    ctx.audit("bulletin.regenerate", "bulletin", row.id, before,
              {"revision": row.revision, "month": row.month, **_scores(new), "changes": lines})
    close_cards(ctx.session, row, "已重新生成", None)  # before the new cards, which must stay open
    others = [p for p in org.people_with_role(ctx.session, org.BUREAU_ADMIN, [row.bureau_id]) if p.id != ctx.person.id]
    if others:
        outbox.push_text(ctx.session, others, "\n".join(
            [f"【通报草稿已更新】{ctx.person.name}按最新数据重新生成了{row.period}月度通报草稿（第{row.revision}版），"
             "随后发送新版的摘要、图表、通报表、通报稿和发布卡片，旧卡片已失效。主要变化：", *lines]),
            dedupe_key=f"bulletin:{row.id}:r{row.revision}:notice")
    send_to_admins(ctx.session, row, new)


def _scores(b: Bulletin) -> dict:
    return {"scores": {f.unit_name: f.score for f in b.units}, "problems": sum(len(f.problems) for f in b.units)}
