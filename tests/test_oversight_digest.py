from datetime import date

from jobs import digest, dormancy, schedule
from models.org import Person
from tests.oversight_helpers import HEALTH, add_account, at

LAST = date(2026, 8, 3)


def test_nothing_to_say_sends_nothing(bot):
    at(date(2026, 8, 17), 9, 40)
    assert digest.bureau_digest("2026-08-17") == "发出每日摘要0份"
    assert bot.texts("zsj_admin") == []


def test_digest_lists_new_rungs_overdue_items_and_reviews_in_scope(bot):
    add_account(bot, last_update_on=LAST)
    add_account(bot, unit=HEALTH, name="健康抚松", responsible="wj_liu", last_update_on=date(2026, 8, 7))
    at(date(2026, 8, 10))
    bot.send("zsj_admin", "整改通知 抚松县教育局 公众号两周未更新")
    bot.send("zsj_admin", "确认")  # deadline 2026-08-17
    bot.send("zsj_admin", "整改通知 卫生健康局 原创比例过低")
    bot.send("zsj_admin", "确认")
    at(date(2026, 8, 18), 9, 0)
    dormancy.dormancy_ladder("2026-08-18")  # 教育: 15 days (bureau rung); 卫健: 11 days (warning rung)
    bot.say("wj_liu", "已整改 2 已增加原创稿件比例", "确认")
    before = len(bot.texts("zsj_admin"))
    at(date(2026, 8, 18), 9, 30)
    assert digest.bureau_digest("2026-08-18") == "发出每日摘要2份"  # the county bureau's admin and the city's
    text = bot.texts("zsj_admin")[before]
    [city] = bot.texts("city_qian")  # the city bureau sees the county in its tree (and had no 9:00 notice)
    assert "抚松县教育局「抚松教育（微信公众号）」两周未更新（15天未更新）" in city and "不再重复" not in city
    assert "其余1个账号（两周未更新1个）的停更通知已单独发给您，此处不再重复" in text  # he had it at 9:00
    assert text.startswith("【每日摘要】2026-08-18")
    assert "新增停更预警（2个账号）" in text and "两周未更新（15天未更新）" in city and "停更警告（11天未更新）" in text
    assert "逾期未整改（1项）" in text and "公众号两周未更新（已逾期1个工作日）" in text
    assert "整改 2：抚松县卫生健康局｜原创比例过低" in text
    assert bot.texts("zsj_review") == [] and bot.texts("jy_admin") == []  # admins only; the other county has nothing
    digest.bureau_digest("2026-08-18")  # by hand again: nothing twice
    assert len(bot.texts("zsj_admin")) == before + 1
    bot.send("zsj_admin", "通过整改 2")  # the digest would now read differently …
    bot.send("zsj_admin", "确认")
    before = len(bot.texts("zsj_admin"))
    assert digest.bureau_digest("2026-08-18") == "发出每日摘要0份"  # … but a re-run is still not a second digest
    assert len(bot.texts("zsj_admin")) == before and bot.texts("city_qian") == [city]
    at(date(2026, 8, 19), 9, 30)
    digest.bureau_digest("2026-08-19")  # rungs are new only on the day they fire
    assert "新增停更预警" not in bot.texts("zsj_admin")[-1] and "逾期未整改" in bot.texts("zsj_admin")[-1]


def test_opt_out_and_back_in(bot):
    add_account(bot, last_update_on=LAST)
    at(date(2026, 8, 17), 9, 0)
    dormancy.dormancy_ladder("2026-08-17")
    assert "仅限" in bot.send("zsj_review", "摘要 关闭")
    shown = bot.send("zsj_admin", "摘要")  # the switch, and what the digest holds today (was the switch only)
    assert shown.startswith("您的每日摘要目前已开启（工作日上午9:30发送）。回复「摘要 关闭」或「摘要 开启」。\n\n"
                            "【每日摘要】2026-08-17\n"), shown
    assert "新增停更预警" in shown and "摘要 关闭」可停止接收" not in shown
    assert bot.send("zsj_admin", "摘要 不要了").startswith("没能看懂「不要了」，设置没有改变。您的每日摘要目前已开启")
    for asked in ("每天几点发摘要", "摘要改到下午发", "摘要什么时候发"):  # one time for all: said, not 「没能看懂」
        assert bot.send("zsj_admin", asked).startswith("每日摘要在工作日上午9:30统一发送"), asked
    assert "已关闭" in bot.send("zsj_admin", "摘要 关闭")
    with bot.db() as s:
        assert s.query(Person).filter_by(userid="zsj_admin").one().digest_opt_out is True
    count = len(bot.texts("zsj_admin"))
    ran = []

    def enqueue(name, period):
        if name == "bureau_digest":
            ran.append(period)
            schedule.run_job(name, period)

    at(date(2026, 8, 17), 9, 31)
    schedule.tick(enqueue)
    assert ran == ["2026-08-17"] and len(bot.texts("zsj_admin")) == count
    assert "已开启" in bot.send("zsj_admin", "摘要 开启")
    schedule.tick(enqueue)  # the period already ran: not again
    assert ran == ["2026-08-17"]
    at(date(2026, 8, 18), 9, 31)
    dormancy.dormancy_ladder("2026-08-18")
    with bot.db() as s:  # make the 14-day rung "new" for the 18th's digest
        from models.oversight import DormancyRung
        s.query(DormancyRung).update({"fired_on": date(2026, 8, 18)})
    schedule.tick(enqueue)
    assert ran == ["2026-08-17", "2026-08-18"] and "【每日摘要】2026-08-18" in bot.texts("zsj_admin")[-1]


