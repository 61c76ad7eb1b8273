"""Publishing the monthly bulletin (发布通报) and the year-end assessment (年度考核) for bureau admins.

The card's 「发布通报」 button publishes at once (the card is the admin's own, sent with the draft);
the text command `发布通报 2026-11` asks for 确认 first. Publishing twice is refused politely.
"""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot import clock, outbox, workdays
from bot.bulletin import serial, unit_part
from bot.bulletin.problems import items_sentence, rectifiable
from bot.choices import confirmed
from bot.router import END, Context, Router
from handlers.bulletin_city import city_of, county_named
from handlers.weekly_parse import chinese_number
from models.bulletin import CARD_KIND, DRAFT, PUBLISHED, StoredBulletin, find
from models.org import BUREAU_ADMIN, BUREAU_REVIEWER, CITY_REVIEWER, COUNTY_BUREAU, Unit, reachable
from models.oversight import unit_people
from models.platform import Card
from models.rectification import BULLETIN, DEFAULT_WORKDAYS, create_item

MONTH = re.compile(r"^\s*(\d{4})\s*[-年./]\s*(\d{1,2})\s*月?\s*$")
LAST_MONTH_WORDS = ("上月", "上个月", "上一个月")
THIS_MONTH_WORDS = ("本月", "这个月", "这月", "当月")
BARE_MONTH = re.compile(r"(\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月份?")


def month_of(text: str) -> str | None:
    """「2026-11」「2026年11月」「2026.11」「上个月」「本月」「10月」「十月份」 → "2026-11"; None when the text is not a
    month. A month without its year is the latest one so named, this month included."""
    said = text.strip().rstrip("。.")
    today = clock.today()
    if said in LAST_MONTH_WORDS:  # the month a bulletin is made for, on its first days
        return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    if said in THIS_MONTH_WORDS:
        return today.strftime("%Y-%m")
    bare = BARE_MONTH.fullmatch(said)
    if bare:
        number = int(bare[1]) if bare[1].isdigit() else chinese_number(bare[1])
        if 1 <= number <= 12:
            return f"{today.year - (number > today.month)}-{number:02d}"
        return None
    match = MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return f"{int(match.group(1))}-{int(match.group(2)):02d}"


def year_of(text: str) -> int | None:
    """「2026」「2026年」「今年」「去年」 → 2026; None when the text is not a year."""
    said = text.strip().rstrip("。.").removesuffix("度")
    if said in ("今年", "本年"):
        return clock.today().year
    if said in ("去年", "上一年"):
        return clock.today().year - 1
    match = YEAR.match(said)
    return int(match.group(1)) if match else None


YEAR = re.compile(r"^\s*(\d{4})\s*年?\s*$")


def assessed_year() -> int:
    """The year 「年度考核」 means without one: that of the latest complete month — in January, the year just ended
    (the assessment is made at the turn of the year, when this year has no complete month yet)."""
    return (clock.today().replace(day=1) - timedelta(days=1)).year


