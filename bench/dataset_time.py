"""The generated dataset's calendar: its weeks, its "now", Beijing-time moments and working days.

Working days follow the official calendar (the `chinesecalendar` package, weekdays for years it does
not cover) — the bot's `bot.workdays` without the bureau-entered overrides, which a freshly
generated database does not have. Kept free of database access so that generation is deterministic.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import chinese_calendar

REPORTED_WEEK = date(2026, 11, 16)  # the last week with reports (a Monday)
CURRENT_WEEK = REPORTED_WEEK + timedelta(days=7)  # no reports yet
NOW = datetime(CURRENT_WEEK.year, CURRENT_WEEK.month, CURRENT_WEEK.day, 8, 0)  # local: everything happened before


def utc(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A Beijing-time moment on `day` as naive UTC (as the UTCDateTime columns store it)."""
    return to_utc(datetime(day.year, day.month, day.day, hour, minute))


def to_utc(local: datetime) -> datetime:
    """A naive Beijing-time moment as naive UTC."""
    return local - timedelta(hours=8)


def is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_workdays(day: date, count: int) -> date:
    """The `count`-th working day after `day` (as bot.workdays.add_workdays)."""
    while count > 0:
        day += timedelta(days=1)
        if is_workday(day):
            count -= 1
    return day


def workday_between(rng: random.Random, first: date, last: date) -> date:
    """A random working day in [first, last], about uniform (the first working day after `last` if none)."""
    span = max(0, (last - first).days)
    for _ in range(20):  # redraw rather than move to the next working day: Mondays would get three times their share
        day = first + timedelta(days=rng.randint(0, span))
        if is_workday(day):
            return day
    day = first
    while day <= last:
        if is_workday(day):
            return day
        day += timedelta(days=1)
    return add_workdays(max(first, last), 1)


def office_hours(rng: random.Random, day: date) -> datetime:
    """A local moment on `day` between 08:30 and 17:59."""
    return datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59)) + \
        timedelta(minutes=30 if rng.random() < 0.1 else 0)


def later(rng: random.Random, moment: datetime, max_workdays: int = 3) -> datetime:
    """A local moment after `moment`: the same afternoon or up to `max_workdays` working days later."""
    days = rng.randint(0, max_workdays)
    if days == 0:
        return moment + timedelta(minutes=rng.randint(15, 240))
    return office_hours(rng, add_workdays(moment.date(), days))
