from datetime import date

from sqlalchemy import select

from models.measure import Measure
from models.oversight import DormancyCase
from models.org import Person
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
    assert "已提交" in bot.say("jy_wang", "说明 1 该账号承担招生咨询，已安排专人恢复更新", "确认")[-1]


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


def test_an_ordered_closure_says_when_the_account_was_last_updated_and_by_which_report(bot):
    """责令关闭 of an account its unit reported updated that very day went through without a word: the
    confirmation now says when it was last updated, by which record, and warns plainly when that is recent."""
    from tests.weekly_support import file_report
    add_account(bot, platform="微信公众号", last_update_on=date(2026, 8, 3))
    add_account(bot, platform="抖音", responsible="jy_li", last_update_on=date(2026, 10, 1))
    at(date(2026, 11, 16))
    file_report(bot, "抚松县教育局", "jy_zhang", date(2026, 11, 16),
                {"抚松教育（微信公众号）": (2, 1, date(2026, 11, 16), 0, 0)})
    listed = bot.send("zsj_admin", "责令关闭 抚松县教育局 公众号三个月未更新")
    assert "1. 抚松教育（微信公众号），最近更新11月16日\n2. 抚松教育（抖音），最近更新10月1日" in listed, listed
    shown = bot.send("zsj_admin", "1")
    assert ("原因：公众号三个月未更新\n最近更新：2026-11-16（今天），据抚松县教育局11月16日—11月22日的周报"
            "（张伟 11-16 10:00填报）。\n注意：该账号今天还有更新，不是90天以上未更新的停更账号（第15条），可能仍在使用。") in shown, shown
    assert "送达：王局长、张伟（账号负责人）、李娜" in shown, shown
    assert bot.send("zsj_admin", "取消").startswith("已取消")
    with bot.db() as s:
        assert s.scalars(select(Measure)).all() == []
    bot.send("zsj_admin", "责令关闭 抚松县教育局 抖音号长期不更新")
    shown = bot.send("zsj_admin", "2")
    assert "最近更新：2026-10-01（46天前），据台账记录的最近更新日期。\n注意：该账号46天前还有更新" in shown, shown
    bot.send("zsj_admin", "取消")
    at(date(2027, 1, 5))
    bot.send("zsj_admin", "责令关闭 抚松县教育局 抖音号长期不更新")
    shown = bot.send("zsj_admin", "2")
    assert "最近更新：2026-10-01（96天前）" in shown and "注意" not in shown, shown


def test_a_measure_reaches_the_responsible_person_of_the_account_it_names(bot):
    add_account(bot, platform="微信公众号")
    add_account(bot, platform="抖音", responsible="jy_li")
    at(date(2026, 11, 16))
    shown = bot.send("zsj_admin", "警告 教育局 抚松教育抖音号发布内容与职能无关")
    assert "单位：抚松县教育局\n账号：抚松教育（抖音）\n原因：" in shown and "送达：王局长、李娜（账号负责人）" in shown, shown
    bot.send("zsj_admin", "确认")
    for userid in ("jy_wang", "jy_li"):
        text = bot.texts(userid)[-1]
        assert "处置措施：警告" in text and "账号：抚松教育（抖音），负责人：李娜" in text, text
    assert bot.texts("jy_zhang") == []  # responsible for the other account
    bot.say("zsj_admin", "警告 教育局 单位周报多次迟报", "确认")  # about no account: the head only
    assert len(bot.texts("jy_wang")) == 2 and len(bot.texts("jy_li")) == 1
    with bot.db() as s:
        assert [m.account_id for m in s.scalars(select(Measure).order_by(Measure.id))] == [2, None]


