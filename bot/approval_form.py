"""The filled-in 审批表 as a Word file, laid out like 附件2 (政务新媒体开设、变更、注销审批表).

    render_approval_form(form) -> bytes   # a .docx that opens in Word, WPS and LibreOffice

`form` is a plain dict (every key optional unless marked; missing text is left blank):

- ``kind`` (required): one of ``开设``, ``变更``, ``注销``, ``关停``, ``补办备案``.
  开设 and 补办备案 tick the 开设 box (补办备案 adds "（补办备案，第33条）"); 变更 ticks 变更;
  注销 and 关停 tick 注销 (关停 adds "（关停）").
- ``reason``: free text. For 开设/补办备案 the 开设理由; for 变更 the text after ☑其他：
  (or the note after ☑整改); for 注销/关停 the text after ☑其他： (or a note after the ticked reason).
- ``change_reason``: ``整改`` or ``其他`` (变更 only).
- ``cancel_reason``: ``无力维护``, ``主办单位撤销合并``, ``按通报整改要求`` or ``其他`` (注销/关停 only).
- ``rules_submitted``: bool — ticks 已同时提交政务新媒体主办责任的相关保障制度 (开设/补办备案 only).
- Basic information (基本信息), all str: ``unit`` (开设主体), ``account_name`` (账号名称),
  ``bureau`` (主管单位), ``platform`` (账号类型), ``registry_code`` (国办登记系统单位标识码),
  ``function`` (账号功能), ``url`` (主页URL/下载URL), ``platform_account_id`` (微信biz/oid/账号ID),
  ``contact`` (联系人, e.g. "张伟 13900000000").
- ``applied_on`` (申请时间): a ``date``/``datetime`` or an ISO ``YYYY-MM-DD`` string.
- ``number``: optional request number, printed as 编号 above the table.
- ``opinions``: list of dicts, at most one per step, each
  ``{"step": "unit" | "bureau" | "city", "decision": "同意" | "驳回" | "退回修改" | …, "opinion": str,
  "name": str (who decided it in the bot), "at": datetime | "YYYY-MM-DDTHH:MM" (when)}``.
  ``unit`` fills 开设单位意见, ``bureau`` 主管单位意见, ``city`` 全市政务新媒体工作主管单位审批意见.
  Each row prints the decision and opinion, a line naming who decided it and when (单位负责人 / 审核人 /
  审批人), and the date under the seal. What must be done by hand stays blank: the seal (单位（盖公章）) on
  every row and, on the 开设单位 and 主管单位 rows, the 「主要负责同志签字：」 line (注2 of 附件2: signed by
  the unit's 主要负责同志 besides the seal — a printed name is no signature, and the bureau's reviewer is
  not its 主要负责同志).
  An entry without ``name`` prints its text only (e.g. the city row of a request only filed with the city).
  A step without an entry keeps the blank lines (signature, seal, 年 月 日) for filling in by hand.
"""
from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

KINDS = ("开设", "变更", "注销", "关停", "补办备案")
CHANGE_REASONS = ("整改", "其他")
CANCEL_REASONS = ("无力维护", "主办单位撤销合并", "按通报整改要求", "其他")
CHECKED, UNCHECKED = "☑", "☐"
TITLE = "政务新媒体开设、变更、注销审批表"
RULES_TICK = "已同时提交政务新媒体主办责任的相关保障制度"
BASIC_ROWS = [  # (label, key) pairs, two per row, as on the form
    (("开设主体", "unit"), ("账号名称", "account_name")),
    (("主管单位", "bureau"), ("账号类型", "platform")),
    (("国办登记系统单位标识码", "registry_code"), ("账号功能", "function")),
    (("主页URL/下载URL", "url"), ("申请时间", "applied_on")),
    (("微信biz/oid/账号ID", "platform_account_id"), ("联系人", "contact")),
]
OPINION_ROWS = [("unit", ["开设单位", "意见"]), ("bureau", ["主管单位", "意见"]),
                ("city", ["全市政务新媒体", "工作主管单位", "审批意见"])]
HEAD_SIGNS = ("unit", "bureau")  # 注2: signed by the unit's 主要负责同志 besides the seal
HEAD_SIGNATURE = "主要负责同志签字："
DECIDER_TITLES = {"unit": "单位负责人", "bureau": "审核人", "city": "审批人"}  # who decided it in the bot
NOTE = ("注：1.“基本信息”栏可根据政务新媒体账号类型实际情况，选填相关栏目信息。"
        "2.开设单位、主管单位相关审批栏除加盖公章外，应由单位主要负责同志签字。")
WIDTHS = [Cm(3.0), Cm(2.7), Cm(5.0), Cm(2.1), Cm(4.6)]  # 17.4 cm: A4 less 1.8 cm margins
FONT = "宋体"
SYMBOL_FONT = "Segoe UI Symbol"  # has ☐/☑ in Word; WPS and LibreOffice substitute a font that has them


def _text_date(value) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str) and value:
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return f"{value.year}年{value.month}月{value.day}日" if isinstance(value, date) else ""


def _set_font(run, name: str = FONT, size: float | None = None, bold: bool = False) -> None:
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size:
        run.font.size = Pt(size)
    run.bold = bold or None


def _write(paragraph, text: str, **font) -> None:
    """Text with check boxes in their own runs (a symbol font), the rest in 宋体."""
    buffer = ""
    for ch in text:
        if ch in (CHECKED, UNCHECKED):
            if buffer:
                _set_font(paragraph.add_run(buffer), **font)
                buffer = ""
            _set_font(paragraph.add_run(ch), name=SYMBOL_FONT, size=font.get("size"))
        else:
            buffer += ch
    if buffer:
        _set_font(paragraph.add_run(buffer), **font)