def register(router: Router) -> None:
    router.conversation("bulletin", title="发布通报", summary=lambda d: f"{d.get('period', '')}月度通报")

    @router.card(CARD_KIND)
    def on_click(ctx: Context):
        card = ctx.card
        # Lock the bulletin before writing any card row (the router has just set this card's response
        # code): lock order bulletin → cards, or two admins clicking at once could deadlock.
        code = card.response_code
        with ctx.session.no_autoflush:
            row = ctx.session.scalar(select(StoredBulletin).where(StoredBulletin.id == card.ref_id)
                                     .with_for_update())
        ctx.session.refresh(card)  # another admin may have published (and closed this card) meanwhile
        card.response_code = code or card.response_code
        shown = _card_revision(ctx.inbound.event_key)
        if row is None or shown is False or not _admin_of(ctx, row):
            ctx.reply("这张卡片已失效或您没有发布权限。")
            return None
        # A card publishes the revision it showed or nothing. Cards sent before the key named the
        # revision (key 「publish」) are judged by their state: regenerating closes the old cards.
        if row.status == DRAFT and (card.status == "closed" if shown is None else shown != row.revision):
            ctx.reply(f"这张卡片属于{row.period}月度通报的旧版草稿，草稿已重新生成（第{row.revision}版）。"
                      "请核对新版后点新卡片上的「发布通报」，或回复「发布通报」。")
            ctx.button_label = card.result if card.status == "closed" and card.result else "已重新生成"
            if card.status == "open":
                card.status, card.result = "closed", ctx.button_label
            return None
        if (row.status == DRAFT and ctx.state == "bulletin_regen.confirm"
                and ctx.data.get("bulletin_id") == row.id):  # they are reading the new figures, not this card's
            ctx.reply(f"您正在核对重新生成的{row.period}月度通报（与第{row.revision}版相比的变化见上一条），"
                      f"这张卡片是第{row.revision}版草稿的，现在不会发布。请先回复「确认」用新数据替换草稿"
                      f"（之后点新卡片发布），或回复「取消」保留第{row.revision}版（之后可再点这张卡片发布）。")
            return None
        ctx.reply(publish(ctx, row, clicked=card))
        ctx.button_label = card.result or "已发布"
        return None

    @router.command("发布通报", roles={BUREAU_ADMIN}, help="发布月度通报（如「发布通报 2026-11」）",
                    detail="用法：发布通报 2026-11。发布前请先核对摘要、通报表和通报稿；确认后各单位收到本单位的通报，"
                           f"需要整改的问题建立整改事项（{DEFAULT_WORKDAYS}个工作日内整改；迟报、本年度无人参加培训只在通报中指出）。")
    def start(ctx: Context):
        bureau = bureau_of(ctx)
        if bureau is None:
            ctx.reply("只有县政数局管理员可以发布月度通报。")
            return None
        row = _pick(ctx, bureau)
        if row is None:
            return None
        if row.status == PUBLISHED:
            ctx.reply(_already(row))
            return None
        b = serial.from_json(row.data)
        ctx.data.update(bulletin_id=row.id, period=row.period, units=len(b.units),
                        items=items_sentence(b.units, DEFAULT_WORKDAYS, within=True),
                        revision=row.revision)
        return "bulletin.confirm"

    def confirm_prompt(ctx: Context) -> str:
        d = ctx.data
        return (f"请确认发布{d['period']}月度通报：{d['units']}个单位将各自收到本单位的通报（含全县得分排名），"
                f"{d.get('items') or _items_before(d)}。\n回复「确认」发布，回复「取消」放弃。")

    @router.state("bulletin.confirm", prompt=confirm_prompt)
    def confirm(ctx: Context):
        if not confirmed(ctx, "发布", "已放弃，通报没有发布。"):
            return END
        row = ctx.session.scalar(select(StoredBulletin).where(StoredBulletin.id == ctx.data["bulletin_id"])
                                 .with_for_update())
        if row.status == DRAFT and row.revision != ctx.data.get("revision", row.revision):
            ctx.reply(f"在您确认之前，{row.period}月度通报草稿已重新生成（第{row.revision}版），数字可能有变化。"
                      "请核对新版后重新回复「发布通报」。")
            return END
        ctx.reply(publish(ctx, row))
        return END

    # reviewers read every month's bulletin (查看通报); the assessment only sums them up, so they may read it too
    @router.command("年度考核", roles={BUREAU_ADMIN, BUREAU_REVIEWER, CITY_REVIEWER},
                    help="年度考核表（如「年度考核 2026」）",
                    detail="用法：年度考核 2026（不写年份时为最近一个已结束的月份所在的年度，1月里是上一年）。"
                           "按各月通报汇总各单位全年得分，生成Excel考核表发给您，每个单位一张扣分明细（月份、原因、次数、分值）。"
                           "县政数局的管理员和审核人都可以生成；"
                           "市政数局写明县名：「年度考核 2026 抚松」。")
    def assessment(ctx: Context):
        from bot.bulletin.assessment import assessment_xlsx, assess, left_out_note, unpublished_note
        bureau, words = bureau_of(ctx), (ctx.args or "").split()
        city = city_of(ctx) if bureau is None else None
        if city is not None:
            bureau, words = county_named(ctx, city, words, "年度考核 2026 {county}")
            if bureau is None:
                return None
        elif bureau is None:
            ctx.reply("年度考核表由县政数局的管理员和审核人生成。")
            return None
        year = year_of(" ".join(words)) if words else assessed_year()
        if year is None:
            ctx.reply(f"「{' '.join(words)[:20]}」不是年份。请写明年份，例如「年度考核 2026」。")
            return None
        # the city reads what the county published (as 查看通报 does): drafts and months computed now are left out
        result = assess(ctx.session, bureau.id, year, published_only=city is not None)
        note = left_out_note(result) if city is not None else unpublished_note(result)
        if not result.units:
            ctx.reply(f"{bureau.name}{year}年还没有已发布的月度通报，不能生成考核表。\n{note}" if note
                      else f"{year}年还没有可用于考核的月度通报数据。")
            return None
        outbox.push_file(ctx.session, ctx.person, f"{bureau.name}{year}年政务新媒体年度考核.xlsx",
                         assessment_xlsx(result))
        ctx.reply(f"{year}年度考核表已生成（{len(result.units)}个单位，{len(result.months)}个月："
                  f"{'、'.join(f'{m}月' for m in result.months)}），稍后以文件发给您。"
                  + (f"\n{note}" if note else ""))
        return None


def _items_before(d: dict) -> str:
    """The items said by a confirmation begun before the count was of the items really opened (kept as 'problems')."""
    return f"为{d['problems']}个问题建立整改事项（{DEFAULT_WORKDAYS}个工作日内整改）"


def _card_revision(key: str | None) -> int | None | bool:
    """The revision a publish card's button names (「publish:r2」); None for a card from before keys named it
    (「publish」); False for any other key."""
    if key == "publish":
        return None
    match = re.fullmatch(r"publish:r(\d{1,6})", key or "")
    return int(match.group(1)) if match else False


