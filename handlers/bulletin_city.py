"""The city bureau reading its counties' monthly bulletins (查看通报) and year-end assessments (年度考核).

The city receives the counties' filings, issues rectification items and takes measures in every county (its
通报批评 are listed in their bulletins), so it reads what the counties published: the published bulletins, and
the assessment (which says plainly which months are not published yet). A draft is the county's own working copy
until its admin publishes it, so 查看通报 does not show the city drafts; the county generates and publishes
(handlers/bulletin.py)."""
from __future__ import annotations

from sqlalchemy import select

from bot.bulletin import serial
from bot.bulletin.text import public_ranking
from bot.router import Context
from handlers.oversight_util import place_of
from models.bulletin import PUBLISHED, StoredBulletin, find
from models.org import CITY_BUREAU, Unit, counties_of

SHOWN = 6  # published months listed per county


def city_of(ctx: Context) -> Unit | None:
    """The asker's city bureau, when he is one of its bureau users."""
    unit = ctx.person.unit
    return unit if ctx.person.is_bureau_user and unit.kind == CITY_BUREAU else None


def counties(ctx: Context, city: Unit) -> list[Unit]:
    return counties_of(ctx.session, city)


def county_named(ctx: Context, city: Unit, words: list[str], usage: str) -> tuple[Unit | None, list[str]]:
    """The county a word of `words` names (「抚松」, 「抚松县」) and the other words; with one county in the city
    it needs no name. None (after saying which counties there are) when none or several are named."""
    found = counties(ctx, city)
    for i, word in enumerate(words):
        named = [c for c in found if word.removesuffix("县") in c.name]
        if len(named) == 1:
            return named[0], words[:i] + words[i + 1:]
    if len(found) == 1:
        return found[0], words
    names = "、".join(c.name for c in found) or "（没有）"
    ctx.reply(f"请写明是哪个县的，例如「{usage.format(county=place_of(found[0]) if found else '抚松')}」。"
              f"本市的县政数局：{names}。")
    return None, words


def published(ctx: Context, county: Unit) -> list[StoredBulletin]:
    return list(ctx.session.scalars(
        select(StoredBulletin).where(StoredBulletin.bureau_id == county.id, StoredBulletin.status == PUBLISHED)
        .order_by(StoredBulletin.month.desc()).limit(SHOWN)))


def city_view(ctx: Context, city: Unit, args: str, send_copy, month_of) -> None:
    """查看通报 from the city: each county's published months (and the latest ranking of a county named), or
    a copy of one county's published month (「查看通报 抚松 2026-11」)."""
    words = args.split()
    month = next((key for word in words if (key := month_of(word))), None)
    rest = [word for word in words if not month_of(word)]
    if not rest and month is None and len(counties(ctx, city)) != 1:
        return _all_counties(ctx, city)
    county, _rest = county_named(ctx, city, rest, "查看通报 {county} 2026-11")
    if county is None:
        return None
    if month is not None:
        row = find(ctx.session, county.id, month)
        if row is None or row.status != PUBLISHED:
            ctx.reply(f"{county.name}{month}的月度通报还没有发布（未发布的草稿由县政数局核对，市政数局看不到）。"
                      f"回复「查看通报 {place_of(county)}」查看已发布的月份。")
            return None
        return send_copy(ctx, county.id, month)
    rows = published(ctx, county)
    if not rows:
        ctx.reply(f"{county.name}还没有发布过月度通报。")
        return None
    ranking = public_ranking(serial.from_json(rows[0].data))
    ctx.reply("\n".join([f"{county.name}已发布的月度通报：", *(f"· {r.month}" for r in rows),
                         f"{rows[0].month}得分排名：", *ranking[:20],
                         f"回复「查看通报 {place_of(county)} {rows[0].month}」把该月的通报表和通报稿发给您。"]))
    return None


def _all_counties(ctx: Context, city: Unit) -> None:
    lines = ["各县已发布的月度通报（草稿由各县政数局核对后发布）："]
    for county in counties(ctx, city):
        rows = published(ctx, county)
        lines.append(f"· {county.name}：" + ("、".join(r.month for r in rows) if rows else "还没有发布过"))
    lines.append("回复「查看通报 县名」看该县最近一期的得分排名，「查看通报 县名 月份」（如「查看通报 抚松 2026-11」）"
                 "把该月的通报表和通报稿发给您。")
    ctx.reply("\n".join(lines))
    return None
