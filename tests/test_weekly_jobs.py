"""Weekly jobs with a moved clock: the official calendar around National Day 2026, exactly once, catch-up.

2026 calendar (chinesecalendar): 9-25..9-27 中秋 off; Sun 9-20 and Sat 10-10 are make-up working days;
10-1..10-7 国庆 off. So the week of 9-14 is due Sun 9-20, the week of 9-21 Thu 9-24, the week of 9-28
Wed 9-30 (chased Thu 10-8), the week of 10-5 Sat 10-10 (chased Mon 10-12).
"""
from datetime import date, timedelta

from sqlalchemy import select

from jobs import schedule, weekly as weekly_jobs
from tests.weekly_support import EDU, at, file_report, seed

NATIONAL_DAY_WEEK = date(2026, 9, 28)
EDU_ROWS = {"抚松教育（微信公众号）": (1, 1, date(2026, 9, 29), 0, 0), "抚松教育（抖音）": (0, 0, None, 0, 0),
            "抚松教育（微博）": (0, 0, None, 0, 0)}


def reminders(bot, userid):
    return [t for t in bot.texts(userid) if t.startswith("周报提醒")]


def chased(bot, userid, week="9月28日—10月4日"):
    return [t for t in bot.texts(userid) if t.startswith("周报未报提醒") and week in t]


def rollups(bot, userid, week="9月28日—10月4日"):
    return [t for t in bot.texts(userid) if f"周报汇总 {week}" in t]


def test_reminders_follow_the_official_calendar_around_national_day(bot):
    seed(bot)
    at(2026, 9, 29, 11, 0)
    file_report(bot, EDU, "jy_zhang", NATIONAL_DAY_WEEK, EDU_ROWS)

    at(2026, 9, 28, 9, 5)  # Monday, a working day but not the due day
    schedule.tick()
    assert reminders(bot, "wj_liu") == []
    # ...but Monday is the working day after the week of 9-21's deadline (Thu 9-24): its head is told
    assert len(chased(bot, "wj_chen", "9月21日—9月27日")) == 1

    at(2026, 9, 30, 9, 5)  # Wednesday: the last working day before the holiday
    schedule.tick()
    (first,) = reminders(bot, "wj_liu")
    assert "您单位9月28日—10月4日的周报还没有报送" in first and "今天（9月30日）17:00前" in first
    assert first.endswith("本周各账号都没有更新的，回复「周报 都没更新」。")  # the quickest report, said where it is due
    assert reminders(bot, "rm_cao") == [first]  # one text for every unit: one API call per 1,000 people
    assert reminders(bot, "jy_zhang") == [] and reminders(bot, "jy_li") == []  # 教育局 has reported
    assert reminders(bot, "wj_chen") == []  # the unit head is not among the staff reminded
    assert len(reminders(bot, "rm_cao")) == 1 and reminders(bot, "ny_hua") == []  # no accounts, no report due

    at(2026, 9, 30, 15, 5)
    schedule.tick()
    assert len(reminders(bot, "wj_liu")) == 2

    for day in range(1, 8):  # the National Day holiday: nothing at all
        for hour in (9, 15):
            at(2026, 10, day, hour, 5)
            schedule.tick()
    assert len(reminders(bot, "wj_liu")) == 2 and chased(bot, "wj_chen") == []

    at(2026, 10, 8, 9, 5)  # the next working day after the deadline
    schedule.tick()
    assert len(reminders(bot, "wj_liu")) == 2
    (told,) = chased(bot, "wj_chen")
    assert "抚松县卫生健康局9月28日—10月4日的周报截至9月30日（周三）17:00仍未报送" in told
    assert chased(bot, "jy_wang") == []
    assert len(rollups(bot, "zsj_admin")) == 1 and rollups(bot, "jy_admin") == []

    at(2026, 10, 9, 9, 5)  # Friday is not the due day: Saturday 10-10 is a make-up working day
    schedule.tick()
    at(2026, 10, 9, 15, 5)
    schedule.tick()
    assert len(reminders(bot, "wj_liu")) == 2

    at(2026, 10, 10, 9, 5)  # make-up Saturday: due day of the week of 10-5
    schedule.tick()
    assert "今天（10月10日）17:00前" in reminders(bot, "wj_liu")[-1]
    assert len(reminders(bot, "jy_zhang")) == 1  # 教育局 has not reported this week

    at(2026, 10, 11, 9, 5)  # Sunday off
    schedule.tick()
    assert len(reminders(bot, "wj_liu")) == 3

    at(2026, 10, 12, 9, 5)
    schedule.tick()
    assert "截至10月10日（周六，调休上班）17:00仍未报送" in chased(bot, "wj_chen", "10月5日—10月11日")[0]


