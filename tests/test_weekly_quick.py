"""The one-message quick form: valid, ambiguous, wrong; and its parser on its own."""
from datetime import date

import pytest

from handlers.weekly_quick import parse_quick
from tests.weekly_support import EDU, at, report_of, seed

WEEK = date(2026, 11, 23)
TODAY = date(2026, 11, 25)
ACCOUNTS = [
    {"id": 1, "name": "抚松发布", "platform": "微信公众号", "label": "抚松发布（微信公众号）", "opened_on": "2017-01-01"},
    {"id": 2, "name": "抚松发布", "platform": "视频号", "label": "抚松发布（视频号）", "opened_on": "2022-01-01"},
]


def test_quick_form_fills_the_whole_report_after_confirmation(bot):
    ids = seed(bot)
    at(2026, 11, 25, 10, 0)
    reply = bot.send("jy_zhang", "周报 抚松教育公众号 5 3 11-24 留言4/4\n"
                                 "抚松教育 抖音 无 11-10；抚松教育(微博) 2 原创1 今天 收到3回复2 问题：评论回复慢")
    assert "已识别" in reply
    assert "抚松教育（微信公众号）：发布5条（原创3），最近11-24，留言4/4，问题：无" in reply
    assert "抚松教育（抖音）：本周无更新，最近11-10，留言0/0，问题：无" in reply
    assert "抚松教育（微博）：发布2条（原创1），最近11-25，留言3/2，问题：评论回复慢" in reply
    assert "回复「确认」提交" in reply
    with bot.db() as s:
        assert report_of(s, EDU, WEEK) is None  # nothing saved before 确认
    assert "已提交" in bot.send("jy_zhang", "确认")
    with bot.db() as s:
        entries = {e.account_id: e for e in report_of(s, EDU, WEEK).entries}
        assert entries[ids["抚松教育（微博）"]].problems == "评论回复慢"
        assert entries[ids["抚松教育（抖音）"]].latest_post_on == date(2026, 11, 10)


def test_quick_form_for_some_accounts_asks_for_the_rest(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    reply = bot.send("jy_zhang", "周报 抚松教育公众号 5 3 11-24 留言4/4")
    assert "还有2个账号没有写到" in reply and "抚松教育（抖音）" in reply and "发布了几条" in reply


def test_ambiguous_account_name_is_explained_and_nothing_is_saved(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    reply = bot.send("rm_cao", "周报 抚松发布 5 3 11-25 留言4/4")
    assert "快捷填报没有提交" in reply
    assert "「抚松发布」对应多个账号：抚松发布（微信公众号）、抚松发布（视频号）" in reply
    assert "帮助 周报" in reply
    with bot.db() as s:
        assert report_of(s, "抚松县融媒体中心", WEEK) is None


def test_wrong_lines_are_each_named(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    reply = bot.send("jy_zhang", "周报 抚松教育公众号 5 6 11-24\n抚松体育 3\n抚松教育抖音 2 1 11-28")
    assert "第1行" in reply and "原创条数（6）不能多于本周发布条数（5）" in reply
    assert "第2行" in reply and "没有名为「抚松体育」的在用账号" in reply
    assert "第3行" in reply and "11-28 还没到" in reply


def test_help_shows_the_grammar(bot):
    seed(bot)
    reply = bot.send("jy_zhang", "帮助 周报")
    assert "快捷填报" in reply and "周报 抚松发布公众号 5 3 11-25 留言4/4" in reply


@pytest.mark.parametrize("line, expect", [
    ("抚松发布视频号 5 3 11-25 留言4/4", (2, 5, 3, "2026-11-25", 4, 4)),
    ("抚松发布 视频号 五条 原创三 昨天 4/3", (2, 5, 3, "2026-11-24", 4, 3)),
    ("抚松发布（公众号） 2 周一", (1, 2, 0, "2026-11-23", 0, 0)),
    ("公众号 没有更新", (1, 0, 0, None, 0, 0)),
    ("抚松发布微信 3 2 2026-11-25 评论2/1", (1, 3, 2, "2026-11-25", 2, 1)),
])
def test_parser_accepts_reasonable_variations(line, expect):
    result = parse_quick(line, ACCOUNTS, week=WEEK, today=TODAY)
    assert result.errors == []
    (entry,) = result.entries.values()
    got = (entry["account_id"], entry["posts"], entry["originals"], entry["latest_post_on"],
           entry["messages_received"], entry["messages_answered"])
    assert got == expect


@pytest.mark.parametrize("line, hint", [
    ("抚松发布视频号 5 3", "请给出最近一次发布的日期"),
    ("抚松发布视频号 5 3 11-20", "在本周之前"),
    ("抚松发布视频号 5 3 11-25 留言3/4", "回复数（4）不能多于收到数（3）"),
    ("抚松发布视频号 5 3 1 11-25", "多了一个数字"),
    ("抚松发布视频号 5 3 11-25 abc", "没能看懂日期「abc」"),
    ("抚松发布视频号 11-25", "没有写本周发布条数"),
])
def test_parser_names_what_is_wrong(line, hint):
    result = parse_quick(line, ACCOUNTS, week=WEEK, today=TODAY)
    assert not result.entries and hint in result.errors[0]


@pytest.mark.parametrize("said, starts", [
    ("周报填错了，公众号是6条不是5条", "本单位本周和上周都还没有报送周报"),
    ("周报有误，抖音应该是发了1条", "本单位本周和上周都还没有报送周报"),
    ("周报什么时候截止", "周报每周报送一次，截止时间是每周最后一个工作日（一般是周五；遇节假日提前，"
                         "遇调休上班的周末顺延）17:00"),
    ("周报每周几交", "周报每周报送一次，截止时间是每周最后一个工作日"),
])
def test_a_sentence_after_周报_is_not_read_as_a_quick_form(bot, said, starts):
    """These were 「本单位没有名为「填错了」的在用账号」 and the like."""
    seed(bot)
    at(2026, 11, 25, 10, 0)
    reply = bot.send("jy_zhang", said)
    assert reply.startswith(starts), reply


def test_a_make_up_saturday_deadline_says_it_is_a_working_day(bot):
    """The week after National Day 2026 is due on Saturday 10-10 (调休上班); 「（周六）」 alone read like a mistake."""
    seed(bot)
    at(2026, 10, 8, 10, 0)
    reply = bot.send("jy_zhang", "周报什么时候截止")
    assert "本周（10月5日—10月11日）10月10日（周六，调休上班）17:00截止" in reply, reply


def test_a_report_forgotten_and_filed_now_is_begun_and_its_correction_names_the_week(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    reply = bot.send("jy_li", "上周周报忘交了，现在补")
    assert reply.splitlines()[1].startswith("11月16日—11月22日发布了几条？"), reply
    assert "上周都记为无更新（留言0/0，无问题）" in bot.send("jy_li", "都没更新")  # (said 本周 of last week)
    done = bot.send("jy_li", "确认")
    assert done.endswith("需要更正可回复「修改周报 上周」。"), done
