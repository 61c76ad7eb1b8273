"""审批记录: an approver's own decisions, newest first, with where each request stands now."""
from __future__ import annotations

from tests.approvals_helpers import OPEN_WEIBO, click, submit_open


def test_an_approver_sees_what_he_decided_and_where_it_stands(bot):
    from datetime import datetime

    from bot import clock
    clock.set_now(datetime(2026, 11, 26, 10, 0))
    assert bot.send("jy_wang", "审批记录") == "您还没有审批过申请。"
    first = submit_open(bot)
    click(bot, "jy_wang", first, "approve")  # by card
    bot.send("zsj_review", f"退回 {first} 名称不规范，请加上单位全称，并补充开设理由中的服务对象和主要发布内容说明")
    reply = bot.send("jy_wang", "我批过哪些")
    assert reply == ("您审批过的申请（共1次，最近的在前）：\n"
                     f"· 11-26 第{first}号 抚松县教育局 开设「抚松教育」（微博） — 您同意（开设单位意见）；现在：已退回\n"
                     "回复「查看 编号」看审批表和全部审批记录。"), reply
    review = bot.send("zsj_review", "审批记录")
    assert f"第{first}号 抚松县教育局 开设「抚松教育」（微博） — 您退回修改（主管单位意见），意见：名称不规范，请加上单位全称，并补充开设理由中的服务对象和主要…；" \
        in review, review
    bot.send("jy_zhang", f"修改 {first}")
    bot.send("jy_zhang", "确认")  # resubmitted: at the unit's head again
    reply = bot.send("jy_wang", "我的审批")
    assert "现在：待单位审核，等待您审批\n回复「查看 编号」看审批表和全部审批记录。另有1件申请等待您审批，回复「待办」查看。" \
        in reply, reply
    assert bot.send("jy_zhang", "审批记录").startswith("「审批记录」仅限")  # a clerk decides nothing


def test_the_list_is_the_latest_and_says_how_many_in_all(bot):
    from handlers import approvals_history
    numbers = []
    for n, (clerk, head, name) in enumerate((("jy_zhang", "jy_wang", "抚松教育"), ("wj_liu", "wj_chen", "健康抚松"),
                                             ("wl_zhao", "wl_sun", "文旅抚松"))):
        numbers.append(submit_open(bot, clerk, [*OPEN_WEIBO[:2], name, OPEN_WEIBO[3], f"https://weibo.com/u/10{n}",
                                                *OPEN_WEIBO[5:]]))
        bot.send(head, f"同意 {numbers[-1]}")
        bot.say("zsj_review", f"驳回 {numbers[-1]} 不需要", "确认")
    approvals_history.SHOWN = 2
    try:
        reply = bot.send("zsj_review", "审批记录")
    finally:
        approvals_history.SHOWN = 20
    lines = reply.splitlines()
    assert lines[0] == "您审批过的申请（最近2次，共3次，最近的在前）：", reply
    assert [line.split()[2] for line in lines[1:3]] == [f"第{numbers[2]}号", f"第{numbers[1]}号"], reply
    assert "抚松县文化广播电视和旅游局 开设「文旅抚松」（微博） — 您驳回（主管单位意见），意见：不需要；现在：已驳回" in lines[1]


def test_the_bureau_lists_the_requests_of_its_units_waiting_first(bot):
    """Bureau users could reach requests only by number, and 「查看 4」 pointed them to their own (empty) 我的申请."""
    from datetime import datetime

    from bot import clock
    clock.set_now(datetime(2026, 11, 26, 10, 0))
    first = submit_open(bot)
    second = submit_open(bot, "wj_liu", [*OPEN_WEIBO[:2], "健康抚松", OPEN_WEIBO[3], "https://weibo.com/u/9",
                                         *OPEN_WEIBO[5:]])
    bot.send("wj_chen", f"驳回 {second} 不需要")
    bot.send("wj_chen", "确认")
    reply = bot.send("zsj_admin", "申请列表")
    assert reply == ("您管辖范围内的申请（共2件，审批中的在前）：\n"
                     f"· 第{first}号 抚松县教育局 开设「抚松教育」（微博） — 待单位审核（已等不足1个工作日）\n"
                     f"· 第{second}号 抚松县卫生健康局 开设「健康抚松」（微博） — 已驳回\n"
                     "回复「查看 编号」看审批表和审批记录。"), reply
    assert bot.send("zsj_admin", "申请列表 卫健局").startswith("抚松县卫生健康局的申请（共1件")
    assert bot.send("jy_admin", "全部申请") == "您管辖范围内还没有申请。"  # the neighbouring county's
    assert bot.send("zsj_admin", "查看 x") == "请写明申请编号，例如「查看 12」。回复「申请列表」查看编号。"
    assert bot.send("jy_zhang", "查看 x") == "请写明申请编号，例如「查看 12」。回复「我的申请」查看编号。"


def test_the_record_of_one_request_is_its_form_and_decisions(bot):
    """「审批记录 12」 ignored the number and listed all the approver's decisions."""
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    shown = bot.send("jy_wang", f"查看 {number}")
    assert "审批记录：" in shown
    for asked in (f"审批记录 {number}", f"审批记录 第{number}号", f"我的审批 {number}"):
        assert bot.send("jy_wang", asked) == shown, asked
