"""查看通报 (the list): the county bureau's monthly bulletins and where each stands, and a copy of one month's
workbook and Word text for the asker. Generating is jobs/bulletin.py; publishing handlers/bulletin.py."""
from __future__ import annotations

from sqlalchemy import select

from bot import clock, outbox
from bot.bulletin import fmt, serial
from bot.bulletin.text import public_ranking, unit_part
from bot.router import Context, Router
from handlers.bulletin import bureau_of, month_of
from handlers.bulletin_city import city_of, city_view
from models.bulletin import DRAFT, PUBLISHED, StoredBulletin, find
from models.org import BUREAU_ADMIN, BUREAU_REVIEWER, CITY_REVIEWER, STAFF, UNIT_HEAD

READERS = {BUREAU_ADMIN, BUREAU_REVIEWER, CITY_REVIEWER, STAFF, UNIT_HEAD}

SHOWN = 6  # months listed
RANKED = 20  # units of the latest month's ranking shown to the bureau
# 「通报发了吗」, 「本月通报出来了没有」, 「上个月的通报生成了吗」: where the bulletins stand
BULLETIN_ASKED = (r"(?:本月|这个?月|上个?月|\d{1,2}月|月度)?的?通报(?:已经|都)?(?:发|出|发布|生成|做|出来)(?:了|好了|出来了|完了)?"
                  r"(?:吗|没有?|了没有?|没)?[？?。！!]*$")
# 「我们被扣分了吗」, 「考核分数多少」, 「本单位排名第几」, 「我们的得分」
SCORE_ASKED = (r"(?:我们|本单位|我单位)?(?:的)?(?:本月|上月|上个月)?(?:的)?(?:考核|通报)?(?:得分|分数|成绩|排名|名次)"
               r"(?:是)?(?:多少|怎么样|如何|第几|几分)?[？?。]*$"
               r"|(?:我们|本单位|我单位)?(?:被|有没有被)?扣(?:了)?分(?:了)?(?:吗|没有?)?[？?。]*$"
               r"|(?:这个月|本月|上个?月)?(?:谁|哪个单位|哪些单位)(?:的)?(?:表现|得分|分数|成绩)?"
               r"(?:最差|最好|最低|最高|倒数第一|第一|靠后|靠前)(?:的)?[？?。]*$")

# 「月度通报」, 「11月通报」, 「十月份的月度通报」, 「查看10月的通报」; and the monthly inspection (第29条 每月组织检查)
# the bulletin reports: 「月度检查」, 「本月检查情况」, 「检查结果」
MONTHLY_SAID = (r"(?:查看|看看|看一下)?(?:(?P<month>\d{1,2}月|十[一二]?月|[一二三四五六七八九]月)份?的?(?:月度)?通报"
                r"|月度通报|(?:本月|这个?月|上个?月)?的?(?:月度|每月)?检查(?:情况|结果|通报)?(?:怎么样|如何)?)[？?。]*$")
