"""Shared set-up for the oversight tests: accounts in the demo directory, running jobs for a day."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from bot import clock
from models.account import NORMAL, Account
from models.org import Person, Unit

EDU = "抚松县教育局"
HEALTH = "抚松县卫生健康局"


def unit_id(session, name: str) -> int:
    return session.scalar(select(Unit.id).where(Unit.name == name))


def person_id(session, userid: str) -> int:
    return session.scalar(select(Person.id).where(Person.userid == userid))


def add_account(bot, *, unit: str = EDU, name: str = "抚松教育", platform: str = "微信公众号",
                responsible: str | None = "jy_zhang", status: str = NORMAL, opened_on: date | None = date(2020, 1, 1),
                last_update_on: date | None = None, imported_at: datetime | None = None) -> int:
    with bot.db() as s:
        account = Account(name=name, platform=platform, unit_id=unit_id(s, unit), status=status,
                          responsible_id=person_id(s, responsible) if responsible else None,
                          opened_on=opened_on, last_update_on=last_update_on, imported_at=imported_at)
        s.add(account)
        s.flush()
        return account.id


def at(day: date, hour: int = 10, minute: int = 0) -> None:
    """Move the clock to `day` at HH:MM Beijing time."""
    clock.set_now(datetime(day.year, day.month, day.day, hour, minute))
