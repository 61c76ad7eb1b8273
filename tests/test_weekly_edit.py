"""Editing after submission (versions kept, the bureau sees it), two reporters of one unit, 关账."""
from datetime import date

import pytest
from sqlalchemy import select

from models.audit import AuditLog
from tests.weekly_support import EDU, at, report_of, seed

WEEK = date(2026, 11, 23)
QUICK = ("周报 抚松教育公众号 5 3 11-24 留言4/4\n抚松教育抖音 无 11-10\n抚松教育微博 2 1 今天 3/2")


def _file(bot, who="jy_zhang"):
    bot.send(who, QUICK)
    assert "已提交" in bot.send(who, "确认")


def test_edit_keeps_every_version_and_the_bureau_sees_it(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    _file(bot)
    at(2026, 11, 26, 9, 0)
    shown = bot.send("jy_zhang", "修改周报")
    assert "已由张伟于11-25 10:00报送（第1版）" in shown
    assert "1. 抚松教育（微信公众号）：发布5条（原创3）" in shown
    asked = bot.send("jy_zhang", "修改 1")
    assert "修改 抚松教育（微信公众号）" in asked and "发布了几条" in asked
    summary = bot.say("jy_zhang", "6", "3", "今天", "4/4", "无")[-1]
    assert "1. 抚松教育（微信公众号）：发布6条（原创3），最近11-26" in summary
    assert "抚松教育（微博）：发布2条（原创1）" in summary  # the others unchanged
    done = bot.send("jy_zhang", "确认")
    assert "已更新" in done and "第2版" in done and "原来的版本已保留" in done

    with bot.db() as s:
        report = report_of(s, EDU, WEEK)
        assert (report.version, report.edited, report.late) == (2, True, False)
        versions = report.versions
        assert [v.version for v in versions] == [1, 2]
        first = {e["account_id"]: e for e in versions[0].snapshot["entries"]}
        second = {e["account_id"]: e for e in versions[1].snapshot["entries"]}
        gzh = min(first)
        assert (first[gzh]["posts"], second[gzh]["posts"]) == (5, 6)
        assert second[gzh]["latest_post_on"] == "2026-11-26"
        reports = select(AuditLog).where(AuditLog.entity == "weekly_report").order_by(AuditLog.id)
        actions = [a.action for a in s.scalars(reports)]
        assert actions == ["weekly.submit", "weekly.edit"]

    bot.send("jy_zhang", "修改周报")
    assert "内容没有变化" in bot.send("jy_zhang", "确认")
    with bot.db() as s:
        assert report_of(s, EDU, WEEK).version == 2

    roll = bot.send("zsj_admin", "周报情况")
    assert "报后修改过：抚松县教育局（第2版，张伟 11-26 09:00）" in roll
    history = bot.send("jy_li", "周报情况")
    assert "11月23日—11月29日：已报（按时），张伟 11-25 10:00，发布8条，修改过（第2版）" in history
    assert "11月16日—11月22日：未报（已逾期）" in history  # last week can still be filed
    # weeks before the county's first report through the bot are not 「未报（已逾期）」 (they cannot be filed)
    assert "11月9日—11月15日：无记录（助手启用前）" in history, history


def test_second_reporter_sees_and_amends_the_report(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    _file(bot, "jy_zhang")
    shown = bot.send("jy_li", "周报")
    assert "已由张伟于11-25 10:00报送（第1版）" in shown and "您可以在此基础上修改" in shown
    assert "2. 抚松教育（抖音）：本周无更新" in shown
    bot.send("jy_li", "修改 2")
    bot.say("jy_li", "1", "1", "今天", "同上", "无")
    assert "第2版" in bot.send("jy_li", "确认")
    with bot.db() as s:
        report = report_of(s, EDU, WEEK)
        assert report.submitted_by.userid == "jy_zhang" and report.updated_by.userid == "jy_li"
        douyin = next(e for e in report.entries if e.account.platform == "抖音")
        # 同上 = the account listed above it (公众号); it was the last one answered (微博)
        assert (douyin.posts, douyin.messages_received, douyin.messages_answered) == (1, 4, 4)
    assert any("李娜修改了抚松县教育局11月23日—11月29日的周报（第2版）" in t for t in bot.texts("jy_zhang"))


def test_last_week_is_edited_on_monday_until_the_month_is_closed(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    _file(bot)
    at(2026, 11, 30, 9, 0)  # Monday: this week has no report yet
    assert "11月23日—11月29日的周报已由张伟" in bot.send("jy_zhang", "修改周报")
    bot.send("jy_zhang", "取消")
    assert "仅限主管单位管理员" in bot.send("jy_zhang", "关账 2026-11")
    asked = bot.send("zsj_admin", "关账 2026-11")
    assert asked.startswith("关账 2026-11：抚松县政务服务和数字化建设管理局所辖单位该月4周（11月2日—11月29日）的周报将不能再修改。"
                            "\n11月2日—11月22日是本县启用助手之前，不计未报。\n该月还有"), asked
    assert "· 11月23日—11月29日 抚松县卫生健康局" in asked and "（关账后仍可补报，记为迟报。）" in asked
    assert asked.endswith("回复「确认」关账 2026-11，回复「取消」不关账。")
    assert "已关账 2026-11" in bot.send("zsj_admin", "确认")
    assert "已经关账" in bot.send("zsj_admin", "关账 2026-11")
    refused = bot.send("jy_zhang", "修改周报")
    assert "已由主管单位关账" in refused and "不能再修改" in refused
    assert "已由主管单位关账" in bot.send("jy_li", "周报 上周")
    # the neighbouring county's closing does not touch this county
    bot.send("jy_admin", "关账 2026-10")
    assert "已关账 2026-10" in bot.send("jy_admin", "确认")


def test_closing_does_not_list_weeks_before_the_county_used_the_bot(bot):
    """关账 listed every week of the month before the county's first report through the bot as 未报, though the
    bulletin, 周报情况 and 统计 count none of them (20 reports owed for a month the bulletin found complete)."""
    seed(bot)
    at(2026, 11, 25, 10, 0)
    _file(bot)
    at(2026, 11, 30, 9, 0)
    asked = bot.send("zsj_admin", "关账 2026-11")
    assert "11月2日—11月8日" not in asked.split("\n", 1)[1] and "11月16日—11月22日" not in asked, asked
    assert "· 11月23日—11月29日 抚松县卫生健康局" in asked, asked
    assert "抚松县教育局" not in asked.split("\n", 1)[1], asked  # it filed the week of 11-23
    assert "11月2日—11月22日是本县启用助手之前，不计未报。" in asked, asked
    bot.send("zsj_admin", "取消")
    asked = bot.send("zsj_admin", "关账 2026-10")  # every week of it before the first report
    assert "该月还有" not in asked and "都已报送" not in asked, asked
    assert "该月各周都在本县启用助手之前，不计未报。" in asked, asked


def test_a_month_not_over_is_not_closed_and_a_closing_can_be_undone(bot):
    """「关账 2026-11」 on 11-28 closed the month at once, with a week still to report and no way back."""
    seed(bot)
    at(2026, 11, 25, 10, 0)
    _file(bot)
    at(2026, 11, 28, 10, 0)
    assert bot.send("zsj_admin", "关账 2026-11") == \
        "2026-11 还没有结束：该月最后一周（11月23日—11月29日）11月29日才结束，之后才能关账。"
    at(2026, 11, 30, 9, 0)
    bot.send("zsj_admin", "关账 11月")  # the month as the bulletin reads it: the latest November
    assert bot.send("zsj_admin", "不") == "没有关账，2026-11的周报仍可修改。"
    bot.send("zsj_admin", "关账 2026-11")
    bot.send("zsj_admin", "确认")
    assert "已由主管单位关账" in bot.send("jy_li", "修改周报 上周")
    assert bot.send("zsj_admin", "取消关账 2026-11").startswith("已取消 2026-11 的关账")
    assert "11月23日—11月29日的周报已由张伟" in bot.send("jy_li", "修改周报 上周")
    assert bot.send("zsj_admin", "取消关账 2026-11") == "2026-11 没有关账，该月周报本来就可以修改。"
    with bot.db() as s:
        closings = select(AuditLog).where(AuditLog.entity == "month_close").order_by(AuditLog.id)
        actions = [a.action for a in s.scalars(closings)]
    assert actions == ["weekly.close_month", "weekly.reopen_month"]


def test_the_city_bureau_is_told_that_the_counties_close_their_months(bot):
    """A city admin's 关账 was recorded under the city bureau and said the city's units could no longer correct
    their reports, though month_closed reads each unit's county bureau: nothing was closed."""
    seed(bot)
    at(2026, 11, 30, 9, 0)
    said = bot.send("city_qian", "关账 2026-11")
    assert said.startswith("关账由各县（市、区）政数局管理员办理") and "市局不关账" in said, said
    assert bot.send("city_qian", "取消关账 2026-11").startswith("关账由各县（市、区）政数局管理员办理")
    with bot.db() as s:
        assert s.scalars(select(AuditLog).where(AuditLog.entity == "month_close")).all() == []


def test_two_first_submissions_at_the_same_moment_become_a_report_and_an_amendment(bot):
    """Two colleagues confirm at once: one files, the other's answers become version 2 (no error)."""
    import threading
    import time

    from bot import db
    from models.org import Person, Unit
    from models.weekly import save_report
    ids = seed(bot)
    at(2026, 11, 25, 10, 0)

    def entries(posts):
        return [{"account_id": ids["抚松教育（微信公众号）"], "posts": posts, "originals": 0,
                 "latest_post_on": date(2026, 11, 24), "messages_received": 0, "messages_answered": 0}]

    def who(s, userid):
        person = s.scalar(select(Person).where(Person.userid == userid))
        return s.scalar(select(Unit).where(Unit.name == EDU)), person

    first = db.new_session()
    first.begin()
    unit, zhang = who(first, "jy_zhang")
    save_report(first, unit=unit, week=WEEK, entries=entries(1), person=zhang)  # inserted, not committed
    outcome = {}

    def colleague():
        with db.transaction() as s:
            unit_b, li = who(s, "jy_li")
            report, changed = save_report(s, unit=unit_b, week=WEEK, entries=entries(2), person=li)
            outcome.update(version=report.version, changed=changed)

    thread = threading.Thread(target=colleague)
    thread.start()
    time.sleep(0.5)  # the colleague now waits for the first transaction
    first.commit()
    first.close()
    thread.join(20)
    assert outcome == {"version": 2, "changed": True}
    with bot.db() as s:
        report = report_of(s, EDU, WEEK)
        assert report.submitted_by.userid == "jy_zhang" and report.updated_by.userid == "jy_li"
        assert [v.snapshot["entries"][0]["posts"] for v in report.versions] == [1, 2]


def test_a_colleague_filing_during_the_dialogue_turns_it_into_an_amendment(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    bot.say("jy_li", "周报", "1", "1", "今天", "无", "无")  # jy_li is half-way through
    _file(bot, "jy_zhang")
    bot.say("jy_li", "无", "不清楚", "无", "无", "无", "不清楚", "无", "无")
    reply = bot.send("jy_li", "确认")
    assert "张伟在您填写期间已经报送，您填写的内容作为修改保存" in reply and "第2版" in reply
    with bot.db() as s:
        assert report_of(s, EDU, WEEK).version == 2


def test_two_colleagues_editing_at_once_do_not_undo_each_others_changes(bot):
    """jy_li edits 微博 while jy_zhang saves a change to 公众号 (version 2): jy_li's 确认 used to save version 3
    with 公众号 as it was in version 1, silently undoing jy_zhang's change. Now jy_li is shown version 2 with
    the 微博 change kept, and confirms again."""
    seed(bot)
    at(2026, 11, 25, 10, 0)
    _file(bot)
    bot.say("jy_li", "修改周报", "修改 3", "4", "1", "今天", "1/1", "无")  # 微博, at the summary now
    bot.say("jy_zhang", "修改周报", "修改 1", "6", "2", "今天", "1/1", "无")
    assert "第2版" in bot.send("jy_zhang", "确认")
    reply = bot.send("jy_li", "确认")
    assert reply.startswith("没有提交：在您修改期间，张伟于10:00更新了这份周报（第2版）。"
                            "下面的汇总已换成第2版的内容，并保留了您修改的抚松教育（微博），请再核对一次。"), reply
    assert "1. 抚松教育（微信公众号）：发布6条（原创2）" in reply and "3. 抚松教育（微博）：发布4条（原创1）" in reply
    with bot.db() as s:
        assert report_of(s, EDU, WEEK).version == 2  # nothing saved yet
    assert "第3版" in bot.send("jy_li", "确认")
    with bot.db() as s:
        posts = {e.account.platform: e.posts for e in report_of(s, EDU, WEEK).entries}
    assert posts["微信公众号"] == 6 and posts["微博"] == 4


def test_editing_a_missing_last_week_points_to_the_right_command(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    reply = bot.send("jy_zhang", "修改周报 上周")
    assert "11月16日—11月22日还没有报送周报" in reply and "回复「周报 上周」补报" in reply
    assert "回复「周报」开始填报" in bot.send("jy_zhang", "修改周报 本周")


def test_next_week_cannot_be_filed_yet(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    reply = bot.send("jy_zhang", "周报 下周")
    assert reply == "还不能填报以后的周报。"  # not a quick form for an account named 「下周」
    assert bot.send("jy_zhang", "修改周报 下周") == "还不能填报以后的周报。"


def test_edit_n_at_a_question_says_it_works_at_the_summary_and_asks_again(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    bot.send("jy_zhang", "周报")
    early = bot.send("jy_zhang", "修改 1")
    assert "汇总中回复「修改 2」即重新填第2个账号" in early and "【1/3】抚松教育（微信公众号）" in early
    assert "请先回复「取消」" not in early and "修改」，请先" not in early
    bot.say("jy_zhang", "3")
    again = bot.send("jy_zhang", "修改第2个")
    assert "所有账号填完" in again and again.endswith("其中原创几条？（如 3；全部原创回复「都是」；没有原创回复「无」）")
    bot.say("jy_zhang", "1", "11-24", "无", "无", "无", "不清楚", "无", "无", "无", "不清楚", "无")
    assert "1. 抚松教育（微信公众号）" in bot.send("jy_zhang", "无")
    assert "修改 抚松教育（抖音）" in bot.send("jy_zhang", "修改 2")
    editing = bot.send("jy_zhang", "修改 3")  # already editing one account
    assert "这个账号改完后会回到汇总" in editing and "修改 抚松教育（抖音）" in editing
    assert "请核对" in bot.send("jy_zhang", "跳过")


@pytest.mark.parametrize("said", ["周报填错了", "周报有误", "改一下周报", "本周的周报要改一下", "我要修改本周周报",
                                  # were 「本单位没有名为「填错了怎么改」的在用账号」 and 「没有理解」
                                  "周报填错了怎么改", "周报报错了咋改？", "我周报交错了，公众号应该是6条", "周报交错了"])
def test_editing_asked_for_in_other_words(bot, said):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    _file(bot)
    at(2026, 11, 26, 9, 0)
    reply = bot.send("jy_zhang", said)
    assert "已由张伟于11-25 10:00报送（第1版）" in reply and "周报，请核对" in reply, reply
    assert "快捷填报没有提交" not in reply, reply


def test_editing_last_weeks_report_asked_for_in_other_words(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    _file(bot)
    at(2026, 11, 30, 9, 0)  # Monday: 上周 is the week of 11-23
    shown = bot.send("jy_zhang", "上周的周报要改一下")
    assert "11月23日—11月29日" in shown and "已由张伟于11-25 10:00报送（第1版）" in shown, shown


def test_correcting_an_account_shows_each_answer_and_不变_keeps_it(bot):
    """「同上」 while correcting the first account took the last account's comments, and 「同上」 at the problems
    question was stored as the problem; the old answers were not shown, and 「不变」 was 「没能看懂」."""
    seed(bot)
    at(2026, 11, 25, 10, 0)
    _file(bot)
    bot.send("jy_zhang", "修改周报")
    asked = bot.send("jy_zhang", "修改 1")
    assert asked.endswith("（原来报的是：5；不改回复「不变」）"), asked
    assert bot.send("jy_zhang", "6").endswith("（原来报的是：3；不改回复「不变」）")
    assert bot.send("jy_zhang", "不变").endswith("（原来报的是：11月24日；不改回复「不变」）")
    assert bot.send("jy_zhang", "不变").endswith("（原来报的是：4/4；不改回复「不变」）")
    reask = bot.send("jy_zhang", "同上")
    assert reask.startswith("这是第一个账号，上面没有可以「同上」的账号，请直接回复，例如 4/4；不改回复「不变」。"), reask
    bot.send("jy_zhang", "不变")
    summary = bot.send("jy_zhang", "不变")
    assert "1. 抚松教育（微信公众号）：发布6条（原创3），最近11-24，留言4/4，问题：无" in summary, summary
    bot.send("jy_zhang", "修改 3")
    bot.say("jy_zhang", "不变", "不变", "不变", "同上")
    summary = bot.send("jy_zhang", "同上")  # the problems of the account above (抖音: none)
    assert "3. 抚松教育（微博）：发布2条（原创1），最近11-25，留言0/0，问题：无" in summary, summary
    bot.send("jy_zhang", "确认")
    with bot.db() as s:
        entries = {e.account.platform: e for e in report_of(s, EDU, WEEK).entries}
        assert (entries["微信公众号"].posts, entries["微信公众号"].messages_received) == (6, 4)
        assert entries["微博"].problems is None


def test_a_date_in_the_week_reported_is_not_offered_for_an_idle_week(bot):
    """Correcting this week's report, the idle week's question offered 「上次报的是 11-26」 and then refused it."""
    seed(bot)
    at(2026, 11, 25, 10, 0)
    _file(bot)
    bot.send("jy_zhang", "修改周报")
    bot.send("jy_zhang", "修改 1")
    asked = bot.send("jy_zhang", "无")
    assert asked.startswith("这周没有更新。最近一次发布是哪天？（如 11月10日；记不清回复「不清楚」）"), asked


def test_cancelling_an_edit_without_changes_says_the_filed_report_stands(bot):
    """取消 at 修改周报's summary said 「已取消「周报」，没有提交任何内容。」, as if the report filed were gone."""
    seed(bot)
    at(2026, 11, 25, 10, 0)
    bot.say("jy_zhang", "周报", "都没更新", "不清楚", "确认")
    assert "（第1版）" in bot.send("jy_zhang", "修改周报")
    assert bot.send("jy_zhang", "取消") == "已取消「周报」：没有提交任何修改，已报送的周报仍是第1版。"