# A unit's sentence about the bulletin or its score (「通报里说我们不合格」, 「年度考核结果」), when nothing else reads it
SCORE_MENTIONED = r".*(?:通报|考核|扣分|扣了分|得分|排名|排第几|排在第|第几名|不合格)"


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
    @router.command("查看通报", "通报草稿", "本月通报", "上月通报", "通报列表",
                    roles=READERS,
                    help="查看月度通报（县政数局：状态和文件；市政数局：各县已发布的通报；单位：本单位的得分、扣分和问题）",
                    detail="县政数局：列出最近6个月的月度通报：草稿（第几版）或已发布。写明月份时，把该月的通报表（Excel）和"
                           "通报稿（Word）再发给您一份。每月第一个工作日9:00自动生成上月通报。\n"
                           "单位：最近一次发布的通报中本单位的得分、排名、扣分和整改要求，以及最近各月的得分；"
                           "「查看通报 2026-10」看那个月的。\n"
                           "市政数局：各县已发布的月度通报；「查看通报 抚松 2026-11」把该县该月的通报表和通报稿发给您。")
    def bulletins(ctx: Context):
        bureau = bureau_of(ctx)
        if bureau is None and not ctx.person.unit.is_bureau:
            return unit_view(ctx, (ctx.args or "").strip())
        if bureau is None and (city := city_of(ctx)) is not None:
            return city_view(ctx, city, (ctx.args or "").strip(), send_copy, month_of)
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
        latest = rows[0]
        ranking = public_ranking(serial.from_json(latest.data))
        more = f"\n……共{len(ranking)}个单位" if len(ranking) > RANKED else ""
        lines = [f"{bureau.name}的月度通报（最近{len(rows)}个月）：", *(status_line(r, admin) for r in rows),
                 f"{latest.month}（{latest.status}）得分排名：\n" + "\n".join(ranking[:RANKED]) + more,
                 "回复「查看通报 月份」（如「查看通报 {0}」）把该月的通报表和通报稿发给您。".format(rows[0].month)]
        ctx.reply("\n".join(lines))
        return None

    @router.pattern(SCORE_ASKED, roles=READERS)
    def score_asked(ctx: Context):
        """「我们被扣分了吗」, 「考核分数多少」, 「本单位排名」: the unit's part of the latest bulletin."""
        ctx.args = ""
        return bulletins(ctx)

    @router.pattern(BULLETIN_ASKED, roles=READERS, refused_as="查看通报")
    def bulletins_asked(ctx: Context):
        ctx.args = ""
        return bulletins(ctx)

    @router.pattern(MONTHLY_SAID, roles=READERS, refused_as="查看通报")
    def monthly_said(ctx: Context):
        """「月度通报」 (the help section's title), 「11月通报」, 「十月份的月度通报」: 查看通报 [month]."""
        ctx.args = ctx.match["month"] or ""
        return bulletins(ctx)

    @router.pattern(SCORE_MENTIONED, roles={STAFF, UNIT_HEAD}, guess=True)
    def score_mentioned(ctx: Context):
        ctx.args = ""
        return bulletins(ctx)

    def unit_view(ctx: Context, args: str):
        """A unit's part of a published bulletin (as it was sent on publishing), and its recent scores."""
        unit = ctx.person.unit
        bureau = unit.supervising_bureau()
        rows = [] if bureau is None else list(ctx.session.scalars(
            select(StoredBulletin).where(StoredBulletin.bureau_id == bureau.id, StoredBulletin.status == PUBLISHED)
            .order_by(StoredBulletin.month.desc()).limit(SHOWN)))
        if args:
            key = month_of(args)
            if key is None:
                ctx.reply(f"「{args[:20]}」不是月份。请写明年份和月份，例如「查看通报 2026-10」。")
                return None
            row = find(ctx.session, bureau.id, key) if bureau is not None else None
            rows = [row] if row is not None and row.status == PUBLISHED else []
            if not rows:
                ctx.reply(f"{key}的月度通报还没有发布。回复「查看通报」看最近一次发布的。")
                return None
        if not rows:
            ctx.reply("还没有发布过月度通报。每月初县政数局发布上月通报后，会把本单位的得分、扣分和整改要求发给您。")
            return None
        parts = [(row, serial.from_json(row.data)) for row in rows]
        row, b = parts[0]
        if not any(f.unit_id == unit.id for f in b.units):
            ctx.reply(f"{row.period}的通报没有列入{unit.name}（当月本单位没有在用的账号）。")
            return None
        text = unit_part(b, unit.id)
        history = [f"· {r.month}：{fmt.number(f.score)}分，"
                   + (f"第{f.rank}名（共{len(bb.units)}个单位）" if f.rank is not None else "未排名")
                   for r, bb in parts for f in bb.units if f.unit_id == unit.id] if not args else []
        ctx.reply(text + ("\n\n本单位最近各月：\n" + "\n".join(history) if len(history) > 1 else ""))
        return None

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
