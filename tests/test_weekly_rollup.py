"""The bureau's roll-up against hand-computed figures (week of 2026-11-23, due Fri 11-27 17:00)."""
from datetime import date

import pytest

from jobs import schedule
from tests.weekly_support import EDU, at, file_report, seed, set_last_update

WEEK = date(2026, 11, 23)


def _fill(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)  # on time
    file_report(bot, EDU, "jy_zhang", WEEK, {
        "抚松教育（微信公众号）": (5, 3, date(2026, 11, 24), 4, 4),
        "抚松教育（抖音）": (0, 0, date(2026, 11, 10), 0, 0),
        "抚松教育（微博）": (2, 1, date(2026, 11, 25), 3, 2)})
    at(2026, 11, 27, 16, 0)  # on time, an hour before the deadline
    file_report(bot, "抚松县文化广播电视和旅游局", "wl_zhao", WEEK, {
        "抚松文旅（微信公众号）": (1, 1, date(2026, 11, 27), 0, 0),
        "抚松文旅（抖音）": (0, 0, date(2026, 11, 16), 0, 0)})
    at(2026, 11, 28, 10, 0)  # late: Saturday
    file_report(bot, "抚松县卫生健康局", "wj_liu", WEEK, {"健康抚松（微信公众号）": (3, 0, date(2026, 11, 26), 5, 1)})
    set_last_update(bot, "抚松公安（微博）", date(2026, 11, 15))  # 公安局 and 融媒体中心 do not report
    set_last_update(bot, "抚松发布（微信公众号）", date(2026, 11, 22))


# Hand-computed, counted up to Sunday 11-29:
#   due 5 (units with active accounts), reported 3: on time 教育局, 文旅局; late 卫健局; missing 公安局, 融媒体中心
#   no post this week: 抚松教育（抖音）, 抚松文旅（抖音）
#   14+ days: 抚松教育（抖音）19天 (11-10), 抚松公安（微博）14天 (11-15); 10–13: 抚松文旅（抖音）13天 (11-16);
#   7–9: 抚松发布（微信公众号）7天 (11-22); never: 抚松发布（视频号）
#   posts 5+0+2+1+0+3 = 11, originals 3+0+1+1+0+0 = 5 → 45%; messages answered 4+2+1 = 7 of 4+3+5 = 12
EXPECTED = [
    "截止时间：11月27日（周五）17:00",
    "应报单位 5 个，已报 3 个（按时 2，迟报 1），未报 2 个",
    "未报：抚松县公安局、抚松县融媒体中心",
    "迟报：抚松县卫生健康局",
    "本周无更新账号（2）：抚松教育（抖音）、抚松文旅（抖音）",
    "最近发布距今（截至11月29日）：",
    "- 14天及以上（2）：抚松教育（抖音）19天、抚松公安（微博）14天",
    "- 10—13天（1）：抚松文旅（抖音）13天",
    "- 7—9天（1）：抚松发布（微信公众号）7天",
    "- 尚无发布记录：抚松发布（视频号）",
    "本周合计：发布 11 条，原创 5 条（45%），留言评论回复 7/12",
]


def test_rollup_figures_in_the_bureaus_query(bot):
    _fill(bot)
    at(2026, 11, 30, 8, 0)
    text = bot.send("zsj_admin", "周报情况 上周")
    assert text.startswith("【周报汇总 11月23日—11月29日】（抚松县政务服务和数字化建设管理局）")
    for line in EXPECTED:
        assert line in text.splitlines(), line
    assert "应报单位 0 个" in bot.send("jy_admin", "周报情况 上周")


def test_rollup_pushed_after_the_deadline_in_markdown_and_text(bot):
    _fill(bot)
    with bot.db() as s:
        from sqlalchemy import select
        from models.org import Person
        s.scalar(select(Person).where(Person.userid == "zsj_admin")).prefers_text = True
    at(2026, 11, 30, 9, 5)  # Monday: the working day after Friday's deadline
    assert ("weekly_overdue", "2026-11-30") in schedule.tick()
    (plain,) = [t for t in bot.texts("zsj_admin") if "周报汇总" in t]
    assert "<font" not in plain and "**" not in plain
    for line in EXPECTED:
        assert line in plain.splitlines(), line
    heads = {u: [t for t in bot.texts(u) if t.startswith("周报未报提醒")] for u in ("ga_wu", "rm_yan", "wj_chen")}
    assert len(heads["ga_wu"]) == 1 and len(heads["rm_yan"]) == 1 and heads["wj_chen"] == []  # late is reported