def test_a_make_up_sunday_is_the_due_day(bot):
    seed(bot)
    at(2026, 9, 19, 9, 5)  # Saturday off
    schedule.tick()
    assert reminders(bot, "wj_liu") == []
    at(2026, 9, 20, 9, 5)  # Sunday, a make-up working day and the last one of its week
    schedule.tick()
    assert "今天（9月20日）17:00前" in reminders(bot, "wj_liu")[0]


def test_two_scheduler_ticks_and_a_manual_rerun_send_once(bot):
    seed(bot)
    at(2026, 9, 30, 9, 5)
    first = schedule.tick()
    second = schedule.tick()  # a second scheduler process, or a restart
    assert ("weekly_remind_0900", "2026-09-30") in first
    assert not [s for s in second if s[0].startswith("weekly")]
    assert len(reminders(bot, "wj_liu")) == 1
    weekly_jobs.remind_morning("2026-09-30")  # `flask jobs run weekly_remind_0900 --date 2026-09-30`
    assert len(reminders(bot, "wj_liu")) == 1


def test_a_rerun_after_a_late_report_does_not_send_a_second_rollup(bot):
    """The roll-up was sent again by a by-hand re-run once a unit had filed late meanwhile: a second 周报汇总 of the
    same week with new figures and nothing saying why (the docs promise a re-run sends nothing twice)."""
    seed(bot)
    at(2026, 9, 29, 11, 0)
    file_report(bot, EDU, "jy_zhang", NATIONAL_DAY_WEEK, EDU_ROWS)
    at(2026, 10, 8, 9, 5)
    weekly_jobs.overdue("2026-10-08")
    (rollup,) = rollups(bot, "zsj_admin")
    at(2026, 10, 8, 10, 0)
    file_report(bot, "抚松县卫生健康局", "wj_liu", NATIONAL_DAY_WEEK,
                {"健康抚松（微信公众号）": (1, 0, date(2026, 9, 30), 0, 0)})
    weekly_jobs.overdue("2026-10-08")
    assert rollups(bot, "zsj_admin") == [rollup]


def test_catch_up_after_a_missed_period(bot):
    seed(bot)
    at(2026, 9, 30, 11, 0)  # the scheduler was down at 09:00: the morning reminder is caught up
    assert ("weekly_remind_0900", "2026-09-30") in schedule.tick()
    assert len(reminders(bot, "wj_liu")) == 1
    at(2026, 10, 9, 10, 0)  # down all of 10-8: the overdue notice and roll-up come a day late
    started = schedule.tick()
    assert ("weekly_overdue", "2026-10-08") in started
    assert len(chased(bot, "wj_chen")) == 1 and len(rollups(bot, "zsj_admin")) == 1


def test_a_scheduler_down_through_both_reminder_slots_sends_one_reminder_not_two(bot):
    seed(bot)
    at(2026, 9, 30, 15, 10)  # down since before 09:00: both of the due day's reminders are caught up in one tick
    started = schedule.tick()
    assert ("weekly_remind_0900", "2026-09-30") in started and ("weekly_remind_1500", "2026-09-30") in started
    (only,) = reminders(bot, "wj_liu")
    assert only.startswith("周报提醒：") and "再次" not in only  # the first they hear of it


def test_the_afternoon_reminder_says_again_only_to_those_reminded_in_the_morning(bot):
    seed(bot)
    at(2026, 9, 30, 11, 0)  # the morning's catch-up, before 15:00, still goes out
    schedule.tick()
    assert [t[:5] for t in reminders(bot, "wj_liu")] == ["周报提醒："]
    at(2026, 9, 30, 15, 5)
    schedule.tick()
    assert reminders(bot, "wj_liu")[1].startswith("周报提醒（再次提醒）：")


def test_no_reminder_is_caught_up_after_the_deadline(bot):
    seed(bot)
    at(2026, 9, 30, 18, 0)  # first tick after 17:00: asking for the impossible helps nobody
    started = schedule.tick()
    assert ("weekly_remind_0900", "2026-09-30") in started and ("weekly_remind_1500", "2026-09-30") in started
    assert reminders(bot, "wj_liu") == []


