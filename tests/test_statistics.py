"""统计: the bureau's live figures for a period over its part of the tree."""
from __future__ import annotations

from datetime import date

import pytest

from tests.approvals_helpers import OPEN_WEIBO, approve_all, submit_open
from tests.weekly_support import at, seed


def test_the_months_figures_from_what_happened(bot):
    seed(bot)
    at(2026, 11, 20, 10, 0)  # Friday of the week 11-16: two units file, one late on Monday
    bot.say("jy_zhang", "周报", "都没更新", "确认")
    at(2026, 11, 23, 9, 0)
    bot.say("wj_liu", "周报 上周", "都没更新", "确认")
    number = submit_open(bot, "yj_shi", [*OPEN_WEIBO[:2], "抚松应急", OPEN_WEIBO[3], "https://weibo.com/u/5",
                                         *OPEN_WEIBO[5:]])
    approve_all(bot, number, ("yj_kong", "zsj_review", "city_zhao"))
    bot.say("zsj_admin", "整改通知 教育局 公众号两周未更新", "确认")
    bot.say("zsj_admin", "警告 公安局 多次提醒仍未报送周报", "确认")
    at(2026, 11, 28, 10, 0)
    reply = bot.send("zsj_admin", "统计")
    lines = reply.splitlines()
    assert lines[0] == "抚松县政务服务和数字化建设管理局辖区统计（2026年11月，11月1日—11月28日）：", reply
    assert lines[1].startswith("【账号】在用10个（微信公众号4、微博3、抖音2、视频号1）；期间新开设1个、注销0个、关停0个；"
                               "没有在用账号的单位4个："), reply
    assert lines[2] == "【审批】期间提交1件（开设1）：已通过1、驳回0、退回修改0、审批中0", reply
    # weeks since the first report through the bot (11-16 on): 11-16 and 11-23, due 11-20 and 11-27
    # (5 units with accounts that week, then 6: 应急 opened on 11-23)
    assert lines[3] == "【周报】期间到期11份：按时1、迟报1、未报9（按时率9%）", reply
    assert lines[4] == "【停更】截至今天认定停更9个（按周报填报的最近更新日期）", reply
    assert lines[5] == "【整改与措施】期间下发整改事项1项（待整改1）；处置措施1次（警告1）", reply
    assert lines[6] == "【培训】期间没有登记培训"
    assert bot.send("zsj_admin", "这个月开了几个号") == reply
    assert bot.send("zsj_admin", "统计 10月").splitlines()[2] == "【审批】期间没有提交的申请"
    assert bot.send("jy_admin", "统计").splitlines()[1].startswith("【账号】在用0个")  # the neighbour sees his own
    assert bot.send("jy_zhang", "统计").startswith("「统计」仅限")


@pytest.mark.parametrize("said, label", [("统计 本季度", "2026年第4季度，10月1日—11月28日"),
                                         ("统计 上季度", "2026年第3季度，7月1日—9月30日"),
                                         ("统计 今年", "2026年，1月1日—11月28日"),
                                         ("统计 上月", "2026年10月，10月1日—10月31日"),
                                         ("本季度统计", "2026年第4季度，10月1日—11月28日")])
def test_the_period_as_said(bot, said, label):
    at(2026, 11, 28, 10, 0)
    assert bot.send("zsj_admin", said).startswith(f"抚松县政务服务和数字化建设管理局辖区统计（{label}）：")


def test_a_period_not_understood_says_what_to_write(bot):
    at(2026, 11, 28, 10, 0)
    assert bot.send("zsj_admin", "统计 明年").startswith("没能看懂「明年」。可以写「统计」（本月）")
    assert bot.send("zsj_admin", "统计 12月").startswith("抚松县政务服务和数字化建设管理局辖区统计（2025年12月")  # the latest


def test_the_city_bureau_looks_at_one_county(bot):
    seed(bot)
    at(2026, 11, 20, 10, 0)
    bot.say("jy_zhang", "周报", "都没更新", "确认")
    at(2026, 11, 28, 10, 0)
    whole = bot.send("city_zhao", "统计")
    assert whole.splitlines()[0].startswith("白山市政务服务和数字化建设管理局辖区统计（2026年11月")
    assert whole.splitlines()[-3:] == [
        "【各县】",
        "· 抚松：在用账号9个，周报按时率10%（未报9份），14天以上未更新9个（「统计 抚松」看详情）",
        "· 靖宇：在用账号0个，还没有经助手报送的周报，14天以上未更新0个（「统计 靖宇」看详情）"], whole
    assert bot.send("city_zhao", "哪个县最差") == whole and bot.send("city_zhao", "各县情况") == whole
    county = bot.send("city_zhao", "统计 靖宇")
    assert county.splitlines()[0] == "靖宇县政务服务和数字化建设管理局辖区统计（2026年11月，11月1日—11月28日）：", county
    assert county.splitlines()[1] == "【账号】在用0个；期间新开设0个、注销0个、关停0个；没有在用账号的单位1个：靖宇县教育局"
    assert "分县查看" not in county and "抚松" not in county
    assert bot.send("city_zhao", "抚松县的统计").splitlines()[0].startswith("抚松县政务服务和数字化建设管理局辖区统计")
    assert bot.send("city_zhao", "统计 抚松 10月").splitlines()[0].startswith(
        "抚松县政务服务和数字化建设管理局辖区统计（2026年10月，10月1日—10月31日）")
    # a county's own bureau naming itself gets its own figures; another place is pointed to the unit's record
    assert bot.send("zsj_admin", "抚松县的统计") == bot.send("zsj_admin", "统计")
    assert bot.send("zsj_admin", "教育局的统计") == (
        "「统计」给出抚松县政务服务和数字化建设管理局辖区的数字。一个单位的情况请看「单位记录 教育局」或「台账 教育局」。")
    assert "单位记录" not in bot.send("zsj_admin", "培训统计")  # not a place: read as it was before