def test_markdown_rollup_for_the_wecom_client(bot):
    _fill(bot)
    at(2026, 11, 30, 9, 5)
    schedule.tick()
    (rich,) = [m["content"]["content"] for m in bot.inbox("zsj_admin") if m["msgtype"] == "markdown"]
    assert rich.startswith("**周报汇总 11月23日—11月29日**")
    assert '未报：<font color="warning">抚松县公安局、抚松县融媒体中心</font>' in rich
    assert "> 应报单位 5 个，已报 3 个（按时 2，迟报 1），未报 2 个" in rich


def test_last_week_after_spring_festival_is_the_last_week_due(bot):
    """On 2026-02-24 the week of 2-16 (all 春节) had no report due: 「上周」 means 2-9..2-15, as 「周报 上周」 does."""
    seed(bot)
    at(2026, 2, 24, 10, 0)
    text = bot.send("zsj_admin", "周报情况 上周")
    assert text.startswith("【周报汇总 2月9日—2月15日】"), text
    history = bot.send("jy_zhang", "周报情况 上周")
    assert "· 2月9日—2月15日" in history.splitlines()[1], history


def test_a_week_other_than_this_or_last_is_not_answered_with_this_weeks_figures(bot):
    """「周报情况 上上周」 used to show this week's roll-up under a heading the reader would take for the week asked."""
    _fill(bot)
    at(2026, 11, 30, 8, 0)
    for typed in ("上上周", "11月16日"):
        reply = bot.send("zsj_admin", f"周报情况 {typed}")
        assert f"没能看懂「{typed}」" in reply and "「周报情况 上周」看上周" in reply and "【周报汇总" not in reply, reply
    assert "【周报汇总 11月30日—12月6日】" in bot.send("zsj_admin", "周报情况 本周")
    history = bot.send("jy_zhang", "周报情况 上上周")  # a unit's history covers 8 weeks: it is shown, with a word
    assert history.startswith("没能看懂「上上周」，下面是本单位最近8周的周报") and "· 11月16日—11月22日：" in history


def test_closing_a_month_that_is_not_one_says_what_was_typed(bot):
    reply = bot.send("zsj_admin", "关账 2026-13")
    assert reply.startswith("「2026-13」不是月份。请写明年份和月份，例如「关账 2026-11」。"), reply
    assert bot.send("zsj_admin", "关账").startswith("请写明年份和月份")


@pytest.mark.parametrize("text, first_week", [
    ("周报交了吗", "11月30日—12月6日"), ("本周周报交了吗？", "11月30日—12月6日"), ("我们的周报报了没有", "11月30日—12月6日"),
    ("上周周报交了没", "11月23日—11月29日"), ("周报上周提交了吗", "11月23日—11月29日"),
    ("周报交了", "11月30日—12月6日"), ("周报已报", "11月30日—12月6日"),  # said, not asked: answered the same
    ("我们上周交过了", "11月23日—11月29日"), ("上周周报早就报过了", "11月23日—11月29日"),  # to a chase (没有理解)
    ("看看上周的周报", "11月23日—11月29日"), ("查看 周报情况", "11月30日—12月6日"),  # (bot/phrasing.py)
])
def test_asking_whether_the_report_was_filed_is_answered_as_weekly_status(bot, text, first_week):
    _fill(bot)
    at(2026, 11, 30, 8, 0)
    reply = bot.send("jy_zhang", text)
    assert reply.startswith("抚松县教育局最近8周的周报：") and f"· {first_week}：" in reply.splitlines()[1], reply
    assert bot.send("jy_zhang", "上一步") == "当前没有进行中的操作。"  # no quick form, no dialogue


@pytest.mark.parametrize("text", ["周报审核了吗", "我们的周报审核通过了没有", "上周周报审核了没"])
def test_asking_whether_the_report_was_reviewed_is_told_no_one_reviews_it(bot, text):
    """「周报审核了吗」 was read as a quick form (「这一行「审核了吗」：本单位没有名为「审核了吗」的在用账号」)."""
    _fill(bot)
    at(2026, 11, 30, 8, 0)
    reply = bot.send("jy_zhang", text)
    assert reply.startswith("周报不需要审核：按时报送就完成了（第30条）。"), reply
    assert "抚松县教育局最近8周的周报：" in reply and "快捷填报" not in reply, reply


