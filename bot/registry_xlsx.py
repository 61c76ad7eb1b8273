"""The registry (台账) as a spreadsheet: export of accounts, and the import template.

Every text cell is written as a string; text that a spreadsheet would read as a formula
(starting with = + - @, or a tab/CR) is stored as a string with Excel's quote prefix, so
that `=cmd|' /C calc'!A0` in an account name stays text in Excel, WPS and LibreOffice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from typing import Callable, Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from bot import clock
from bot.text_clean import clean_text
from models.account import CANCELLED, PLATFORMS, REGISTRY_DONE, REGISTRY_PENDING, SUSPENDED, Account

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    value: Callable[[Account], object]


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _moment(value: datetime | None) -> str:
    return clock.localize(value).strftime("%Y-%m-%d %H:%M") if value else ""


EXPORT_COLUMNS = [
    Column("主办单位", 26, lambda a: a.unit.name),
    Column("主管单位", 26, lambda a: a.supervising_bureau.name if a.supervising_bureau else ""),
    Column("账号名称", 20, lambda a: a.name),
    Column("账号类型", 11, lambda a: a.platform),
    Column("账号功能", 24, lambda a: a.function or ""),
    Column("主页URL/下载URL", 32, lambda a: a.url or ""),
    Column("微信biz/oid/账号ID", 22, lambda a: a.platform_account_id or ""),
    Column("国办登记系统单位标识码", 22, lambda a: a.registry_code or ""),
    Column("负责人", 10, lambda a: a.responsible.name if a.responsible else ""),
    Column("负责人UserID", 14, lambda a: a.responsible.userid if a.responsible else ""),
    Column("联系电话", 15, lambda a: a.contact or ""),
    Column("第三方运维机构", 20, lambda a: a.operator or ""),
    Column("状态", 8, lambda a: a.status),
    Column("开设日期", 12, lambda a: _day(a.opened_on)),
    Column("最近变更日期", 12, lambda a: _day(a.last_changed_on)),
    Column("关停/注销日期", 12, lambda a: _day(a.closed_on)),
    Column("全国系统报送状态", 10, lambda a: a.registry_status or ""),
    Column("全国系统报送日期", 12, lambda a: _day(a.registry_filed_on)),
    Column("需补办备案", 8, lambda a: _retro(a)),
    Column("导入时间", 17, lambda a: _moment(a.imported_at)),
    Column("最近更新日期", 12, lambda a: _day(a.last_update_on) or "暂无"),
]


def _retro(account) -> str:
    """是/否; an account of a unit that may not hold one (第8条) is to be closed instead."""
    unit = account.unit
    if (unit.is_classified or unit.is_internal) and account.status not in (CANCELLED, SUSPENDED):
        return "否，第8条不得开设，应注销或关停"
    return "是" if account.awaits_retro_filing else "否"

# The import template (bot/account_import.py reads these headers; the order is free).
IMPORT_HEADERS = [
    ("主办单位", 26, "必填。与通讯录中的单位名称完全一致，例如：抚松县教育局"),
    ("账号名称", 20, "必填。例如：抚松教育"),
    ("账号类型", 12, "必填。" + "、".join(PLATFORMS)),
    ("账号功能", 24, "选填。例如：政务信息发布"),
    ("主页URL/下载URL", 32, "选填。以 http:// 或 https:// 开头"),
    ("微信biz/oid/账号ID", 22, "选填。平台给出的账号标识"),
    ("国办登记系统单位标识码", 22, "选填。不填则用单位的标识码"),
    ("负责人UserID", 14, "建议填写。负责人的企业微信UserID，须是本单位人员（第21条）"),
    ("联系电话", 15, "选填。手机或座机"),
    ("第三方运维机构", 20, "选填。委托运维的机构名称"),
    ("开设日期", 12, "选填。YYYY-MM-DD"),
    ("全国系统报送状态", 12, f"选填。{REGISTRY_DONE} 或 {REGISTRY_PENDING}"),
]


def safe_cell(cell, value) -> None:
    """Write a value; text is always text (without control characters), formula-looking text gets
    Excel's quote prefix."""
    if value is None or value == "":
        return
    if isinstance(value, str):
        value = clean_text(value)  # control characters would make openpyxl refuse the whole workbook
        cell.value = value
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
        return
    cell.value = value


