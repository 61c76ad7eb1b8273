"""The 审批表 (附件2) as .docx: rows, ticks and opinions; rendered to PDF by LibreOffice."""
from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

import pytest
from docx import Document

from bot.approval_form import RULES_TICK, TITLE, render_approval_form
from tests.office import convert, pdf_text, squeeze

BASIC = {"unit": "抚松县教育局", "account_name": "抚松教育", "bureau": "抚松县政务服务和数字化建设管理局",
         "platform": "微信公众号", "registry_code": "11220621MB0000001A", "function": "政务信息发布",
         "url": "https://mp.weixin.qq.com/s/abc", "applied_on": date(2026, 9, 28),
         "platform_account_id": "MzA5NDc1NzQ4MA==", "contact": "张伟 13900000000"}
OPINIONS = [{"step": "unit", "decision": "同意", "opinion": "", "name": "王局长", "at": "2026-09-28T09:15"},
            {"step": "bureau", "decision": "同意", "opinion": "符合第8、9、13条", "name": "马管理",
             "at": datetime(2026, 9, 29, 10, 0)},
            {"step": "city", "decision": "同意", "opinion": "予以备案", "name": "赵审批", "at": "2026-09-30T16:40"}]


def open_form(form: dict):
    doc = Document(BytesIO(render_approval_form(form)))
    table = doc.tables[0]
    return doc, table


def request_rows(table) -> list[str]:
    return [table.cell(n, 1).text for n in range(3)]


def test_opening_form_has_the_rows_of_annex_2_and_ticks_open(cfg):
    doc, table = open_form({"kind": "开设", "reason": "发布教育政务信息，回应群众关切", "rules_submitted": True,
                            "number": 12, **BASIC, "opinions": OPINIONS})
    paragraphs = [p.text for p in doc.paragraphs]
    assert TITLE in paragraphs and "编号：12" in paragraphs
    assert paragraphs[-1].startswith("注：1.“基本信息”栏可根据政务新媒体账号类型实际情况")
    assert table.cell(0, 0).text == "申请事项" and table.cell(3, 0).text == "基本信息"
    opening, change, cancel = request_rows(table)
    assert opening == f"☑ 开设\n开设理由：发布教育政务信息，回应群众关切\n☑ {RULES_TICK}"
    assert change.startswith("☐ 变更") and "☑" not in change
    assert cancel.startswith("☐ 注销") and "☑" not in cancel
    labels = {table.cell(r, c).text: table.cell(r, c + 1).text for r in range(3, 8) for c in (1, 3)}
    assert labels == {"开设主体": "抚松县教育局", "账号名称": "抚松教育", "主管单位": BASIC["bureau"],
                      "账号类型": "微信公众号", "国办登记系统单位标识码": "11220621MB0000001A",
                      "账号功能": "政务信息发布", "主页URL/下载URL": BASIC["url"], "申请时间": "2026年9月28日",
                      "微信biz/oid/账号ID": "MzA5NDc1NzQ4MA==", "联系人": "张伟 13900000000"}
    unit, bureau, city = (table.cell(r, 1).text for r in (8, 9, 10))
    assert table.cell(8, 0).text == "开设单位\n意见" and table.cell(9, 0).text == "主管单位\n意见"
    assert table.cell(10, 0).text == "全市政务新媒体\n工作主管单位\n审批意见"
    # who decided each step and when is printed; 附件2 注2: the 开设单位 and 主管单位 opinions are signed by hand by
    # the unit's 主要负责同志 (left blank, as is every seal); the city's needs the seal only
    assert unit == "同意\n单位负责人：王局长（2026年9月28日 09:15 同意）\n主要负责同志签字：\n单位（盖公章）\n2026年9月28日"
    assert bureau == ("同意。符合第8、9、13条\n审核人：马管理（2026年9月29日 10:00 同意）\n主要负责同志签字：\n"
                      "单位（盖公章）\n2026年9月29日")
    assert city == "同意。予以备案\n审批人：赵审批（2026年9月30日 16:40 同意）\n单位（盖公章）\n2026年9月30日"