def test_a_bureau_user_asking_whether_reports_were_filed_gets_the_rollup(bot):
    """周报 itself is for the units: a bureau user's 「周报交了吗」 is not refused as 周报 but answered as 周报情况."""
    _fill(bot)
    at(2026, 11, 30, 8, 0)
    assert "【周报汇总 11月30日—12月6日】" in bot.send("zsj_admin", "周报交了吗")
    assert "仅限" in bot.send("zsj_admin", "周报")  # the command itself is still not theirs


@pytest.mark.parametrize("asked", ["谁没交周报", "有哪些单位没交周报", "还有谁没报", "没交周报的单位", "周报谁没交"])
def test_asking_who_has_not_filed_gets_the_rollup(bot, asked):
    _fill(bot)
    at(2026, 11, 30, 8, 0)
    reply = bot.send("zsj_admin", asked)
    assert reply.startswith("【周报汇总 11月30日—12月6日】") and "未报：" in reply, reply


def test_a_unit_whose_accounts_were_opened_after_the_due_day_is_not_due_that_week(bot):
    """As the monthly bulletin counts it: the roll-up and the chasers leave the week alone (the next one is due)."""
    from models.account import Account
    from jobs.weekly import missing_units
    seed(bot)
    with bot.db() as s:
        for account in s.query(Account).join(Account.unit).filter_by(name=EDU):
            account.opened_on = date(2026, 11, 28)  # the Saturday after the Friday deadline of 11-23's week
    at(2026, 11, 30, 8, 0)
    reply = bot.send("zsj_admin", "周报情况 上周")
    assert "抚松县教育局" not in reply.split("未报：")[1].splitlines()[0], reply
    with bot.db() as s:
        assert EDU not in [u.name for u in missing_units(s, date(2026, 11, 23))]
        assert EDU in [u.name for u in missing_units(s, date(2026, 11, 30))]


@pytest.mark.parametrize("said", ["哪些单位周报没交", "周报没交的有哪些", "周报没交的单位有哪些"])
def test_who_has_not_filed_asked_by_the_bureau_in_other_words(bot, said):
    """「周报没交的有哪些」 from the county bureau was refused: 「周报」仅限单位工作人员…"""
    seed(bot)
    at(2026, 11, 25, 10, 0)
    assert bot.send("zsj_admin", said) == bot.send("zsj_admin", "周报情况")


def test_the_bureau_sees_one_units_weeks_and_its_latest_report(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    bot.say("jy_zhang", "周报", "5", "3", "11-24", "4/4", "有一条错别字已改", "都没更新", "确认")
    reply = bot.send("zsj_admin", "周报情况 教育局")
    assert reply.startswith("抚松县教育局最近8周的周报：\n· 11月23日—11月29日：已报（按时），张伟 11-25 10:00，发布5条"), reply
    assert "最近一份（11月23日—11月29日）：\n· 抚松教育（微信公众号）：发布5条（原创3），最近11-24，留言4/4，问题：有一条错别字已改" \
        in reply, reply
    assert reply.endswith("回复「催报 抚松县教育局」提醒该单位报送。")
    assert bot.send("zsj_admin", "周报情况 靖宇").startswith("没能看懂「靖宇」")  # not in the county's scope


def test_a_units_weeks_without_an_account_in_use_are_not_shown_as_missing(bot):
    """The unit's own 「周报情况」 said 「未报（已逾期）」 for a week it owed nothing (no account in use by the due day)."""
    from models.account import Account
    seed(bot)
    with bot.db() as s:
        for account in s.query(Account).join(Account.unit).filter_by(name=EDU):
            account.opened_on = date(2026, 11, 28)  # after the Friday deadline of 11-23's week
    at(2026, 11, 30, 8, 0)
    lines = bot.send("jy_zhang", "周报情况 上周").splitlines()
    assert lines[1] == "· 11月23日—11月29日：无需报送（当时没有在用的账号）", lines
    assert bot.send("zsj_admin", "周报情况 教育局").splitlines()[2] == lines[1]  # the bureau sees the same
    at(2026, 12, 7, 8, 0)
    assert bot.send("jy_zhang", "周报情况 上周").splitlines()[1] == "· 11月30日—12月6日：未报（已逾期）"