def _header(ws, headers: Iterable[tuple[str, int]]) -> None:
    for col, (title, width) in enumerate(headers, 1):
        cell = ws.cell(row=1, column=col, value=title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 30


def _bytes(wb: Workbook) -> bytes:
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _with_due(due: dict[int, str]) -> list[Column]:
    """EXPORT_COLUMNS and, after the filing date, the 第11条 deadline of accounts still to be filed."""
    at = next(i for i, c in enumerate(EXPORT_COLUMNS) if c.header == "全国系统报送日期") + 1
    return [*EXPORT_COLUMNS[:at], Column("全国系统报送截止", 34, lambda a: due.get(a.id, "")), *EXPORT_COLUMNS[at:]]


def export_headers() -> list[str]:
    """The export's column titles after 序号, its 第11条 deadline column included."""
    return [c.header for c in _with_due({})]


def export_workbook(accounts: list[Account], title: str, due: dict[int, str] | None = None) -> bytes:
    """One row per account with every registry field; `due`: account id → its national-registry deadline,
    worded as the unit's reminder words it (handlers.approvals_after.due_text)."""
    columns = _with_due(due or {})
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    _header(ws, [("序号", 6)] + [(c.header, c.width) for c in columns])
    for row, account in enumerate(accounts, 2):
        ws.cell(row=row, column=1, value=row - 1)
        for col, column in enumerate(columns, 2):
            safe_cell(ws.cell(row=row, column=col), column.value(account))
    ws.auto_filter.ref = ws.dimensions
    _history_sheet(wb, accounts)
    wb.properties.title = title
    wb.properties.creator = "政务新媒体助手"
    return _bytes(wb)


FIELD_LABELS = {"name": "账号名称", "platform": "账号类型", "unit_id": "主办单位", "function": "账号功能",
                "url": "主页URL/下载URL", "platform_account_id": "微信biz/oid/账号ID",
                "registry_code": "国办登记系统单位标识码", "responsible_id": "负责人UserID", "contact": "联系电话",
                "operator": "第三方运维机构", "status": "状态", "opened_on": "开设日期", "closed_on": "关停/注销日期",
                "registry_status": "全国系统报送状态", "registry_filed_on": "全国系统报送日期"}


def _describe_changes(changes: dict | None) -> str:
    if not changes:
        return ""
    parts = []
    for attr, pair in changes.items():
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        label = FIELD_LABELS.get(attr, attr)
        parts.append(f"{label}：{new}" if old in (None, "") else f"{label}：{old} → {new}")
    return "；".join(parts)


def _names(accounts: list[Account]) -> dict[str, str]:
    """userid → name of the people who made the accounts' changes, in one query (the sheet showed bare userids)."""
    from sqlalchemy.orm import object_session

    from models.org import names_of
    session = object_session(accounts[0]) if accounts else None
    return names_of(session, {c.actor for a in accounts for c in a.changes}) if session is not None else {}


def _history_sheet(wb: Workbook, accounts: list[Account]) -> None:
    """The history of every approved change (and import) of the exported accounts."""
    ws = wb.create_sheet("变更历史")
    _header(ws, [("主办单位", 26), ("账号名称", 20), ("账号类型", 11), ("时间", 17), ("事项", 9),
                 ("申请编号", 9), ("内容", 60), ("操作人", 16)])
    from models.org import shown_name
    row = 2
    names = _names(accounts)
    for account in accounts:
        for change in account.changes:
            name = shown_name(names, change.actor, nobody="")
            actor = f"{name}（{change.actor}）" if name != change.actor else change.actor
            values = [account.unit.name, account.name, account.platform, _moment(change.at), change.kind,
                      change.request_id, _describe_changes(change.changes), actor]
            for col, value in enumerate(values, 1):
                safe_cell(ws.cell(row=row, column=col), value)
            row += 1


def template_workbook() -> bytes:
    """The import template: the data sheet with headers, and a sheet of instructions."""
    wb = Workbook()
    ws = wb.active
    ws.title = "账号"
    _header(ws, [(h, w) for h, w, _ in IMPORT_HEADERS])
    platform_col = get_column_letter(3)
    status_col = get_column_letter(12)
    platforms = DataValidation(type="list", formula1=f'"{",".join(PLATFORMS)}"', allow_blank=True)
    platforms.add(f"{platform_col}2:{platform_col}2000")
    registry = DataValidation(type="list", formula1=f'"{REGISTRY_DONE},{REGISTRY_PENDING}"', allow_blank=True)
    registry.add(f"{status_col}2:{status_col}2000")
    ws.add_data_validation(platforms)
    ws.add_data_validation(registry)
    notes = wb.create_sheet("填写说明")
    _header(notes, [("列", 24), ("说明", 70)])
    for row, (title, _w, note) in enumerate(IMPORT_HEADERS, 2):
        notes.cell(row=row, column=1, value=title)
        notes.cell(row=row, column=2, value=note)
    tail = len(IMPORT_HEADERS) + 3
    notes.cell(row=tail, column=1, value="导入方法")
    notes.cell(row=tail, column=2, value="在「账号」表中每行填一个账号，然后执行：flask --app bot accounts import 文件.xlsx")
    notes.cell(row=tail + 1, column=1, value="重复导入")
    notes.cell(row=tail + 1, column=2, value="按 主办单位+账号类型+账号名称 识别同一账号：再次导入只更新已填写的栏目，不会重复建账号")
    notes.cell(row=tail + 2, column=1, value="补办备案")
    notes.cell(row=tail + 2, column=2, value="导入的账号状态为「正常」，并标记为需补办备案（第33条）")
    return _bytes(wb)
