from datetime import date, timedelta

from sqlalchemy import select

from bot import clock
from jobs import rectification as rect_job
from jobs import schedule
from models.audit import AuditLog
from models.rectification import Rectification
from tests.harness import TOO_BIG, assert_answers
from tests.oversight_helpers import at

MONDAY = date(2026, 11, 16)


def notify(bot, text="整改通知 教育局 抚松教育公众号两周未更新"):
    at(MONDAY)
    reply = bot.send("zsj_admin", text)
    assert "请确认整改通知" in reply and "2026-11-23" in reply  # 5 working days after Monday
    return bot.send("zsj_admin", "确认")


def test_the_bureau_notifies_after_confirming(bot):
    assert "多个单位" in bot.send("zsj_admin", "整改通知 教育 公众号两周未更新")  # 教育局 and its 办公室
    assert "不在您的管辖范围内" in bot.send("zsj_admin", "整改通知 靖宇县教育局 公众号未更新")  # the neighbour's
    assert "请写明问题" in bot.send("zsj_admin", "整改通知 抚松县教育局")  # the problem is asked for
    bot.send("zsj_admin", "取消")
    assert "仅限" in bot.send("jy_wang", "整改通知 抚松县教育局 问题问题")
    at(MONDAY)
    bot.send("zsj_admin", "整改通知 抚松县教育局 公众号两周未更新")
    assert "请回复「确认」" in bot.send("zsj_admin", "嗯")
    assert "已放弃" in bot.send("zsj_admin", "否")
    assert bot.texts("jy_wang") == []
    assert "已下发整改通知 1" in notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    for userid in ("jy_wang", "jy_zhang", "jy_li"):
        text = bot.texts(userid)[0]
        assert "【整改通知 1】" in text and "2026-11-23" in text and "已整改 1" in text
    assert bot.texts("wj_chen") == []


def test_answer_reopen_and_accept(bot):
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    assert "请简要说明整改情况" in bot.send("jy_zhang", "已整改 1 好")  # too short: asked for
    assert "已取消「提交整改情况」" in bot.send("jy_zhang", "取消")
    assert "没有找到" in bot.send("wj_liu", "已整改 1 已经补发")  # another unit
    assert "已提交" in bot.say("jy_zhang", "已整改 1 已补发本周内容", "确认")[-1]
    assert "已补发本周内容" in bot.texts("zsj_admin")[-1]
    assert "等待县政数局审核" in bot.send("jy_li", "已整改 1 又补发了一条")
    at(date(2026, 11, 18))
    assert "原因" in bot.send("zsj_admin", "重新整改 1")
    assert "新的期限 2026-11-25" in bot.send("zsj_admin", "重新整改 1 只补发了一条，仍不符合每周更新要求")
    assert "仍不符合每周更新要求" in bot.texts("jy_wang")[-1]
    assert "没有待审核" in bot.send("zsj_review", "通过整改 1")
    bot.say("jy_zhang", "已整改 1 已建立每周二、四更新制度", "确认")
    assert "已通过" in bot.send("zsj_review", "通过整改 1")
    assert "确认整改到位" in bot.texts("jy_zhang")[-1]
    with bot.db() as s:
        item = s.get(Rectification, 1)
        assert item.status == "已通过" and item.closed_at is not None
        assert [(a.verdict, a.reviewed_by) for a in item.answers] == [("重新整改", "zsj_admin"),
                                                                      ("已通过", "zsj_review")]
        actions = s.scalars(select(AuditLog.action).where(AuditLog.entity == "rectification")).all()
        assert actions.count("rectification.review") == 2 and "rectification.create" in actions
    # the whole story of the item, for the bureau and the unit (the unit's texts were in one push only)
    story = bot.send("zsj_admin", "查看整改 1")
    assert story == ("整改事项 1｜抚松县教育局｜已通过\n问题：公众号两周未更新\n期限：2026-11-25\n"
                     "第1次整改情况（张伟 11-16 10:00）：已补发本周内容\n"
                     "  审核：重新整改（马管理）：只补发了一条，仍不符合每周更新要求\n"
                     "第2次整改情况（张伟 11-18 10:00）：已建立每周二、四更新制度\n  审核：已通过（杨审核）"), story
    assert bot.send("jy_li", "整改清单 1") == story and bot.send("jy_zhang", "整改 1") == story
    assert bot.send("wj_liu", "整改清单 1") == "没有找到您可以查看的整改事项 1。回复「整改清单」查看编号。"


def test_list_is_scoped(bot):
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    notify(bot, "整改通知 卫生健康局 健康抚松原创比例过低")
    bureau = bot.send("zsj_admin", "整改清单")
    assert "抚松县教育局" in bureau and "抚松县卫生健康局" in bureau and "（2项）" in bureau
    unit = bot.send("jy_zhang", "整改清单")
    assert "两周未更新" in unit and "原创比例" not in unit
    assert "没有未完成" in bot.send("jy_admin", "整改清单")
    bot.say("wj_liu", "已整改 2 已增加原创稿件", "确认")
    bot.send("zsj_admin", "通过整改 2")
    assert "原创比例" not in bot.send("zsj_admin", "整改清单")
    assert "原创比例" in bot.send("zsj_admin", "整改清单 全部")