def test_a_row_without_a_decider_prints_its_text_and_keeps_seal_and_date_blank(cfg):
    """The city row of a request only filed with the city (BOT_CITY_STEP_IS_APPROVAL=0)."""
    _doc, table = open_form({"kind": "开设", **BASIC, "opinions": [
        {"step": "city", "opinion": "经主管单位审批通过，已于2026年9月29日报市级政务新媒体工作主管单位备案（《办法》第10条）。"}]})
    assert table.cell(10, 1).text == ("经主管单位审批通过，已于2026年9月29日报市级政务新媒体工作主管单位备案（《办法》第10条）。\n"
                                      "单位（盖公章）\n年　　月　　日")


def test_rules_not_submitted_leaves_the_box_empty_and_missing_opinions_blank(cfg):
    _doc, table = open_form({"kind": "开设", "reason": "便民", "rules_submitted": False, **BASIC,
                             "opinions": OPINIONS[:1]})
    assert request_rows(table)[0].endswith(f"☐ {RULES_TICK}")
    assert table.cell(9, 1).text == " \n主要负责同志签字：\n单位（盖公章）\n年　　月　　日"
    assert table.cell(10, 1).text == " \n单位（盖公章）\n年　　月　　日"


@pytest.mark.parametrize("reason,ticked,other", [("整改", "☑整改　☐其他：", ""), ("其他", "☐整改　☑其他：更名", "更名")])
def test_change_ticks_its_reason(cfg, reason, ticked, other):
    _doc, table = open_form({"kind": "变更", "change_reason": reason, "reason": "更名", **BASIC})
    opening, change, cancel = request_rows(table)
    assert opening.startswith("☐ 开设") and "开设理由：\n" in opening
    assert change.startswith("☑ 变更") and ticked in change
    if reason == "整改":
        assert change.endswith("整改说明：更名")
    assert "☑" not in cancel


@pytest.mark.parametrize("kind,cancel_reason,line", [
    ("注销", "主办单位撤销合并", "☑ 注销　　☐无力维护　☑主办单位撤销合并　☐按通报整改要求"),
    ("关停", "按通报整改要求", "☑ 注销（关停）　　☐无力维护　☐主办单位撤销合并　☑按通报整改要求"),
    ("注销", "其他", "☑ 注销　　☐无力维护　☐主办单位撤销合并　☐按通报整改要求"),
])
def test_cancel_ticks_one_reason(cfg, kind, cancel_reason, line):
    _doc, table = open_form({"kind": kind, "cancel_reason": cancel_reason, "reason": "单位职能调整", **BASIC})
    cancel = request_rows(table)[2].split("\n")
    assert cancel[0] == line
    assert cancel[1] == ("☑其他：单位职能调整" if cancel_reason == "其他" else "☐其他：")
    assert request_rows(table)[0].startswith("☐ 开设")


def test_retro_filing_ticks_open_with_article_33(cfg):
    _doc, table = open_form({"kind": "补办备案", "reason": "本办法发布前开设", "rules_submitted": True, **BASIC})
    assert request_rows(table)[0].startswith("☑ 开设（补办备案，第33条）\n开设理由：本办法发布前开设")


def test_unknown_kind_is_refused(cfg):
    with pytest.raises(ValueError, match="unknown kind"):
        render_approval_form({"kind": "新建"})


def test_pdf_rendering_shows_the_filled_form(cfg):
    form = {"kind": "变更", "change_reason": "其他", "reason": "账号更名为抚松教育发布", "number": 7,
            **BASIC, "opinions": OPINIONS}
    text = squeeze(pdf_text(convert(render_approval_form(form), ".docx", "pdf")))
    for expected in (TITLE, "申请事项", "☐开设", "☑变更", "☐整改", "☑其他：账号更名为抚松教育发布", "☐注销",
                     "基本信息", "开设主体", "抚松县教育局", "国办登记系统", "11220621MB0000001A", "申请时间",
                     "2026年9月28日", "单位负责人：王局长", "审核人：马管理", "符合第8、9、13条",
                     "审批人：赵审批", "主要负责同志签字：", "单位（盖公章）", "2026年9月30日", "编号：7"):
        assert squeeze(expected) in text, expected
    assert text.count("单位（盖公章）") == 3
