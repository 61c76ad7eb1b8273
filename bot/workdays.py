"""Working days on the official Chinese calendar (holidays and 调休 make-up days).

Uses the `chinesecalendar` package. For a year it does not cover yet, the bureau can
enter the State Council's schedule (`flask --app bot calendar set …`, stored in the
`calendar_day` table); until then plain weekdays are used and `covered()` says so.
"""
from __future__ import annotations

import time
from datetime import date, timedelta

import logging

import chinese_calendar
from sqlalchemy import select

from bot import db
from models.calendar import CalendarDay

log = logging.getLogger("bot.workdays")

_cache: tuple[float | None, dict[date, bool]] = (None, {})  # (loaded at, days); None: never loaded
CACHE_SECONDS = 300


def _overrides(session=None) -> dict[date, bool]:
    """Bureau-entered days, cached. Pass the caller's session when inside a transaction: on SQLite
    a second transaction would wait for the caller's write lock (busy_timeout) and then fail."""
    global _cache
    loaded_at, days = _cache
    if loaded_at is None or time.monotonic() - loaded_at > CACHE_SECONDS:
        # A raw autocommit read: inside a callback on SQLite a new transaction would wait
        # (BEGIN IMMEDIATE, busy_timeout 15 s) for the caller's own write lock.
        try:
            if session is not None:
                days = {row.day: row.is_workday for row in session.scalars(select(CalendarDay))}
            else:
                raw = db.get_engine().raw_connection()
                try:
                    cursor = raw.cursor()
                    cursor.execute("SELECT day, is_workday FROM calendar_day")
                    days = {date.fromisoformat(str(day)[:10]): bool(flag) for day, flag in cursor.fetchall()}
                finally:
                    raw.close()
        except Exception as exc:  # no database yet (first migration): weekdays and the package only
            log.warning("calendar overrides unavailable: %s", type(exc).__name__)
            return {}
        _cache = (time.monotonic(), days)
    return days


def prime(session) -> None:
    """Load the bureau-entered days with the caller's session when the cache is stale.

    Call this before working-day arithmetic inside an open transaction (same as passing
    `session=` to `is_workday`/`add_workdays`): on SQLite a second transaction would wait for the
    caller's write lock."""
    _overrides(session)


def forget_cache() -> None:
    global _cache
    _cache = (None, {})


def package_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


def covered(year: int) -> bool:
    """True when the official schedule for `year` is known (package or bureau-entered)."""
    return package_covers(year) or any(d.year == year for d in _overrides())


def is_workday(day: date, session=None) -> bool:
    overrides = _overrides(session)
    if day in overrides:
        return overrides[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_workdays(start: date, count: int, session=None) -> date:
    """The `count`-th working day after `start` (start itself not counted)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_workday(day, session):
            count -= 1
    return day


def workdays_between(start: date, end: date) -> int:
    """Working days in (start, end]."""
    return sum(1 for n in range((end - start).days) if is_workday(start + timedelta(days=n + 1)))


WEEKDAY_NAMES = "一二三四五六日"


def day_label(day: date, today: date | None = None, session=None) -> str:
    """「11月30日（周一）」 — a deadline people can act on. The year only when it is not `today`'s; a weekend day
    that is worked (调休) says so, or nobody would believe a Saturday deadline."""
    text = f"{day.month}月{day.day}日" if today is not None and day.year == today.year \
        else f"{day.year}年{day.month}月{day.day}日"
    note = f"周{WEEKDAY_NAMES[day.weekday()]}"
    if day.weekday() >= 5 and is_workday(day, session):
        note += "，调休上班"
    return f"{text}（{note}）"


def next_workday(day: date) -> date:
    return add_workdays(day, 1)


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_workday_of_week(day: date) -> date | None:
    """The last working day of the Monday–Sunday week containing `day` (None: no working day)."""
    monday = week_monday(day)
    for n in range(6, -1, -1):
        candidate = monday + timedelta(days=n)
        if is_workday(candidate):
            return candidate
    return None


def first_workday_of_month(year: int, month: int) -> date:
    day = date(year, month, 1)
    while not is_workday(day):
        day += timedelta(days=1)
    return day
