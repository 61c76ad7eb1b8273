"""A command put in a sentence (bot/phrasing.py): 「我要交周报」 runs 周报, 「查一下台账」 runs 台账."""
from __future__ import annotations

import pytest

from bot.phrasing import command_texts
from tests.approvals_helpers import seed_accounts


@pytest.mark.parametrize("text, expected", [
    ("我要交周报", ["交周报", "周报"]),
    ("提交周报了。", ["周报"]),
    ("本周周报", ["周报 本周"]),
    ("查看 周报情况", ["周报情况"]),
    ("查看我的申请", ["我的申请", "申请"]),    # least taken off first: 我的申请 is a command
    ("查看单位记录", ["单位记录"]),            # 单位 opens a command: only 「单位的」 is taken off
    ("我要下载台账", ["下载台账"]),            # 下 after a verb only: 下载台账 keeps its 下
    ("看看上周的周报", ["上周的周报", "周报情况 上周"]),  # seeing a report is the roll-up, its week kept
    ("帮我查一下本单位的台账吧", ["查一下本单位的台账", "本单位的台账", "台账"]),
    ("明天开会吗", []),
    ("不要交周报", []),                         # a word that changes the meaning is never taken off
    ("周报", []),
])
def test_the_words_opening_a_request_are_taken_off(text, expected):
    assert command_texts(text) == expected


FIRST_WEEKLY_QUESTION = "发布了几条？"


@pytest.mark.parametrize("text", ["我要交周报", "交周报", "提交周报", "填报周报", "帮我填一下周报", "本周周报",
                                  "我要交周报了。"])
def test_a_weekly_report_asked_for_in_a_sentence_is_begun(bot, text):
    seed_accounts(bot)
    reply = bot.send("jy_zhang", text)
    assert FIRST_WEEKLY_QUESTION in reply and "没有理解" not in reply, reply


@pytest.mark.parametrize("text", ["我的账号", "我们单位有哪些账号", "查一下账号", "账号列表", "帮我查一下台账",
                                  "看看本单位的新媒体账号", "我们有几个号", "负责人是谁", "公众号的负责人是谁？",
                                  "谁负责更新公众号", "这周谁负责更新"])
def test_the_registry_asked_for_in_other_words_is_shown(bot, text):
    seed_accounts(bot)
    reply = bot.send("jy_zhang", text)
    assert reply.startswith("抚松县教育局 的政务新媒体（2个）") and "抚松教育｜抖音" in reply, reply


def test_a_platform_names_the_account(bot):
    """「我要注销抖音号」: the unit's one Douyin account, said before the next question (which does not name it)."""
    seed_accounts(bot)
    reply = bot.send("jy_zhang", "我要注销抖音号")
    assert reply.startswith("账号：抚松教育（抖音，抚松县教育局）") and "注销原因" in reply, reply
    bot.send("jy_zhang", "取消")
    reply = bot.send("jy_zhang", "变更 公众号 负责人")
    assert reply.startswith("账号：抚松教育（微信公众号，抚松县教育局）") and "新的账号负责人" in reply, reply
    bot.send("jy_zhang", "取消")
    reply = bot.send("jy_zhang", "注销 快手号")  # the unit has none: all of its accounts are offered
    assert "没有找到名称像「快手号」" in reply and "1. 抚松教育（微信公众号" in reply, reply


def test_a_command_in_a_sentence_keeps_its_role_check(bot):
    assert bot.send("jy_zhang", "我要发布通报").startswith("「发布通报」仅限主管单位管理员使用")
    assert bot.send("jy_zhang", "不要交周报").startswith("没有理解「不要交周报」")


def test_a_verb_that_is_a_command_keeps_its_own_arguments(bot):
    """查看 is a command: 「查看 12」 is still a request's number, 「查看 周报情况」 is 周报情况."""
    assert bot.send("jy_zhang", "查看 12").startswith("没有找到您可以查看的第12号申请")
    assert bot.send("jy_zhang", "查看 周报情况").startswith("抚松县教育局最近8周的周报")


