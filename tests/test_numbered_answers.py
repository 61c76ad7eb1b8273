"""Numbered choices answered as clerks type them: full-width and circled digits, 「第2个」, 「选3」, spaces."""
from datetime import date

import pytest

from tests.harness import assert_answers
from tests.oversight_helpers import at
from tests.weekly_support import seed

PLATFORMS = "请选择账号类型"
NAME = "请输入账号名称"


@pytest.mark.parametrize("said", ["3", "３", "③", "第3个", "第三个", "第 3 项", "选3", "3号", "三。"])
def test_a_platform_is_chosen_by_its_number_said_any_way(bot, said):
    assert PLATFORMS in bot.send("jy_zhang", "开设")
    assert NAME in bot.send("jy_zhang", said)
    assert "账号类型：微博" in bot.send("jy_zhang", "取消")


@pytest.mark.parametrize("said, hint", [("第12个", "没有第12项，请回复 1 到 9 之间的序号"),
                                        ("2 3", "没能识别「2 3」，请回复 1 到 9 之间的序号"),
                                        ("2  3", "没能识别「2  3」，请回复 1 到 9 之间的序号"),
                                        ("①③", "没能识别「①③」，请回复 1 到 9 之间的序号")])
def test_a_number_out_of_the_list_is_re_asked(bot, said, hint):
    bot.send("jy_zhang", "开设")
    reply = bot.send("jy_zhang", said)
    assert hint in reply and reply.rstrip().endswith("（回复序号）")


def test_a_unit_is_chosen_by_a_circled_number(bot):
    at(date(2026, 11, 16))
    assert "哪个单位" in bot.send("zsj_admin", "整改通知")
    assert "「整改通知」抚松县教育局：请写明" in bot.send("zsj_admin", "①")


def test_a_circled_number_after_a_command_is_read_as_the_number(bot):
    assert_answers(bot, [("jy_zhang", "整改清单 ①", "没有找到您可以查看的整改事项 1")])


def test_a_number_at_the_weekly_summary_names_an_account(bot):
    seed(bot)
    at(date(2026, 11, 25))
    bot.say("jy_zhang", "周报", "都没更新", "不清楚")
    replies = [bot.send("jy_zhang", said) for said in ("②", "第二个")]
    assert all("要修改第2个账号请回复「修改 2」" in reply for reply in replies), replies


def test_ok_typed_full_width_confirms_and_acknowledges(bot):
    """A Chinese input method in full-width mode types 「ＯＫ」: it was 「请回复「确认」提交…」 at a confirmation, and
    「没有理解您的消息」 outside a dialogue, where 「OK」 is understood."""
    assert bot.send("jy_zhang", "ＯＫ") == "好的。还有需要随时找我，回复「帮助」查看可用功能。"
    seed(bot)
    at(date(2026, 11, 25))
    bot.say("jy_zhang", "周报", "都没更新", "不清楚")
    assert "已提交抚松县教育局11月23日—11月29日的周报" in bot.send("jy_zhang", "ＯＫ")


@pytest.mark.parametrize("said, asked", [("②⑥", "当前账号功能"), ("第六项", "当前联系电话"), ("②  ⑥", "当前账号功能")])
def test_the_items_to_change_are_chosen_by_circled_or_chinese_numbers(bot, said, asked):
    """「②⑥」 read as one number (26: 「没有第26项」) or not at all; 「第六项」 was 「请回复要修改项目的序号」."""
    from tests.approvals_helpers import seed_accounts
    seed_accounts(bot)
    bot.send("jy_zhang", "变更 抚松教育")
    assert "要变更哪些内容" in bot.send("jy_zhang", "②")
    assert asked in bot.send("jy_zhang", said)


@pytest.mark.parametrize("said", ["快手", "今日头条"])
def test_a_platform_named_alone_outside_a_dialogue_suggests_opening(bot, said):
    """「快手」 said after the 开设 question timed out got 「您是不是想用：周报？」 (its quick form's example names 快手)."""
    reply = bot.send("jy_zhang", said)
    assert reply.startswith(f"没有理解「{said}」。您是不是想用：开设"), reply