def test_a_week_without_working_days_has_no_report_due(cfg):
    from models import weekly
    assert weekly.due_day(date(2026, 9, 28)) == date(2026, 9, 30)
    assert weekly.due_day(date(2026, 10, 5)) == date(2026, 10, 10)
    assert weekly.overdue_week(date(2026, 10, 8)) == date(2026, 9, 28)
    assert weekly.overdue_week(date(2026, 10, 9)) is None
    # Spring Festival 2026 (2-15..2-23): the week of 2-16 has no working day at all
    assert weekly.due_day(date(2026, 2, 16)) is None
    assert all(weekly.overdue_week(date(2026, 2, 16) + timedelta(days=n)) is None for n in range(7))


def test_after_the_spring_festival_week_last_week_is_the_overdue_week(bot):
    """2026: the week of 2-16 has no working day; on Tue 2-24 the week of 2-9 (due Sat 2-14) is overdue.
    The head is told 「周报 上周」, and that files the week of 2-9, not the holiday week."""
    seed(bot)
    at(2026, 2, 24, 9, 5)
    weekly_jobs.overdue("2026-02-24")
    (told,) = chased(bot, "jy_wang", "2月9日—2月15日")
    assert "回复「周报 上周」补报" in told and "联系县政数局" not in told
    first = bot.send("jy_zhang", "周报 上周")
    assert "2月16日—2月22日没有工作日" in first and "2月9日—2月15日发布了几条" in first
    bot.send("jy_zhang", "取消")
    offered = bot.send("jy_zhang", "周报")  # the week's first working day: the missing week is offered
    assert "上周（2月9日—2月15日）的周报还没有报送" in offered
    assert "2月9日—2月15日发布了几条" in bot.send("jy_zhang", "1")
    bot.send("jy_zhang", "取消")
    at(2026, 2, 18, 10, 0)  # in the holiday week itself: nothing to file for it
    idle = bot.send("jy_zhang", "周报 本周")
    assert "2月16日—2月22日没有工作日，这一周不需要报送周报" in idle and "「周报 上周」" in idle


def test_in_the_holiday_week_a_unit_that_filed_the_week_before_is_not_asked_to_file_it(bot):
    """It was told 「上一周……的周报请回复「周报 上周」」 although that week was filed before the holiday."""
    seed(bot)
    at(2026, 2, 13, 10, 0)
    file_report(bot, EDU, "jy_zhang", date(2026, 2, 9), EDU_ROWS)
    at(2026, 2, 18, 10, 0)
    idle = bot.send("jy_zhang", "周报")
    assert "2月16日—2月22日没有工作日，这一周不需要报送周报" in idle, idle
    assert "上一周（2月9日—2月15日）的周报已经报送" in idle and "「周报 上周」" not in idle, idle


def test_in_the_holiday_week_the_deadline_and_posts_questions_point_to_the_week_before(bot):
    """They said 「没有工作日，不需要报送，本单位还没有报送。回复「周报」填报。」 and 「回复「周报」按账号逐项填写」,
    and 「周报」 then refused the holiday week."""
    seed(bot)
    at(2026, 2, 18, 10, 0)
    asked = bot.send("jy_zhang", "周报什么时候截止")
    assert "本周（2月16日—2月22日）没有工作日，不需要报送。" in asked and "回复「周报」填报" not in asked, asked
    assert "上一周（2月9日—2月15日）的周报还没有报送，请回复「周报 上周」补报。" in asked, asked
    told = bot.send("jy_zhang", "这周发了5条")
    assert told.startswith("本周（2月16日—2月22日）没有工作日，不需要报送周报。"), told
    assert "「周报 上周」" in told, told


def test_a_unit_whose_only_account_closed_before_the_due_day_is_not_missing_in_the_bulletin(bot):
    """健康抚松 注销 on Wed 11-25: the clerk is told no report is due that week (and nobody chases it), but the
    bulletin counted the week of 11-23 as 缺报."""
    from bot.bulletin.compute import compute
    from models.account import Account, CANCELLED
    from models.org import Unit
    seed(bot)
    at(2026, 11, 20, 10, 0)
    file_report(bot, EDU, "jy_zhang", date(2026, 11, 16), EDU_ROWS)  # the county's first week through the bot
    with bot.db() as s:
        account = s.scalar(select(Account).where(Account.name == "健康抚松"))
        account.status, account.closed_on = CANCELLED, date(2026, 11, 25)
    at(2026, 11, 26, 10, 0)
    assert "不需要报送周报" in bot.send("wj_liu", "周报")
    at(2026, 12, 1, 9, 0)
    with bot.db() as s:
        bureau = s.scalar(select(Unit.id).where(Unit.name == "抚松县政务服务和数字化建设管理局"))
        b = compute(s, bureau, 2026, 11)
    health = next(f for f in b.units if f.unit_name == "抚松县卫生健康局")
    assert (health.reports_due, health.reports_missing) == (1, 1)  # the week of 11-16 only