def test_list_of_one_unit(bot):
    """「整改清单 教育局」 lists that unit's items only (it listed every unit's), with 全部 either side of the
    name; a name matching no unit or several gets the same hint as the other bureau commands."""
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    notify(bot, "整改通知 卫生健康局 健康抚松原创比例过低")
    edu = bot.send("zsj_admin", "整改清单 教育局")
    assert edu.startswith("抚松县教育局未完成的整改事项（1项）：") and "两周未更新" in edu, edu
    assert "原创比例" not in edu and "抚松县卫生健康局" not in edu
    bot.say("wj_liu", "已整改 2 已增加原创稿件", "确认")
    bot.send("zsj_admin", "通过整改 2")
    assert "抚松县卫生健康局没有未完成的整改事项" in bot.send("zsj_admin", "整改清单 卫生健康局")
    for text in ("整改清单 卫生健康局 全部", "整改清单 全部 卫生健康局"):
        health = bot.send("zsj_review", text)
        assert health.startswith("抚松县卫生健康局全部整改事项（1项）：") and "原创比例" in health, health
        assert "两周未更新" not in health
    assert "对应多个单位" in bot.send("zsj_admin", "整改清单 教育")  # 教育局 and its 办公室
    assert "没有找到名称包含「林业局」的单位" in bot.send("zsj_admin", "整改清单 林业局")  # no such unit
    assert "两周未更新" in bot.send("jy_zhang", "整改清单 教育局")


def test_a_list_of_a_unit_outside_ones_reach_says_so_rather_than_not_found(bot):
    """A clerk naming another unit sees their own unit's list only and is told how to ask for it; a bureau user
    naming another county's unit is told it is outside their scope, and nothing of it beyond what they typed."""
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    clerk = bot.send("wj_liu", "整改清单 教育局")
    assert clerk == ("您只能查看本单位（抚松县卫生健康局）的整改清单。请回复「整改清单」查看未完成的整改事项，"
                     "「整改清单 全部」查看全部。"), clerk
    assert "「整改清单 全部」" in bot.send("jy_zhang", "整改清单 靖宇县教育局")
    bureau = bot.send("zsj_admin", "整改清单 靖宇县教育局")
    assert bureau == ("「靖宇县教育局」不在您的管辖范围内：您只能查看和处理抚松县政务服务和数字化建设管理局所辖的单位。"
                      "请核对单位名称，例如「教育局」。"), bureau
    partly = bot.send("zsj_review", "整改清单 靖宇 全部")
    assert partly.startswith("「靖宇」不在您的管辖范围内") and "靖宇县教育局" not in partly, partly
    neighbour = bot.send("jy_admin", "整改清单 抚松县教育局 全部")
    assert neighbour.startswith("「抚松县教育局」不在您的管辖范围内") and "两周未更新" not in neighbour, neighbour


def test_a_clerk_may_call_his_unit_this_unit(bot):
    """「整改清单 本单位」 was answered with 「您只能查看本单位……」 instead of the list."""
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    for text in ("整改清单 本单位", "整改清单 我单位", "整改清单 本局"):
        listing = bot.send("jy_zhang", text)
        assert listing.startswith("抚松县教育局未完成的整改事项（1项）：") and "两周未更新" in listing, listing
    assert bot.send("jy_zhang", "整改清单 本单位 全部").startswith("抚松县教育局全部整改事项（1项）：")
    assert bot.send("wj_liu", "整改清单 我单位") == "抚松县卫生健康局没有未完成的整改事项。"
    bureau = bot.send("zsj_admin", "整改清单 本单位")
    assert bureau == ("「本单位」是您所在的抚松县政务服务和数字化建设管理局（主管单位），这里要写主办单位的名称，"
                      "例如「教育局」。"), bureau
    assert bot.send("zsj_admin", "整改通知 本单位 公众号两周未更新") == bureau


def test_overdue_items_reminded_daily_once(bot):
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    ran = []

    def enqueue(name, period):
        if name == "rectification_overdue":
            ran.append(period)
            schedule.run_job(name, period)

    at(date(2026, 11, 23), 9, 30)  # the deadline day itself: not overdue yet
    schedule.tick(enqueue)
    assert bot.texts("jy_wang")[1:] == []
    at(date(2026, 11, 24), 9, 30)
    schedule.tick(enqueue)
    schedule.tick(enqueue)
    reminders = bot.texts("jy_wang")[1:]
    assert len(reminders) == 1 and "已逾期1个工作日" in reminders[0] and "【整改逾期提醒】" in reminders[0]
    assert rect_job.rectification_overdue("2026-11-24") == "提醒0个单位"  # by hand: nothing twice, and said so
    assert len(bot.texts("jy_wang")) == 2
    bot.say("jy_zhang", "已整改 1 已补发本周内容", "确认")  # submitted: no longer reminded
    assert rect_job.rectification_overdue("2026-11-25") == "提醒0个单位"


