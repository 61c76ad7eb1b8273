"""The bureau's oversight asked for in sentences: 整改通知 to a unit, a unit's record, units by their abbreviations."""
from __future__ import annotations

import pytest

from tests.registry_helpers import seed_accounts


@pytest.mark.parametrize("said, unit, problem", [
    ("给教育局发个整改通知：公众号两周未更新", "抚松县教育局", "公众号两周未更新"),
    ("通知教育局整改公众号更新不及时", "抚松县教育局", "公众号更新不及时"),
    ("要求卫健局限期整改，账号长期不更新", "抚松县卫生健康局", "账号长期不更新"),  # the usual abbreviation
])
def test_a_rectification_notice_in_a_sentence_is_confirmed_before_it_goes(bot, said, unit, problem):
    reply = bot.send("zsj_admin", said)
    assert reply.startswith(f"请确认整改通知：\n单位：{unit}\n问题：{problem}\n"), reply
    assert bot.send("zsj_admin", "取消").startswith("已取消")


def test_a_rectification_notice_to_a_unit_without_the_problem_asks_for_it(bot):
    reply = bot.send("zsj_admin", "给人社局发个整改通知")
    assert reply == "「整改通知」抚松县人力资源和社会保障局：请写明问题，例如「抚松教育公众号两周未更新」：", reply
    # a unit's staff may not notify: told so, as for the command itself (was 「没有理解」)
    assert bot.send("jy_zhang", "给教育局发个整改通知：公众号两周未更新").startswith("「整改通知」仅限主管单位管理员使用")
    bot.send("zsj_admin", "取消")  # (the problem asked for above)
    assert bot.send("zsj_admin", "整改好了").startswith("「已整改」仅限")  # the unit's answer, not the bureau's
    assert bot.send("zsj_admin", "我们不注销").startswith("「说明」仅限")


@pytest.mark.parametrize("typed", ["周报情况 上周", "约谈 教育局 无", "单位记录 教育局", "待办"])
def test_a_command_typed_for_the_problem_is_not_taken_as_it(bot, typed):
    """「整改通知 卫健局」 then 「周报情况 上周」 made 「周报情况 上周」 the problem of the notice."""
    bot.send("zsj_admin", "整改通知 卫健局")
    reply = bot.send("zsj_admin", typed)
    assert reply.startswith(f"「{typed}」是一条命令，不是问题，没有记入。请直接写问题。\n（如果想使用「"), reply
    assert bot.send("zsj_admin", "周报两周未交，多次提醒").startswith(
        "请确认整改通知：\n单位：抚松县卫生健康局\n问题：周报两周未交，多次提醒\n")  # a problem opening with 周报


@pytest.mark.parametrize("said", ["看看卫健局的情况", "卫健局怎么样", "卫健局最近怎么样", "卫健局最近的情况", "单位记录 卫健局"])
def test_a_units_record_asked_for_in_words(bot, said):
    assert bot.send("zsj_admin", said).startswith("【单位记录】抚松县卫生健康局"), said


def test_the_registry_of_a_unit_named_by_its_abbreviation(bot):
    seed_accounts(bot)
    assert bot.send("zsj_admin", "台账 文旅局").startswith("抚松县文化广播电视和旅游局 的政务新媒体")
    assert bot.send("zsj_admin", "人社局的台账").startswith("抚松县人力资源和社会保障局")


def notify_health(bot) -> None:
    bot.send("zsj_admin", "整改通知 卫健局 健康抚松两周未更新")
    assert bot.send("zsj_admin", "确认").startswith("已下发整改通知")


def test_fixed_said_in_a_sentence_is_confirmed_before_it_goes(bot):
    assert bot.send("wj_liu", "整改好了").startswith("本单位现在没有待整改的事项")
    notify_health(bot)
    asked = bot.send("wj_liu", "我们已经整改了")
    assert "整改事项 1" in asked and "健康抚松两周未更新" in asked, asked  # the text is asked for
    confirm = bot.send("wj_liu", "已补发本周内容并安排专人值守")
    assert confirm.startswith("请确认提交整改事项 1 的整改情况：\n已补发本周内容并安排专人值守"), confirm
    assert "已保存为草稿" in bot.send("wj_liu", "取消")  # (the text written is kept for 继续)
    confirm = bot.send("wj_liu", "整改完了，已补发本周内容")  # the text said with it: straight to the confirmation
    assert confirm.startswith("（您有未完成的「提交整改情况」草稿（整改事项 1），回复「继续」接着填写草稿；"
                              "回答下面的问题则重新填写，草稿作废。）\n\n"
                              "请确认提交整改事项 1 的整改情况：\n已补发本周内容\n"), confirm
    assert "已提交" in bot.send("wj_liu", "确认")
    assert "1. [已提交] 健康抚松两周未更新" in bot.send("wj_liu", "整改情况")  # 整改情况 is 整改清单


def test_how_to_fix_gets_the_help(bot):
    assert bot.send("wj_liu", "怎么整改").startswith("「已整改」")
    assert bot.send("zsj_admin", "如何整改？").startswith("「整改通知」")
    assert bot.send("zsj_review", "怎么整改").startswith("「整改清单」")  # a reviewer does not notify
