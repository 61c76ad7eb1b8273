"""Drafts of different long forms kept side by side (bot/drafts.py): one form's 取消, timeout or menu tap never
overwrites another form's draft; 「继续」 takes the latest and says which others wait."""
from datetime import timedelta

import pytest

from bot import clock
from tests.weekly_support import at, seed


def _open_draft(bot) -> None:
    """开设 快手, two answers typed, 取消: a draft of 开设申请."""
    bot.say("jy_zhang", "开设", "快手", "抚松教育")
    assert "已保存为草稿" in bot.send("jy_zhang", "取消")


def test_a_second_forms_draft_keeps_the_first_and_continue_takes_them_in_turn(bot):
    """A clerk with a 周报 all filled in, left by 取消, who then began a 开设 and left it after two answers, lost
    the 周报: 「之前保存的「周报」草稿已被这份取代」 — told only once it was gone. Now both are kept."""
    seed(bot)
    at(2026, 11, 27, 10, 0)
    bot.say("jy_zhang", "周报", "5", "3", "昨天", "4/4", "无")
    assert "已保存为草稿" in bot.send("jy_zhang", "取消")
    bot.say("jy_zhang", "开设", "快手", "抚松教育")
    left = bot.send("jy_zhang", "取消")
    assert "已被这份取代" not in left, left
    assert left.endswith("（之前保存的「周报」草稿仍保留，回复「继续 周报」可接着填写。）"), left
    greeting = bot.side.enter("jy_zhang").text
    assert greeting.endswith("回复「继续」接着填写未完成的「开设申请」（另有「周报」的草稿，回复「继续 周报」接着填写）。"), greeting
    resumed = bot.send("jy_zhang", "继续")
    assert resumed.startswith("好的，继续「开设申请」。（另有未完成的「周报」草稿，这件办完后回复「继续」接着填写）\n"), resumed
    assert "账号功能" in resumed, resumed
    assert "已保存为草稿" in bot.send("jy_zhang", "取消")
    assert bot.send("jy_zhang", "继续").startswith("好的，继续「开设申请」。（另有未完成的「周报」草稿")
    bot.send("jy_zhang", "取消")
    bot.send("jy_zhang", "开设")  # the same form anew: only its own draft is replaced
    assert "已保存为草稿" in bot.say("jy_zhang", "快手", "抚松教育", "取消")[-1]
    weekly = bot.send("jy_zhang", "继续周报")  # the earlier one, by name
    assert weekly.startswith("好的，继续「周报」（正在填写：抚松教育（抖音））。（另有未完成的「开设申请」草稿"), weekly
    assert "已提交" in bot.say("jy_zhang", "都没更新", "确认")[-1]
    assert bot.send("jy_zhang", "继续").startswith("好的，继续「开设申请」。\n")  # none other left
    bot.send("jy_zhang", "取消")
    assert "没有「注销」的草稿。未完成的草稿有：「开设申请」" in bot.send("jy_zhang", "继续 注销")


def test_a_timeout_or_a_menu_tap_keeps_the_other_forms_draft(bot):
    seed(bot)
    at(2026, 11, 27, 10, 0)
    _open_draft(bot)
    bot.say("jy_zhang", "周报", "5", "3")
    clock.advance(timedelta(minutes=31))
    expired = bot.send("jy_zhang", "在吗")
    assert "已自动结束" in expired and "（之前保存的「开设申请」草稿仍保留" in expired, expired
    assert bot.send("jy_zhang", "继续").startswith("好的，继续「周报」（正在填写：抚松教育（微信公众号））。（另有未完成的「开设申请」")
    tapped = bot.side.click_menu("jy_zhang", "台账").text  # another task begun from the app's menu
    assert "未完成的「周报」已保存为草稿" in tapped and "（之前保存的「开设申请」草稿仍保留" in tapped, tapped
    assert bot.send("jy_zhang", "继续").startswith("好的，继续「周报」")
    bot.send("jy_zhang", "取消")
    assert bot.send("jy_zhang", "继续").startswith("好的，继续「周报」")  # the latest left: 周报 again


def test_typing_the_form_again_offers_its_draft_and_only_an_answer_gives_it_up(bot):
    """A clerk who left a 周报 half done and later typed 「周报」 again, as every week, lost it at once: 「之前保存的
    「周报」草稿已由这次重新填写取代」. Now the draft is offered; 「继续」 takes it up; 取消 leaves it; an answer to
    the new report gives it up, as the notice says."""
    seed(bot)
    at(2026, 11, 27, 10, 0)
    bot.say("jy_zhang", "周报", "5", "3", "昨天", "4/4", "无")
    bot.send("jy_zhang", "取消")
    again = bot.send("jy_zhang", "周报")
    assert again.startswith("（您有未完成的「周报」草稿（11月23日—11月29日的周报已填 1/3 个账号），回复「继续」接着填写草稿；"
                            "回答下面的问题则重新填写，草稿作废。）\n"), again
    assert "【1/3】抚松教育（微信公众号）" in again, again
    assert bot.send("jy_zhang", "继续").startswith("好的，继续「周报」（正在填写：抚松教育（抖音））。")
    bot.send("jy_zhang", "取消")
    bot.send("jy_zhang", "周报")
    assert bot.send("jy_zhang", "取消").endswith("之前保存的「周报」草稿仍保留，回复「继续」可接着填写。")
    bot.send("jy_zhang", "周报")
    assert "已提交" in bot.say("jy_zhang", "都没更新", "确认")[-1]  # answered anew: the old draft is gone
    assert "没有可以继续的草稿" in bot.send("jy_zhang", "继续")


