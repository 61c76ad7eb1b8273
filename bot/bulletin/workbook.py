"""The bulletin as an .xlsx workbook: a sheet per view (单位, 账号, 周报, 审批, 问题, 扣分明细).

Headers in Chinese, the header row frozen, widths set; numbers stay numbers, rates are formatted as
percentages, and text goes through the registry export's `safe_cell` so formula-looking names stay text.
"""
from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from typing import Callable

from openpyxl import Workbook

from bot import clock
from bot.bulletin.figures import Bulletin, UnitFigures
from bot.bulletin.problems import names_items, rectifiable
from bot.registry_xlsx import _header as write_header  # bold, filled, frozen header row
from bot.registry_xlsx import safe_cell

PERCENT = "0.0%"


def _moment(value: datetime | None) -> str:
    if value is None:
        return ""
    return (clock.localize(value) if value.tzinfo else value).strftime("%Y-%m-%d %H:%M")


def _put(ws, row: int, values: list, formats: dict[int, str] | None = None) -> None:
    for col, value in enumerate(values, 1):
        cell = ws.cell(row=row, column=col)
        if isinstance(value, date) and not isinstance(value, datetime):
            value = value.isoformat()
        safe_cell(cell, value)
        if formats and col in formats and isinstance(value, (int, float)):
            cell.number_format = formats[col]


def _unit_columns(b: Bulletin) -> list[tuple[str, int, Callable[[UnitFigures], object], str | None]]:
    platforms = sorted({p for f in b.units for p in f.accounts_by_platform})
    statuses = sorted({s for f in b.units for s in f.accounts_by_status})
    rungs = sorted({d for f in b.units for d in f.dormancy})
    cols = [("排名", 6, lambda f: f.rank, None), ("单位", 28, lambda f: f.unit_name, None),
            ("得分", 7, lambda f: f.score, None), ("扣分合计", 8, lambda f: round(sum(d.points for d in f.deductions), 2), None),
            ("账号数", 7, lambda f: f.accounts_total, None)]
    cols += [(p, 8, lambda f, p=p: f.accounts_by_platform.get(p, 0), None) for p in platforms]
    cols += [(f"状态：{s}", 8, lambda f, s=s: f.accounts_by_status.get(s, 0), None) for s in statuses]
    cols += [("应报周报", 8, lambda f: f.reports_due, None), ("按时", 6, lambda f: f.reports_on_time, None),
             ("迟报", 6, lambda f: f.reports_late, None), ("缺报", 6, lambda f: f.reports_missing, None),
             ("按时率", 8, lambda f: f.on_time_rate, PERCENT), ("发布数", 7, lambda f: f.posts, None),
             ("原创数", 7, lambda f: f.originals, None), ("原创率", 8, lambda f: f.original_share, PERCENT),
             ("收到留言", 8, lambda f: f.messages_received, None), ("回复留言", 8, lambda f: f.messages_answered, None),
             ("回复率", 8, lambda f: f.reply_rate, PERCENT)]
    cols += [(f"停更阶梯{d}天", 9, lambda f, d=d: f.dormancy.get(d, 0), None) for d in rungs]
    cols += [("提交审批", 8, lambda f: f.approvals_filed, None), ("办结审批", 8, lambda f: f.approvals_decided, None),
             ("审批用时中位数（小时）", 12, lambda f: f.approval_median_hours, None),
             ("全国系统逾期报送", 10, lambda f: f.registry_overdue, None),
             ("整改未完成", 8, lambda f: f.rectifications_open, None),
             ("整改逾期", 8, lambda f: f.rectifications_overdue, None),
             ("本年未培训", 8, lambda f: "是" if f.untrained else "否", None),
             ("问题数", 7, lambda f: len(f.problems), None)]
    return cols


def _units_sheet(wb: Workbook, b: Bulletin) -> None:
    ws = wb.active
    ws.title = "单位"
    cols = _unit_columns(b)
    write_header(ws, [("序号", 6)] + [(title, width) for title, width, _v, _f in cols])
    formats = {n: f for n, (_t, _w, _v, f) in enumerate(cols, 2) if f}
    for row, fig in enumerate(b.ranked(), 2):
        _put(ws, row, [row - 1] + [value(fig) for _t, _w, value, _f in cols], formats)
    ws.auto_filter.ref = ws.dimensions