def test_the_city_bureau_looks_at_one_countys_weekly_reports(bot):
    seed(bot)
    at(2026, 11, 20, 10, 0)
    bot.say("jy_zhang", "周报", "都没更新", "确认")
    whole = bot.send("city_zhao", "周报情况")
    assert "白山市政务服务和数字化建设管理局" in whole.splitlines()[0], whole
    assert whole.splitlines()[-1] == "分县查看：「周报情况 抚松」、「周报情况 靖宇」。", whole
    fusong = bot.send("city_zhao", "周报情况 抚松")
    assert "抚松县政务服务和数字化建设管理局" in fusong.splitlines()[0] and "分县查看" not in fusong, fusong
    assert fusong == bot.send("zsj_admin", "周报情况")  # the county's own roll-up
    jingyu = bot.send("city_zhao", "周报情况 靖宇县")
    assert "靖宇县政务服务和数字化建设管理局" in jingyu.splitlines()[0] and "抚松" not in jingyu, jingyu
    assert bot.send("city_zhao", "周报情况 抚松 上周") == bot.send("zsj_admin", "周报情况 上周")


def test_the_statements_do_not_grow_with_the_weeks_counted(bot):
    """The weekly part asked the database per week (a year: some 200 statements on the callback path)."""
    from bench.scale_common import counting
    seed(bot)
    at(2026, 1, 9, 10, 0)
    bot.say("jy_zhang", "周报", "都没更新", "确认")  # the county's first report: a year of weeks is counted
    at(2026, 11, 28, 10, 0)
    counts = {}
    for said in ("统计", "统计 今年"):
        with counting() as counter:
            bot.send("zsj_admin", said)
        counts[said] = counter.count
    assert counts["统计 今年"] <= counts["统计"] + 2, counts  # (it was 203 against 36)


# --- 「全县有几个抖音号」: one platform's number, not the whole 统计 or 台账 -------------------------------------

DOUYIN = ("全县在用抖音号 2 个（2个单位）：\n"
          "· 抚松县教育局：抚松教育\n"
          "· 抚松县文化广播电视和旅游局：抚松文旅\n"
          "另有已注销、已关停的抖音号 1 个，不计入：抚松县公安局 抚松公安（已注销）\n"
          "回复「台账」看各平台的账号数，「台账 单位名」看一个单位的明细。")


def _accounts_with_a_closed_one(bot):
    from tests.registry_helpers import add_account, seed_accounts
    seed_accounts(bot)
    add_account(bot, "抚松县公安局", "抚松公安", "抖音", status="已注销")
    add_account(bot, "靖宇县教育局", "靖宇教育", "抖音")  # the neighbouring county's: not counted in 抚松
    at(2026, 11, 28, 10, 0)


@pytest.mark.parametrize("asked", ["全县有几个抖音号", "全县有几个抖音号？", "全县抖音号有几个", "全县一共有多少个抖音账号",
                                   "抖音号有多少个", "有几个抖音", "我们县有多少个在用的抖音号"])
def test_how_many_accounts_of_a_platform_is_one_number_with_its_units(bot, asked):
    _accounts_with_a_closed_one(bot)
    assert bot.send("zsj_admin", asked) == DOUYIN


@pytest.mark.parametrize("asked, first", [
    ("全县有几个公众号", "全县在用微信公众号 4 个（4个单位）："),
    ("全县有多少个微信公众号", "全县在用微信公众号 4 个（4个单位）："),
    ("有几个视频号", "全县在用视频号 1 个（1个单位）："),
    ("全县微博有几个", "全县在用微博号 1 个（1个单位）："),
    ("全县有几个头条号", "全县目前没有在用的今日头条号。"),
    ("全县有几个快手号", "全县目前没有在用的快手号。")])
def test_each_platform_and_its_short_name(bot, asked, first):
    _accounts_with_a_closed_one(bot)
    assert bot.send("zsj_admin", asked).startswith(first)


