"""Import of existing accounts from the registry spreadsheet (补办备案, 第33条).

Rows are validated first; nothing is written unless the caller accepts the errors (skip_bad).
An account is identified by (host unit, platform, name): a re-import updates the filled-in
cells of that account and never creates a second one. New accounts get status 正常, the
import time and `needs_retro_filing`; every creation and change gets an `AccountChange`
of kind 导入 and an audit row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import clock
from models import audit
from models.account import NORMAL, PLATFORMS, REGISTRY_DONE, REGISTRY_PENDING, Account, AccountChange
from models.org import HOST_UNIT, Person, Unit, find_person
from models.org_files import repeated_columns, unknown_headers

KIND_IMPORT = "导入"
REQUIRED = ("主办单位", "账号名称", "账号类型")
# header → Account attribute, for the optional columns
FIELDS = {"账号功能": "function", "主页URL/下载URL": "url", "微信biz/oid/账号ID": "platform_account_id",
          "国办登记系统单位标识码": "registry_code", "联系电话": "contact", "第三方运维机构": "operator",
          "开设日期": "opened_on", "全国系统报送状态": "registry_status", "负责人UserID": "responsible_id"}
LIMITS = {"账号名称": 120, "账号功能": 1000, "主页URL/下载URL": 500, "微信biz/oid/账号ID": 120,
          "国办登记系统单位标识码": 40, "联系电话": 40, "第三方运维机构": 120}
PLATFORM_ALIASES = {"微信": "微信公众号", "公众号": "微信公众号", "头条": "今日头条", "新浪微博": "微博",
                    "APP": "移动客户端", "App": "移动客户端", "app": "移动客户端", "客户端": "移动客户端",
                    "微信小程序": "小程序"}
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
PHONE = re.compile(r"^[0-9+\-（）() 、,，/转]{5,40}$")
PERSONAL = {"contact"}  # kept out of audit rows


def accepted_headers(headers) -> list[str]:
    """The template's columns, and those of an exported registry (「导出台账」, imported back: its other columns
    are ignored). The export's 「负责人」 (a name) only beside 「负责人UserID」: alone it is a renamed userid column."""
    from bot.registry_xlsx import IMPORT_HEADERS, export_headers
    known = [h for h, _w, _n in IMPORT_HEADERS]
    exported = ["序号", *(h for h in export_headers() if h not in known)]
    if "负责人UserID" not in headers:
        exported.remove("负责人")
    return known + exported