def test_deadline_honours_bureau_entered_days_off(bot):
    """Working days are read inside the callback's own transaction (no second, blocked one)."""
    from bot import workdays
    from models.calendar import CalendarDay
    with bot.db() as s:
        s.add(CalendarDay(day=date(2026, 11, 18), is_workday=False, note="测试停工"))
    workdays.forget_cache()
    at(MONDAY)
    assert "2026-11-24" in bot.send("zsj_admin", "整改通知 抚松县教育局 公众号两周未更新")


def test_a_screenshot_sent_after_the_answer_is_kept_and_forwarded(bot):
    from models.rectification import Rectification
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    reply = bot.say("jy_zhang", "已整改 1 已补发本周内容", "确认")[-1]
    assert "已提交" in reply and "直接发送图片" in reply
    assert "台账" in bot.send("jy_zhang", "台账")  # free to do anything else meanwhile
    assert "截图已附在整改事项 1" in bot.side.media("jy_zhang", "image").text
    with bot.db() as s:
        item = s.get(Rectification, 1)
        assert item.answers[-1].screenshot_media_id == "media_sim"
    kinds = [m["msgtype"] for m in bot.inbox("zsj_admin")]
    assert "image" in kinds


def test_the_screenshot_is_optional(bot):
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    bot.say("jy_zhang", "已整改 1 已补发本周内容", "确认")
    clock.advance(timedelta(minutes=31))
    late = bot.side.media("jy_zhang", "image").text  # too late: not kept, and 补截图 is the way
    assert late.startswith("这张图片没有保存") and "整改事项 1 的整改情况还没有截图" in late and "「补截图」" in late
    with bot.db() as s:
        assert s.get(Rectification, 1).answers[-1].screenshot_media_id is None


def test_an_item_not_needing_rectification_is_written_off_with_a_note(bot):
    # what the bulletin's 「已发布的通报不能重新生成」 answer promises: 「通过整改 编号 说明」 closes it
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    reply = bot.send("zsj_admin", "通过整改 1")
    assert "没有待审核" in reply and "通过整改 1 通报有误" in reply, reply
    asked = bot.send("zsj_admin", "通过整改 1 通报有误，已印发更正说明")  # final, and one digit off is another's item:
    assert asked.startswith("1. [待整改] 抚松县教育局｜公众号两周未更新")  # shown and confirmed first
    assert asked.endswith("核销说明：通报有误，已印发更正说明\n\n确认核销整改事项 1？核销后单位无需整改，不能恢复。"
                          "回复「确认」核销，回复「取消」不处理。")
    assert bot.send("zsj_admin", "不") == "没有核销，整改事项 1 仍待单位整改。"
    bot.send("zsj_admin", "通过整改 1 通报有误，已印发更正说明")
    reply = bot.send("zsj_admin", "确认")
    assert "已核销" in reply, reply
    assert "已核销" in bot.texts("jy_zhang")[-1] and "通报有误" in bot.texts("jy_wang")[-1]
    with bot.db() as s:
        item = s.get(Rectification, 1)
        assert item.status == "已通过" and item.closed_at is not None and item.answers == []
        assert "rectification.write_off" in s.scalars(select(AuditLog.action)).all()
    assert "无需再提交" in bot.send("jy_zhang", "已整改 1 已补发")
    assert "没有未完成的整改事项" in bot.send("zsj_admin", "整改清单")


def test_a_notice_issued_by_hand_names_the_issuing_bureau_not_an_internal_label(bot):
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    text = bot.texts("jy_zhang")[0]
    assert "【整改通知 1】抚松县教育局（抚松县政务服务和数字化建设管理局下发）" in text
    assert "手动" not in text and "来源" not in text


def test_a_written_off_item_is_shown_as_written_off_not_as_rectified(bot):
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")  # 1: rectified and accepted
    notify(bot, "整改通知 抚松县教育局 抖音号发布内容与单位职能无关")  # 2: reopened, then written off
    notify(bot, "整改通知 抚松县教育局 微博账号简介未写明主办单位")  # 3: written off unanswered
    bot.say("jy_zhang", "已整改 1 已补发本周内容", "确认")
    bot.send("zsj_admin", "通过整改 1")
    bot.say("jy_zhang", "已整改 2 已删除无关内容", "确认")
    bot.send("zsj_admin", "重新整改 2 仍有一条未删除")
    bot.send("zsj_admin", "通过整改 2 经核实为转发上级通知，不属问题")
    assert "已核销" in bot.send("zsj_admin", "确认")
    bot.send("zsj_admin", "通过整改 3 通报有误，已印发更正说明")
    assert "已核销" in bot.send("zsj_admin", "确认")
    for reply in (bot.send("zsj_admin", "整改清单 全部"), bot.send("jy_zhang", "整改清单 全部"),
                  bot.send("zsj_admin", "单位记录 抚松县教育局"), bot.send("jy_wang", "单位记录")):
        assert "1. [已通过]" in reply and "2. [已核销]" in reply and "3. [已核销]" in reply, reply
    assert "「已核销」" in bot.send("jy_zhang", "已整改 3 已补写简介")
    assert "「已通过」" in bot.send("jy_zhang", "已整改 1 又补发了一条")


