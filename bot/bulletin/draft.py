"""The bulletin as an editable Word draft, in the usual shape of a government notice (通报):
title, addressee, opening, 一、总体情况 (with the score table), 二、存在的问题 (by unit),
三、下一步工作要求, issuing body and date. Fonts follow GB/T 9704 (小标宋 title, 仿宋 body, 黑体/楷体
headings); Word, WPS and LibreOffice substitute what they lack.
"""
from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from bot.bulletin import fmt
from bot.bulletin.figures import NATIONAL_FAIL_DAYS, Bulletin
from bot.bulletin.text import idle_line

TITLE_FONT, BODY_FONT, HEADING_FONT, SUBHEADING_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"
BODY_SIZE = 16  # 三号
DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (for （一）… headings)."""
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return "十" + (DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return DIGITS[n // 10] + "十" + (DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if rest == 0 else ("零" + DIGITS[rest] if rest < 10 else cn_number(rest) if rest >= 20 else "一" + cn_number(rest))
    return DIGITS[n // 100] + "百" + tail


def _run(paragraph, text: str, font: str = BODY_FONT, size: float = BODY_SIZE, bold: bool = False):
    run = paragraph.add_run(text)
    run.font.name = font
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    run.font.size = Pt(size)
    run.bold = bold or None
    return run


def _para(doc, text: str = "", *, font: str = BODY_FONT, size: float = BODY_SIZE, indent: bool = True,
          align=None, bold: bool = False):
    p = doc.add_paragraph()
    fmt_ = p.paragraph_format
    fmt_.first_line_indent = Pt(size * 2) if indent else None
    fmt_.space_before = fmt_.space_after = Pt(0)
    fmt_.line_spacing = Pt(28)  # fixed 28 pt, as official documents are set
    if align is not None:
        p.alignment = align
    if text:
        _run(p, text, font, size, bold)
    return p


def _page(doc) -> None:
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)


def _overall(doc, b: Bulletin) -> None:
    t = b.totals
    _para(doc, "一、总体情况", font=HEADING_FONT)
    _para(doc, f"{b.period}，全县应报送周报{t.reports_due}次，按时报送{t.reports_on_time}次，迟报{t.reports_late}次，"
               f"缺报{t.reports_missing}次，按时报送率{fmt.pct(t.on_time_rate)}。各账号共发布信息{t.posts}条，"
               f"其中原创{t.originals}条，原创率{fmt.pct(t.original_share)}；收到网民留言{t.messages_received}条，"
               f"回复{t.messages_answered}条，回复率{fmt.pct(t.reply_rate)}。")
    _para(doc, f"截至月底，全县{idle_line(t)}。本月提交开设、变更、注销等审批申请{t.approvals_filed}件，"
               f"办结{t.approvals_decided}件，办理用时中位数{fmt.hours(t.approval_median_hours)}；"
               f"全国政务新媒体信息报送系统逾期报送{t.registry_overdue}个；"
               f"整改事项未完成{t.rectifications_open}项，其中逾期{t.rectifications_overdue}项。")
    scores = [f.score for f in b.units if f.score is not None]
    if scores:
        best = [f.unit_name for f in b.ranked() if f.rank == 1]
        _para(doc, f"按照评分办法，本月平均得分{fmt.number(round(sum(scores) / len(scores), 1))}分，"
                   f"{'、'.join(best)}得分最高（{fmt.number(max(scores))}分）。各单位得分及排名如下：")
    _score_table(doc, b)


def _score_table(doc, b: Bulletin) -> None:
    headers = ["排名", "单位", "得分", "周报按时率", f"{NATIONAL_FAIL_DAYS}天以上未更新账号", "问题数"]
    widths = [Cm(1.3), Cm(6.1), Cm(1.5), Cm(2.6), Cm(2.6), Cm(1.5)]  # 15.6 cm: the text width
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # keep the widths below (LibreOffice otherwise splits the page evenly)
    rows = [[h for h in headers]] + [[str(f.rank or ""), f.unit_name, fmt.number(f.score), fmt.pct(f.on_time_rate),
                                      str(f.idle_accounts(NATIONAL_FAIL_DAYS)), str(len(f.problems))]
                                     for f in b.ranked()]
    for n, values in enumerate(rows):
        cells = table.rows[0].cells if n == 0 else table.add_row().cells
        for col, (cell, value) in enumerate(zip(cells, values)):
            cell.width = widths[col]
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT if col == 1 and n else WD_ALIGN_PARAGRAPH.CENTER
            _run(p, value, HEADING_FONT if n == 0 else BODY_FONT, 12)
    for column, width in zip(table.columns, widths):
        column.width = width


def _problems(doc, b: Bulletin) -> None:
    _para(doc, "二、存在的问题", font=HEADING_FONT)
    with_problems = sorted((f for f in b.units if f.problems), key=lambda f: (f.score or 0, f.rank or 0))
    if not with_problems:
        _para(doc, "本月检查未发现突出问题。")
        return
    _para(doc, f"本月检查发现{len(with_problems)}个单位存在问题，具体如下：")
    for n, fig in enumerate(with_problems, 1):
        _para(doc, f"（{cn_number(n)}）{fig.unit_name}（得分{fmt.number(fig.score)}分）", font=SUBHEADING_FONT)
        for k, problem in enumerate(fig.problems, 1):
            _para(doc, f"{k}.{problem}。")


def _notices(doc, b: Bulletin) -> None:
    """The month's 通报批评 (第32条), after the problems the inspection found: this notice is how they are circulated."""
    if not b.notices:
        return
    _para(doc, f"本月，对以下{len(b.notices)}起管理不到位的问题予以通报批评：")
    for n, x in enumerate(b.notices, 1):
        _para(doc, f"{n}.{x.unit_name}：{x.reason.rstrip('。')}（{fmt.day(x.issued_on)}，{x.issuer}）。")


