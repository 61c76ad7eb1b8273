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


def file_report(bot, unit_name: str, userid: str, week: date, rows: dict[str, tuple]) -> None:
    """Save a report directly at the current (moved) clock: {label: (posts, originals, latest, received, answered)}."""
    from models.weekly import save_report
    with bot.db() as s:
        unit = s.scalar(select(Unit).where(Unit.name == unit_name))
        person = s.scalar(select(Person).where(Person.userid == userid))
        accounts = {f"{a.name}（{a.platform}）": a for a in s.scalars(select(Account).where(Account.unit_id == unit.id))}
        entries = [{"account_id": accounts[label].id, "posts": p, "originals": o, "latest_post_on": latest,
                    "messages_received": r, "messages_answered": a, "problems": None}
                   for label, (p, o, latest, r, a) in rows.items()]
        save_report(s, unit=unit, week=week, entries=entries, person=person)


def set_last_update(bot, label: str, day: date | None) -> None:
    with bot.db() as s:
        for account in s.scalars(select(Account)):
            if f"{account.name}（{account.platform}）" == label:
                account.last_update_on = day