def _box(ticked: bool) -> str:
    return CHECKED if ticked else UNCHECKED


def _fill(cell, lines: list[str], *, align=None, size: float = 10.5, bold: bool = False) -> None:
    cell.text = ""
    for n, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if n == 0 else cell.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        _write(paragraph, line, size=size, bold=bold)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _request_lines(form: dict) -> tuple[list[str], list[str], list[str]]:
    kind = form.get("kind")
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    reason = str(form.get("reason") or "")
    is_open, is_change, is_cancel = kind in ("开设", "补办备案"), kind == "变更", kind in ("注销", "关停")
    open_lines = [f"{_box(is_open)} 开设" + ("（补办备案，第33条）" if kind == "补办备案" else ""),
                  "开设理由：" + (reason if is_open else ""),
                  f"{_box(is_open and bool(form.get('rules_submitted')))} {RULES_TICK}"]
    change_reason = form.get("change_reason") if is_change else None
    change_line = (f"{_box(is_change)} 变更　　{_box(change_reason == '整改')}整改　"
                   f"{_box(change_reason == '其他')}其他：{reason if change_reason == '其他' else ''}")
    change_lines = [change_line] + ([f"整改说明：{reason}"] if change_reason == "整改" and reason else [])
    cancel_reason = form.get("cancel_reason") if is_cancel else None
    options = "　".join(f"{_box(cancel_reason == r)}{r}" for r in CANCEL_REASONS[:3])
    cancel_lines = [f"{_box(is_cancel)} 注销" + ("（关停）" if kind == "关停" else "") + "　　" + options,
                    f"{_box(cancel_reason == '其他')}其他：{reason if cancel_reason == '其他' else ''}"]
    if is_cancel and cancel_reason != "其他" and reason:
        cancel_lines.append(f"说明：{reason}")
    return open_lines, change_lines, cancel_lines


def _text_time(value) -> str:
    """「2026年12月8日 11:00」 from a datetime or an ISO string with a time; the date alone without one."""
    if isinstance(value, str) and len(value) > 10:
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return f"{_text_date(value)} {value:%H:%M}"
    return _text_date(value)


def _opinion_lines(step: str, entry: dict | None) -> tuple[str, list[str]]:
    entry = entry or {}
    decision, opinion = str(entry.get("decision") or ""), str(entry.get("opinion") or "")
    text = f"{decision}。{opinion}" if decision and opinion and not opinion.startswith(decision) else (opinion or decision)
    lines = []
    if entry.get("name"):
        when = _text_time(entry.get("at"))
        lines.append(f"{DECIDER_TITLES[step]}：{entry['name']}" + (f"（{when} {decision}）" if when else ""))
    if step in HEAD_SIGNS:
        lines.append(HEAD_SIGNATURE)  # by hand
    date_line = _text_date(entry.get("at")) if entry.get("name") else ""
    return text, [*lines, "单位（盖公章）", date_line or "年　　月　　日"]


def _page_setup(doc) -> None:
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin = section.bottom_margin = Cm(2.0)
    section.left_margin = section.right_margin = Cm(1.8)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    normal.font.size = Pt(10.5)


def render_approval_form(form: dict) -> bytes:
    """The 审批表 as .docx bytes (see the module docstring for the keys of `form`)."""
    doc = Document()
    _page_setup(doc)
    _write(doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph(), "附件2", size=12)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _write(title, TITLE, size=18, bold=True)
    if form.get("number"):
        number = doc.add_paragraph()
        number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _write(number, f"编号：{form['number']}", size=10.5)

    table = doc.add_table(rows=3 + len(BASIC_ROWS) + len(OPINION_ROWS), cols=5)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, WIDTHS):
        column.width = width  # the grid, which LibreOffice and WPS follow
    for row in table.rows:
        for cell, width in zip(row.cells, WIDTHS):
            cell.width = width

    # 申请事项: three rows under one label
    for n, lines in enumerate(_request_lines(form)):
        _fill(table.cell(n, 1).merge(table.cell(n, 4)), lines)
    _fill(table.cell(0, 0).merge(table.cell(2, 0)), ["申请事项"], align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)

    # 基本信息: label/value pairs, two per row
    first = 3
    for n, pairs in enumerate(BASIC_ROWS):
        row = first + n
        for (label, key), col in zip(pairs, (1, 3)):
            value = form.get(key)
            text = _text_date(value) if key == "applied_on" else str(value or "")
            _fill(table.cell(row, col), [label], align=WD_ALIGN_PARAGRAPH.CENTER)
            _fill(table.cell(row, col + 1), [text])
        table.rows[row].height, table.rows[row].height_rule = Cm(1.1), WD_ROW_HEIGHT_RULE.AT_LEAST
    _fill(table.cell(first, 0).merge(table.cell(first + len(BASIC_ROWS) - 1, 0)), ["基本信息"],
          align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)

    # the three opinions
    opinions = {o.get("step"): o for o in form.get("opinions") or []}
    first = 3 + len(BASIC_ROWS)
    for n, (step, label) in enumerate(OPINION_ROWS):
        row = first + n
        _fill(table.cell(row, 0), label, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
        text, signature = _opinion_lines(step, opinions.get(step))
        cell = table.cell(row, 1).merge(table.cell(row, 4))
        _fill(cell, [text or " "])
        for line in signature:
            paragraph = cell.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _write(paragraph, line, size=10.5)
        table.rows[row].height, table.rows[row].height_rule = Cm(3.6), WD_ROW_HEIGHT_RULE.AT_LEAST

    note = doc.add_paragraph()
    _write(note, NOTE, size=9)
    doc.core_properties.title = TITLE
    doc.core_properties.author = "政务新媒体助手"
    out = BytesIO()
    doc.save(out)
    return out.getvalue()