def test_the_count_is_of_the_askers_part_of_the_tree(bot):
    _accounts_with_a_closed_one(bot)
    assert bot.send("jy_admin", "全县有几个抖音号").startswith("全县在用抖音号 1 个（1个单位）：\n· 靖宇县教育局：靖宇教育")
    assert bot.send("city_qian", "全市有几个抖音号").startswith("全市在用抖音号 3 个（3个单位）：")
    assert bot.send("jy_zhang", "我们有几个抖音号").startswith("本单位在用抖音号 1 个：抚松教育")
    assert bot.send("wj_liu", "我们有几个抖音号").startswith("本单位目前没有在用的抖音号。")
    assert bot.send("jy_zhang", "全县有几个抖音号").startswith("全县的账号数请向县政数局了解，您可以查看的是本单位的：\n"
                                                      "本单位在用抖音号 1 个：抚松教育")


def test_how_many_accounts_in_all_is_the_number_by_platform(bot):
    _accounts_with_a_closed_one(bot)
    reply = bot.send("zsj_admin", "全县有几个号")
    assert reply.startswith("全县在用政务新媒体账号 8 个（5个单位）：微信公众号4、视频号1、微博1、抖音2\n"
                            "另有已注销、已关停 1 个，不计入。"), reply
    assert bot.send("zsj_admin", "全县一共有多少个账号") == reply
    assert bot.send("jy_zhang", "我们有几个号").startswith("抚松县教育局 的政务新媒体（2个）")  # a unit: its registry


def test_the_city_bureaus_lists_take_a_county(bot):
    from tests.registry_helpers import add_account
    seed(bot)
    add_account(bot, "靖宇县教育局", "靖宇教育", "微信公众号", last_update_on=date(2026, 11, 1))
    at(2026, 11, 28, 10, 0)
    idle = bot.send("city_zhao", "停更账号 靖宇")
    assert idle.startswith("靖宇县政务服务和数字化建设管理局7天以上未更新的账号（1个"), idle
    assert "靖宇教育" in idle and "抚松" not in idle
    assert bot.send("city_zhao", "停更账号 抚松").startswith("抚松县政务服务和数字化建设管理局7天以上未更新的账号")
    assert bot.send("city_zhao", "申请列表 靖宇县") == "靖宇县政务服务和数字化建设管理局还没有申请。"
    bot.say("city_qian", "整改通知 靖宇县教育局 公众号两周未更新", "确认")
    items = bot.send("city_zhao", "整改清单 靖宇")
    assert items.startswith("靖宇县政务服务和数字化建设管理局未完成的整改事项（1项）："), items
    assert "靖宇县教育局" in items  # several units: each item says whose
    assert bot.send("city_zhao", "整改清单 抚松") == "抚松县政务服务和数字化建设管理局没有未完成的整改事项。"
    # a county bureau's own lists still read a unit's name
    assert bot.send("jy_admin", "整改清单 靖宇").startswith("靖宇县教育局未完成的整改事项（1项）：")


def test_the_city_bureau_asks_how_many_accounts_of_a_platform_one_county_has(bot):
    from tests.registry_helpers import add_account
    seed(bot)
    add_account(bot, "靖宇县教育局", "靖宇教育", "抖音")
    for asked in ("靖宇县有几个抖音号", "靖宇有多少个抖音账号", "靖宇县的抖音号有几个"):
        assert bot.send("city_zhao", asked) == ("靖宇县政务服务和数字化建设管理局在用抖音号 1 个（1个单位）：\n"
                                                "· 靖宇县教育局：靖宇教育\n"
                                                "回复「台账」看各平台的账号数，「台账 单位名」看一个单位的明细。"), asked
    assert "靖宇教育" not in bot.send("zsj_admin", "靖宇县有几个抖音号")  # not the county bureau's neighbour


def test_a_month_gone_by_counts_the_accounts_in_use_at_its_end(bot):
    """「统计 10月」 counted the accounts in use today: one opened in November was in October's figures."""
    seed(bot)
    at(2026, 11, 23, 9, 0)
    number = submit_open(bot, "yj_shi", [*OPEN_WEIBO[:2], "抚松应急", OPEN_WEIBO[3], "https://weibo.com/u/5",
                                         *OPEN_WEIBO[5:]])
    approve_all(bot, number, ("yj_kong", "zsj_review", "city_zhao"))
    at(2026, 11, 28, 10, 0)
    assert bot.send("zsj_admin", "统计").splitlines()[1].startswith("【账号】在用10个（微信公众号4、微博3、")
    october = bot.send("zsj_admin", "统计 10月").splitlines()[1]
    assert october.startswith("【账号】10月31日在用9个（微信公众号4、") and "微博2" in october, october
    assert "没有10月31日在用账号的单位5个：" in october and "应急管理局" in october, october
