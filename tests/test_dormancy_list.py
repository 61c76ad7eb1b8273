"""停更账号: accounts not updated for a week or more, by the ladder's rungs, in the asker's part of the tree."""
from __future__ import annotations

from datetime import date, datetime, timezone

from models.account import CANCELLED
from models.oversight import CASE_OPEN, FROM_DORMANCY, open_case
from tests.oversight_helpers import HEALTH, add_account, at, unit_id

TODAY = date(2026, 11, 26)


def test_the_bureau_sees_its_units_idle_accounts_by_rung_with_their_follow_ups(bot):
    zombie = add_account(bot, platform="抖音", responsible="jy_li", last_update_on=date(2026, 8, 1))  # 117 days
    add_account(bot, last_update_on=date(2026, 11, 10))  # 16 days
    add_account(bot, unit=HEALTH, name="健康抚松", responsible="wj_liu", last_update_on=date(2026, 11, 17))  # 9
    add_account(bot, unit=HEALTH, name="健康抚松", platform="微博", responsible=None,
                opened_on=date(2026, 11, 2), last_update_on=None)  # 24 days since it opened, never reported
    add_account(bot, platform="微博", last_update_on=date(2026, 11, 20))  # 6 days: not yet
    add_account(bot, platform="快手", status=CANCELLED, last_update_on=date(2026, 1, 5))  # closed: not watched
    add_account(bot, unit="靖宇县教育局", name="靖宇教育", responsible="jyx_staff",
                last_update_on=date(2026, 6, 1))  # the neighbour county's
    with bot.db() as s:
        case = open_case(s, unit_id=unit_id(s, "抚松县教育局"), account_id=zombie, source=FROM_DORMANCY,
                         now=datetime(2026, 11, 2, tzinfo=timezone.utc), spell_start=date(2026, 8, 1))
        s.flush()
        number = case.id
    at(TODAY)
    reply = bot.send("zsj_admin", "停更账号")
    assert reply.splitlines() == [
        "抚松县政务服务和数字化建设管理局辖区7天以上未更新的账号（4个，截至11月26日，按周报填报的最近更新日期）：",
        "【认定停更：90天以上，超过三个月不更新的必须关停（第15条）】1个",
        f"· 抚松教育（抖音，抚松县教育局）117天未更新（最近更新8月1日），负责人：李娜；跟进事项 {number}：{CASE_OPEN}",
        "【两周未更新：14天以上，全国检查中连续两周未更新即单项否决】2个",
        "· 健康抚松（微博，抚松县卫生健康局）24天未更新（还没有周报填报的更新），负责人：未指定",
        "· 抚松教育（微信公众号，抚松县教育局）16天未更新（最近更新11月10日），负责人：张伟",
        "【停更提醒：7天以上】1个",
        "· 健康抚松（微信公众号，抚松县卫生健康局）9天未更新（最近更新11月17日），负责人：刘洋",
        "回复「跟进事项」查看停更认定后的跟进，「台账 单位名」查看单位的账号。",
    ], reply
    assert "靖宇教育（微信公众号，靖宇县教育局）" in bot.send("city_qian", "停更账号")
    assert "抚松" not in bot.send("jy_admin", "停更账号").split("：", 1)[1]  # the neighbour sees its own only


def test_a_unit_sees_its_own_accounts_and_what_to_do(bot):
    add_account(bot, last_update_on=date(2026, 11, 14))
    add_account(bot, unit=HEALTH, name="健康抚松", responsible="wj_liu", last_update_on=date(2026, 8, 1))
    at(TODAY)
    reply = bot.send("jy_zhang", "我们的号多久没发了")  # a question in the clerk's words
    assert reply.splitlines() == [
        "抚松县教育局7天以上未更新的账号（1个，截至11月26日，按周报填报的最近更新日期）：",
        "【停更警告：10天以上】1个",
        "· 抚松教育（微信公众号）12天未更新（最近更新11月14日），负责人：张伟",
        "请尽快更新，并在周报中如实填报更新情况；确属无力维护的，请回复「注销」申请注销（第15条）。",
    ], reply
    assert reply == bot.send("jy_wang", "僵尸账号")  # the head sees the same


def test_nothing_idle_says_so_and_the_questions_that_ask_for_the_list(bot):
    add_account(bot, last_update_on=date(2026, 11, 20))
    at(TODAY)
    assert bot.send("jy_zhang", "停更账号") == \
        "抚松县教育局没有7天以上未更新的账号（截至11月26日，按周报填报的最近更新日期计算）。"
    for question in ("哪些账号很久没更新了", "有没有停更的号", "停更的账号有哪些？", "有没有很久没发布的账号"):
        assert bot.send("zsj_admin", question).startswith(
            "抚松县政务服务和数字化建设管理局辖区没有7天以上未更新的账号"), question
    assert bot.send("jy_zhang", "没更新").startswith("没有理解")  # too little to be the question


def test_the_bureau_may_name_one_unit(bot):
    add_account(bot, last_update_on=date(2026, 11, 10))
    add_account(bot, unit=HEALTH, name="健康抚松", responsible="wj_liu", last_update_on=date(2026, 11, 10))
    at(TODAY)
    reply = bot.send("zsj_admin", "停更账号 卫健局")
    assert reply.startswith("抚松县卫生健康局7天以上未更新的账号（1个，") and "抚松教育" not in reply, reply
    assert "（2个，" in bot.send("zsj_admin", "停更账号 全部")
    assert "不在您的管辖范围内" in bot.send("zsj_admin", "停更账号 靖宇县教育局")
    assert bot.send("jy_zhang", "停更账号 卫健局").startswith("抚松县教育局")  # a unit sees its own


def test_a_unit_with_a_dormant_account_is_pointed_to_its_follow_up_case(bot):
    """After 停更认定 the unit's list said only 「请尽快更新……确属无力维护的，请回复「注销」」: updating does not settle
    the follow-up case, and 说明 was not mentioned. Now the list says the case needs the 注销 or a 说明."""
    from jobs import dormancy
    add_account(bot, last_update_on=date(2026, 8, 3))
    at(date(2026, 11, 2))
    dormancy.dormancy_ladder("2026-11-02")
    reply = bot.send("jy_zhang", "停更账号")
    assert reply.endswith("已有跟进事项（1）的账号须申请注销（助手已起草注销申请，回复「注销」核对提交），"
                          "或回复「说明 1 理由…」向县政数局说明。"), reply
    assert "说明 1" not in bot.send("zsj_admin", "停更账号")
