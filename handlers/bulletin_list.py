"""查看通报 (the list): the county bureau's monthly bulletins and where each stands, and a copy of one month's
workbook and Word text for the asker. Generating is jobs/bulletin.py; publishing handlers/bulletin.py."""
from __future__ import annotations

from sqlalchemy import select

from bot import clock, outbox
from bot.bulletin import serial
from bot.router import Context, Router
from handlers.bulletin import bureau_of, month_of
from models.bulletin import DRAFT, StoredBulletin, find
from models.org import BUREAU_ADMIN, BUREAU_REVIEWER

SHOWN = 6  # months listed
# 「通报发了吗」, 「本月通报出来了没有」, 「上个月的通报生成了吗」: where the bulletins stand
BULLETIN_ASKED = (r"(?:本月|这个?月|上个?月|\d{1,2}月|月度)?的?通报(?:已经|都)?(?:发|出|发布|生成|做|出来)(?:了|好了|出来了|完了)?"
                  r"(?:吗|没有?|了没有?|没)?[？?。！!]*$")


def status_line(row: StoredBulletin, admin: bool) -> str:
    """One month: a draft (which version, when made; for an admin, how to publish or remake it) or published."""
    made = clock.localize(row.generated_at)
    if row.status == DRAFT:
        todo = (f" → 核对后回复「发布通报 {row.month}」发布，数据有变化回复「重新生成通报 {row.month}」" if admin
                else "，待县政数局管理员发布")
        return f"· {row.month} 草稿（第{row.revision}版，{made:%m-%d %H:%M}生成）{todo}"
    published = clock.localize(row.published_at) if row.published_at else None
    return f"· {row.month} 已发布（{published:%m-%d %H:%M}）" if published else f"· {row.month} 已发布"


def register(router: Router) -> None:
    # (not 「月度通报」: that is the menu section's name, and 「帮助 月度通报」 lists the section)
    @router.command("查看通报", "通报草稿", "本月通报", "上月通报", "通报列表", roles={BUREAU_ADMIN, BUREAU_REVIEWER},
                    help="查看本县的月度通报和状态（「查看通报 2026-11」把该月的通报表和通报稿发给您）",
                    detail="列出最近6个月的月度通报：草稿（第几版）或已发布。写明月份时，把该月的通报表（Excel）和"
                           "通报稿（Word）再发给您一份。每月第一个工作日9:00自动生成上月通报。")
    def bulletins(ctx: Context):
        bureau = bureau_of(ctx)
        if bureau is None:
            ctx.reply("月度通报由县政数局生成和发布，请县政数局的人员查看。")
            return None
        args, admin = (ctx.args or "").strip(), ctx.person.has_role(BUREAU_ADMIN)
        if args:
            return send_copy(ctx, bureau.id, args)
        rows = list(ctx.session.scalars(select(StoredBulletin).where(StoredBulletin.bureau_id == bureau.id)
                                        .order_by(StoredBulletin.month.desc()).limit(SHOWN)))
        if not rows:
            ctx.reply("还没有生成过月度通报。每月第一个工作日9:00自动生成上月通报，生成后发给县政数局管理员核对。")
            return None
        lines = [f"{bureau.name}的月度通报（最近{len(rows)}个月）：", *(status_line(r, admin) for r in rows),
                 "回复「查看通报 月份」（如「查看通报 {0}」）把该月的通报表和通报稿发给您。".format(rows[0].month)]
        ctx.reply("\n".join(lines))
        return None

    @router.pattern(BULLETIN_ASKED, roles={BUREAU_ADMIN, BUREAU_REVIEWER}, refused_as="查看通报")
    def bulletins_asked(ctx: Context):
        ctx.args = ""
        return bulletins(ctx)

    def send_copy(ctx: Context, bureau_id: int, args: str):
        key = month_of(args)
        if key is None:
            ctx.reply(f"「{args[:20]}」不是月份。请写明年份和月份，例如「查看通报 2026-11」。")
            return None
        row = find(ctx.session, bureau_id, key)
        if row is None:
            ctx.reply(f"{key}的月度通报还没有生成。回复「查看通报」查看已有的月份。")
            return None
        from bot.bulletin.draft import draft_docx
        from bot.bulletin.workbook import workbook_xlsx
        from jobs.bulletin import file_stem
        b = serial.from_json(row.data)
        stem, draft = file_stem(b), "（草稿）" if row.status == DRAFT else ""
        copy = f"bulletin-copy:{row.id}:r{row.revision}:{ctx.inbound.dedupe_key}"  # each request its own copy
        outbox.push_file(ctx.session, ctx.person, f"{stem}.xlsx", workbook_xlsx(b), dedupe_key=f"{copy}:xlsx")
        outbox.push_file(ctx.session, ctx.person, f"{stem}{draft}.docx", draft_docx(b), dedupe_key=f"{copy}:docx")
        ctx.reply(f"{status_line(row, ctx.person.has_role(BUREAU_ADMIN)).lstrip('· ')}\n已把通报表和通报稿发给您，请查收文件。")
        return None