def _accounts_sheet(wb: Workbook, b: Bulletin) -> None:
    ws = wb.create_sheet("账号")
    write_header(ws, [("单位", 28), ("账号名称", 22), ("账号类型", 11), ("状态", 8), ("最近更新日期", 13),
                      ("未更新天数", 10), ("停更阶梯（天）", 12)])
    for row, a in enumerate(b.accounts, 2):
        _put(ws, row, [a.unit_name, a.name, a.platform, a.status, a.last_update or "暂无", a.days_idle, a.rung])


def _reports_sheet(wb: Workbook, b: Bulletin) -> None:
    ws = wb.create_sheet("周报")
    write_header(ws, [("单位", 28), ("周（周一）", 12), ("应报日期", 12), ("报送时间", 17), ("情况", 8)])
    for row, r in enumerate(b.reports, 2):
        _put(ws, row, [r.unit_name, r.week, r.due_on, _moment(r.submitted_at), r.state])


def _approvals_sheet(wb: Workbook, b: Bulletin) -> None:
    ws = wb.create_sheet("审批")
    write_header(ws, [("单位", 28), ("编号", 8), ("事项", 9), ("账号名称", 22), ("提交时间", 17), ("办结时间", 17),
                      ("结果", 9), ("用时（小时）", 11)])
    for row, a in enumerate(b.approvals, 2):
        _put(ws, row, [a.unit_name, a.number, a.kind, a.account_name, _moment(a.filed_at), _moment(a.decided_at),
                       a.decision or "办理中", a.hours])


NOT_AN_ITEM = "不建立整改事项（只指出）"  # 迟报 and training: see problems.rectifiable
ORIGINAL_ITEMS = "按原整改事项（不另建）"  # overdue items: answered under their own numbers


def _problems_sheet(wb: Workbook, b: Bulletin) -> None:
    ws = wb.create_sheet("问题")
    write_header(ws, [("单位", 28), ("序号", 6), ("问题及整改要求", 80), ("整改期限", 12)])
    row = 2
    for fig in b.ranked():
        for n, problem in enumerate(fig.problems, 1):
            deadline = (b.rectify_by or "") if rectifiable(problem) else \
                ORIGINAL_ITEMS if names_items(problem) else NOT_AN_ITEM
            _put(ws, row, [fig.unit_name, n, problem, deadline])
            row += 1


def _deductions_sheet(wb: Workbook, b: Bulletin) -> None:
    ws = wb.create_sheet("扣分明细")
    write_header(ws, [("单位", 28), ("扣分项", 56), ("次数/个数", 10), ("扣分", 8), ("项目代码", 22)])
    row = 2
    for fig in b.ranked():
        for d in fig.deductions:
            _put(ws, row, [fig.unit_name, d.reason, d.count, d.points, d.kind])
            row += 1


def _notices_sheet(wb: Workbook, b: Bulletin) -> None:
    """The month's 通报批评 (第32条), when there were any."""
    if not b.notices:
        return
    ws = wb.create_sheet("通报批评")
    write_header(ws, [("单位", 28), ("日期", 12), ("原因", 60), ("作出单位", 34)])
    for row, x in enumerate(b.notices, 2):
        _put(ws, row, [x.unit_name, x.issued_on, x.reason, x.issuer])


def workbook_xlsx(b: Bulletin) -> bytes:
    """The whole bulletin as one workbook (units in ranking order)."""
    wb = Workbook()
    for sheet in (_units_sheet, _accounts_sheet, _reports_sheet, _approvals_sheet, _problems_sheet, _deductions_sheet,
                  _notices_sheet):
        sheet(wb, b)
    wb.properties.title = f"{b.county}{b.period}政务新媒体检查通报"
    wb.properties.creator = "政务新媒体助手"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()