def test_a_request_in_a_sentence_inside_a_dialogue_gets_the_way_out(bot):
    """Mid-dialogue 「我要看台账」 is taken as the answer (most questions take any text): the hint names 台账."""
    seed_accounts(bot)
    bot.send("jy_zhang", "周报")
    reply = bot.send("jy_zhang", "我要看台账")
    assert "（如果想使用「台账」，请先回复「取消」结束「周报」。）" in reply, reply
    reply = bot.send("jy_zhang", "周报")  # the dialogue's own command: it is under way already
    assert "（您正在填写「周报」，请回答下面的问题；想重新开始请先回复「取消」。）" in reply, reply
    assert "如果想使用" not in reply


def test_today_is_taken_off_like_the_unit():
    assert command_texts("今天的摘要") == ["摘要"]


def test_changes_and_closing_said_in_the_clerks_words(bot):
    """These were 「没有理解」: an item to change after the account, the responsible person gone (第21条), an account
    no longer wanted (what may be applied for, not a guess between 注销 and 关停)."""
    seed_accounts(bot)
    for text, begun in (("我们的公众号要改名字", "账号：抚松教育（微信公众号，抚松县教育局）\n\n当前账号名称"),
                        ("抖音号换个负责人", "账号：抚松教育（抖音，抚松县教育局）\n\n当前账号负责人：李娜。请选择新的账号负责人"),
                        ("我调岗了，账号交给李娜", "请选择账号：\n1. 抚松教育（微信公众号，抚松县教育局）")):
        reply = bot.send("jy_zhang", text)
        assert reply.startswith(begun), (text, reply)
        bot.send("jy_zhang", "取消")
    bot.send("jy_zhang", "负责人离职了")
    assert "请选择新的账号负责人" in bot.send("jy_zhang", "1")  # the account chosen: the responsible person is asked
    bot.send("jy_zhang", "取消")
    assert bot.send("jy_zhang", "抖音号不用了") == (
        "不再使用的账号可以申请注销（彻底注销，回复「注销 抖音」）或关停（暂停使用，回复「关停 抖音」），都需要审批。"
        "长期不更新（超过三个月）的账号按《办法》第15条必须关停。")
    assert "「注销 账号名称」" in bot.send("jy_zhang", "这个号不要了")
    assert not bot.send("jy_zhang", "不用了").startswith("不再使用的账号")  # a plain 「no thanks」
    assert "回复「注销 微博」" in bot.send("jy_zhang", "微博已经不用了")  # were 没有理解
    assert "回复「注销 公众号」" in bot.send("jy_zhang", "教育公众号早就不用了")
    assert "回复「注销 抚松教育」" in bot.send("jy_zhang", "抚松教育不用了")


@pytest.mark.parametrize("text", ["上周周报忘交了", "周报还没交", "周报忘了报"])
def test_a_report_forgotten_is_filed_not_read_as_a_quick_form(bot, text):
    from datetime import datetime

    from bot import clock
    seed_accounts(bot)
    clock.set_now(datetime(2026, 11, 27, 10, 0))  # a Friday: no offer of last week, the report's first question
    reply = bot.send("jy_zhang", text)
    assert "快捷填报没有提交" not in reply and "发布了几条" in reply, reply


def test_how_to_correct_a_report_gets_the_help(bot):
    reply = bot.send("jy_zhang", "周报怎么改")
    assert reply.startswith("「周报」") and "「修改周报」更正" in reply, reply


def test_the_registry_of_a_unit_asked_with_号(bot):
    seed_accounts(bot)
    assert bot.send("zsj_admin", "教育局有几个号").startswith("抚松县教育局 的政务新媒体（2个）")
    assert bot.send("jy_zhang", "我们单位有几个号").startswith("抚松县教育局 的政务新媒体（2个）")
    assert "没有找到「本月有多少新开」" not in bot.send("zsj_admin", "本月有多少新开的账号")  # a time is not a unit


