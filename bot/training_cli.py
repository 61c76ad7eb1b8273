"""`flask --app bot training import FILE.xlsx`: load the training ledger (培训台账) from a workbook.

One row per attendee. Headers (first row, any order): 日期, 主题, 组织单位, 姓名; optional 单位
(to tell people with the same name apart) and 账号 (企业微信账号, wins over 姓名). Rows of the same
date, topic and organiser form one training. Re-importing a file adds nothing twice.
"""
from __future__ import annotations

import re
from datetime import date, datetime

import click
from sqlalchemy import select

from bot import clock, db
from bot.cli_error import Commands, Refused
from models import audit
from models.org import Person, Unit, find_person
from models.training import Training, add_attendees, find_training

cli = Commands("training", help="培训台账")

HEADERS = {"日期": "held_on", "培训日期": "held_on", "主题": "topic", "培训主题": "topic", "组织单位": "organiser",
           "组织者": "organiser", "姓名": "name", "参训人员": "name", "单位": "unit", "所在单位": "unit",
           "账号": "userid", "企业微信账号": "userid"}
REQUIRED = ("held_on", "topic", "organiser")


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False), metavar="文件")
def import_cmd(path):
    """从 .xlsx 导入培训台账（每行一名参训人员）；重复导入不会重复记录。"""
    rows = read_rows(path)
    with db.transaction() as session:
        added, problems = import_rows(session, rows)
    for problem in problems:
        click.echo(problem)
    click.echo(f"导入完成：新增参训记录 {added} 条，{len(problems)} 行未导入。")


def read_rows(path: str) -> list[tuple[int, dict]]:
    values = _sheet_values(path)
    if not values:
        raise Refused("表格是空的。")
    columns = {i: HEADERS[str(h).strip()] for i, h in enumerate(values[0]) if h and str(h).strip() in HEADERS}
    missing = [k for k in (*REQUIRED, "name") if k not in columns.values()]
    if missing and not ("name" in missing and "userid" in columns.values() and len(missing) == 1):
        raise Refused("第1行缺少表头：" + "、".join(k for k in ("日期", "主题", "组织单位", "姓名")
                                                           if HEADERS.get(k) in missing))
    out = []
    for number, row in enumerate(values[1:], start=2):
        record = {key: row[i] for i, key in columns.items() if i < len(row)}
        if any(v not in (None, "") for v in record.values()):
            out.append((number, record))
    return out


def _sheet_values(path: str) -> list[tuple]:
    """The first sheet's rows; a file that is no workbook (a .txt, a CSV or an .xls renamed) stops with one line."""
    from models.org_files import FileProblem, open_workbook
    try:
        book = open_workbook(path)
    except FileProblem as exc:
        raise Refused(str(exc)) from None
    try:
        return list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


# 2026-11-05, 2026/11/5, 2026.11.5, 2026年11月5日 (a date typed into a text cell), 20261105
TYPED_DAY = re.compile(r"(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{2})(\d{2}))")


def _day(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    said = TYPED_DAY.fullmatch(str(value or "").strip())
    if said is None:
        return None
    year, month, day = (int(n) for n in (said[1], said[2] or said[4], said[3] or said[5]))
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _person(session, record: dict) -> tuple[Person | None, str | None]:
    userid = str(record.get("userid") or "").strip()
    if userid:
        person = find_person(session, userid)
        return (person, None) if person else (None, f"账号 {userid} 不在通讯录中")
    name = str(record.get("name") or "").strip()
    stmt = select(Person).where(Person.name == name, Person.active)
    unit = str(record.get("unit") or "").strip()
    if unit:
        stmt = stmt.join(Unit).where(Unit.name.contains(unit))
    people = list(session.scalars(stmt.order_by(Person.id)))  # the same order on every database
    if len(people) == 1:
        return people[0], None
    if not people:
        return None, f"通讯录中没有{unit}{name}"
    if unit:  # 「教育局」 names a unit in each county: the clerk did fill it in
        units = "、".join(dict.fromkeys(p.unit.name for p in people))
        return None, f"通讯录中有{len(people)}位「{name}」（{units}），请在「单位」列写单位全称，或填写「账号」列"
    return None, f"通讯录中有{len(people)}位「{name}」，请填写「单位」或「账号」列"


def import_rows(session, rows: list[tuple[int, dict]]) -> tuple[int, list[str]]:
    added, problems = 0, []
    for number, record in rows:
        held = _day(record.get("held_on"))
        topic = str(record.get("topic") or "").strip()
        organiser = str(record.get("organiser") or "").strip()
        if held is None or not topic or not organiser:
            problems.append(f"第{number}行：日期、主题、组织单位不完整或日期无法识别")
            continue
        if held > clock.today():  # as 培训登记: the ledger holds trainings already held (a mistyped year)
            problems.append(f"第{number}行：日期 {held.isoformat()} 晚于今天，培训台账只记录已经举办的培训")
            continue
        person, problem = _person(session, record)
        if person is None:
            problems.append(f"第{number}行：{problem}")
            continue
        training = find_training(session, held, topic, organiser)
        if training is None:
            training = Training(held_on=held, topic=topic[:200], organiser=organiser[:120], source="导入",
                                created_by="cli:training import", created_at=clock.now())
            session.add(training)
            session.flush()
        added += add_attendees(session, training, [person])
    audit.record(session, actor="cli:training import", action="training.import", entity="training",
                 after={"added": added, "problems": len(problems)})
    return added, problems
