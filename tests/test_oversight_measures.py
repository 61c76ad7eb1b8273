from datetime import date

from sqlalchemy import select

from models.measure import Measure
from models.oversight import DormancyCase
from tests.oversight_helpers import HEALTH, add_account, at


def test_warning_is_confirmed_delivered_to_the_unit_head_and_kept(bot):
    at(date(2026, 11, 16))
    assert "仅限" in bot.send("jy_wang", "警告 抚松县教育局 三个月未更新")
    assert "「警告」哪个单位？" in bot.send("zsj_admin", "警告")  # asked for, one question at a time
    bot.send("zsj_admin", "取消")
    assert "具体" in bot.send("zsj_admin", "警告 抚松县教育局 差")
    reply = bot.send("zsj_admin", "警告 抚松县教育局 抚松教育公众号三个月未更新，多次提醒未整改")
    assert "请确认处置措施" in reply and "警告" in reply
    assert bot.texts("jy_wang") == []  # nothing before confirmation
    assert "已记录并送达" in bot.send("zsj_admin", "确认")
    head = bot.texts("jy_wang")
    assert len(head) == 1 and "处置措施：警告" in head[0] and "多次提醒未整改" in head[0] and "第32条" in head[0]
    assert bot.texts("jy_zhang") == []  # delivered to the unit head
    bot.send("zsj_admin", "约谈 卫生健康局 健康抚松原创比例长期偏低")
    bot.send("zsj_admin", "取消")
    with bot.db() as s:
        assert [(m.kind, m.created_by) for m in s.scalars(select(Measure))] == [("警告", "zsj_admin")]
    record = bot.send("zsj_admin", "单位记录 抚松县教育局")
    assert "2026-11-16 警告（马管理）：抚松教育公众号三个月未更新" in record
    assert "处置措施（0项）" in bot.send("zsj_admin", "单位记录 卫生健康局")
    assert "处置措施（1项）" in bot.send("jy_wang", "单位记录")  # the unit sees its own record
    assert "不在您的管辖范围内" in bot.send("jy_admin", "单位记录 抚松县教育局")  # another county


def test_ordered_closure_asks_which_account_and_opens_a_case(bot):
    add_account(bot, platform="微信公众号")
    tiktok = add_account(bot, platform="抖音", responsible="jy_li")
    add_account(bot, platform="微博", status="已注销")
    at(date(2026, 11, 16))
    reply = bot.send("zsj_admin", "责令关闭 抚松县教育局 抖音号三个月未更新且整改不力")
    assert "1. 抚松教育（微信公众号）" in reply and "2. 抚松教育（抖音）" in reply and "微博" not in reply
    assert "没有第5项" in bot.send("zsj_admin", "5")
    assert "账号：抚松教育（抖音）" in bot.send("zsj_admin", "2")
    bot.send("zsj_admin", "确认")
    text = bot.texts("jy_wang")[0]
    assert "责令关闭账号" in text and "抚松教育（抖音）" in text and "说明 1" in text
    with bot.db() as s:
        case = s.get(DormancyCase, 1)
        assert (case.account_id, case.source, case.status, case.measure_id) == (tiktok, "责令关闭", "待处理", 1)
    record = bot.send("zsj_admin", "单位记录 抚松县教育局")
    assert "1. [待处理] 抚松教育（抖音）｜责令关闭" in record
    assert "已提交" in bot.send("jy_wang", "说明 1 该账号承担招生咨询，已安排专人恢复更新")


def test_ordered_closure_of_a_unit_without_open_accounts(bot):
    add_account(bot, unit=HEALTH, name="健康抚松", responsible="wj_liu", status="申请中")
    assert "没有在用的账号" in bot.send("zsj_admin", "责令关闭 卫生健康局 长期不更新整改不力")
    assert "当前没有进行中的操作" in bot.send("zsj_admin", "取消")


def test_a_short_unit_name_prefers_the_unit_it_ends_with(bot):
    # the help's own example 「警告 教育局 …」: 抚松县教育局, not its internal 抚松县教育局办公室
    reply = bot.send("zsj_admin", "警告 教育局 抚松教育公众号三个月未更新")
    assert "单位：抚松县教育局\n" in reply and "对应多个单位" not in reply, reply
    bot.send("zsj_admin", "取消")
    assert "对应多个单位" in bot.send("zsj_admin", "警告 教育 抚松教育公众号三个月未更新")
    assert "【单位记录】抚松县教育局\n" in bot.send("zsj_admin", "单位记录 教育局")