def test_lateness_in_working_days_across_national_day(bot):
    """Issued Tue 9-22: due Wed 9-30 (5 working days; 9-25 中秋). On Thu 10-8 it is one working day late —
    in the unit's reminder, the bureau's digest and 整改清单 alike, not 「已逾期8天」."""
    from jobs import digest
    at(date(2026, 9, 22))
    assert "2026-09-30" in bot.send("zsj_admin", "整改通知 抚松县教育局 公众号两周未更新")
    bot.send("zsj_admin", "确认")
    at(date(2026, 10, 3))  # a holiday just after the deadline: late, but not yet a working day late
    listed = bot.send("zsj_admin", "整改清单")
    assert "已逾期，期限 2026-09-30" in listed and "0个工作日" not in listed, listed
    at(date(2026, 10, 8), 9, 0)
    rect_job.rectification_overdue("2026-10-08")
    reminder = [t for t in bot.texts("jy_wang") if "【整改逾期提醒】" in t][-1]
    at(date(2026, 10, 8), 9, 30)
    digest.bureau_digest("2026-10-08")
    summary = [t for t in bot.texts("zsj_admin") if t.startswith("【每日摘要】")][-1]
    for text in (reminder, summary, bot.send("zsj_admin", "整改清单"), bot.send("jy_zhang", "整改清单")):
        assert "已逾期1个工作日" in text and "已逾期8天" not in text, text


def test_a_second_answer_while_the_first_awaits_review_says_it_was_not_kept(bot):
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    bot.say("jy_zhang", "已整改 1 已补发本周内容", "确认")
    reply = bot.send("jy_li", "已整改 1 另外已安排专人每天值守")
    assert "正在等待县政数局审核，这次的说明（「另外已安排专人每天值守」）没有保存。需要补充的请直接联系县政数局" in reply
    with bot.db() as s:
        assert [a.text for a in s.get(Rectification, 1).answers] == ["已补发本周内容"]


def test_a_number_too_large_for_an_id_is_not_found_rather_than_an_error(bot):
    """The database refuses to compare an id with a number past its INTEGER range (PostgreSQL: integer out of
    range; SQLite: past 64 bits): that was the generic 「抱歉，处理您的消息时出了点问题」."""
    big = TOO_BIG
    assert_answers(bot, (
            ("jy_zhang", f"已整改 {big} 已补发本周内容", f"没有找到您可以处理的整改事项 {big}"),
            ("jy_zhang", f"整改清单 {big}", f"没有找到您可以查看的整改事项 {big}"),
            ("zsj_admin", f"查看整改 {big}", f"没有找到您可以查看的整改事项 {big}"),
            ("zsj_admin", f"通过整改 {big}", f"没有找到您可以处理的整改事项 {big}"),
            ("zsj_admin", f"重新整改 {big} 仍未恢复更新", f"没有找到您可以处理的整改事项 {big}"),
            ("jy_zhang", f"说明 {big} 账号已恢复更新，今后专人负责", f"没有找到您可以处理的跟进事项 {big}"),
            ("zsj_admin", f"接受说明 {big}", f"没有找到您可以处理的跟进事项 {big}"),
            ("zsj_admin", f"驳回说明 {big} 近一个月仍未更新", f"没有找到您可以处理的跟进事项 {big}")))


def test_the_units_only_item_needs_no_number_and_a_missing_explanation_is_asked_for(bot):
    assert "没有待整改的事项" in bot.send("jy_zhang", "已整改")
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    asked = bot.send("jy_zhang", "已整改")
    assert asked.startswith("整改事项 1（公众号两周未更新）：请简要说明整改情况")
    assert "至少4个字" in bot.send("jy_zhang", "好了")
    confirm = bot.send("jy_zhang", "已补发本周内容，安排专人值守")
    assert "请确认提交整改事项 1 的整改情况：\n已补发本周内容，安排专人值守" in confirm
    assert "请简要说明整改情况" in bot.send("jy_zhang", "上一步")  # rewrite it
    bot.send("jy_zhang", "已补发本周两条内容，安排专人值守")
    done = bot.send("jy_zhang", "确认")
    assert "已提交整改事项 1 的整改情况" in done
    # an idle account's item: the update must reach the weekly report, or the dormancy notices go on counting
    assert done.endswith("请在周报中填报最近一次发布的日期（回复「周报」，本周已报的回复「修改周报」），助手据此停止停更提醒。")
    assert "已补发本周两条内容，安排专人值守" in bot.texts("zsj_admin")[-1]
    notify(bot, "整改通知 抚松县教育局 微博账号简介未写明主办单位")
    bot.send("jy_zhang", "已整改 2 已补写简介中的主办单位")
    assert "周报" not in bot.send("jy_zhang", "确认")


