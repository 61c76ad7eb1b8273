"""Answers to a weekly-report reminder or chase in the unit's own words (were 没有理解 or a wrong suggestion)."""
from datetime import date

from jobs import weekly as weekly_jobs
from tests.weekly_support import EDU, at, file_report, seed

ROWS = {"抚松教育（微信公众号）": (1, 1, date(2026, 11, 17), 0, 0), "抚松教育（抖音）": (0, 0, None, 0, 0),
        "抚松教育（微博）": (0, 0, None, 0, 0)}


def test_the_clerk_promising_the_report_is_told_which_week_and_how(bot):
    seed(bot)
    at(2026, 11, 30, 9, 30)  # Monday: last week's report is overdue
    for said in ("马上交", "收到，马上补报", "好的今天就报"):
        assert bot.send("jy_zhang", said) == (
            "好的。11月23日—11月29日的周报现在就可以报：回复「周报 上周」逐个账号填写；"
            "各账号都没有更新的，回复「周报 上周 都没更新」即可。（已过截止时间，报送后记为迟报。）"), said
    file_report(bot, EDU, "jy_zhang", date(2026, 11, 23), ROWS)
    assert bot.send("jy_zhang", "马上交") == (
        "好的。11月30日—12月6日的周报现在就可以报：回复「周报」逐个账号填写；"
        "各账号都没有更新的，回复「周报 都没更新」即可。截止时间：12月4日（周五）17:00。")
    at(2026, 12, 5, 10, 0)  # Saturday: this week's deadline has passed too
    assert bot.send("jy_zhang", "马上交").endswith("回复「周报 都没更新」即可。（已过截止时间，报送后记为迟报。）")
    file_report(bot, EDU, "jy_li", date(2026, 11, 30), ROWS)
    assert bot.send("jy_zhang", "马上交").startswith("好的。您单位本周和上周的周报都已报送，不用再报了")


def test_the_head_answering_the_chase_is_told_he_will_hear_when_it_is_filed(bot):
    seed(bot)
    at(2026, 11, 30, 9, 30)
    assert bot.send("jy_wang", "已督促").startswith(  # not chased (yet): he would not hear of it, so not promised
        "好的。11月23日—11月29日的周报已过截止时间（11月27日（周五）17:00），还没有报送；本周（11月30日—12月6日）")
    weekly_jobs.overdue("2026-11-30")
    for said in ("已督促", "收到，我让李娜马上补", "已经催了"):
        assert bot.send("jy_wang", said) == ("好的。11月23日—11月29日的周报补报后，助手会通知您；本周（11月30日—12月6日）的周报"
                                             "12月4日（周五）17:00截止。回复「周报情况」可以随时查看。"), said
    assert "没有理解" in bot.send("jy_zhang", "已督促")  # the clerk was not chased as a head
    assert "没有理解" in bot.send("zsj_admin", "马上交")  # a bureau has no report to file


def test_a_unit_saying_it_was_trained_is_passed_on_to_the_bureau_which_keeps_the_ledger(bot):
    """「我们10月份参加过县里组织的培训了」, the answer the 培训提醒 asks for (「已参加的请告知县政数局登记」),
    was 没有理解."""
    seed(bot)
    at(2026, 12, 2, 10, 0)
    reply = bot.send("jy_wang", "我们10月份参加过县里组织的培训了")
    assert reply.startswith("好的。培训台账由县政数局登记，已把您的话转给县政数局管理员（马管理），请他们核实登记")
    assert bot.texts("zsj_admin")[-1] == ("【培训登记】抚松县教育局王局长说：「我们10月份参加过县里组织的培训了」。"
                                          "请核实后回复「培训登记」记入培训台账（第28条）；登记后该单位不再收到培训提醒。")
    told = len(bot.texts("zsj_admin"))
    assert bot.send("jy_zhang", "培训参加过了").startswith("好的。培训台账由县政数局登记")
    assert len(bot.texts("zsj_admin")) == told  # once a day for the unit
    for said in ("我们还没参加培训", "参加过培训了吗"):  # not news of a training
        assert not bot.send("jy_zhang", said).startswith("好的。培训台账"), said
    for said in ("我们参加过培训了", "今年参加过培训了"):  # news, not the unit record's 「今年参加培训了吗」
        assert bot.send("jy_li", said).startswith("好的。培训台账由县政数局登记"), said
    assert bot.send("jy_li", "今年参加培训了吗").startswith("【单位记录】抚松县教育局")


