"""待办 for a unit's staff and head (handlers/unit_todo.py): what the unit still has to do, each with its reply."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from bot import clock
from tests.approvals_helpers import approve_all, submit_open
from tests.weekly_support import EDU, file_report, seed



def seed_updated(bot, day: date = date(2026, 11, 30)) -> dict[str, int]:
    """The weekly-report accounts (tests/weekly_support.py), each last updated on `day`."""
    from models.account import Account
    ids = seed(bot)
    with bot.db() as s:
        for account in s.query(Account).all():
            account.last_update_on = day
    return ids


def title(bot, number: int) -> str:
    from models.approval import ApprovalRequest
    with bot.db() as s:
        return s.get(ApprovalRequest, number).title


def test_nothing_to_do_says_so_and_a_staff_member_is_no_longer_refused(bot):
    assert bot.send("jy_zhang", "待办") == "抚松县教育局目前没有待办事项。"  # no account: no weekly report due
    assert bot.send("jy_wang", "待办") == "目前没有等待您审批的申请。\n\n抚松县教育局目前没有待办事项。"
    assert bot.send("zsj_review", "待办") == "目前没有等待您审批的申请。"  # a bureau: no unit part


def test_the_weekly_report_not_filed_is_listed_with_its_deadline_and_reply(bot):
    seed_updated(bot)
    clock.set_now(datetime(2026, 12, 1, 9, 0))  # Tuesday: last week overdue, this week still open
    reply = bot.send("jy_zhang", "待办")
    assert reply.startswith("抚松县教育局待办（2项）：\n"), reply
    assert "· 周报 11月23日—11月29日：未报，截止11月27日（周五）17:00，已逾期 → 回复「周报 上周」填报" in reply
    assert "· 周报 11月30日—12月6日：未报，截止12月4日（周五）17:00 → 回复「周报」填报" in reply
    file_report(bot, EDU, "jy_zhang", date(2026, 11, 23), {"抚松教育（微信公众号）": (1, 1, date(2026, 11, 24), 0, 0)})
    assert "11月23日—11月29日" not in bot.send("jy_zhang", "待办")
    assert "抚松县卫生健康局待办" in bot.send("wj_liu", "我有哪些待办")  # in other words, for its own unit only


def test_a_returned_request_a_filing_and_a_rectification_are_listed(bot):
    number = submit_open(bot)
    bot.send("jy_wang", f"退回 {number} 名称要改")
    reply = bot.send("jy_zhang", "待办")
    assert reply == f"抚松县教育局待办（1项）：\n· 第{number}号 {title(bot, number)}：已退回修改 → 回复「修改 {number}」", reply
    bot.send("jy_zhang", f"修改 {number}")
    bot.send("jy_zhang", "确认")
    approve_all(bot, number)
    reply = bot.send("jy_zhang", "有什么要做的")
    assert "待报送全国政务新媒体信息报送系统，截止" in reply and f"→ 报送后回复「已报送 {number}」" in reply, reply
    bot.send("jy_zhang", f"已报送 {number}")
    clock.set_now(datetime(2026, 11, 16, 10, 0))
    bot.send("zsj_admin", "整改通知 教育局 抚松教育公众号两周未更新")
    bot.send("zsj_admin", "确认")
    reply = bot.send("jy_wang", "待办")
    assert "· 整改事项 1. [待整改] 抚松教育公众号两周未更新（期限 2026-11-23） → 整改后回复「已整改 1 整改说明」" in reply
    # (the new account was opened after those weeks: no weekly report is due for them)
    assert reply.startswith("目前没有等待您审批的申请。\n\n抚松县教育局待办（1项）：\n· 整改事项 1."), reply
    assert "待报送" not in reply and "已退回" not in reply


@pytest.mark.parametrize("asked", ["有什么要做的", "今天有什么事", "我有哪些待办", "还有什么要办的吗",
                                   "这周还有啥要做的", "哪些要交", "本周还有什么要报的吗"])  # were 「没有理解」
def test_asked_in_other_words(bot, asked):
    assert bot.send("jy_zhang", asked) == "抚松县教育局目前没有待办事项。"


def test_the_greeting_says_what_waits(bot):
    """Opening the app (enter_agent): a line with how many requests wait for him and how much his unit has to do."""
    assert bot.side.enter("jy_zhang").text.splitlines()[1].startswith("张伟（抚松县教育局，单位工作人员）可以使用：")
    seed_updated(bot)
    clock.set_now(datetime(2026, 12, 1, 9, 0))
    assert bot.side.enter("jy_zhang").text.splitlines()[1] == "本单位有2项待办，回复「待办」查看。"
    submit_open(bot, "wj_liu", ["开设", "微博", "健康抚松", "发布卫生健康政策和通知", "https://weibo.com/u/1234567891",
                                 "无", "1", "13912345678", "无", "及时发布卫生健康信息", "是"])  # (教育局 has a 微博 here)
    assert bot.side.enter("wj_chen").text.splitlines()[1] == "1件申请等您审批，本单位有2项待办，回复「待办」查看。"
    assert bot.side.enter("zsj_review").text.splitlines()[1].startswith("杨审核（")  # nothing waits for him yet


def test_a_week_before_the_units_first_account_was_opened_is_not_due(bot):
    from models.account import Account
    seed(bot)
    with bot.db() as s:
        for account in s.query(Account).all():
            account.opened_on = date(2026, 11, 27)  # opened on last week's due day (Friday): that week is due
    clock.set_now(datetime(2026, 12, 1, 9, 0))
    reply = bot.send("jy_zhang", "待办")
    assert "11月23日—11月29日" in reply and "11月30日—12月6日" in reply
    with bot.db() as s:
        for account in s.query(Account).all():
            account.opened_on = date(2026, 11, 28)  # the day after: from this week on, as the bulletin counts it
    reply = bot.send("jy_zhang", "待办")
    assert "11月23日—11月29日" not in reply and "11月30日—12月6日" in reply, reply


def test_a_greeting_typed_says_what_waits_too(bot):
    seed_updated(bot)
    clock.set_now(datetime(2026, 12, 1, 9, 0))
    assert bot.send("jy_zhang", "你好").splitlines()[1] == "本单位有2项待办，回复「待办」查看。"


def test_an_account_idle_long_enough_to_fail_the_national_inspection_is_to_do(bot):
    """14 days (两周未更新, the ladder's rung): listed until it is updated; one with a follow-up is that follow-up's."""
    from models.account import Account
    from models.oversight import FROM_DORMANCY, open_case
    ids = seed_updated(bot, date(2026, 11, 17))
    clock.set_now(datetime(2026, 11, 30, 9, 0))  # Monday: 13 days
    assert "未更新" not in bot.send("jy_zhang", "待办")
    clock.set_now(datetime(2026, 12, 1, 9, 0))  # 14 days
    reply = bot.send("jy_zhang", "待办")
    assert ("· 账号 抚松教育（抖音）已14天未更新（连续两周未更新的账号在全国政务新媒体检查中将被单项否决）"
            "→ 请尽快发布，并在周报中如实填报") in reply, reply
    assert reply.count("已14天未更新") == 3 and "健康抚松" not in reply  # 教育局's three, not 卫健局's
    with bot.db() as s:
        s.get(Account, ids["抚松教育（抖音）"]).last_update_on = date(2026, 11, 30)
    assert "抚松教育（抖音）已" not in bot.send("jy_zhang", "待办")
    with bot.db() as s:
        case = open_case(s, unit_id=s.get(Account, ids["抚松教育（微博）"]).unit_id, account_id=ids["抚松教育（微博）"],
                         source=FROM_DORMANCY, now=clock.now(), spell_start=date(2026, 11, 17))
        s.flush()
        number = case.id
    reply = bot.send("jy_zhang", "待办")
    assert f"· 跟进事项 {number}：抚松教育（微博）" in reply and "抚松教育（微博）已" not in reply, reply


def test_the_bureau_sees_what_awaits_its_review(bot):
    """A unit's 整改情况 and a follow-up explanation awaiting the county bureau's review are on its 待办 and in the
    greeting (they were only in the next morning's digest); the neighbouring county's are not."""
    from tests.oversight_helpers import add_account
    from jobs import dormancy
    add_account(bot, last_update_on=date(2026, 8, 3))
    clock.set_now(datetime(2026, 11, 2, 10, 0))
    dormancy.dormancy_ladder("2026-11-02")  # 91 days: 跟进事项 1
    bot.say("jy_zhang", "说明 1 账号已交由新同事维护，本周恢复更新", "确认")
    bot.send("zsj_admin", "整改通知 教育局 抚松教育公众号两周未更新")
    bot.send("zsj_admin", "确认")
    bot.say("jy_zhang", "已整改 1 已补发本周内容", "确认")
    reply = bot.send("zsj_review", "待办")
    assert reply.startswith("目前没有等待您审批的申请。\n\n等待您审核（2项）：\n"), reply
    assert "· 整改事项 1. [已提交] 抚松县教育局｜抚松教育公众号两周未更新（期限 2026-11-09） → 回复「通过整改 1」或" \
           "「重新整改 1 原因」" in reply, reply
    assert "· 跟进事项 1：抚松县教育局｜抚松教育（微信公众号）｜停更90天，单位已作说明 → 回复「接受说明 1」" in reply, reply
    assert bot.side.enter("zsj_admin").text.splitlines()[1] == "2项整改情况或说明等您审核，回复「待办」查看。"
    assert "等待您审核" not in bot.send("jy_admin", "待办")  # the neighbouring county
    bot.send("zsj_review", "通过整改 1")
    assert "等待您审核（1项）" in bot.send("zsj_admin", "待办")


def test_a_bureau_admin_without_an_approvers_role_may_ask_too(bot):
    from sqlalchemy import select

    from models.org import BUREAU_ADMIN, Person
    with bot.db() as s:
        s.scalar(select(Person).where(Person.userid == "zsj_admin")).set_roles({BUREAU_ADMIN})
    for asked in ("待办", "有什么要做的"):
        assert bot.send("zsj_admin", asked) == "目前没有等待您审核的整改情况或说明。", asked


def test_how_many_wait_for_approval_asked(bot):
    assert bot.send("jy_wang", "有多少待审批的").startswith("目前没有等待您审批的申请。")