def test_the_schedule_is_beijing_time_whatever_the_server_zone(bot, monkeypatch):
    import time
    seed(bot)
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        at(2026, 9, 30, 8, 55)  # Beijing 08:55 (New York: the evening before)
        assert not [s for s in schedule.tick() if s[0] == "weekly_remind_0900" and s[1] == "2026-09-30"]
        at(2026, 9, 30, 9, 1)
        assert ("weekly_remind_0900", "2026-09-30") in schedule.tick()
        assert len(reminders(bot, "wj_liu")) == 1
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_the_deadline_time_is_configurable(bot, monkeypatch):
    from models import weekly
    seed(bot)
    monkeypatch.setenv("BOT_WEEKLY_DUE", "12:00")
    assert weekly.deadline_label(NATIONAL_DAY_WEEK) == "9月30日（周三）12:00"
    at(2026, 9, 30, 15, 5)  # the afternoon reminder would come after a noon deadline: not sent
    schedule.tick()
    assert reminders(bot, "wj_liu") == []
    monkeypatch.setenv("BOT_WEEKLY_DUE", "late")
    assert weekly.deadline_label(NATIONAL_DAY_WEEK) == "9月30日（周三）17:00"


def test_the_head_is_told_the_command_that_files_the_overdue_week(bot):
    """Chased on Thursday 10-8: plain 「周报」 would file the week of 10-5, 「周报 上周」 the overdue one."""
    seed(bot)
    at(2026, 10, 8, 9, 5)
    schedule.tick()
    (told,) = chased(bot, "jy_wang")
    assert "回复「周报 上周」补报" in told
    (staff_told,) = chased(bot, "jy_zhang")  # the clerks who file it hear it too, with the same words
    assert staff_told.endswith("仍未报送，已逾期，单位负责人也已收到提醒。请回复「周报 上周」补报。"), staff_told
    first = bot.send("jy_zhang", "周报 上周")  # what the head passes on files the week chased
    assert "9月28日—10月4日发布了几条" in first


def test_the_head_who_chased_a_missing_report_hears_that_it_came(bot):
    """The head was asked to chase the report: when a clerk files it, the head is told, not left chasing.
    A report that was only late (nobody chased yet) tells nobody; the head filing it is not told of it."""
    seed(bot)
    at(2026, 11, 27, 18, 0)  # after Friday's deadline, before the chasing on Monday
    bot.say("jy_zhang", "周报", "无", "不清楚", "无", "无", "无", "不清楚", "无", "无", "无", "不清楚", "无", "无")
    assert "记为迟报" in bot.send("jy_zhang", "确认")
    assert bot.texts("jy_wang") == []
    at(2026, 11, 30, 9, 5)
    schedule.tick()
    assert len(chased(bot, "wj_chen", "11月23日—11月29日")) == 1  # 卫健局 had not reported
    assert chased(bot, "jy_wang", "11月23日—11月29日") == []
    bot.say("wj_liu", "周报 上周", "3", "1", "周三", "无", "无")
    assert "记为迟报" in bot.send("wj_liu", "确认")
    assert "周报补报：抚松县卫生健康局11月23日—11月29日的周报已由刘洋补报（迟报），共1个账号。" in bot.texts("wj_chen")
    assert not [t for t in bot.texts("jy_wang") if t.startswith("周报补报")]  # 教育局's head was never chased


def test_a_unit_without_a_head_has_its_staff_chased_and_one_without_staff_its_head(bot):
    """The overdue notice asked only the heads 「请督促本单位工作人员补报」: a unit whose head left was told nothing
    after the deadline, and a head whose staff left was asked to urge nobody (and not reminded on the due day).
    Now a unit without a head has its staff told to file it, one without staff its head, on both days."""
    from sqlalchemy import update

    from models.org import Person
    seed(bot)
    with bot.db() as s:
        s.execute(update(Person).where(Person.userid.in_(("jy_wang", "wj_liu"))).values(active=False))
    at(2026, 9, 30, 9, 5)
    weekly_jobs.remind_morning("2026-09-30")
    assert len(reminders(bot, "wj_chen")) == 1 and len(reminders(bot, "jy_zhang")) == 1
    at(2026, 10, 8, 9, 5)
    weekly_jobs.overdue("2026-10-08")
    for staff in ("jy_zhang", "jy_li"):
        (told,) = chased(bot, staff)
        assert told.endswith("仍未报送，本单位没有能收到提醒的单位负责人，请回复「周报 上周」补报。"), told
    (told,) = chased(bot, "wj_chen")
    assert told.endswith("仍未报送，本单位没有其他能收到提醒的工作人员，请回复「周报 上周」补报。"), told
    assert "请督促本单位工作人员回复「周报 上周」补报" in chased(bot, "rm_yan")[0]  # a unit with both: as before