def test_a_second_closure_order_for_an_account_with_a_pending_case_is_refused(bot):
    add_account(bot, platform="微信公众号")
    add_account(bot, platform="抖音", responsible="jy_li")
    at(date(2026, 11, 16))
    bot.say("zsj_admin", "责令关闭 抚松县教育局 抖音号三个月未更新且整改不力", "2", "确认")
    reply = bot.send("zsj_admin", "责令关闭 抚松县教育局 抖音号仍未更新")
    assert "请选择责令关闭哪一个" in reply
    reply = bot.send("zsj_admin", "2")
    assert "已有待处理的跟进事项 1（责令关闭" in reply and "请选择责令关闭哪一个" in reply, reply
    assert "账号：抚松教育（微信公众号）" in bot.send("zsj_admin", "1")  # another account still may be ordered
    bot.send("zsj_admin", "取消")
    with bot.db() as s:
        assert len(s.scalars(select(DormancyCase)).all()) == 1 and len(s.scalars(select(Measure)).all()) == 1


def test_a_closure_order_for_the_only_account_already_in_a_case_is_refused(bot):
    add_account(bot, platform="微信公众号")
    at(date(2026, 11, 16))
    bot.say("zsj_admin", "责令关闭 抚松县教育局 公众号三个月未更新", "确认")
    reply = bot.send("zsj_admin", "责令关闭 抚松县教育局 公众号三个月未更新")
    assert "已有待处理的跟进事项 1" in reply and "请确认处置措施" not in reply, reply
    assert "当前没有进行中的操作" in bot.send("zsj_admin", "取消")


def test_a_bare_measure_asks_for_the_unit_then_the_reason_then_confirms(bot):
    at(date(2026, 11, 16))
    units = bot.send("zsj_admin", "约谈")
    assert units.startswith("「约谈」哪个单位？\n1. 抚松县教育局") and units.endswith("（回复序号或单位名称）")
    assert "没有找到名称包含「外交部」的单位" in bot.send("zsj_admin", "外交部")
    asked = bot.send("zsj_admin", "卫生健康局")
    assert asked.startswith("「约谈」抚松县卫生健康局：请写明原因")
    assert "至少4个字" in bot.send("zsj_admin", "太差")
    confirm = bot.send("zsj_admin", "健康抚松原创比例长期偏低")
    assert "请确认处置措施" in confirm and "单位：抚松县卫生健康局" in confirm and "原因：健康抚松原创比例长期偏低" in confirm
    assert "请写明原因" in bot.send("zsj_admin", "上一步")  # back to the reason
    bot.send("zsj_admin", "健康抚松原创比例长期偏低，留言无人回复")
    assert "已记录并送达" in bot.send("zsj_admin", "确认")
    assert "留言无人回复" in bot.texts("wj_chen")[-1]
    # the unit typed, the reason missing: straight to the reason
    assert bot.send("zsj_admin", "整改通知 教育局").startswith("「整改通知」抚松县教育局：请写明问题")
    assert "请确认整改通知" in bot.send("zsj_admin", "抚松教育公众号两周未更新")


def test_a_measure_in_a_sentence_is_begun_and_confirmed(bot):
    """「给卫健局一个警告」 was 「没有理解」; 「通报一下教育局」 looked for a unit named 「一下教育局」."""
    at(date(2026, 11, 16))
    assert bot.send("zsj_admin", "给卫健局一个警告") == \
        "「警告」抚松县卫生健康局：请写明原因，例如「抚松教育公众号三个月未更新，多次提醒未整改」："
    reply = bot.send("zsj_admin", "健康抚松原创比例长期偏低")
    assert "请确认处置措施：\n措施：警告\n单位：抚松县卫生健康局\n原因：健康抚松原创比例长期偏低" in reply, reply
    bot.send("zsj_admin", "取消")
    reply = bot.send("zsj_admin", "对教育局进行约谈，抚松教育三个月未更新")
    assert "措施：约谈\n单位：抚松县教育局\n原因：抚松教育三个月未更新" in reply, reply
    bot.send("zsj_admin", "取消")
    assert bot.send("zsj_admin", "通报一下教育局").startswith("「通报」抚松县教育局：请写明原因")
    bot.send("zsj_admin", "取消")
    assert bot.send("jy_zhang", "给卫健局一个警告").startswith("「警告」仅限")  # the measure's own refusal
    with bot.db() as s:
        assert list(s.scalars(select(Measure))) == []  # nothing without 确认
