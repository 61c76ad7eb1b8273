"""Shared helpers for registry tests: seeded accounts and files received through the fake WeCom."""
from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from models.account import Account
from models.org import Person, Unit
from sim import demo


def seed_accounts(bot) -> None:
    with bot.db() as s:
        demo.seed_accounts(s)


def add_account(bot, unit_name: str, name: str, platform: str, **fields) -> int:
    with bot.db() as s:
        unit = s.scalar(select(Unit).where(Unit.name == unit_name))
        responsible = fields.pop("responsible", None)
        account = Account(name=name, platform=platform, unit=unit, status=fields.pop("status", "正常"), **fields)
        if responsible:
            account.responsible = s.scalar(select(Person).where(Person.userid == responsible))
        s.add(account)
        s.flush()
        return account.id


def received_files(bot, userid: str) -> list[tuple[str, bytes]]:
    files = []
    for message in bot.inbox(userid):
        if message["msgtype"] == "file":
            files.append(bot.fake._files[message["content"]["media_id"]])
    return files


def workbook_of(data: bytes):
    return load_workbook(BytesIO(data))
