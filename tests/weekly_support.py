"""Shared set-up for the weekly report tests: demo accounts plus a third account for 教育局."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from bot import clock
from models.account import NORMAL, Account
from models.org import Person, Unit
from models.weekly import WeeklyReport
from sim import demo

EDU = "抚松县教育局"


def seed(bot) -> dict[str, int]:
    """Demo accounts, plus 抚松教育（微博）opened 2024-01-01; returns {label: account id}."""
    with bot.db() as s:
        demo.seed_accounts(s)
        unit = s.scalar(select(Unit).where(Unit.name == EDU))
        zhang = s.scalar(select(Person).where(Person.userid == "jy_zhang"))
        s.add(Account(name="抚松教育", platform="微博", unit=unit, responsible=zhang, status=NORMAL,
                      opened_on=date(2024, 1, 1)))
        s.flush()
        return {f"{a.name}（{a.platform}）": a.id for a in s.scalars(select(Account))}


def at(*args) -> None:
    """Move the clock to a Beijing time."""
    clock.set_now(datetime(*args))


def report_of(s, unit_name: str, week: date) -> WeeklyReport | None:
    unit = s.scalar(select(Unit).where(Unit.name == unit_name))
    return s.scalar(select(WeeklyReport).where(WeeklyReport.unit_id == unit.id, WeeklyReport.week == week))
