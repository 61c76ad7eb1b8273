"""The bureau's WeCom summary (within WeCom's limit) and each unit's own part (no other unit's details)."""
from __future__ import annotations

from bot.bulletin import evaluate, summary_markdown, summary_text, unit_part
from bot.bulletin.text import figure_lines
from bot.outbox import TEXT_LIMIT
from tests.bulletin_sample import CULTURE, EDU, FARM, HEALTH, NAMES, bulletin, large


def test_summary_has_the_main_figures_and_the_units_that_need_attention():
    b = evaluate(bulletin())
    text = summary_text(b)
    assert text.startswith("【抚松县2026年11月政务新媒体检查通报】")
    assert "周报：应报16次，按时13次，迟报1次，缺报2次（按时率81.2%）" in text
    assert "停更：14天以上未更新2个（其中90天以上1个）" in text
    assert "留言：收到32条，回复27条（回复率84.4%）" in text
    assert "审批：提交3件，办结2件，用时中位数17.5小时" in text  # median of 5 h and 30 h
    assert "得分：平均91.8分，最高100分，最低69分" in text
    assert "需关注的单位（1个）：\n1. 抚松县卫生健康局 69分：僵尸账号1个、整改逾期1项、缺报1次等" in text
    assert NAMES[EDU] not in text  # 98 points and no serious finding: not listed
    markdown = summary_markdown(b)
    assert markdown.startswith("**抚松县2026年11月政务新媒体检查通报**")
    assert '<font color="warning">抚松县卫生健康局</font> 69分' in markdown


def test_summary_of_a_month_without_problems_says_so():
    b = bulletin()
    for fig in b.units:
        fig.reports_missing = fig.reports_late = fig.registry_overdue = fig.rectifications_overdue = 0
        fig.dormancy, fig.untrained, fig.messages_answered, fig.originals = {}, False, fig.messages_received, fig.posts
    text = summary_text(evaluate(b))
    assert "本月没有需要特别关注的单位。" in text and "需关注的单位（" not in text


def test_summary_of_a_hundred_units_fits_one_wecom_message():
    b = evaluate(large(100))
    for text in (summary_markdown(b), summary_text(b)):
        size = len(text.encode())
        assert 1500 < size <= TEXT_LIMIT, size
        listed = [line for line in text.splitlines() if line[:1].isdigit()]
        assert len(listed) >= 5
        rest = int(text.split("……另有")[1].split("个单位")[0])
        assert len(listed) + rest == 75  # every unit below 80 points or with a zombie account is counted
        assert text.endswith("各单位才会收到本单位的通报。")
    worst = min(b.units, key=lambda f: f.score)
    assert worst.unit_name in summary_text(b).splitlines()[11]


def test_unit_part_has_own_figures_problems_deadline_and_the_public_ranking():
    b = evaluate(bulletin())
    part = unit_part(b, HEALTH)
    assert part.startswith("【2026年11月政务新媒体检查通报】\n抚松县卫生健康局：本月得分69分，全县第4名（共4个单位）。")
    assert "周报：应报4次，按时2次，迟报1次，缺报1次（按时率50%）" in part
    assert "· 抚松卫健微博（微博）已20天未更新" in part
    assert "1个账号90天以上未更新（每个扣10分），扣10分" in part
    assert "请于2026年12月8日前完成整改。每个问题另有整改通知，整改完成后按通知回复「已整改 编号 整改说明」。" in part
    assert "1. 1个账号90天以上未更新，已成为“僵尸”账号，须按第15条关停注销或说明情况" in part
    ranking = part.split("三、全县得分排名\n")[1].splitlines()
    assert ranking == ["1. 抚松县文化广播电视和旅游局 100分", "1. 抚松县农业农村局 100分", "3. 抚松县教育局 98分",
                       "4. 抚松县卫生健康局 69分"]