def test_the_answer_given_with_the_command_is_shown_and_goes_only_on_confirm(bot):
    """「已整改 1 已补发」 was submitted at once: the clerk sees what goes to the bureau first, and can rewrite it
    (上一步) or drop it (取消) before anything is sent; 确认 submits it and the screenshot window opens as before."""
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    confirm = bot.send("jy_zhang", "已整改 1 已补发本周内容")
    assert confirm == ("请确认提交整改事项 1 的整改情况：\n已补发本周内容\n"
                       "回复「确认」提交，「上一步」重写，「取消」放弃。"), confirm
    with bot.db() as s:
        assert s.get(Rectification, 1).status == "待整改"
    assert not any("【整改情况 1】" in text for text in bot.texts("zsj_admin"))
    assert "请简要说明整改情况" in bot.send("jy_zhang", "上一步")  # rewrite it
    typed = bot.send("jy_zhang", "已补发本周两条内容")  # typed: 取消 keeps it, and is offered so
    assert typed.endswith("已补发本周两条内容\n回复「确认」提交，「上一步」重写，「取消」暂不提交（已填的内容留作草稿）。"), typed
    assert "请回复「确认」提交，或「取消」暂不提交（已填的内容留作草稿）。" in bot.send("jy_zhang", "嗯")
    left = bot.send("jy_zhang", "取消")
    assert left.startswith("已取消") and "已保存为草稿" in left, left
    with bot.db() as s:
        assert s.get(Rectification, 1).status == "待整改"
    bot.send("jy_zhang", "已整改 1 已补发本周两条内容")
    done = bot.send("jy_zhang", "确认")
    assert "已提交整改事项 1 的整改情况" in done and "30分钟内直接发送图片" in done
    assert "已补发本周两条内容" in bot.texts("zsj_admin")[-1]
    assert "截图已附在整改事项 1 的整改情况中" in bot.side.media("jy_zhang", "image").text


def test_without_a_number_several_items_are_listed(bot):
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    notify(bot, "整改通知 抚松县教育局 抖音留言未回复")
    listed = bot.send("jy_zhang", "已整改 已经补发了")
    assert listed.startswith("本单位有2项待整改，请带上编号，例如「已整改 1 整改说明」：")
    assert "1. [待整改] 公众号两周未更新" in listed and "2. [待整改] 抖音留言未回复" in listed
    assert bot.send("jy_zhang", "上一步") == "当前没有进行中的操作。"


def test_what_was_done_said_plainly_is_offered_as_the_only_items_answer(bot):
    """「公众号今天已经发了三条了，以后每周更新」 to a 整改通知 was 「没有理解」: with one item to fix it is offered as
    that item's 整改情况, and goes only on 确认; with none (or several) it is not understood, as before."""
    said = "公众号今天已经发了三条了，以后每周更新"
    assert bot.send("jy_zhang", said).startswith("没有理解")
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    offered = bot.send("jy_zhang", said)
    assert offered.startswith("（这是整改事项 1「公众号两周未更新」的整改情况吗？）\n\n请确认提交整改事项 1 的整改情况：\n"
                              + said), offered
    assert bot.send("jy_zhang", "取消").startswith("已取消")
    with bot.db() as s:
        assert s.get(Rectification, 1).status == "待整改"
    bot.send("jy_zhang", said)
    assert "已提交整改事项 1 的整改情况" in bot.send("jy_zhang", "确认")
    assert said in bot.texts("zsj_admin")[-1]
    assert bot.send("wj_liu", said).startswith("没有理解")  # another unit has nothing to fix


def test_the_bureau_judges_the_only_answer_awaiting_review_without_its_number(bot):
    """「通过整改」 alone was 「请带上整改事项编号」: the one answer awaiting review is shown and confirmed first."""
    assert bot.send("zsj_review", "通过整改") == "没有等待审核的整改情况。回复「整改清单」查看整改事项。"
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    bot.say("jy_zhang", "已整改 1 已补发本周内容", "确认")
    shown = bot.send("zsj_review", "通过整改")
    assert shown.startswith("1. [已提交] 抚松县教育局｜公众号两周未更新（期限 2026-11-23）\n整改说明：已补发本周内容"), shown
    assert shown.endswith("确认通过整改事项 1？回复「确认」，回复「取消」不处理。"), shown
    assert bot.send("zsj_review", "取消").startswith("已取消「审核整改情况」")
    with bot.db() as s:
        assert s.get(Rectification, 1).status == "已提交"
    assert bot.send("zsj_review", "重新整改").startswith("请写明需要重新整改的原因")
    asked = bot.send("zsj_review", "重新整改 仍未恢复更新")
    assert asked.endswith("确认要求重新整改事项 1（原因：仍未恢复更新）？回复「确认」，回复「取消」不处理。"), asked
    assert bot.send("zsj_review", "确认").startswith("已要求抚松县教育局重新整改事项 1")
    bot.say("jy_zhang", "已整改 1 已补发两条并安排专人", "确认")
    notify(bot, "整改通知 抚松县教育局 抖音留言未回复")
    bot.say("jy_zhang", "已整改 2 已逐条回复", "确认")
    listed = bot.send("zsj_review", "通过整改")
    assert listed.startswith("有2项整改情况等待审核，请带上编号，例如「通过整改 1」：") and "2. [已提交]" in listed, listed
    assert "整改事项 1 已通过" in bot.send("zsj_review", "通过整改 1")
    bot.send("zsj_review", "通过整改")
    assert "整改事项 2 已通过" in bot.send("zsj_review", "确认")


