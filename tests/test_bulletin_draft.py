"""The Word draft of the bulletin read back with python-docx, and rendered to PDF by LibreOffice."""
from __future__ import annotations

from io import BytesIO

import pytest
from docx import Document

from bot.bulletin import evaluate
from bot.bulletin.draft import cn_number, draft_docx
from tests.bulletin_sample import bulletin, large
from tests.office import convert, pdf_text, squeeze

TITLE = "关于2026年11月全县政务新媒体检查情况的通报"


def texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def test_draft_has_the_shape_of_a_notice(cfg):
    doc = Document(BytesIO(draft_docx(evaluate(bulletin()))))
    paragraphs = texts(doc)
    assert paragraphs[0] == TITLE and paragraphs[2] == "各政务新媒体主办单位："
    assert paragraphs[3].startswith("为加强政务新媒体常态化监管，按照《抚松县政务新媒体管理办法》第二十九条、第三十条规定，"
                                    "抚松县政务服务和数字化建设管理局对2026年11月全县4个单位的9个政务新媒体账号")
    headings = [p for p in paragraphs if p in ("一、总体情况", "二、存在的问题", "三、下一步工作要求")]
    assert headings == ["一、总体情况", "二、存在的问题", "三、下一步工作要求"]
    assert paragraphs[-2:] == ["抚松县政务服务和数字化建设管理局", "2026年12月1日"]
    assert doc.core_properties.title == TITLE
    section = doc.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.top_margin.cm, 1) == 3.7
    title_run = doc.paragraphs[0].runs[0]
    assert title_run.font.size.pt == 22 and title_run.font.name == "方正小标宋简体"


def test_draft_numbers_match_the_figures(cfg):
    doc = Document(BytesIO(draft_docx(evaluate(bulletin()))))
    body = "\n".join(texts(doc))
    assert ("2026年11月，全县应报送周报16次，按时报送13次，迟报1次，缺报2次，按时报送率81.2%。各账号共发布信息65条，"
            "其中原创20条，原创率30.8%；收到网民留言32条，回复27条，回复率84.4%。") in body
    assert "截至月底，全县14天以上未更新2个（其中90天以上1个）。本月提交开设、变更、注销等审批申请3件，办结2件" in body
    assert "按照评分办法，本月平均得分91.8分，抚松县文化广播电视和旅游局、抚松县农业农村局得分最高（100分）" in body
    table = doc.tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["排名", "单位", "得分", "周报按时率", "14天以上未更新账号", "问题数"]
    assert cells[1:] == [["1", "抚松县文化广播电视和旅游局", "100", "100%", "0", "0"],
                         ["1", "抚松县农业农村局", "100", "100%", "0", "0"],
                         ["3", "抚松县教育局", "98", "75%", "0", "1"],
                         ["4", "抚松县卫生健康局", "69", "50%", "2", "9"]]


def test_problems_by_unit_most_serious_first_and_the_requirements(cfg):
    paragraphs = texts(Document(BytesIO(draft_docx(evaluate(bulletin())))))
    start = paragraphs.index("二、存在的问题")
    assert paragraphs[start + 1] == "本月检查发现2个单位存在问题，具体如下："
    assert paragraphs[start + 2] == "（一）抚松县卫生健康局（得分69分）"
    assert paragraphs[start + 3] == "1.1个账号90天以上未更新，已成为“僵尸”账号，须按第15条关停注销或说明情况。"
    assert paragraphs[start + 12] == "（二）抚松县教育局（得分98分）"
    assert paragraphs[start + 13] == "1.缺报周报1次（本月应报4次），须按第30条每周报送账号更新维护情况。"
    requirements = paragraphs[paragraphs.index("三、下一步工作要求") + 1:]
    assert requirements[3].startswith("（四）认真抓好整改。存在问题的单位要于2026年12月8日前完成整改")
    assert requirements[4].startswith("（五）加强业务培训。抚松县卫生健康局本年度尚无人员参加政务新媒体培训")
    assert requirements[5] == "本通报情况纳入年末政务公开绩效考核成绩。"


def test_a_month_without_problems(cfg):
    b = bulletin()
    for fig in b.units:
        fig.reports_missing = fig.reports_late = fig.registry_overdue = fig.rectifications_overdue = 0
        fig.dormancy, fig.untrained, fig.messages_answered, fig.originals = {}, False, fig.messages_received, fig.posts
    paragraphs = texts(Document(BytesIO(draft_docx(evaluate(b)))))
    assert paragraphs[paragraphs.index("二、存在的问题") + 1] == "本月检查未发现突出问题。"
    assert not any(p.startswith("（五）") for p in paragraphs)


@pytest.mark.parametrize("n,text", [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (99, "九十九"), (100, "一百"),
                                    (105, "一百零五"), (110, "一百一十"), (123, "一百二十三")])
def test_chinese_numbers_for_headings(n, text):
    assert cn_number(n) == text


def test_a_hundred_units_number_their_problem_sections(cfg):
    paragraphs = texts(Document(BytesIO(draft_docx(evaluate(large(100))))))
    assert sum(1 for p in paragraphs if p.startswith("（一百）")) == 1


def test_pdf_rendering_shows_the_bulletin(cfg):
    text = squeeze(pdf_text(convert(draft_docx(evaluate(bulletin())), ".docx", "pdf")))
    for expected in (TITLE, "一、总体情况", "二、存在的问题", "三、下一步工作要求", "按时报送率81.2%",
                     "（一）抚松县卫生健康局（得分69分）", "抚松县文化广播电视和旅游局", "于2026年12月8日前完成整改",
                     "2026年12月1日"):
        assert squeeze(expected) in text, expected