class ImportFileError(Exception):
    """The file as a whole cannot be read (not xlsx, no header row, required columns missing)."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    barred: int = 0  # accounts of units that may hold none (第8条): for 注销/关停, not 补办备案


@dataclass
class Row:
    number: int
    unit: Unit
    name: str
    platform: str
    values: dict[str, object]  # Account attribute → value, only for filled-in cells


def _norm_header(value) -> str:
    return re.sub(r"\s+", "", str(value or ""))


def _cell_text(cell) -> object:
    if cell.data_type == "f":
        raise ValueError(f"{cell.coordinate} 含公式，请改为纯文本")
    value = cell.value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return (value or "").strip() if isinstance(value, str) or value is None else value


def header_problems(header: list[str]) -> str:
    """Unknown or missing columns of the header row, or "": a renamed column would be dropped without a word."""
    from bot.registry_xlsx import IMPORT_HEADERS
    said = unknown_headers(header, accepted_headers(header), "第1行")
    said = [text.replace("不是模板中的列", "不是导入模板中的列") for text in said]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        said.append(f"第1行缺少必需的列：{'、'.join(missing)}")
    if not said:
        return ""
    return (f"{'；'.join(said)}。整个文件没有导入：请把表头改回模板中的列名（用 accounts template 生成的模板），"
            f"不需要的列请删去。可用的列：{'、'.join(h for h, _w, _n in IMPORT_HEADERS)}。")


def read_sheet(data: bytes) -> list[tuple[int, dict[str, object]]]:
    """(row number, {header: value}) for each non-empty data row."""
    try:
        wb = load_workbook(BytesIO(data))
    except Exception as exc:
        raise ImportFileError(f"无法读取文件，请确认是 .xlsx 格式（{type(exc).__name__}）") from None
    ws = wb["账号"] if "账号" in wb.sheetnames else wb.worksheets[0]
    headers = {col: _norm_header(c.value) for col, c in enumerate(ws[1]) if c.value is not None}
    problems = header_problems([_norm_header(c.value) for c in ws[1]])
    if problems:
        raise ImportFileError(problems)
    twice = repeated_columns([_norm_header(c.value) for c in ws[1]], set(headers.values()))
    if twice:
        raise ImportFileError(f"第1行{twice}：导入时无法判断用哪一列，请删去多余的列。")
    rows = []
    for cells in ws.iter_rows(min_row=2):
        record: dict[str, object] = {}
        try:
            for col, header in headers.items():
                if col < len(cells):
                    record[header] = _cell_text(cells[col])
        except ValueError as exc:
            record = {"__error__": str(exc)}
        if any(v not in ("", None) for v in record.values()):
            rows.append((cells[0].row, record))
    return rows


def _parse_date(value) -> date:
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    try:
        y, m, d = (int(p) for p in text.split("-"))
        return date(y, m, d)
    except ValueError:
        raise ValueError(f"开设日期「{value}」无法识别，请写成 YYYY-MM-DD") from None


def check_row(session: Session, number: int, record: dict, warnings: list) -> Row:
    """A validated row; raises ValueError with every reason (in Chinese, joined by 「；」) otherwise."""
    if "__error__" in record:
        raise ValueError(record["__error__"])
    problems: list[str] = [f"「{header}」未填写" for header in REQUIRED if not record.get(header)]
    problems += [f"「{header}」超过 {limit} 个字" for header, limit in LIMITS.items()
                 if len(str(record.get(header) or "")) > limit]
    unit = _host_unit(session, record, problems)
    platform = _platform(record, problems)
    values = {attr: record[header] for header, attr in FIELDS.items() if record.get(header) not in ("", None)}
    _check_values(values, problems)
    _responsible(session, values, unit, problems)
    if problems:
        raise ValueError("；".join(problems))
    if unit.is_classified or unit.is_internal:  # for closing: no point asking for its 专人
        warnings.append((number, barred_warning(unit, str(record["账号名称"]))))
    elif "responsible_id" not in values:
        warnings.append((number, "未填写负责人UserID，导入后请补充专人（第21条）"))
    return Row(number, unit, str(record["账号名称"]), platform, values)


def barred_warning(unit: Unit, name: str) -> str:
    """An account of a unit that may not hold one (第8条) is still recorded — it exists and must be closed — but the
    bureau hears at once that it is for 注销/关停, not for 补办备案."""
    what = "涉密单位" if unit.is_classified else "内设机构"
    return (f"{unit.name}是{what}，按《办法》第8条不得开设政务新媒体：账号「{name}」照样记入台账，但不能补办备案，"
            "请督促该单位申请注销或关停")


def _host_unit(session: Session, record: dict, problems: list[str]) -> Unit | None:
    if not record.get("主办单位"):
        return None
    unit = session.scalar(select(Unit).where(Unit.name == record["主办单位"]))
    if unit is None or not unit.active:
        problems.append(f"通讯录中没有单位「{record['主办单位']}」，请填写完整的单位名称")
        return None
    if unit.kind != HOST_UNIT:
        problems.append(f"「{unit.name}」是主管单位，不是主办单位")
        return None
    return unit


def _platform(record: dict, problems: list[str]) -> str | None:
    if not record.get("账号类型"):
        return None
    platform = PLATFORM_ALIASES.get(record["账号类型"], record["账号类型"])
    if platform not in PLATFORMS:
        problems.append(f"账号类型「{record['账号类型']}」无法识别，应为：{'、'.join(PLATFORMS)}")
    return platform


def _check_values(values: dict, problems: list[str]) -> None:
    """URL, phone, opening date and registry status; the date is parsed in place."""
    if "url" in values and not URL.match(values["url"]):
        problems.append(f"主页URL「{values['url'][:40]}」应以 http:// 或 https:// 开头")
    if "contact" in values and not PHONE.match(values["contact"]):
        problems.append("联系电话格式不对，只能包含数字、空格和 + - ( )")
    if "opened_on" in values:
        try:
            values["opened_on"] = _parse_date(values["opened_on"])
        except ValueError as exc:
            problems.append(str(exc))
        else:
            if values["opened_on"] > clock.today():
                problems.append(f"开设日期 {values['opened_on'].isoformat()} 晚于今天")
    if "registry_status" in values and values["registry_status"] not in (REGISTRY_DONE, REGISTRY_PENDING):
        problems.append(f"全国系统报送状态应为「{REGISTRY_DONE}」或「{REGISTRY_PENDING}」")


def _responsible(session: Session, values: dict, unit: Unit | None, problems: list[str]) -> None:
    """The responsible person's userid becomes their id: registered, in service and in the account's unit."""
    if "responsible_id" not in values:
        return
    person = find_person(session, values["responsible_id"])  # userids ignore case
    if person is None:
        problems.append(f"负责人UserID「{values['responsible_id']}」不在通讯录中")
    elif not person.active:
        problems.append(f"负责人 {person.name}（{person.userid}）已停用，请填写在职的负责人")
    elif unit is not None and person.unit_id != unit.id:
        problems.append(f"负责人 {person.name}（{person.userid}）不属于{unit.name}")
    else:
        values["responsible_id"] = person.id


def _visible(attr: str, value) -> object:
    if attr in PERSONAL:
        return "（已填写）" if value else None
    return value.isoformat() if isinstance(value, date) else value


def _apply(session: Session, row: Row, actor: str, result: ImportResult) -> None:
    now = clock.now()
    account = session.scalar(select(Account).where(Account.unit_id == row.unit.id, Account.platform == row.platform,
                                                   Account.name == row.name))
    if account is None:
        values = {"registry_code": row.unit.registry_code, **row.values}
        account = Account(name=row.name, platform=row.platform, unit_id=row.unit.id, status=NORMAL,
                          imported_at=now, needs_retro_filing=True, **values)
        session.add(account)
        session.flush()
        changes = {"name": [None, row.name], "platform": [None, row.platform], "status": [None, NORMAL],
                   **{k: [None, _json(session, k, v)] for k, v in values.items()}}
        session.add(AccountChange(account_id=account.id, at=now, kind=KIND_IMPORT, changes=changes, actor=actor))
        audit.record(session, actor=actor, action="account.import", entity="account", entity_id=account.id,
                     after={k: _visible(k, v[1]) for k, v in changes.items()})
        result.created += 1  # its responsible person is recorded, not appointed: not 新任 (flag_untrained)
        return
    changes = {attr: [_json(session, attr, getattr(account, attr)), _json(session, attr, value)]
               for attr, value in row.values.items() if getattr(account, attr) != value}
    if not changes:
        result.unchanged += 1
        return
    for attr, value in row.values.items():
        setattr(account, attr, value)
    if account.imported_at is None:
        account.imported_at = now
    session.add(AccountChange(account_id=account.id, at=now, kind=KIND_IMPORT, changes=changes, actor=actor))
    audit.record(session, actor=actor, action="account.import_update", entity="account", entity_id=account.id,
                 before={k: _visible(k, v[0]) for k, v in changes.items()},
                 after={k: _visible(k, v[1]) for k, v in changes.items()})
    if "responsible_id" in changes:
        _flag_responsible(session, row.values["responsible_id"], account.id)
    result.updated += 1


def _flag_responsible(session: Session, person_id: int | None, account_id: int) -> None:
    """The ledger gives an account another responsible person: if they were not one before and have no training,
    the bureau is told (第28条). An account the import creates is not flagged: it records who already answers for an
    account the unit had, it appoints no one."""
    from models.training import flag_untrained
    if person_id is not None:
        flag_untrained(session, session.get(Person, person_id), account_id)


def _json(session: Session, attr: str, value):
    """A value as stored in AccountChange.changes: dates as ISO text, the responsible person as userid."""
    if attr == "responsible_id" and value is not None:
        person = session.get(Person, value)
        return person.userid if person else value
    return value.isoformat() if isinstance(value, date) else value


def import_accounts(session: Session, data: bytes, *, actor: str, skip_bad: bool = False) -> ImportResult:
    """Validate every row, then (if there are no errors, or skip_bad) create or update the accounts.

    Writes into `session` only; the caller commits, or rolls back for a dry run."""
    result = ImportResult()
    checked: list[Row] = []
    seen: dict[tuple, int] = {}
    for number, record in read_sheet(data):
        try:
            row = check_row(session, number, record, result.warnings)
        except ValueError as exc:
            result.errors.append((number, str(exc)))
            continue
        key = (row.unit.id, row.platform, row.name)
        if key in seen:
            result.errors.append((number, f"与第{seen[key]}行是同一账号（单位、类型、名称相同）"))
            continue
        seen[key] = number
        checked.append(row)
    if result.errors and not skip_bad:
        return result
    for row in checked:
        _apply(session, row, actor, result)
        result.barred += row.unit.is_classified or row.unit.is_internal
    session.flush()
    return result