def test_a_guess_comes_after_what_the_bot_understands(bot):
    """「本月通报发了吗」 reads as something done (发了) but is the bulletin question, and 「帮我查一下已经更新的台账」 is
    台账: a unit with one item to fix is not offered them as its 整改情况."""
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    assert bot.send("jy_zhang", "本月通报发了吗").startswith("还没有发布过月度通报。")
    reply = bot.send("jy_zhang", "帮我查一下已经更新的台账")
    assert "抚松县教育局 在台账中还没有账号" in reply and "整改事项" not in reply, reply
    assert bot.send("jy_zhang", "公众号今天已经发了三条了").startswith("（这是整改事项 1「公众号两周未更新」的整改情况吗？）")


def test_the_deadline_said_with_the_problem_or_changed_before_sending(bot):
    """「…，3个工作日内完成」 kept the default 5 working days (and the words in the problem); it could not be changed."""
    at(MONDAY)
    shown = bot.send("zsj_admin", "整改通知 卫健局 健康抚松公众号存在错别字，请核查更正，3个工作日内完成")
    assert shown.startswith("请确认整改通知：\n单位：抚松县卫生健康局\n问题：健康抚松公众号存在错别字，请核查更正\n"
                            "整改期限：2026-11-19（3个工作日）"), shown
    changed = bot.send("zsj_admin", "期限改为11月25日")
    assert "整改期限：2026-11-25（7个工作日）" in changed, changed
    refused = bot.send("zsj_admin", "期限 11月10日")
    assert refused.startswith("没能看懂期限「11月10日」，或它不在今天之后。") and "整改期限：2026-11-25" in refused, refused
    bot.send("zsj_admin", "确认")
    with bot.db() as s:
        assert s.get(Rectification, 1).deadline == date(2026, 11, 25)
    assert "整改期限：2026-11-25（7个工作日内）" in bot.texts("wj_chen")[-1]
    reply = bot.send("zsj_admin", "整改通知 教育局 抚松教育抖音认证信息未标明主办单位 期限12月1日")
    assert "问题：抚松教育抖音认证信息未标明主办单位\n整改期限：2026-12-01" in reply, reply


def test_a_city_notice_is_reviewed_by_the_city_and_the_county_is_informed(bot):
    """A notice the city bureau issued to a county's unit: the unit's answer went to the county's admins, who could
    accept it, and the city heard nothing. The city is asked and decides; the county gets copies, cannot decide."""
    at(MONDAY)
    bot.send("city_qian", "整改通知 抚松县教育局 公众号两周未更新")
    assert "已下发整改通知 1" in bot.send("city_qian", "确认")
    assert "（白山市政务服务和数字化建设管理局下发）" in bot.texts("jy_zhang")[0]
    copy = bot.texts("zsj_admin")
    assert len(copy) == 1 and copy[0].startswith("【整改通知 1（抄送）】白山市政务服务和数字化建设管理局向抚松县教育局下发"), copy
    assert "由市政数局审核，无需您处理" in copy[0]
    assert "市政数局审核后会通知您" in bot.say("jy_zhang", "已整改 1 已补发本周内容", "确认")[-1]
    asked = bot.texts("city_qian")
    assert len(asked) == 1 and "已补发本周内容" in asked[0] and "回复「通过整改 1」或「重新整改 1 原因」" in asked[0], asked
    informed = bot.texts("zsj_admin")[1:]
    assert len(informed) == 1 and "已补发本周内容" in informed[0] and "无需您处理" in informed[0], informed
    assert "通过整改" not in informed[0]
    bot.side.media("jy_zhang", "image")  # the screenshot goes to the bureau that reviews
    assert "image" in [m["msgtype"] for m in bot.inbox("city_qian")]
    assert "image" not in [m["msgtype"] for m in bot.inbox("zsj_admin")]
    refused = "整改事项 1 是白山市政务服务和数字化建设管理局下发的，由市政数局审核"
    for userid, text in (("zsj_review", "通过整改 1"), ("zsj_admin", "重新整改 1 仍未恢复更新"),
                         ("zsj_admin", "通过整改 1 通报有误，已印发更正说明")):
        assert bot.send(userid, text).startswith(refused), text
    assert bot.send("zsj_review", "通过整改") == "没有等待审核的整改情况。回复「整改清单」查看整改事项。"
    assert "整改情况" not in (bot.send("zsj_admin", "待办") or "")
    story = bot.send("zsj_admin", "查看整改 1")  # the county may follow it
    assert "下发：白山市政务服务和数字化建设管理局（由其审核）" in story and "已补发本周内容" in story, story
    assert "（市政数局下发）" in bot.send("zsj_admin", "整改清单")
    with bot.db() as s:
        assert s.get(Rectification, 1).status == "已提交"
    assert "整改事项 1 已通过" in bot.send("city_qian", "通过整改 1")
    assert bot.texts("jy_wang")[-1].startswith("【整改事项 1】市政数局确认整改到位")