def test_who_adds_a_unit_or_a_person_is_said(bot):
    """「新增一个单位」 was suggested 单位记录: the directory is kept outside the bot, and the answer says by whom."""
    assert "flask --app bot org import" in bot.send("zsj_admin", "新增一个单位")
    assert bot.send("jy_zhang", "单位来了新同事怎么加").startswith("单位和人员由县政数局统一维护。")
    assert bot.send("jy_wang", "怎么添加人员").startswith("单位和人员由县政数局统一维护。")


def test_a_heads_questions_about_the_unit(bot):
    """「我们单位这周报了吗」, 「谁负责我们的抖音」, 「我们有整改吗」 were 「没有理解」."""
    seed_accounts(bot)
    assert bot.send("jy_wang", "我们单位这周报了吗").startswith("抚松县教育局最近8周的周报")
    reply = bot.send("jy_wang", "谁负责我们的抖音")
    assert reply.startswith("抚松县教育局 的政务新媒体（2个）") and "负责人：" in reply, reply
    assert bot.send("jy_wang", "我们有整改吗") == "没有未完成的整改事项。"  # 整改清单


def test_more_of_what_clerks_ask(bot):
    seed_accounts(bot)
    assert bot.send("jy_zhang", "我想看看我们单位的记录").startswith("【单位记录】抚松县教育局")
    assert bot.send("jy_zhang", "我们单位被约谈过吗").startswith("【单位记录】抚松县教育局")
    assert bot.send("jy_zhang", "今年参加培训了吗").startswith("【单位记录】抚松县教育局")
    assert "撤回" in bot.send("jy_zhang", "撤销") and "没有理解" not in bot.send("jy_zhang", "撤销")
    assert bot.send("jy_zhang", "删除账号").startswith("不再使用的账号可以申请注销")
    assert bot.send("jy_zhang", "账号密码忘了").startswith("助手管理的是政务新媒体账号的审批、周报和监管，不保存")
    for said in ("账号被盗了怎么办", "我们的抖音号被黑了", "公众号发错了文章"):
        incident = bot.send("jy_zhang", said)
        assert incident.startswith("账号出现安全问题或发布了不当内容，请立即处理"), said
        assert "尽快告知县政数局（马管理）" in incident and "网信部门" in incident
    assert bot.send("jy_zhang", "怎么联系县政数局") == \
        "抚松县政务服务和数字化建设管理局：马管理、杨审核。在企业微信通讯录中搜索姓名即可联系。"
    assert bot.send("jyx_staff", "管理员是谁").startswith("靖宇县")  # the neighbour's own bureau


@pytest.mark.parametrize("text", ["周报情况怎么样", "周报情况如何？", "周报怎么样了", "周报情况呢"])
def test_how_the_reports_stand_is_shown_not_explained(bot, text):
    """「周报情况怎么样」 was read as 「怎么用」 and got the command's help."""
    assert bot.send("jy_zhang", text).startswith("抚松县教育局最近8周的周报")
    assert not bot.send("zsj_admin", text).startswith("「周报情况」")


def test_last_week_asked_how_it_stands(bot):
    assert bot.send("jy_zhang", "周报情况上周怎么样") == bot.send("jy_zhang", "周报情况 上周")
    assert bot.send("jy_zhang", "周报怎么填").startswith("「周报」")  # still how to
    assert bot.send("jy_zhang", "开设怎么样").startswith("「开设」")  # an action: its help, not begun