def test_a_head_chased_under_another_spelling_of_his_userid_hears_that_the_report_came(bot):
    """WeCom ignores case in userids and org sync may respell one: the head chased as 「wj_chen」 and spelled
    「WJ_Chen」 since is still the head who was told, and hears that the report came."""
    from models.org import find_person
    seed(bot)
    at(2026, 11, 30, 9, 5)
    schedule.tick()
    assert len(chased(bot, "wj_chen", "11月23日—11月29日")) == 1
    with bot.db() as s:
        find_person(s, "wj_chen").userid = "WJ_Chen"
    bot.say("wj_liu", "周报 上周", "3", "1", "周三", "无", "无")
    assert "记为迟报" in bot.send("wj_liu", "确认")
    assert any(t.startswith("周报补报：抚松县卫生健康局11月23日—11月29日的周报已由刘洋补报") for t in bot.texts("WJ_Chen"))


def test_the_rollup_names_the_units_nobody_could_be_reminded_of(bot):
    """A unit whose people all left, or whom WeCom refuses all (marked invalid by the delivery), gets no reminder
    and no overdue notice: the bureau admins' roll-up says so for that unit, so that they act. A unit whose staff
    WeCom refuses has its head reminded on the due day, as one without staff."""
    from sqlalchemy import update

    from models.org import Person, Unit
    seed(bot)
    with bot.db() as s:
        health = s.scalar(select(Unit.id).where(Unit.name == "抚松县卫生健康局"))
        s.execute(update(Person).where(Person.unit_id == health).values(wecom_invalid=True))
        s.execute(update(Person).where(Person.userid == "ga_wu").values(active=False))
        s.execute(update(Person).where(Person.userid == "ga_zhou").values(wecom_invalid=True))
        s.execute(update(Person).where(Person.userid == "jy_zhang").values(wecom_invalid=True))
        s.execute(update(Person).where(Person.userid == "rm_cao").values(wecom_invalid=True))
    at(2026, 9, 30, 9, 5)
    weekly_jobs.remind_morning("2026-09-30")
    assert len(reminders(bot, "rm_yan")) == 1 and reminders(bot, "jy_wang") == []  # 教育局 still has 李娜
    at(2026, 10, 8, 9, 5)
    weekly_jobs.overdue("2026-10-08")
    (rollup,) = rollups(bot, "zsj_admin")
    [line] = [li for li in rollup.splitlines() if li.startswith("其中无人可提醒：")]
    assert "抚松县卫生健康局、抚松县公安局</font>（在通讯录中没有在职人员，或人员在企业微信中均已无效" in line, line
    # 融媒体中心's only staff member is refused by WeCom: the head files, and is not told there is nobody in the directory
    (told,) = chased(bot, "rm_yan")
    assert told.endswith("本单位没有其他能收到提醒的工作人员，请回复「周报 上周」补报。"), told


def test_closing_a_month_lists_a_week_missed_before_the_units_account_closed(bot):
    """健康抚松 注销 on Mon 11-30 after its unit missed the week of 11-23 (due Fri 11-27): the bulletin counts it as
    缺报, but 「关账 2026-11」 left it out of the weeks still owed (only accounts in use today counted)."""
    from models.account import Account, CANCELLED
    seed(bot)
    at(2026, 11, 20, 10, 0)
    file_report(bot, EDU, "jy_zhang", date(2026, 11, 16), EDU_ROWS)
    with bot.db() as s:
        account = s.scalar(select(Account).where(Account.name == "健康抚松"))
        account.status, account.closed_on = CANCELLED, date(2026, 11, 30)
    at(2026, 12, 1, 10, 0)
    listed = bot.send("zsj_admin", "关账 2026-11")
    assert "11月23日—11月29日 抚松县卫生健康局" in listed, listed
    bot.send("zsj_admin", "取消")
    rollup = bot.send("zsj_admin", "周报情况 上周")  # the roll-up of that week agrees
    assert "未报：抚松县教育局、抚松县卫生健康局" in rollup, rollup