def test_the_county_digest_leaves_the_citys_items_to_the_city(bot):
    from jobs import digest
    at(MONDAY)
    bot.say("city_qian", "整改通知 抚松县教育局 公众号两周未更新", "确认")
    bot.say("zsj_admin", "整改通知 卫生健康局 原创比例过低", "确认")
    bot.say("jy_zhang", "已整改 1 已补发本周内容", "确认")
    bot.say("wj_liu", "已整改 2 已增加原创稿件", "确认")
    at(date(2026, 11, 17), 9, 30)
    digest.bureau_digest("2026-11-17")
    county = [t for t in bot.texts("zsj_admin") if t.startswith("【每日摘要】")][-1]
    assert "整改 2：" in county and "整改 1：" not in county, county
    city = [t for t in bot.texts("city_qian") if t.startswith("【每日摘要】")][-1]
    assert "整改 1：" in city and "整改 2：" in city, city  # the city may decide its counties' items too


def test_reopening_counts_a_fresh_deadline_from_today_or_takes_the_one_given(bot):
    """重新整改 gave a deadline the reviewer could not set: a deadline said after the reason stayed in the reason (a
    past one too), and the unit read it beside 「新的期限」."""
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")  # due 11-23
    at(date(2026, 11, 27))  # answered late: the old deadline has passed
    bot.say("jy_zhang", "已整改 1 已补发本周内容", "确认")
    refused = bot.send("zsj_admin", "重新整改 1 仍未恢复更新，期限11月20日")
    assert refused.startswith("没能看懂期限「11月20日」，或它不在今天之后"), refused
    with bot.db() as s:
        item = s.get(Rectification, 1)
        assert (item.status, item.deadline) == ("已提交", date(2026, 11, 23))
    reply = bot.send("zsj_admin", "重新整改 1 仍未恢复更新")
    assert reply == "已要求抚松县教育局重新整改事项 1，新的期限 2026-12-04（5个工作日）。", reply
    told = bot.texts("jy_wang")[-1]
    assert "原因：仍未恢复更新\n新的期限：2026-12-04（5个工作日内）" in told, told
    bot.say("jy_zhang", "已整改 1 已补发两条", "确认")
    reply = bot.send("zsj_admin", "重新整改 1 仍只有两条，3个工作日内完成")
    assert "新的期限 2026-12-02（3个工作日）" in reply, reply
    assert "原因：仍只有两条\n新的期限：2026-12-02（3个工作日内）" in bot.texts("jy_wang")[-1]
    bot.say("jy_zhang", "已整改 1 已建立每周更新制度", "确认")
    asked = bot.send("zsj_review", "重新整改 制度未落实，期限12月10日")  # without a number: confirmed first
    assert asked.endswith("确认要求重新整改事项 1（原因：制度未落实，期限12月10日）？回复「确认」，回复「取消」不处理。"), asked
    assert "新的期限 2026-12-10" in bot.send("zsj_review", "确认")
    with bot.db() as s:
        item = s.get(Rectification, 1)
        assert item.deadline == date(2026, 12, 10)
        assert [a.verdict_note for a in item.answers] == ["仍未恢复更新", "仍只有两条", "制度未落实"]


def test_the_city_deciding_a_county_item_is_named_as_the_city_and_the_county_is_told(bot):
    """city_qian wrote off the county's item at once; the unit was told 「县政数局已核销」 and the county bureau, whose
    item it was, heard nothing."""
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    bot.send("city_qian", "通过整改 1 测试核销一下")
    assert "已核销" in bot.send("city_qian", "确认")
    assert bot.texts("jy_zhang")[-1].startswith("【整改事项 1】市政数局已核销，无需整改")
    told = bot.texts("zsj_admin")[-1]
    assert told == ("【整改事项 1】抚松县教育局：公众号两周未更新\n市政数局（钱管理）已核销（说明：测试核销一下）。"
                    "这是本局下发的事项，供知悉。"), told
    notify(bot, "整改通知 抚松县教育局 抖音号两周未更新")  # the county deciding its own: no copy to itself
    bot.say("jy_zhang", "已整改 2 已恢复更新", "确认")
    before = len(bot.texts("zsj_admin"))
    bot.send("zsj_admin", "通过整改 2")
    assert bot.texts("jy_zhang")[-1].startswith("【整改事项 2】县政数局确认整改到位")
    assert len(bot.texts("zsj_admin")) == before


def test_the_confirmation_names_the_units_open_items_so_one_problem_is_not_issued_twice(bot):
    # the 14-day notice asks the admin to issue a 整改通知; one already issued for the same account must show
    at(MONDAY)
    prompt = bot.send("zsj_admin", "整改通知 抚松县教育局 公众号两周未更新")
    assert "未完成的整改事项" not in prompt, prompt
    assert "已下发整改通知 1" in bot.send("zsj_admin", "确认")
    prompt = bot.send("zsj_admin", "整改通知 教育局 抚松教育公众号两周未更新")
    assert ("注意：抚松县教育局还有未完成的整改事项（1项）：\n· 1「公众号两周未更新」（待整改，期限 2026-11-23）\n"
            "同一问题不必重复下发（回复「取消」）；不同的问题请回复「确认」下发。") in prompt, prompt
    bot.send("zsj_admin", "取消")
    assert "未完成的整改事项" not in bot.send("zsj_admin", "整改通知 卫生健康局 健康抚松两周未更新")


