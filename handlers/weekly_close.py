"""关账 (closing a month: its weekly reports can no longer be corrected) and 取消关账 (reopening it)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import clock
from bot.choices import confirmed
from bot.router import END, Context, Router
from handlers.bulletin import month_of
from handlers.weekly_status import first_week
from models import weekly
from models.org import BUREAU_ADMIN, CITY_BUREAU, Unit, visible_host_units
from models.weekly import MonthClose, month_mondays

MISSING_SHOWN = 10
CITY_SAYS = ("关账由各县（市、区）政数局管理员办理，关的是本县所辖单位的周报；市局不关账。"
             "要看各县周报，回复「周报情况」。")


def register(router: Router) -> None:
    router.conversation("month_close", title="关账")

    @router.command("关账", roles={BUREAU_ADMIN}, help="该月周报不再允许修改（「关账 2026-11」）",
                    detail="「关账 2026-11」：关闭本县2026年11月，之后该月各周（以周四所在月份为准）的周报不能再修改。"
                           "该月最后一周结束后才能关账；关账前列出该月还缺的周报（关账后仍可补报，记为迟报），回复「确认」才关账。"
                           "关错了回复「取消关账 2026-11」。")
    def close_month(ctx: Context):
        bureau = _bureau(ctx)
        if bureau is None:
            ctx.reply(CITY_SAYS)
            return END
        month = _month(ctx, "关账", _closed(ctx, bureau))
        if month is None:
            return END
        if month in _closed(ctx, bureau):
            ctx.reply(f"{month} 已经关账，该月周报不能再修改（关错了回复「取消关账 {month}」）。")
            return END
        mondays = month_mondays(month)
        last_sunday = mondays[-1] + timedelta(days=6)
        if clock.today() <= last_sunday:
            ctx.reply(f"{month} 还没有结束：该月最后一周（{weekly.week_label(mondays[-1])}）{last_sunday.month}月"
                      f"{last_sunday.day}日才结束，之后才能关账。")
            return END
        began = first_week(ctx, bureau)  # weeks before it count nowhere as missing, as in the bulletin
        before = [m for m in mondays if m < began]
        missing = _missing(ctx, [m for m in mondays if m >= began])
        owed = _owed(missing, before, len(mondays))
        span = f"{weekly.week_label(mondays[0]).split('—')[0]}—{weekly.week_label(mondays[-1]).split('—')[1]}"
        ctx.reply(f"关账 {month}：{bureau.name}所辖单位该月{len(mondays)}周（{span}）的周报将不能再修改。\n{owed}")
        ctx.data = {"month": month}
        return "month_close.confirm"

    @router.state("month_close.confirm", prompt=lambda ctx: f"回复「确认」关账 {ctx.data['month']}，回复「取消」不关账。")
    def close_confirmed(ctx: Context):
        month = ctx.data["month"]
        if not confirmed(ctx, "关账", f"没有关账，{month}的周报仍可修改。"):
            return END
        bureau = _bureau(ctx)
        if month in _closed(ctx, bureau):  # closed meanwhile by another admin
            ctx.reply(f"{month} 已经关账。")
            return END
        ctx.session.add(MonthClose(bureau_id=bureau.id, month=month, closed_by=ctx.userid, closed_at=clock.now()))
        ctx.audit("weekly.close_month", "month_close", month, after={"bureau_id": bureau.id, "month": month})
        ctx.reply(f"已关账 {month}：{bureau.name}所辖单位该月的周报不能再修改。关错了回复「取消关账 {month}」。")
        return END

    @router.command("取消关账", "撤销关账", "重新开账", roles={BUREAU_ADMIN},
                    help="取消某月的关账，该月周报恢复可以修改（「取消关账 2026-11」）")
    def reopen_month(ctx: Context):
        bureau = _bureau(ctx)
        if bureau is None:
            ctx.reply(CITY_SAYS)
            return END
        closed = _closed(ctx, bureau)
        month = _month(ctx, "取消关账", closed)
        if month is None:
            return END
        row = ctx.session.scalar(select(MonthClose).where(MonthClose.bureau_id == bureau.id, MonthClose.month == month))
        if row is None:
            ctx.reply(f"{month} 没有关账，该月周报本来就可以修改。")
            return END
        ctx.audit("weekly.reopen_month", "month_close", month, before={"bureau_id": bureau.id, "month": month,
                                                                       "closed_by": row.closed_by})
        ctx.session.delete(row)
        ctx.reply(f"已取消 {month} 的关账：{bureau.name}所辖单位该月的周报恢复可以修改（仍只能修改本周和上周的）。")
        return END


def _bureau(ctx: Context) -> Unit | None:
    """The county bureau whose units' reports the asker closes; None for the city bureau, whose closing would
    touch no report (month_closed reads the unit's county bureau)."""
    unit = ctx.person.unit
    if unit.kind == CITY_BUREAU:
        return None
    return unit if unit.is_bureau else unit.supervising_bureau()


def _closed(ctx: Context, bureau: Unit) -> list[str]:
    return list(ctx.session.scalars(select(MonthClose.month).where(MonthClose.bureau_id == bureau.id)
                                    .order_by(MonthClose.month)))


def _month(ctx: Context, word: str, closed: list[str]) -> str | None:
    """「2026-11」, 「2026年11月」, 「上月」, 「11月」 → "2026-11" (as the bulletin reads a month); otherwise says what to
    write (and which months are closed). Nothing written is not this month: closing must be meant."""
    typed = ctx.args.strip()
    month = month_of(typed) if typed else None
    if month is None:
        wrong = f"「{typed[:20]}」不是月份。" if typed else ""
        ctx.reply(f"{wrong}请写明年份和月份，例如「{word} 2026-11」。" + (f"已关账：{'、'.join(closed)}。" if closed else ""))
    return month


def _owed(missing: list[str], before: list, weeks: int) -> str:
    """The reports still owed, after a word on the month's weeks before the county's first report (not counted)."""
    lines = []
    if before:
        span = f"{weekly.week_label(before[0]).split('—')[0]}—{weekly.week_label(before[-1]).split('—')[1]}"
        lines.append("该月各周都在本县启用助手之前，不计未报。" if len(before) == weeks
                     else f"{span}是本县启用助手之前，不计未报。")
    if missing:
        lines.append(f"该月还有{len(missing)}份周报未报：\n" + "\n".join(missing[:MISSING_SHOWN])
                     + (f"\n……共{len(missing)}份" if len(missing) > MISSING_SHOWN else "")
                     + "\n（关账后仍可补报，记为迟报。）")
    elif len(before) < weeks:
        lines.append("该月其余各周的周报都已报送。" if before else "该月各周的周报都已报送。")
    return "\n".join(lines)


def _missing(ctx: Context, mondays) -> list[str]:
    """「· 11月16日—11月22日 抚松县教育局」 for each report of the month still owed in the asker's part of the tree."""
    units = {u.id: u.name for u in visible_host_units(ctx.session, ctx.person)}
    owed = weekly.reports_due(ctx.session, list(units), mondays)
    return [f"· {weekly.week_label(monday)} {units[unit_id]}" for monday, (due, filed) in owed.items()
            for unit_id in sorted(due - set(filed))]
