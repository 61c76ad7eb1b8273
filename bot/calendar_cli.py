"""`flask --app bot calendar set|unset|show`: the bureau enters the official schedule itself.

For a year the `chinesecalendar` package does not cover yet, the bureau types in the State
Council's holiday notice day by day (调休上班 and 放假 days); `bot.workdays` reads them.
"""
from __future__ import annotations

from datetime import date

import click
from sqlalchemy import select

from bot import clock, db, workdays
from bot.cli_error import Commands, Refused
from models import audit
from models.calendar import CalendarDay

cli = Commands("calendar", help="工作日历（法定节假日与调休）")

KINDS = {"上班": True, "工作日": True, "休息": False, "放假": False}
ACTOR = "cli:calendar"


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(f"「{text}」不是日期，请写成 YYYY-MM-DD，例如 2027-10-09") from None


def set_day(session, day: date, is_workday: bool, note: str | None) -> CalendarDay:
    """Insert or replace one day's entry, with an audit row."""
    row = session.get(CalendarDay, day)
    before = None if row is None else {"is_workday": row.is_workday, "note": row.note}
    if row is None:
        row = CalendarDay(day=day, is_workday=is_workday, note=note)
        session.add(row)
    else:
        row.is_workday, row.note = is_workday, note
    audit.record(session, actor=ACTOR, action="calendar.set", entity="calendar_day", entity_id=day.isoformat(),
                 before=before, after={"is_workday": is_workday, "note": note})
    return row


@cli.command("set")
@click.argument("day", metavar="日期")
@click.argument("kind", metavar="类型")
@click.argument("note", nargs=-1, metavar="[备注]...")
def calendar_set(day, kind, note):
    """登记一天：YYYY-MM-DD 上班|休息 [备注]（例如 2027-02-07 上班 春节调休）。"""
    when = parse_day(day)
    if kind not in KINDS:
        raise click.BadParameter(f"「{kind}」无法识别，请写「上班」或「休息」", param_hint="类型")
    text = " ".join(note).strip()[:60] or None
    with db.transaction() as session:
        set_day(session, when, KINDS[kind], text)
    workdays.forget_cache()
    label = "上班" if KINDS[kind] else "休息"
    click.echo(f"已登记：{when.isoformat()}（{_weekday(when)}）{label}{'，' + text if text else ''}")
    if workdays.package_covers(when.year):
        click.echo(f"注意：{when.year} 年的官方日历已内置，这一天的登记会覆盖内置日历。")


@cli.command("unset")
@click.argument("day", metavar="日期")
def calendar_unset(day):
    """删除一天的登记，恢复按内置日历（或按周一至周五）计算。"""
    when = parse_day(day)
    with db.transaction() as session:
        row = session.get(CalendarDay, when)
        if row is None:
            raise Refused(f"{when.isoformat()} 没有登记过。")
        audit.record(session, actor=ACTOR, action="calendar.unset", entity="calendar_day",
                     entity_id=when.isoformat(), before={"is_workday": row.is_workday, "note": row.note})
        session.delete(row)
    workdays.forget_cache()
    click.echo(f"已删除 {when.isoformat()} 的登记。")


@cli.command("show")
@click.argument("year", type=click.IntRange(2000, 2100), required=False, metavar="[年份]")
def calendar_show(year):
    """显示某年的日历来源与登记的日子（默认今年）。年份写四位数，如 2027。"""
    year = year or clock.today().year
    with db.transaction() as session:
        rows = list(session.scalars(select(CalendarDay).where(
            CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)).order_by(CalendarDay.day)))
        entries = [(r.day, r.is_workday, r.note) for r in rows]
    for line in describe_year(year, entries):
        click.echo(line)


def describe_year(year: int, entries: list[tuple[date, bool, str | None]]) -> list[str]:
    if workdays.package_covers(year):
        lines = [f"{year} 年：已内置官方节假日安排（chinesecalendar）。"]
    elif entries:
        lines = [f"{year} 年：内置日历未覆盖，使用下面登记的安排。"]
    else:
        lines = [f"{year} 年：尚未覆盖！内置日历没有这一年，也没有登记，目前按周一至周五计算工作日。",
                 "请按国务院办公厅节假日安排通知逐日登记，例如：",
                 f"  flask --app bot calendar set {year}-10-01 休息 国庆节",
                 f"  flask --app bot calendar set {year}-10-10 上班 国庆调休"]
    if entries:
        lines.append(f"登记的日子（{len(entries)} 天，优先于内置日历）：")
        lines += [f"  {d.isoformat()} {_weekday(d)} {'上班' if w else '休息'} {n or ''}".rstrip()
                  for d, w, n in entries]
    return lines


def _weekday(day: date) -> str:
    return "周" + "一二三四五六日"[day.weekday()]