def test_a_report_left_at_its_first_question_keeps_no_empty_draft(bot):
    """周报 left at 「这次填报哪一周？」 timed out into 「已填写的内容已保存：周报已填 0 个账号，回复「继续」可接着填写」,
    and the next 「周报」 spoke of that empty draft: nothing was filled in, so nothing is kept, and it says so."""
    seed(bot)
    at(2026, 9, 29, 10, 0)  # a Tuesday: last week is offered
    assert "这次填报哪一周" in bot.send("jy_zhang", "周报")
    clock.advance(timedelta(minutes=31))
    expired = bot.send("jy_zhang", "在吗")
    assert "已自动结束。\n还没有填写任何内容，没有保存草稿。" in expired and "继续" not in expired, expired
    again = bot.send("jy_zhang", "周报")
    assert again.startswith("上周（9月21日—9月27日）的周报还没有报送"), again


def test_an_answer_to_an_expired_first_question_is_not_sent_to_another_forms_draft(bot):
    """注销 expired at its first question, nothing typed: nothing of it is kept. The answer typed after the break was
    told 「回复「继续」后请重新回答」 — but 继续 opened the waiting 开设申请 draft, not the 注销 the answer was for."""
    seed(bot)
    _open_draft(bot)
    assert "请选择账号" in bot.send("jy_zhang", "注销 抚松教育")
    clock.set_now(clock.now() + timedelta(minutes=31))
    reply = bot.send("jy_zhang", "1")
    assert "「注销/关停申请」超过30分钟没有回复" in reply and "没有保存草稿" in reply, reply
    assert reply.endswith("（您刚才的回复没有记入。「注销/关停申请」还没有填写内容，需要时请重新开始。）"), reply
    assert "回复「继续」后请重新回答" not in reply, reply


def test_an_answer_to_an_expired_first_question_without_any_draft_is_not_taken_for_a_command(bot):
    """With no draft at all the same answer got 「没有理解「5」。您是不是想用：周报、已整改？」."""
    seed(bot)
    at(2026, 11, 25, 10, 0)
    assert "发布了几条" in bot.send("jy_zhang", "周报")
    clock.set_now(clock.now() + timedelta(minutes=31))
    reply = bot.send("jy_zhang", "5")
    assert "没有理解" not in reply, reply
    assert reply.endswith("（您刚才的回复没有记入。「周报」还没有填写内容，需要时请重新开始。）"), reply


def test_an_answer_after_expiry_with_its_own_draft_kept_is_told_to_continue(bot):
    seed(bot)
    bot.say("jy_zhang", "开设", "快手")
    clock.set_now(clock.now() + timedelta(minutes=31))
    reply = bot.send("jy_zhang", "抚松教育")
    assert "已填写的内容已保存" in reply and reply.endswith("（您刚才的回复没有记入，回复「继续」后请重新回答。）"), reply
    assert bot.send("jy_zhang", "继续").endswith("请输入账号名称（与平台上显示的名称一致）：")


def test_a_bare_number_outside_a_dialogue_is_not_answered_with_an_unrelated_command(bot):
    """「2」 with no question open got 「没有理解「2」。您是不是想用：开设？」 (a digit of 开设's help line)."""
    reply = bot.send("jy_zhang", "2")
    assert reply == "当前没有等待您回答的问题，「2」没有记入。\n回复「帮助」查看可用功能。", reply
    _open_draft(bot)
    assert bot.send("jy_zhang", "第3个").endswith("未完成的「开设申请」已保存为草稿，回复「继续」可接着填写。")


def test_a_bureau_opening_left_after_choosing_the_unit_keeps_it(bot):
    assert "替哪个单位申请开设" in bot.send("zsj_admin", "开设")
    assert "请选择账号类型" in bot.send("zsj_admin", "抚松县教育局")
    assert "已填写的内容已保存为草稿" in bot.send("zsj_admin", "取消")
    assert "请选择账号类型" in bot.send("zsj_admin", "继续")


@pytest.mark.parametrize("userid, command, question, answer", [
    ("jy_zhang", "开设", "请选择账号类型", "快手"),  # said 「已填写的内容已保存：账号类型：（未选）」
    ("zsj_admin", "培训登记", "请输入培训日期", "11月18日"),  # said 「已填写的内容已保存： 」 (its summary was a blank)
])
def test_a_form_left_at_its_first_question_keeps_no_empty_draft(bot, userid, command, question, answer):
    """Expired before anything was answered: no draft, and 继续 is not offered for nothing."""
    assert question in bot.send(userid, command)
    clock.set_now(clock.now() + timedelta(minutes=31))
    reply = bot.send(userid, answer)
    assert "还没有填写任何内容，没有保存草稿" in reply and "已保存：" not in reply, reply
    assert bot.send(userid, "继续").startswith("没有可以继续的草稿")


def test_a_picker_left_unanswered_says_its_question_is_kept_not_that_answers_were(bot):
    """单位记录's unit list has no summary: its expiry said 「已填写的内容已保存为草稿」 with nothing typed."""
    assert bot.send("zsj_admin", "单位记录").startswith("查看哪个单位的记录？")
    clock.set_now(clock.now() + timedelta(minutes=31))
    reply = bot.send("zsj_admin", "1")
    assert "「单位记录」超过30分钟没有回复，已自动结束。\n还没有填写内容，刚才的问题已保留。\n回复「继续」可接着填写。" in reply, reply
    assert "已保存为草稿" not in reply, reply
    assert "查看哪个单位的记录？" in bot.send("zsj_admin", "继续")