def test_an_interview_carries_its_time_and_place(bot):
    """约谈 reached the unit with no time or place: they are taken from the command or the confirmation, 待定
    allowed, a day already past refused, and they are in the push and the unit's record."""
    add_account(bot)
    at(date(2026, 11, 16))
    shown = bot.send("zsj_admin", "约谈 教育局 抚松教育公众号三个月未更新，时间：11月20日下午3点")
    assert "原因：抚松教育公众号三个月未更新\n约谈时间：11月20日下午3点\n约谈地点：待定\n送达：王局长、张伟（账号负责人）" in shown, shown
    assert "回复「时间 11月20日下午3点」「地点 县政数局302会议室」" in shown
    assert "约谈地点：县政数局302会议室" in bot.send("zsj_admin", "地点 县政数局302会议室")
    refused = bot.send("zsj_admin", "时间 11月10日上午")
    assert refused.startswith("约谈时间「11月10日上午」已经过去了（今天是11月16日）"), refused
    assert "约谈时间：11月20日下午3点" in refused
    assert "已记录并送达" in bot.send("zsj_admin", "确认")
    for userid in ("jy_wang", "jy_zhang"):
        text = bot.texts(userid)[-1]
        assert "约谈时间：11月20日下午3点\n约谈地点：县政数局302会议室" in text and "按时参加约谈" in text, text
    bot.say("zsj_admin", "约谈 卫生健康局 健康抚松原创比例长期偏低", "时间待定", "确认")
    text = bot.texts("wj_chen")[-1]
    assert "约谈时间：待定\n约谈地点：待定" in text and "另行通知" in text, text
    assert ("2026-11-16 约谈（马管理）：抚松教育公众号三个月未更新（约谈时间：11月20日下午3点，地点：县政数局302会议室）"
            in bot.send("zsj_admin", "单位记录 教育局"))
    with bot.db() as s:
        assert [(m.meeting_time, m.meeting_place) for m in s.scalars(select(Measure).order_by(Measure.id))] == \
            [("11月20日下午3点", "县政数局302会议室"), ("待定", "待定")]


def test_a_public_notice_says_the_monthly_bulletin_lists_it_and_names_the_bureau_that_took_it(bot):
    at(date(2026, 11, 16))
    shown = bot.send("city_qian", "通报 抚松县教育局 抚松教育发布内容出现严重表述错误")
    assert "本月的月度通报发布时列入「本月通报批评」（单位名称和原因），各单位都会看到" in shown, shown
    bot.send("city_qian", "确认")
    assert bot.texts("jy_wang")[-1].startswith("【市政数局处置措施：通报批评】抚松县教育局")
    assert bot.texts("wj_chen") == []
    # the county bureau that supervises the unit is copied: it learnt of the city's measure only from 单位记录
    copy = bot.texts("zsj_admin")[-1]
    assert copy.startswith("【处置措施 1（抄送）】白山市政务服务和数字化建设管理局（钱管理）对抚松县教育局通报批评"), copy
    assert "原因：抚松教育发布内容出现严重表述错误" in copy and "已送达该单位，供知悉，无需处理" in copy, copy
    assert bot.texts("jy_admin") == []  # not the neighbouring county
    before = len(bot.texts("zsj_admin"))
    bot.say("zsj_admin", "警告 卫生健康局 健康抚松周报连续三周未报", "确认")
    assert not any("抄送" in t for t in bot.texts("zsj_admin")[before:])  # its own measure: no copy to itself


def test_a_measure_nobody_in_the_unit_can_receive_is_not_said_delivered(bot):
    # 卫健局's head and clerk have both left: the warning is kept on record, but the admin must not read 「已送达」
    at(date(2026, 11, 16))
    with bot.db() as s:
        for person in s.scalars(select(Person).where(Person.userid.in_(["wj_liu", "wj_chen"]))):
            person.active = False
    shown = bot.send("zsj_admin", "警告 卫生健康局 周报连续三周未报")
    assert "送达：该单位在通讯录中没有可送达的人员" in shown, shown
    answer = bot.send("zsj_admin", "确认")
    assert answer.startswith("已记录：对抚松县卫生健康局警告（措施 1）。"), answer
    assert "没有送达任何人" in answer and "已记录并送达" not in answer, answer
    assert "处置措施（1项）" in bot.send("zsj_admin", "单位记录 卫生健康局")


def test_a_past_interview_time_in_the_command_keeps_the_rest_and_asks_again(bot):
    """「约谈 教育局 原因，时间：11月10日上午，地点：…」 with the day past answered 「请写今天或以后的时间」 and ended:
    the admin's 「时间 11月20日下午3点」 was then 「没有理解」 and the unit, reason and place had to be typed again."""
    add_account(bot)
    at(date(2026, 11, 16))
    shown = bot.send("zsj_admin", "约谈 教育局 抚松教育公众号三个月未更新，时间：11月10日上午，地点：县政数局302会议室")
    assert shown.startswith("约谈时间「11月10日上午」已经过去了（今天是11月16日）"), shown
    assert "请确认处置措施：" in shown and "原因：抚松教育公众号三个月未更新\n约谈时间：待定\n约谈地点：县政数局302会议室" in shown, shown
    assert "约谈时间：11月20日下午3点" in bot.send("zsj_admin", "时间 11月20日下午3点")
    assert "已记录并送达" in bot.send("zsj_admin", "确认")
    with bot.db() as s:
        assert [(m.meeting_time, m.meeting_place) for m in s.scalars(select(Measure))] == \
            [("11月20日下午3点", "县政数局302会议室")]