def test_the_digest_does_not_repeat_the_dormancy_notices_the_admin_had_that_morning(bot):
    """At 9:00 马管理 got 【停更通报】 for 教育局's account; at 9:30 the digest listed it again as news. Now the
    digest counts it as already sent to him and lists only what he was not told (卫健局's 停更警告, which goes to the
    unit alone). The city's admin, who was told nothing at 9:00, still gets both listed."""
    add_account(bot, last_update_on=LAST)
    add_account(bot, unit=HEALTH, name="健康抚松", responsible="wj_liu", last_update_on=date(2026, 8, 7))
    at(date(2026, 8, 18), 9, 0)
    dormancy.dormancy_ladder("2026-08-18")  # 教育: 15 days (bureau rung, the admins told); 卫健: 11 days (warning)
    [notice] = bot.texts("zsj_admin")
    assert notice.startswith("【停更通报】抚松县教育局的「抚松教育（微信公众号）」")
    at(date(2026, 8, 18), 9, 30)
    digest.bureau_digest("2026-08-18")
    text = bot.texts("zsj_admin")[-1]
    assert "新增停更预警（2个账号）" in text and "抚松县卫生健康局「健康抚松（微信公众号）」停更警告（11天未更新）" in text
    assert "抚松县教育局「抚松教育" not in text, text
    assert "其余1个账号（两周未更新1个）的停更通知已单独发给您，此处不再重复" in text, text
    [city] = bot.texts("city_qian")
    assert "抚松县教育局「抚松教育（微信公众号）」两周未更新（15天未更新）" in city and "不再重复" not in city


def test_a_follow_up_case_the_unit_leaves_unanswered_for_a_week_shows_in_the_digest(bot):
    """After 停更认定 (90 days) the ladder stops: a unit that neither filed the drafted 注销 nor explained was never
    chased again, and the digest said nothing of it (only explanations awaiting review). Now a case left five working
    days shows in the bureau's digest; once the cancellation is in approval it no longer does."""
    add_account(bot, last_update_on=LAST)
    add_account(bot, platform="抖音", responsible="jy_li", last_update_on=LAST)
    at(date(2026, 11, 2), 9, 0)  # a Monday: 91 days, both marked, cases 1 and 2 with drafts 1 and 2
    dormancy.dormancy_ladder("2026-11-02")
    bot.say("jy_li", "说明 2 账号还在用，下周恢复更新", "确认")
    bot.send("zsj_admin", "驳回说明 2 三个月未更新应当注销")
    at(date(2026, 11, 6), 9, 30)
    digest.bureau_digest("2026-11-06")  # four working days: not yet
    assert not any("停更跟进" in t for t in bot.texts("zsj_admin"))
    at(date(2026, 11, 9), 9, 30)
    digest.bureau_digest("2026-11-09")
    text = bot.texts("zsj_admin")[-1]
    assert "停更跟进超过5个工作日未办理（2项" in text, text
    assert "跟进事项 1：抚松县教育局「抚松教育（微信公众号）」停更90天，11月2日建立，已5个工作日；注销申请第1号草稿，也没有作出说明" in text
    assert "跟进事项 2：抚松县教育局「抚松教育（抖音）」停更90天，11月2日建立，已5个工作日；注销申请第2号草稿，说明未被接受" in text
    bot.send("jy_zhang", "修改 1")
    assert "已提交" in bot.send("jy_zhang", "确认")
    at(date(2026, 11, 10), 9, 30)
    digest.bureau_digest("2026-11-10")
    text = bot.texts("zsj_admin")[-1]
    assert "停更跟进超过5个工作日未办理（1项" in text and "跟进事项 1：" not in text, text


def _rung_statements(bot, accounts: int) -> int:
    """Statements the digest's 新增停更预警 section takes after `accounts` more idle accounts (of two units)."""
    from bench.scale_common import counting
    from bot import db
    from models.org import Unit
    from sqlalchemy import select
    for n in range(accounts):
        add_account(bot, unit=HEALTH if n % 2 else "抚松县教育局", name=f"抚松号{accounts}-{n}", last_update_on=LAST)
    at(date(2026, 8, 18), 9, 0)
    dormancy.dormancy_ladder("2026-08-18")
    with db.transaction() as s:
        admin = s.scalar(select(Person).where(Person.userid == "zsj_admin"))
        ids = list(s.scalars(select(Unit.id)))
        with counting() as counter:
            section = digest.new_dormancy_rungs(s, ids, date(2026, 8, 18), admin)
        assert section is not None, section
        return counter.count


def test_the_new_rungs_are_read_in_the_same_statements_however_many(bot):
    """Each rung's account and its unit were loaded one by one (an N+1 the scale test did not cover)."""
    _rung_statements(bot, 1)  # (the working-day calendar is read once, then kept)
    assert _rung_statements(bot, 2) == _rung_statements(bot, 6)  # 3 rungs, then 9
