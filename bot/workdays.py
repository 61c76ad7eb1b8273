"""Working days on the official Chinese calendar (holidays and 调休 make-up days).

Uses the `chinesecalendar` package. For a year it does not cover yet, the bureau can
enter the State Council's schedule (`flask --app bot calendar set …`, stored in the
`calendar_day` table); until then plain weekdays are used and `covered()` says so.
"""
from __future__ import annotations

import time
from datetime import date, timedelta

import chinese_calendar
from sqlalchemy import select

from bot import db

_cache: tuple[float, dict[date, bool]] = (0.0, {})
CACHE_SECONDS = 300


def _overrides() -> dict[date, bool]:
    global _cache
    loaded_at, days = _cache
    if time.monotonic() - loaded_at > CACHE_SECONDS:
        from models.calendar import CalendarDay
        try:
            with db.transaction() as session:
                days = {row.day: row.is_workday for row in session.scalars(select(CalendarDay))}
        except Exception:
            days = {}
        _cache = (time.monotonic(), days)
    return days


def prime(session) -> None:
    """Load the bureau-entered days with the caller's session when the cache is stale.

    Call this before working-day arithmetic inside an open transaction: on SQLite a second
    transaction would wait for the caller's write lock (15 s) and then fall back to no overrides."""
    global _cache
    from models.calendar import CalendarDay
    if time.monotonic() - _cache[0] > CACHE_SECONDS:
        _cache = (time.monotonic(), {row.day: row.is_workday for row in session.scalars(select(CalendarDay))})


def forget_cache() -> None:
    global _cache
    _cache = (0.0, {})


def package_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


def covered(year: int) -> bool:
    """True when the official schedule for `year` is known (package or bureau-entered)."""
    return package_covers(year) or any(d.year == year for d in _overrides())


def is_workday(day: date) -> bool:
    overrides = _overrides()
    if day in overrides:
        return overrides[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_workdays(start: date, count: int) -> date:
    """The `count`-th working day after `start` (start itself not counted)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_workday(day):
            count -= 1
    return day


def workdays_between(start: date, end: date) -> int:
    """Working days in (start, end]."""
    return sum(1 for n in range((end - start).days) if is_workday(start + timedelta(days=n + 1)))


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