def test_unit_part_leaks_nothing_of_other_units_but_name_and_score():
    b = evaluate(bulletin())
    part = unit_part(b, EDU)
    own, own_top = b.unit(EDU), part.split("三、全县得分排名")[0]
    for other in (HEALTH, CULTURE, FARM):
        assert NAMES[other] not in own_top
        fig = b.unit(other)
        for problem in set(fig.problems) - set(own.problems):  # both units missed one report: same sentence
            assert problem not in part
        for d in fig.deductions:
            assert d.reason not in part or d in own.deductions
        for line in set(figure_lines(fig)) - set(figure_lines(own)):
            assert line not in part
    for account in b.accounts:
        assert (account.name in part) == (account.unit_id == EDU and (account.rung or 0) >= 14)
    assert "僵尸" not in part and "整改逾期" not in part and "留言回复率" not in part  # 卫健局's findings
    assert "本月未发现问题" not in part and "1. 缺报周报1次（本月应报4次）" in part
    assert unit_part(b, FARM).count("本月未发现问题，请继续保持。") == 1


def test_unit_part_of_an_unknown_unit_is_refused():
    import pytest
    with pytest.raises(KeyError):
        unit_part(evaluate(bulletin()), 999)


def test_unit_part_without_a_deadline_asks_for_prompt_fixes():
    b = bulletin()
    b.rectify_by = None
    part = unit_part(evaluate(b), EDU)
    assert "请及时整改。每个问题另有整改通知" in part and "年" not in part.split("二、")[1].split("\n")[1]


def test_summary_with_a_notice_for_each_of_a_hundred_units_still_fits_one_wecom_message():
    from datetime import date
    from bot.bulletin.figures import NoticeRow
    b = evaluate(large(100))
    b.notices = [NoticeRow(f.unit_id, f.unit_name, "账号长期不更新", date(2026, 11, 20), "抚松县政务服务和数字化建设管理局")
                 for f in b.units]
    for text in (summary_markdown(b), summary_text(b)):
        assert len(text.encode()) <= TEXT_LIMIT, len(text.encode())
        line = next(line for line in text.splitlines() if line.startswith("通报批评："))
        assert line.startswith("通报批评：100次（") and line.endswith("等100个单位），发布后各单位都会看到"), line


def test_what_publishing_makes_of_the_problems_is_said_as_one_clause():
    from bot.bulletin.problems import items_sentence
    b = evaluate(bulletin())
    assert items_sentence(b.units, 5) == ("为7个问题建立整改事项（5个工作日）；另有2个问题（迟报、本年度无人参加培训）只在通报中指出，"
                                          "不建立整改事项；1个问题已有整改事项，按原编号整改，不另建")
    for fig in b.units:
        fig.problems = [p for p in fig.problems if p.startswith(("迟报", "本年度"))]
    assert items_sentence(b.units, 5, within=True) == "不建立整改事项：2个问题（迟报、本年度无人参加培训）只在通报中指出"
    for fig in b.units:
        fig.problems = []
    assert items_sentence(b.units, 5) == "没有需要整改的问题"


def test_a_published_part_whose_problems_open_no_item_sets_no_deadline():
    # only a year without training (an item for none): the unit was told 「请于…前完成整改」 with nothing to answer
    b = evaluate(bulletin())
    fig = b.unit(EDU)
    fig.problems = ["本年度尚无人员参加政务新媒体培训，请派员参加主管单位组织的培训（第28条）"]
    fig.item_ids = [None]
    part = unit_part(b, EDU)
    own = part.split("二、存在的问题及整改要求\n")[1].split("\n\n")[0]
    assert own == ("以下问题只在通报中指出，不建立整改事项，请今后注意，不需要回复。\n"
                   "1. 本年度尚无人员参加政务新媒体培训，请派员参加主管单位组织的培训（第28条）"), own
    assert "完成整改" not in part


def test_a_part_whose_only_problem_is_an_overdue_item_asks_for_the_answer_under_its_number():
    # the overdue item is no new item (its own number stands): the unit was told 「不需要回复」
    b = evaluate(bulletin())
    fig = b.unit(EDU)
    fig.problems = ["1项整改逾期未完成（整改事项 2），须立即整改并回复整改情况"]
    fig.item_ids = [None]
    own = unit_part(b, EDU).split("二、存在的问题及整改要求\n")[1].split("\n\n")[0]
    assert own == ("请于2026年12月8日前完成整改。注明整改事项编号的，整改完成后回复「已整改 编号 整改说明」；其余请今后注意，不需要回复。\n"
                   "1. 1项整改逾期未完成（整改事项 2），须立即整改并回复整改情况"), own