def test_a_unit_asking_about_its_deadline_or_why_it_was_sent_back_is_answered(bot):
    """「整改期限能延期吗」, 「整改要多久」 and 「为什么要重新整改」 were 「没有理解」: the unit's open items and their
    deadlines, who sets them (no extension in the assistant), and the bureau's reason for sending one back."""
    assert bot.send("jy_zhang", "整改期限能延期吗").startswith("本单位现在没有未完成的整改事项。")
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    for said in ("整改期限能延期吗", "整改要多久", "整改什么时候截止？"):
        reply = bot.send("jy_wang", said)
        assert reply == ("本单位未完成的整改事项和期限：\n1. [待整改] 公众号两周未更新（期限 2026-11-23）\n"
                         "期限由下发整改通知的主管单位确定，助手里不能申请延期；确实需要延期的，请直接联系县政数局说明情况。\n"
                         "整改完成后回复「已整改 编号 整改说明」，「查看整改 编号」看一项的全部经过。"), (said, reply)
    assert "本单位现在没有被要求重新整改的事项" in bot.send("jy_zhang", "为什么要重新整改")
    bot.say("jy_zhang", "已整改 1 已补发本周内容", "确认")
    bot.send("zsj_admin", "重新整改 1 没看到更新")
    reply = bot.send("jy_zhang", "为什么要重新整改")
    assert reply.startswith("整改事项 1｜抚松县教育局｜重新整改") and "审核：重新整改（马管理）：没看到更新" in reply, reply
    assert "没看到更新" in bot.send("jy_zhang", "重新整改的原因是什么")
    assert "请确认提交整改事项 1" in bot.send("jy_zhang", "整改好了，已补发两条")  # still the answer, not a question


def test_asking_for_an_extension_leaves_out_items_already_submitted(bot):
    """「整改期限能延期吗」 also listed items whose 整改情况 was already 已提交, and said to contact the bureau about
    extending them: they need no extension, they await review."""
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    notify(bot, "整改通知 抚松县教育局 抖音号简介不规范")
    bot.say("jy_zhang", "已整改 1 已补发本周内容", "确认")
    reply = bot.send("jy_zhang", "整改期限能延期吗")
    assert reply.startswith("本单位未完成的整改事项和期限：\n2. [待整改] 抖音号简介不规范（期限"), reply
    assert "1. [已提交] 公众号两周未更新" in reply.split("已提交整改情况、正在等待审核（不需要延期）：")[1], reply
    bot.say("jy_zhang", "已整改 2 已修改简介", "确认")
    reply = bot.send("jy_zhang", "整改期限能延期吗")
    assert reply.startswith("本单位的整改事项都已提交整改情况、正在等待审核，不需要延期："), reply
    assert "请直接联系" not in reply and "2. [已提交] 抖音号简介不规范" in reply, reply


def test_asking_whether_the_rectification_was_reviewed_gets_where_each_item_stands(bot):
    """「我们的整改情况审核了吗」 got the help text of 整改情况 (the other name of 整改清单), not the answer."""
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    notify(bot, "整改通知 抚松县教育局 抖音号简介不规范")
    bot.say("jy_zhang", "已整改 1 已补发本周内容", "确认")
    for said in ("我们的整改情况审核了吗", "整改审核通过了没有", "整改情况有结果了吗"):
        reply = bot.send("jy_zhang", said)
        assert reply.startswith("本单位整改事项的审核情况（最近的在前）：\n2. [待整改] 抖音号简介不规范"), (said, reply)
        assert "1. [已提交] 公众号两周未更新" in reply and "正在等待县政数局审核" in reply, reply
        assert "用法" not in reply and "列出未完成的整改事项" not in reply
    bot.send("zsj_admin", "重新整改 1 没看到更新")
    assert "回复「为什么要重新整改」看原因" in bot.send("jy_zhang", "整改审核了吗")


def test_asking_where_to_see_the_rectification_notice_gets_the_list(bot):
    """「整改通知在哪看」 was 「没有理解」, suggesting 「已整改」 (a word that submits a rectification)."""
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    for said in ("整改通知在哪看", "去哪里看整改通知？", "整改事项在哪儿查"):
        reply = bot.send("jy_zhang", said)
        assert reply.startswith("未完成的整改事项（1项）：\n1. [待整改] 公众号两周未更新"), (said, reply)
        assert "以后随时回复「整改清单」查看" in reply, reply


def test_cancel_after_writing_the_rectification_keeps_it_for_continue(bot):
    notify(bot, "整改通知 抚松县教育局 公众号两周未更新")
    bot.send("jy_zhang", "已整改 1")
    bot.send("jy_zhang", "已补发本周内容三条，并安排专人每周二发布")
    assert "已保存为草稿" in bot.send("jy_zhang", "取消")
    assert "已补发本周内容三条" in bot.send("jy_zhang", "继续")
    assert "已提交" in bot.send("jy_zhang", "确认")