def test_a_unit_disputing_the_bulletin_is_told_the_way_and_the_bureau_hears_of_it(bot):
    """「通报有误怎么办」, 「对通报有异议」, 「扣分不对」 got the unit's part of the bulletin again, as if not heard: the
    bureau admins are told (once a day for the unit), and the clerk learns what can and cannot be changed."""
    seed(bot)
    at(2026, 12, 2, 10, 0)
    for said in ("通报有误怎么办", "对通报有异议", "扣分不对"):
        reply = bot.send("jy_zhang", said)
        assert reply.startswith("好的，已把您的话转给县政数局管理员（马管理），请他们核实。"), (said, reply)
        assert "已发布的通报不能在助手里更改" in reply and "县政数局核实有误后可以核销" in reply
    told = [t for t in bot.texts("zsj_admin") if t.startswith("【通报异议】")]
    assert told == ["【通报异议】抚松县教育局张伟说：「通报有误怎么办」。请核实；通报中的问题建立的整改事项确属有误的，"
                    "可回复「通过整改 编号 说明」核销。"]
    assert not bot.send("zsj_admin", "通报 教育局 扣分不对").startswith("好的，已把")  # the bureau's own command


def test_a_unit_asking_how_to_get_trained_is_told_who_organises_it(bot):
    """「我们还没参加培训怎么办」, 「培训什么时候」 were 没有理解."""
    seed(bot)
    at(2026, 12, 2, 10, 0)
    for said in ("我们还没参加培训怎么办", "培训什么时候", "去哪里参加培训？"):
        reply = bot.send("jy_wang", said)
        assert reply == ("抚松县教育局2026年还没有人员参加培训的记录。\n培训由县政数局组织（第28条：每年至少参加一次），"
                         "助手里不能报名；培训的时间、地点请联系县政数局管理员（马管理）。"
                         "参加后由县政数局登记，回复「单位记录」可以查看本单位的培训记录。"), (said, reply)
    assert bot.send("jy_wang", "培训参加过了").startswith("好的。培训台账由县政数局登记")  # still news of one
    # said, not asked: 「我们还没参加培训」 was 「没有理解您的消息」 with nothing suggested, a dead end
    for said in ("我们还没参加培训", "今年还没有参加过培训", "我们没参加过培训"):
        assert bot.send("jy_wang", said).startswith("抚松县教育局2026年还没有人员参加培训的记录。"), said


def test_a_unit_wanting_its_own_training_registered_is_told_who_registers_it(bot):
    """「培训登记」 from a unit was 「您没有这个权限。如需开通请联系县政数局」, as if it could be granted;
    「我们单位自己组织了一次培训，怎么登记」 was 没有理解. The bureau keeps the ledger: the unit is told whom to send the
    training to, and news of a training held is passed on to them."""
    seed(bot)
    at(2026, 12, 2, 10, 0)
    reply = bot.send("jy_zhang", "培训登记")
    assert reply.startswith("「培训登记」仅限县政数局使用，您没有这个权限，也不需要开通。培训台账由县政数局登记（第28条）")
    assert "发给县政数局管理员（马管理）" in reply and "抚松县教育局2026年还没有参训记录。" in reply
    assert "如需开通" not in reply
    assert bot.send("jy_zhang", "培训怎么登记").startswith("培训台账由县政数局登记（第28条）")
    assert not [t for t in bot.texts("zsj_admin") if t.startswith("【培训登记】")]  # nothing to pass on yet
    reply = bot.send("jy_zhang", "我们单位自己组织了一次培训，怎么登记")
    assert reply.startswith("好的。培训台账由县政数局登记，已把您的话转给县政数局管理员（马管理）")
    assert bot.texts("zsj_admin")[-1] == ("【培训登记】抚松县教育局张伟说：「我们单位自己组织了一次培训，怎么登记」。"
                                          "请核实后回复「培训登记」记入培训台账（第28条）。")
    assert bot.send("jy_li", "我们上周自己组织了一次培训").startswith("好的。培训台账由县政数局登记")  # news too
    assert bot.send("zsj_admin", "培训登记").startswith("请输入培训日期")  # the bureau's own command