def test_a_units_sentence_opening_with_a_bureau_command_is_read_as_a_sentence(bot):
    """「通报里说我们不合格」 from a clerk was refused as the bureau's 通报 measure."""
    seed_accounts(bot)
    no_bulletin = "还没有发布过月度通报。"
    assert bot.send("jy_zhang", "通报里说我们不合格").startswith(no_bulletin)  # the unit's part of the bulletin
    assert bot.send("jy_zhang", "年度考核结果").startswith(no_bulletin)
    assert bot.send("jy_zhang", "发布通报了吗").startswith(no_bulletin)
    assert bot.send("jy_wang", "教育局这个月排第几").startswith(no_bulletin)  # was 「没有理解」
    assert bot.send("jy_zhang", "警告我们了").startswith("【单位记录】抚松县教育局")
    assert bot.send("jy_wang", "约谈我们了吗").startswith("【单位记录】抚松县教育局")
    # the command itself, given its arguments, is still refused; asked what it is, it is explained
    refused = "「通报」仅限主管单位管理员使用，您没有这个权限。"
    assert bot.send("jy_zhang", "通报 教育局 多次未更新").startswith(refused)
    assert bot.send("jy_zhang", "通报").startswith(refused)
    assert bot.send("jy_wang", "约谈是什么") == ("「约谈」是主管单位管理员使用的功能：对单位采取「约谈」措施（第32条）。"
                                                "您没有这个权限，回复「帮助」查看您可以使用的功能。")
    assert bot.send("jy_zhang", "关账了吗").startswith("「关账」是主管单位管理员使用的功能：该月周报不再允许修改")
    # the bureau's own 通报 is untouched
    assert bot.send("zsj_admin", "通报 教育局 多次未更新").startswith("请确认处置措施：")


def test_a_guess_that_does_not_apply_lets_the_next_one_try(bot):
    """The 整改情况 reading (no item to fix here) used to answer 「没有理解」 for every sentence it matched."""
    assert bot.send("jy_zhang", "通报发布了没有，我们已经更新了") == bot.send("jy_zhang", "查看通报")


def test_a_clerk_asking_to_be_reminded_is_told_when_reminders_come(bot):
    from datetime import datetime

    from bot import clock
    seed_accounts(bot)
    clock.set_now(datetime(2026, 11, 25, 10, 0))  # a Wednesday, before the Friday deadline
    reply = bot.send("jy_zhang", "提醒我交周报")
    assert reply.startswith("周报提醒会自动发送：每周的截止日") and "9:00和15:00" in reply, reply
    assert "本周（11月23日—11月29日）：未报（11月27日（周五）17:00截止）。\n现在填报请回复「周报」。" in reply, reply
    assert bot.send("jy_wang", "到时候提醒我们报周报") == reply
    assert "单位" not in bot.send("zsj_admin", "提醒我交周报").split("。")[0]  # not a unit named 「我交周报」


@pytest.mark.parametrize("text", ["什么是僵尸账号？", "账号多久不更新算僵尸号", "多久要更新一次", "公众号多长时间必须更新一次？",
                                  "几天不更新会被通报"])
def test_the_update_rules_asked_are_stated(bot, text):
    """These were 「没有理解」: the rules (two weeks, three months, the ladder) were nowhere said."""
    reply = bot.send("jy_zhang", text)
    assert reply.startswith("政务新媒体账号要保持经常更新：\n· 全国政务新媒体检查中，账号连续两周未更新即单项否决"), reply
    assert "第15条：长期不更新（超过三个月）" in reply and "7天停更提醒、10天停更警告、14天两周未更新" in reply, reply
    assert "僵尸账号：长期不更新（超过三个月）的账号" in bot.send("jy_zhang", "僵尸账号是什么")  # the command's help


def test_how_long_an_approval_takes_and_how_often_reports_are_due(bot):
    assert bot.send("jy_zhang", "申请多久能批下来").startswith("审批没有固定天数，取决于各环节审批人处理的快慢。\n审批顺序：")
    assert bot.send("jy_zhang", "周报多久交一次").startswith("周报每周报送一次，截止时间是每周最后一个工作日")


@pytest.mark.parametrize("text", ["抖音号批下来了吗？", "进度", "变更申请批了吗", "微博申请批了吗"])
def test_where_a_request_stands_asked_in_words(bot, text):
    """These were 「没有理解」 or the 变更 help."""
    from tests.approvals_helpers import submit_open
    number = submit_open(bot)
    assert bot.send("jy_zhang", text).startswith(f"您的申请（最近20件）：\n· 第{number}号 开设「抚松教育」（微博） — 待单位审核")


def test_what_is_left_to_do_asked_in_words(bot):
    assert bot.send("jy_zhang", "还有啥没弄的") == bot.send("jy_zhang", "待办")
