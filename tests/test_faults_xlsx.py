"""Spreadsheet-formula text in every field that ends up in an .xlsx, and path characters in the names of
files pushed to WeCom: read back with openpyxl, no formula cells, the text kept; file names neutralised.
Adding a workbook (e.g. the approvals') is one more test in the same shape."""
from __future__ import annotations

import dataclasses
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot import outbox
from bot.text_clean import clean_text
from bot.bulletin import evaluate
from bot.bulletin.workbook import workbook_xlsx
from models.account import Account
from models.org import Unit
from models.outbox import OutboxFile
from tests.bulletin_sample import bulletin
from tests.oversight_helpers import add_account

pytestmark = pytest.mark.faults

FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1)", "-1+1", "@x", "=HYPERLINK(\"http://evil\",\"点我\")", "\t=1+1"]


def _cells(wb):
    for ws in wb:
        for row in ws.iter_rows():
            yield from row


def assert_no_formula_and_kept(data: bytes, expected: list[str]) -> None:
    wb = load_workbook(BytesIO(data))
    formulas = [(c.parent.title, c.coordinate, c.value) for c in _cells(wb) if c.data_type == "f"]
    assert not formulas, formulas
    values = {c.value for c in _cells(wb) if isinstance(c.value, str)}
    missing = [text for text in expected if text not in values]
    assert not missing, missing
    quoted = [c for c in _cells(wb) if isinstance(c.value, str) and c.value in expected]
    assert all(c.quotePrefix for c in quoted if c.value[0] in "=+-@\t"), "a formula-looking text without quote prefix"


def _exported_file(bot, userid: str) -> bytes:
    bot.deliver()
    files = [m for m in bot.fake.messages_to(userid) if m["msgtype"] == "file"]
    assert files, bot.fake.messages_to(userid)
    return bot.fake._files[files[-1]["content"]["media_id"]][1]


TEXT_COLUMNS = ["name", "function", "url", "platform_account_id", "operator", "contact"]


def test_registry_export_neutralises_formulas_in_every_text_field(bot):
    expected = []
    for i, formula in enumerate(FORMULAS):
        account_id = add_account(bot, name=formula, platform="微信公众号" if i % 2 else "抖音")
        with bot.db() as s:
            account = s.get(Account, account_id)
            for column in TEXT_COLUMNS[1:]:
                setattr(account, column, f"{formula}"[: 40 if column == "contact" else 120])
        expected.append(formula)
    with bot.db() as s:  # a unit name (from the WeCom directory) is exported too
        s.scalar(select(Unit).where(Unit.name == "抚松县教育局")).name = "=1+2 抚松县教育局"
    expected.append("=1+2 抚松县教育局")
    reply = bot.send("zsj_admin", "导出台账")
    assert "台账已生成" in reply, reply
    assert_no_formula_and_kept(_exported_file(bot, "zsj_admin"), expected)


def test_bulletin_workbook_neutralises_formulas_in_names(cfg):
    b = bulletin()
    names = {}
    for i, unit in enumerate(b.units):
        names[unit.unit_name] = FORMULAS[i % len(FORMULAS)] + f" 单位{i}"
    rename = lambda row, field: dataclasses.replace(row, **{field: names.get(getattr(row, field), getattr(row, field))})
    b = dataclasses.replace(
        b, units=[rename(u, "unit_name") for u in b.units],
        accounts=[dataclasses.replace(rename(a, "unit_name"), name=FORMULAS[i % len(FORMULAS)] + f" 号{i}")
                  for i, a in enumerate(b.accounts)],
        reports=[rename(r, "unit_name") for r in b.reports],
        approvals=[dataclasses.replace(rename(a, "unit_name"), account_name=f"@{a.account_name}") for a in b.approvals])
    expected = list(names.values()) + [a.name for a in b.accounts] + [a.account_name for a in b.approvals]
    assert_no_formula_and_kept(workbook_xlsx(evaluate(b)), expected)


@pytest.mark.parametrize("name, shown", [
    ("../../etc/passwd", "etcpasswd"),
    ("a/b\\c:d*?.xlsx", "abcd.xlsx"),
    ("台账\x00.xlsx", "台账.xlsx"),
    ("报表\u202excod.xlsx", "报表xcod.xlsx"),
    ("..", "file"),
    ("长" * 300 + ".xlsx", "长" * 115 + ".xlsx"),
])
def test_path_characters_in_pushed_file_names_are_neutralised(bot, name, shown):
    with bot.db() as s:
        outbox.push_file(s, "zsj_admin", name, b"PK\x03\x04 some bytes")
    with bot.db() as s:
        assert s.scalar(select(OutboxFile.filename)) == shown
    bot.deliver()
    [message] = [m for m in bot.fake.messages_to("zsj_admin") if m["msgtype"] == "file"]
    received, data = bot.fake._files[message["content"]["media_id"]]
    assert received == shown and data == b"PK\x03\x04 some bytes"


def test_registry_export_stays_valid_with_hostile_text(bot):
    """Text that reached the database another way (an import, the CLI, older data) may hold control
    characters, which openpyxl refuses to write: the export drops them and keeps everything else."""
    from tests.test_faults_hostile import HOSTILE
    for kind, text in HOSTILE.items():
        account_id = add_account(bot, name=f"{kind}号")
        with bot.db() as s:
            account = s.get(Account, account_id)
            account.function = text
            account.operator = text[:120]
    assert "台账已生成" in bot.send("zsj_admin", "导出台账")
    wb = load_workbook(BytesIO(_exported_file(bot, "zsj_admin")))
    values = {c.value for c in _cells(wb) if isinstance(c.value, str)}
    for text in HOSTILE.values():
        assert clean_text(text) in values, text[:40]
    assert not [c for c in _cells(wb) if c.data_type == "f"]


def test_bulletin_workbook_stays_valid_with_hostile_names(cfg):
    from tests.test_faults_hostile import HOSTILE
    b = bulletin()
    texts = list(HOSTILE.values())
    b = dataclasses.replace(b, accounts=[dataclasses.replace(a, name=texts[i % len(texts)][:200])
                                         for i, a in enumerate(b.accounts)])
    wb = load_workbook(BytesIO(workbook_xlsx(evaluate(b))))
    values = {c.value for c in _cells(wb) if isinstance(c.value, str)}
    assert all(clean_text(a.name) in values for a in b.accounts)
    assert not [c for c in _cells(wb) if c.data_type == "f"]