def bureau_of(ctx: Context) -> Unit | None:
    unit = ctx.person.unit
    return unit if ctx.person.is_bureau_user and unit.kind == COUNTY_BUREAU else None


def _admin_of(ctx: Context, row: StoredBulletin) -> bool:
    return ctx.person.has_role(BUREAU_ADMIN) and ctx.person.unit_id == row.bureau_id


def _pick(ctx: Context, bureau: Unit) -> StoredBulletin | None:
    args = (ctx.args or "").strip()
    if args:
        key = month_of(args)
        if key is None:
            ctx.reply(f"「{args[:20]}」不是月份。请写明年份和月份，例如「发布通报 2026-11」。")
            return None
        row = find(ctx.session, bureau.id, key)
        if row is None:
            ctx.reply(f"{key}的月度通报还没有生成。每月第一个工作日9:00自动生成上月通报。")
        return row
    row = ctx.session.scalar(select(StoredBulletin).where(StoredBulletin.bureau_id == bureau.id,
                                                          StoredBulletin.status == DRAFT)
                             .order_by(StoredBulletin.month.desc()))
    if row is None:
        ctx.reply("没有待发布的月度通报。如需发布某月的通报，请写明月份，例如「发布通报 2026-11」。")
    return row


def _already(row: StoredBulletin) -> str:
    when = clock.localize(row.published_at).strftime("%m-%d %H:%M") if row.published_at else ""
    return f"{row.period}月度通报已于{when}发布（{row.published_by}），无需重复发布。"


def publish(ctx: Context, row: StoredBulletin, clicked: Card | None = None) -> str:
    """Send each unit its own part, open a rectification item per problem, close every admin's card."""
    session = ctx.session
    if row.status == PUBLISHED:
        close_cards(session, row, "已发布", clicked)
        return _already(row)
    b = serial.from_json(row.data)
    b.rectify_by = workdays.add_workdays(clock.today(), DEFAULT_WORKDAYS, session)
    b.issued_on = clock.today()
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_([f.unit_id for f in b.units])))}
    items, unreached = 0, []
    for fig in b.units:
        unit = units.get(fig.unit_id)
        if unit is None:
            continue
        fig.item_ids = [create_item(session, unit=unit, problem=problem, by=ctx.userid, source=BULLETIN,
                                    source_ref=row.month, deadline=b.rectify_by, tell=False).id
                         if rectifiable(problem) else None for problem in fig.problems]
        items += sum(1 for i in fig.item_ids if i)
        people = reachable(unit_people(session, unit.id))
        if not people:
            unreached.append(unit.name)
        outbox.push_text(session, people, unit_part(b, unit.id),  # one text, its items named
                         dedupe_key=f"bulletin:{row.id}:unit:{unit.id}")
    before = {"status": row.status}
    row.status, row.published_at, row.published_by = PUBLISHED, clock.now(), ctx.person.name
    row.data = serial.to_json(b)
    ctx.audit("bulletin.publish", "bulletin", row.id, before,
              {"status": PUBLISHED, "month": row.month, "units": len(b.units), "rectifications": items,
               "rectify_by": b.rectify_by.isoformat()})
    close_cards(session, row, f"{ctx.person.name}已发布", clicked, publisher=ctx.person)
    opened = f"建立整改事项{items}项（{b.rectify_by.isoformat()}前整改）" if items else "没有建立整改事项"
    answer = f"{row.period}月度通报已发布：{len(b.units) - len(unreached)}个单位已收到本单位的通报，{opened}。"
    if unreached:  # no one would know: the admin has to tell them another way
        answer += (f"\n{'、'.join(unreached)}在通讯录中没有能收到消息的单位负责人或工作人员，没有收到本单位的通报"
                   f"{'（整改事项已建立）' if items else ''}。请另行通知，并请该单位在通讯录中补充人员。")
    return answer


def close_cards(session, row: StoredBulletin, label: str, clicked: Card | None, publisher=None) -> None:
    """Grey every admin's 发布 card; when it is `publisher` who published, the other admins whose card can no longer
    be greyed (its ResponseCode used up or older than 72 hours) are told in a text instead."""
    instead = (f"{row.period}月度通报已由{publisher.name}发布，无需您再发布。这张卡片已失效，卡片上如果仍显示按钮，"
               "也不用再点。") if publisher is not None else None
    for card in session.scalars(select(Card).where(Card.kind == CARD_KIND, Card.ref_id == row.id,
                                                   Card.status == "open")):
        if clicked is not None and card.task_id == clicked.task_id:
            card.status, card.result = "closed", label
            continue
        theirs = publisher is None or card.userid.lower() != publisher.userid.lower()
        outbox.push_card_update(session, card, button_label=label, instead=instead if theirs else None)
    if clicked is not None and clicked.status == "open":
        clicked.status, clicked.result = "closed", label