def _requirements(doc, b: Bulletin) -> None:
    _para(doc, "三、下一步工作要求", font=HEADING_FONT)
    deadline = f"于{fmt.day(b.rectify_by)}前" if b.rectify_by else "及时"
    items = [
        ("落实周报制度。", "各单位要按照第三十条规定，每周报送一次本部门账号更新维护情况，做到按时、准确、完整。"),
        ("保持账号更新。", "国家检查中两周未更新的账号即被单项否决，各单位要确保账号持续更新；"
                         "超过三个月未更新的“僵尸”账号，要按照第十五条规定关停注销。"),
        ("及时报送备案。", "账号开设、变更、注销经审批后，要在3个工作日内在全国政务新媒体信息报送系统完成报送。"),
        ("认真抓好整改。", f"存在问题的单位要{deadline}完成整改，并通过政务新媒体助手报告整改情况。"
                         "对整改不力的，将依照第三十二条采取约谈、警告、通报或者责令关闭等措施。"),
    ]
    untrained = [f.unit_name for f in b.units if f.untrained]
    if untrained:
        items.append(("加强业务培训。", f"{'、'.join(untrained)}本年度尚无人员参加政务新媒体培训，"
                                     "要按照第二十八条规定尽快安排培训并报送培训情况。"))
    for n, (lead, text) in enumerate(items, 1):
        p = _para(doc)
        _run(p, f"（{cn_number(n)}）{lead}", SUBHEADING_FONT)
        _run(p, text)
    _para(doc, "本通报情况纳入年末政务公开绩效考核成绩。")


def draft_docx(b: Bulletin) -> bytes:
    """The Word draft of the bulletin (.docx bytes), for the bureau to edit before issuing."""
    doc = Document()
    _page(doc)
    _para(doc, b.title, font=TITLE_FONT, size=22, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc)
    _para(doc, f"{b.addressee}：", indent=False)
    t = b.totals
    _para(doc, f"为加强政务新媒体常态化监管，按照《{b.county}政务新媒体管理办法》第二十九条、第三十条规定，"
               f"{b.issuer}对{b.period}全县{t.units}个单位的{t.accounts_total}个政务新媒体账号运行情况进行了检查。"
               "现将有关情况通报如下：")
    _overall(doc, b)
    _problems(doc, b)
    _notices(doc, b)
    _requirements(doc, b)
    _para(doc)
    _para(doc, b.issuer, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, fmt.day(b.date_issued), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    doc.core_properties.title = b.title
    doc.core_properties.author = b.issuer
    out = BytesIO()
    doc.save(out)
    return out.getvalue()
