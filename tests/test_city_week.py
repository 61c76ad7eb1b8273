"""The city bureau (市政数局) through a working week: city_qian (admin + city reviewer) and city_zhao (city
reviewer) on what they can and cannot do, told in the city's terms."""
from __future__ import annotations


def test_a_city_reviewer_refused_a_command_is_sent_to_the_city_admin_not_the_county(bot):
    """city_zhao asking for 整改通知 was told 「如需开通请联系县政数局」: the county grants nothing at the city."""
    reply = bot.send("city_zhao", "整改通知")
    assert reply.startswith("「整改通知」仅限主管单位管理员使用，您没有这个权限。"), reply
    assert reply.endswith("如需开通请联系市政数局管理员。"), reply
    assert bot.send("jy_zhang", "整改通知").endswith("如需开通请联系县政数局。")  # the county's own people


def test_a_unit_name_two_counties_share_asks_which_in_weekly_status(bot):
    """「周报情况 教育局」 from the city (抚松县教育局 and 靖宇县教育局) answered 「没能看懂「教育局」」 and then offered
    「周报情况 教育局」 as the way to see one unit."""
    reply = bot.send("city_qian", "周报情况 教育局")
    assert reply == ("「教育局」对应多个单位：抚松县教育局、靖宇县教育局。请写得更完整一些。"
                     "例如「周报情况 抚松县教育局」。"), reply
    assert bot.send("city_qian", "周报情况 靖宇县教育局").startswith("靖宇县教育局最近8周的周报：")


def test_the_city_reads_one_countys_training_ledger(bot):
    """「培训台账 抚松」 from the city answered 「「抚松」不是年份」: every other city view takes a county's name."""
    reply = bot.send("city_qian", "培训台账 抚松")
    assert reply.startswith("2026年培训台账（抚松县政务服务和数字化建设管理局辖区）："), reply
    assert "靖宇" not in reply, reply
    assert bot.send("city_zhao", "培训台账 靖宇 2025").startswith("2025年培训台账（靖宇县政务服务和数字化建设管理局辖区）：")
    assert bot.send("city_qian", "培训台账").startswith("2026年培训台账（白山市政务服务和数字化建设管理局辖区）：")


def test_the_city_exports_one_countys_registry(bot):
    """「导出台账 靖宇」 sent the whole city's registry, named after the city bureau."""
    from io import BytesIO

    from openpyxl import load_workbook

    from tests.oversight_helpers import add_account
    add_account(bot)  # 抚松县教育局
    add_account(bot, unit="靖宇县教育局", name="靖宇教育", platform="抖音", responsible="jyx_staff")
    assert bot.send("city_qian", "导出台账 靖宇") == "台账已生成，稍后以文件发送（1个账号）。"
    name, data = [bot.fake._files[m["content"]["media_id"]] for m in bot.inbox("city_qian")
                  if m["msgtype"] == "file"][-1]
    assert name.startswith("政务新媒体台账_靖宇县政务服务和数字化建设管理局_"), name
    rows = [[c.value for c in r] for r in load_workbook(BytesIO(data)).active.iter_rows(min_row=2)]
    assert [r for r in rows if "靖宇教育" in r] and not [r for r in rows if "抚松教育" in r], rows
    assert bot.send("city_qian", "导出台账") == "台账已生成，稍后以文件发送（2个账号）。"  # the city: both counties


def test_the_rectification_list_says_the_city_reviews_its_own_items(bot):
    """整改清单 of a county holding the city's item ended 「县政数局回复「通过整改 编号」」, which the county is refused."""
    bot.send("city_qian", "整改通知 靖宇县教育局 周报长期未报送")
    assert bot.send("city_qian", "确认").startswith("已下发整改通知 1")
    for userid in ("jy_admin", "city_qian"):
        listing = bot.send(userid, "整改清单")
        assert "（市政数局下发）" in listing, listing
        assert listing.endswith("县政数局下发的由县政数局审核，注明「市政数局下发」的由市政数局审核。"), listing
    assert bot.send("jy_admin", "通过整改 1").startswith("整改事项 1 是白山市政务服务和数字化建设管理局下发的，由市政数局审核")


def test_the_countys_line_in_the_citys_statistics_of_a_past_month_leads_to_that_month(bot):
    """「统计 上月」 from the city ended each county's line with 「统计 抚松」 — this month's figures, not last month's."""
    last_month = bot.send("city_qian", "统计 上月")
    assert "· 抚松：" in last_month and "（「统计 抚松 上月」看详情）" in last_month, last_month
    month = last_month.split("（", 1)[1].split("，", 1)[0]  # 「2026年10月」
    assert bot.send("city_qian", "统计 抚松 上月").startswith(f"抚松县政务服务和数字化建设管理局辖区统计（{month}，")
    assert "（「统计 靖宇 2026年」看详情）" in bot.send("city_zhao", "统计 2026年")
    assert "（「统计 抚松」看详情）" in bot.send("city_qian", "统计")
    assert "（「统计 抚松 上个月」看详情）" in bot.send("city_qian", "上个月的统计")
    assert bot.send("city_qian", "统计 抚松 上个月").startswith(f"抚松县政务服务和数字化建设管理局辖区统计（{month}，")


def test_the_county_learns_that_the_city_urged_its_units_to_file(bot):
    """The city's 催报 reached the county's units while the county's admins heard nothing (its 整改通知 and 处置措施
    are copied to them)."""
    from datetime import datetime

    from bot import clock
    from tests.approvals_helpers import seed_accounts
    seed_accounts(bot)
    clock.set_now(datetime(2026, 11, 27, 18, 0))  # Friday, past the 17:00 deadline
    bot.send("city_qian", "催报 抚松县教育局")
    assert bot.send("city_qian", "确认") == "已提醒1个单位：抚松县教育局。"
    assert bot.texts("jy_zhang")[0].startswith("【周报催报】白山市政务服务和数字化建设管理局提醒：抚松县教育局")
    assert bot.texts("zsj_admin") == [
        "【周报催报（抄送）】白山市政务服务和数字化建设管理局（钱管理）提醒了本县1个单位报送11月23日—11月29日的周报："
        "抚松县教育局。供知悉，无需处理；回复「周报情况」查看本县报送情况。"]
    assert bot.texts("jy_admin") == [] and bot.texts("zsj_review") == []
    bot.send("zsj_admin", "催报 抚松县卫生健康局")
    bot.send("zsj_admin", "确认")
    assert len(bot.texts("zsj_admin")) == 1  # the county's own 催报 is not copied to itself
