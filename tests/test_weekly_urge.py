"""催报: the county bureau urges the units that have not filed the weekly report, confirmed first, once a day."""
from __future__ import annotations

from datetime import date

from tests.weekly_support import EDU, at, file_report, seed

UNITS = ["抚松县教育局", "抚松县卫生健康局", "抚松县文化广播电视和旅游局", "抚松县公安局", "抚松县融媒体中心"]


def test_the_units_missing_the_report_are_listed_confirmed_and_urged_once_a_day(bot):
    seed(bot)
    at(2026, 11, 27, 10, 0)  # Friday, the due day: this week
    file_report(bot, EDU, "jy_zhang", date(2026, 11, 23), {"抚松教育（微信公众号）": (1, 1, date(2026, 11, 24), 0, 0)})
    shown = bot.send("zsj_review", "催报")
    assert shown.startswith("11月23日—11月29日还没有报送周报的单位（4个，截止11月27日（周五）17:00）：\n· 抚松县卫生健康局"), shown
    assert "教育局" not in shown and shown.endswith("回复「确认」给这些单位发送提醒，回复「取消」不发送。")
    assert bot.texts("wj_liu") == []  # nothing before 确认
    done = bot.send("zsj_review", "确认")
    assert done == "已提醒4个单位：抚松县卫生健康局、抚松县文化广播电视和旅游局、抚松县公安局、抚松县融媒体中心。", done
    [urged] = bot.texts("wj_liu")
    assert urged == ("【周报催报】抚松县政务服务和数字化建设管理局提醒：抚松县卫生健康局11月23日—11月29日的周报还没有报送"
                     "（截止11月27日（周五）17:00），请回复「周报」填报。"), urged
    assert bot.texts("wj_chen") == [] and bot.texts("jy_zhang") == []  # the staff, not the head; not who filed
    bot.send("zsj_admin", "催报 卫健局")
    assert bot.send("zsj_admin", "确认") == "没有发出新的提醒。\n今天已经提醒过：抚松县卫生健康局（每个单位每天最多提醒一次）。"
    assert len(bot.texts("wj_liu")) == 1
    # filed this week, but last week still owed (it said 「无需提醒」): that week is the one urged
    owed = bot.send("zsj_admin", "催报 教育局")
    assert owed.startswith("（抚松县教育局11月23日—11月29日的周报已报送，11月16日—11月22日的还没有报送。）\n\n"
                           "11月16日—11月22日还没有报送周报的单位（1个，已逾期）：\n· 抚松县教育局"), owed
    bot.send("zsj_admin", "取消")
    assert bot.send("zsj_admin", "催报 教育局 本周").startswith("抚松县教育局11月23日—11月29日的周报已经报送")
    assert bot.send("zsj_admin", "催报 上周").startswith("11月16日—11月22日还没有报送周报的单位（5个，已逾期）")
    bot.send("zsj_admin", "取消")
    assert bot.send("jy_admin", "催报").startswith("辖区内各单位11月23日—11月29日的周报都已报送")  # the neighbour's
    assert bot.send("jy_zhang", "催报").startswith("「催报」仅限")


def test_before_the_due_day_it_is_last_week_and_said_in_a_sentence(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)  # Wednesday: this week is not due yet; last week is overdue
    shown = bot.send("zsj_admin", "提醒卫健局交周报")
    assert shown.startswith("11月16日—11月22日还没有报送周报的单位（1个，已逾期）：\n· 抚松县卫生健康局\n"), shown
    bot.send("zsj_admin", "确认")
    assert bot.texts("wj_liu")[-1].endswith("的周报还没有报送（截止11月20日（周五）17:00，已逾期），请回复「周报 上周」补报。")
    assert bot.send("zsj_admin", "催一下教育局").startswith("11月16日—11月22日还没有报送周报的单位（1个")
    assert bot.send("zsj_admin", "取消").startswith("已取消「催报周报」")
    assert bot.send("zsj_review", "给教育局发个催报").startswith("11月16日—11月22日还没有报送周报的单位（1个")
    assert bot.send("zsj_review", "取消").startswith("已取消「催报周报」")


def test_a_unit_head_asks_his_clerk_for_the_report(bot):
    """「让张伟把周报交了」 from the head got 「没有理解」: the clerk named is reminded, once a day, and the head told."""
    seed(bot)
    at(2026, 11, 30, 10, 0)  # Monday: the week of 11-23 is overdue
    assert bot.send("jy_wang", "让张伟把周报交了") == "已提醒张伟报送11月23日—11月29日的周报（已逾期）。"
    (told,) = [t for t in bot.texts("jy_zhang") if t.startswith("【周报提醒】")]
    assert told == ("【周报提醒】王局长提醒您：抚松县教育局11月23日—11月29日的周报还没有报送（已逾期），"
                    "请回复「周报 上周」补报。")
    assert bot.send("jy_wang", "提醒张伟交周报").startswith("今天已经提醒过张伟")
    assert len([t for t in bot.texts("jy_zhang") if t.startswith("【周报提醒】")]) == 1
    assert bot.send("jy_wang", "让刘洋把周报交了").startswith("抚松县教育局的通讯录中没有「刘洋」")  # another unit's
    bot.say("jy_zhang", "周报 上周", "都没更新", "确认")
    assert "已经报送" in bot.send("jy_wang", "催一下李娜交周报")
