from datetime import date

from openpyxl import Workbook
from sqlalchemy import select

from bot import clock
from jobs import schedule
from jobs import training as training_job
from models.org import Person
from models.training import Training, TrainingAttendee, flag_untrained, units_needing_training
from tests.oversight_helpers import HEALTH, add_account, at, unit_id

GA = "抚松县公安局"


def add_person(bot, unit: str, userid: str, name: str) -> None:
    with bot.db() as s:
        s.add(Person(userid=userid, name=name, unit_id=unit_id(s, unit)))


def attendees(bot):
    with bot.db() as s:
        return sorted(s.scalars(select(Person.userid).join(TrainingAttendee)).all())


def test_register_a_training_with_a_numbered_choice_for_a_shared_name(bot):
    add_person(bot, GA, "ga_zhangwei", "张伟")
    at(date(2026, 11, 20))
    assert "仅限" in bot.send("jy_zhang", "培训登记")
    assert "培训日期" in bot.send("zsj_admin", "培训登记")
    assert "没能看懂日期「上周」" in bot.send("zsj_admin", "上周")
    assert "不能晚于今天" in bot.send("zsj_admin", "2026-12-01")
    assert "培训主题" in bot.send("zsj_admin", "11月18日")
    assert "组织单位" in bot.send("zsj_admin", "政务新媒体信息发布与审核培训")
    assert "参训人员" in bot.send("zsj_admin", "本局")
    reply = bot.send("zsj_admin", "张伟、刘洋，jyx_staff 无名氏")
    assert "没有找到：jyx_staff、无名氏" in reply  # the neighbouring county's staff is out of scope
    reply = bot.send("zsj_admin", "张伟、刘洋 RM_Cao")  # a typed userid in any case
    assert "多位「张伟」" in reply and "1. 张伟（抚松县教育局）" in reply and "2. 张伟（抚松县公安局）" in reply
    reply = bot.send("zsj_admin", "2")
    assert "请确认培训登记" in reply and "2026-11-18" in reply and "抚松县政务服务和数字化建设管理局" in reply
    assert "张伟（抚松县公安局）" in reply and "（3人）" in reply
    assert reply.endswith("「取消」暂不登记（已填的内容留作草稿）。"), reply
    assert "「上一步」修改、「取消」暂不登记（已填的内容留作草稿）。" in bot.send("zsj_admin", "嗯")  # was 「取消」放弃
    assert bot.send("zsj_admin", "不") == "好的，请回复「上一步」修改，或「取消」暂不登记（已填的内容留作草稿）。"
    assert "已登记培训 1" in bot.send("zsj_admin", "确认")
    assert attendees(bot) == ["ga_zhangwei", "rm_cao", "wj_liu"]
    record = bot.send("zsj_admin", "单位记录 卫生健康局")
    assert "2026年培训（1人次）" in record and "政务新媒体信息发布与审核培训：刘洋" in record


def test_a_wrong_date_or_name_is_answered_with_what_was_typed(bot):
    at(date(2027, 1, 6))
    bot.send("zsj_admin", "培训登记")
    assert "「明天」还没到" in bot.send("zsj_admin", "明天")
    assert "2月30日不是有效的日期" in bot.send("zsj_admin", "2月30日")
    assert "「2026-02-30」不是有效的日期" in bot.send("zsj_admin", "2026-02-30")
    assert "没能看懂日期「上周」" in bot.send("zsj_admin", "上周")
    assert "（2027-01-08）不能晚于今天" in bot.send("zsj_admin", "1月8日")
    assert "培训主题" in bot.send("zsj_admin", "12月28日")  # in January: last December's, not a date ahead
    bot.send("zsj_admin", "政务新媒体运营")
    bot.send("zsj_admin", "本局")
    reply = bot.send("zsj_admin", "张伟、李四、刘洋")
    assert "没有找到：李四" in reply and "其余已找到：张伟、刘洋。" in reply and "您输入的是「张伟、李四、刘洋」" in reply
    assert "日期：2026-12-28" in bot.send("zsj_admin", "张伟、刘洋")


def test_a_day_of_the_week_is_read_as_the_weekly_report_reads_it(bot):
    """「上周五」 and 「周一」 were 「没能识别日期」."""
    at(date(2027, 1, 6))  # a Wednesday
    bot.send("zsj_admin", "培训登记")
    assert "（2027-01-08）不能晚于今天" in bot.send("zsj_admin", "周五")  # this week's Friday has not come
    assert "培训主题" in bot.send("zsj_admin", "上周五")
    bot.say("zsj_admin", "政务新媒体运营", "本局")
    assert "日期：2027-01-01" in bot.send("zsj_admin", "张伟、刘洋")
    left = bot.send("zsj_admin", "取消")  # four answers and a list of people: kept, not thrown away
    assert "已填写的内容（2027-01-01 政务新媒体运营）已保存为草稿，回复「继续」可接着填写" in left, left
    assert "日期：2027-01-01" in bot.send("zsj_admin", "继续")
    bot.send("zsj_admin", "取消")
    assert "您有未完成的「培训登记」草稿（2027-01-01 政务新媒体运营）" in bot.send("zsj_admin", "培训登记")
    assert "培训主题" in bot.send("zsj_admin", "周一")
    left = bot.send("zsj_admin", "取消")  # answered anew: the old draft given up, this one kept
    assert "已保存为草稿" in left and "2027-01-01" not in left and "仍保留" not in left, left


def test_a_group_word_names_everyone_in_it(bot):
    """「教育局全体」 is the unit's people; 「各单位信息员」 every host unit's staff in the asker's county (not the
    neighbour's); a unit word that names no one unit is not found."""
    at(date(2026, 11, 20))
    bot.say("zsj_admin", "培训登记", "11月18日", "政务新媒体运营", "本局")
    reply = bot.send("zsj_admin", "教育局全体")
    assert "参训人员（3人）：张伟（抚松县教育局）、李娜（抚松县教育局）、王局长（抚松县教育局）" in reply, reply
    bot.send("zsj_admin", "上一步")
    reply = bot.send("zsj_admin", "各单位信息员 刘洋")
    assert "参训人员（13人）" in reply and "邻县职员" not in reply and "王局长" not in reply, reply  # 刘洋 once
    bot.send("zsj_admin", "上一步")
    assert "（14人）" in bot.send("zsj_admin", "教育局全体、各单位信息员")  # 张伟、李娜 once each
    bot.send("zsj_admin", "上一步")
    assert "没有找到：县局全体" in bot.send("zsj_admin", "县局全体")


def test_a_person_named_with_the_unit(bot):
    """「卫健局刘洋」 (the unit, then the name, as clerks write an attendee list) was 「通讯录中没有找到」."""
    at(date(2026, 11, 20))
    bot.say("zsj_admin", "培训登记", "11月18日", "政务新媒体运营", "本局")
    reply = bot.send("zsj_admin", "卫健局刘洋、教育局的张伟、王局长（教育局）")
    assert "参训人员（3人）：刘洋（抚松县卫生健康局）、张伟（抚松县教育局）、王局长（抚松县教育局）" in reply, reply
    bot.send("zsj_admin", "上一步")
    assert "没有找到：卫健局张伟" in bot.send("zsj_admin", "卫健局张伟")  # no 张伟 there: not someone else's


def test_import_from_a_workbook(bot, app, tmp_path):
    add_person(bot, GA, "ga_zhangwei", "张伟")
    book = Workbook()
    sheet = book.active
    sheet.append(["日期", "主题", "组织单位", "姓名", "单位", "账号"])
    sheet.append([date(2026, 6, 5), "舆情应对培训", "县政数局", "刘洋", None, None])
    sheet.append(["2026-06-05", "舆情应对培训", "县政数局", "张伟", "公安", None])
    sheet.append(["2026-06-05", "舆情应对培训", "县政数局", "张伟", None, None])  # ambiguous
    sheet.append(["2026-06-05", "舆情应对培训", "县政数局", None, None, "RM_Cao"])  # userids ignore case
    sheet.append(["2026-06-05", "舆情应对培训", "县政数局", "查无此人", None, None])
    sheet.append(["某天", "舆情应对培训", "县政数局", "刘洋", None, None])
    path = tmp_path / "台账.xlsx"
    book.save(path)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["training", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "新增参训记录 3 条，3 行未导入" in result.output
    assert "第4行：通讯录中有2位「张伟」" in result.output and "第6行：通讯录中没有查无此人" in result.output
    assert "第7行" in result.output
    assert attendees(bot) == ["ga_zhangwei", "rm_cao", "wj_liu"]
    again = runner.invoke(args=["training", "import", str(path)])
    assert "新增参训记录 0 条" in again.output
    with bot.db() as s:
        assert [(t.topic, t.source, len(t.attendees)) for t in s.scalars(select(Training))] == [("舆情应对培训", "导入", 3)]


def test_import_names_a_missing_header(bot, app, tmp_path):
    book = Workbook()
    book.active.append(["日期", "姓名"])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    result = app.test_cli_runner().invoke(args=["training", "import", str(path)])
    assert result.exit_code != 0 and "缺少表头：主题、组织单位" in result.output


def test_monthly_reminder_from_october_for_units_without_training(bot):
    add_account(bot)  # 教育局
    add_account(bot, unit=HEALTH, name="健康抚松", responsible="wj_liu")
    add_account(bot, unit=GA, name="抚松公安", platform="微博", responsible="ga_zhou", status="申请中")
    with bot.db() as s:
        training = Training(held_on=date(2026, 3, 1), topic="年度培训", organiser="县政数局", created_at=clock.now())
        s.add(training)
        s.flush()
        wj = s.scalar(select(Person).where(Person.userid == "wj_liu"))
        s.add(TrainingAttendee(training_id=training.id, person_id=wj.id, unit_id=wj.unit_id))
    with bot.db() as s:
        assert [u.name for u in units_needing_training(s, 2026)] == ["抚松县教育局"]
        assert [u.name for u in units_needing_training(s, 2027)] == ["抚松县教育局", HEALTH]
    assert training_job.training_reminder("2026-09") == "未到时间：每年10月起才提醒"
    ran = []

    def enqueue(name, period):
        if name == "training_reminder":
            ran.append(period)
            schedule.run_job(name, period)

    at(date(2026, 9, 30), 10)
    schedule.tick(enqueue)
    assert ran == []
    at(date(2026, 10, 12), 10)  # the scheduler was down on 10-08, the first working day after the holiday
    schedule.tick(enqueue)
    schedule.tick(enqueue)
    assert ran == ["2026-10-08"]
    assert "【培训提醒·10月】2026年抚松县教育局" in bot.texts("jy_wang")[0] and bot.texts("wj_chen") == []
    assert "尚无参训记录的单位（1个）：\n抚松县教育局" in bot.texts("zsj_admin")[0]
    assert bot.texts("jy_admin") == []
    # by hand for the month: nothing twice, and it says so (「7 unit(s) reminded」 when nothing was sent)
    assert training_job.training_reminder("2026-10") == "提醒0个单位（尚无参训记录的共1个）"
    assert len(bot.texts("jy_wang")) == 1
    at(date(2026, 11, 2), 10)
    schedule.tick(enqueue)
    assert ran[-1] == "2026-11-02" and len(bot.texts("jy_wang")) == 2


def test_flag_untrained_tells_the_bureau_once(bot):
    with bot.db() as s:
        zhang = s.scalar(select(Person).where(Person.userid == "jy_zhang"))
        assert flag_untrained(s, zhang) is True
        assert flag_untrained(s, zhang) is True  # queued once (dedupe)
    texts = bot.texts("zsj_admin")
    assert len(texts) == 1 and "张伟" in texts[0] and "没有其参训记录" in texts[0]
    bot.send("zsj_admin", "培训登记")
    bot.say("zsj_admin", "今天", "新任负责人培训", "本局", "jy_zhang", "确认")
    with bot.db() as s:
        zhang = s.scalar(select(Person).where(Person.userid == "jy_zhang"))
        assert flag_untrained(s, zhang) is False


def test_the_ledger_lists_this_years_trainings_and_the_units_still_needing_one(bot):
    """「培训台账」 was suggested 台账 (the accounts); there was no way to see the trainings in chat."""
    from tests.approvals_helpers import seed_accounts
    seed_accounts(bot)
    at(date(2026, 11, 20))
    bot.say("zsj_admin", "培训登记", "11月18日", "政务新媒体信息发布与审核培训", "本局", "刘洋", "确认")
    reply = bot.send("zsj_admin", "培训台账")
    assert reply.startswith("2026年培训台账（抚松县政务服务和数字化建设管理局辖区）：\n"
                            "· 11-18 政务新媒体信息发布与审核培训（抚松县政务服务和数字化建设管理局），辖区参训1人\n"
                            "有在用账号、2026年还没有人参加培训的单位（4个，第28条要求每年至少一次）："), reply
    assert "抚松县卫生健康局" not in reply.splitlines()[2] and "抚松县教育局" in reply.splitlines()[2]
    assert bot.send("zsj_admin", "今年哪些单位没培训") == reply
    assert bot.send("zsj_admin", "培训台账 今年") == reply
    assert bot.send("zsj_admin", "培训台账 明年").startswith("「明年」不是年份。")
    assert bot.send("zsj_admin", "培训台账 2025").startswith("2025年培训台账（抚松县政务服务和数字化建设管理局辖区）：\n· 暂无培训记录")
    assert bot.send("jy_zhang", "培训台账").startswith("「培训台账」仅限")
    assert bot.send("jy_zhang", "培训记录").startswith("【单位记录】抚松县教育局")  # a unit: its own record


def test_the_neighbouring_county_is_not_told_of_fusong_regulation(bot):
    """靖宇县教育局's head was reminded that 《抚松县政务新媒体管理办法》第28条 requires a training: another county's
    regulation. The reminder cites 《办法》, as the other notices do."""
    add_account(bot, unit="靖宇县教育局", name="靖宇教育", responsible="jyx_staff")
    at(date(2026, 10, 8), 10)
    training_job.training_reminder("2026-10")
    (told,) = bot.texts("jyx_head")
    assert told.startswith("【培训提醒·10月】2026年靖宇县教育局还没有") and "按《办法》第28条" in told
    assert "抚松" not in told


# --- 「新任」: only a responsible person who was not one before --------------------------------------------------

def training_flags(bot) -> list[str]:
    return [t for t in bot.texts("zsj_admin") if t.startswith("培训提醒")]


def test_a_long_standing_responsible_person_taking_another_account_is_not_called_new(bot):
    """「培训提醒：抚松县教育局的张伟新任政务新媒体账号负责人」 — 张伟 had answered for 抚松教育（微信公众号） since 2021;
    his unit opened a 微博 with him responsible. Every approved 开设 and change of responsible person, and every account
    an import recorded, called its responsible person 新任, whether or not they already answered for an account."""
    from tests.approvals_helpers import approve_all, change_responsible, seed_accounts, submit_open
    seed_accounts(bot)  # 张伟: 抚松教育（微信公众号）since 2021; 李娜: 抚松教育（抖音）since 2022
    approve_all(bot, submit_open(bot))  # a 微博 for 张伟
    assert training_flags(bot) == []
    approve_all(bot, change_responsible(bot, "jy_zhang", "抚松教育 微信公众号", "李娜"))  # 李娜 takes the 公众号 too
    assert training_flags(bot) == []
    approve_all(bot, change_responsible(bot, "jy_zhang", "抚松教育 抖音", "王局长"))  # never responsible before: new
    flags = training_flags(bot)
    assert len(flags) == 1 and flags[0].startswith("培训提醒：抚松县教育局的王局长新任政务新媒体账号负责人"), flags


def test_an_import_records_responsible_people_without_calling_them_new(bot, tmp_path):
    """The first import of the accounts a county already had named every responsible person 新任."""
    from tests.test_accounts_import import GOOD, make_file
    runner = bot.app.test_cli_runner()
    result = runner.invoke(args=["accounts", "import", str(make_file(tmp_path, GOOD))])
    assert result.exit_code == 0, result.output
    assert training_flags(bot) == []
    runner.invoke(args=["accounts", "import", str(make_file(tmp_path, GOOD))])  # unchanged
    assert training_flags(bot) == []
    moved = [dict(GOOD[0], **{"负责人UserID": "jy_li"})]  # the ledger says 抚松教育 has a new responsible person
    result = runner.invoke(args=["accounts", "import", str(make_file(tmp_path, moved, "b.xlsx"))])
    assert result.exit_code == 0, result.output
    flags = training_flags(bot)
    assert len(flags) == 1 and "李娜新任" in flags[0], flags
    runner.invoke(args=["accounts", "import", str(make_file(tmp_path, moved, "b.xlsx"))])  # once
    assert len(training_flags(bot)) == 1


def test_the_bureau_is_not_told_a_unit_nobody_could_receive_was_reminded(bot):
    """The admin's list said 「已提醒这些单位」 even of a unit with nobody left in the directory to remind."""
    add_account(bot)  # 教育局: all its people leave
    add_account(bot, unit=HEALTH, name="健康抚松", responsible="wj_liu")
    with bot.db() as s:
        for person in s.scalars(select(Person).where(Person.userid.in_(["jy_zhang", "jy_li", "jy_wang"]))):
            person.active = False
    at(date(2026, 10, 8), 10)
    assert training_job.training_reminder("2026-10") == "提醒1个单位（尚无参训记录的共2个）"
    text = bot.texts("zsj_admin")[-1]
    assert "尚无参训记录的单位（2个）：\n抚松县教育局、抚松县卫生健康局\n" in text, text
    assert "已提醒抚松县卫生健康局。抚松县教育局在通讯录中没有能收到提醒的单位负责人或工作人员，未能提醒，请联系该单位。" in text, text
    assert "【培训提醒·10月】2026年抚松县卫生健康局" in bot.texts("wj_chen")[-1]


def test_import_reads_dates_typed_as_text_and_refuses_a_day_not_yet_come(bot, app, tmp_path):
    at(date(2026, 11, 20))
    book = Workbook()
    sheet = book.active
    sheet.append(["日期", "主题", "组织单位", "姓名"])
    sheet.append(["2026/11/5", "信息发布审核培训", "县政数局", "刘洋"])  # a text cell, as a clerk types it
    sheet.append(["2026年11月5日", "信息发布审核培训", "县政数局", "赵敏"])
    sheet.append(["2026-11-5", "信息发布审核培训", "县政数局", "曹磊"])
    sheet.append(["2027/11/5", "信息发布审核培训", "县政数局", "周强"])  # the year mistyped
    path = tmp_path / "台账.xlsx"
    book.save(path)
    result = app.test_cli_runner().invoke(args=["training", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "第5行：日期 2027-11-05 晚于今天" in result.output
    assert "新增参训记录 3 条，1 行未导入" in result.output, result.output
    with bot.db() as s:
        assert [(t.held_on, len(t.attendees)) for t in s.scalars(select(Training))] == [(date(2026, 11, 5), 3)]


def test_the_year_just_ended_is_asked_for_in_the_bureaus_words(bot):
    """In January the bureau wants last year's result (第28条: once a year): 「去年培训情况」, 「2026年培训台账」,
    「去年哪些单位没培训」 were 没有理解; the year gone by said 「还没有人参加培训」 as if it could still be done; the
    new year's empty ledger did not say where last year's is."""
    from tests.approvals_helpers import seed_accounts
    seed_accounts(bot)
    at(date(2026, 11, 20))
    bot.say("zsj_admin", "培训登记", "11月18日", "政务新媒体信息发布与审核培训", "本局", "刘洋", "确认")
    at(date(2027, 1, 5))
    last_year = bot.send("zsj_admin", "培训台账 去年")
    assert last_year.startswith("2026年培训台账（抚松县政务服务和数字化建设管理局辖区）：\n· 11-18 政务新媒体信息发布与审核培训")
    assert "有在用账号、2026年没有人参加培训的单位（4个" in last_year and "还没有" not in last_year
    for said in ("去年培训情况", "2026年培训台账", "去年哪些单位没培训", "2026年哪些单位没有培训？"):
        assert bot.send("zsj_admin", said) == last_year, said
    this_year = bot.send("zsj_admin", "培训台账")
    assert "2027年还没有人参加培训的单位（5个" in this_year and "2026年全年的培训台账请回复「培训台账 去年」。" in this_year
    at(date(2027, 2, 1))
    assert "培训台账 去年" not in bot.send("zsj_admin", "培训台账")
    assert "「单位记录 单位名称」" in bot.send("zsj_admin", "培训台账 卫健局")


def test_a_year_gone_by_counts_the_accounts_in_use_that_year(bot):
    """「培训台账 去年」 listed the units needing training by today's accounts: a unit whose only account was
    opened this year was said to have missed last year's training, and one whose account was closed since was left
    out although it had an account all last year."""
    from models.account import Account
    add_account(bot)  # 教育局, in use since 2020
    add_account(bot, unit=HEALTH, name="健康抚松", responsible="wj_liu", opened_on=date(2027, 1, 3))
    closed = add_account(bot, unit=GA, name="抚松公安", responsible="ga_zhou", status="已注销")
    with bot.db() as s:
        s.get(Account, closed).closed_on = date(2027, 1, 4)
        assert [u.name for u in units_needing_training(s, 2026)] == ["抚松县教育局", GA]
    at(date(2027, 1, 5))
    with bot.db() as s:
        assert [u.name for u in units_needing_training(s, 2027)] == ["抚松县教育局", HEALTH]
    assert "没有人参加培训的单位（2个，第28条要求每年至少一次）：抚松县教育局、抚松县公安局" in bot.send(
        "zsj_admin", "培训台账 去年")


def test_the_reminder_leaves_out_the_units_the_ledger_leaves_out(bot):
    """培训台账 does not list 涉密单位 and 内设机构 (第8条 bars their accounts), but the October reminder told such a
    unit to get trained and listed it to the bureau: the two now agree."""
    from models.org import Unit
    add_account(bot)
    add_account(bot, unit=HEALTH, name="健康抚松", responsible="wj_liu")
    with bot.db() as s:
        s.scalar(select(Unit).where(Unit.name == HEALTH)).is_classified = True
    at(date(2026, 10, 8))
    assert training_job.training_reminder("2026-10") == "提醒1个单位（尚无参训记录的共1个）"
    assert bot.texts("wj_chen") == [] and "尚无参训记录的单位（1个）：\n抚松县教育局\n" in bot.texts("zsj_admin")[0]


def test_the_city_is_not_pointed_to_a_command_it_may_not_use(bot):
    """The city reviewer's 培训台账 ended 「登记培训请回复「培训登记」」, which then told them 「您没有这个权限」."""
    add_account(bot)
    at(date(2026, 11, 20))
    city = bot.send("city_zhao", "培训台账")
    assert city.startswith("2026年培训台账（白山市") and "培训登记" not in city
    assert bot.send("zsj_review", "培训台账").endswith("登记培训请回复「培训登记」。")


def test_an_import_row_whose_unit_names_two_units_says_so(bot, app, tmp_path):
    """「单位」 filled in as 「教育局」 matches a unit in each county: the row was refused with 「请填写「单位」或「账号」列」,
    which the clerk had done."""
    add_person(bot, "靖宇县教育局", "jyx_zhangwei", "张伟")
    book = Workbook()
    book.active.append(["日期", "主题", "组织单位", "姓名", "单位"])
    book.active.append(["2026-06-05", "舆情应对培训", "县政数局", "张伟", "教育局"])
    path = tmp_path / "台账.xlsx"
    book.save(path)
    result = app.test_cli_runner().invoke(args=["training", "import", str(path)])
    assert ("第2行：通讯录中有2位「张伟」（抚松县教育局、靖宇县教育局），请在「单位」列写单位全称，或填写「账号」列"
            in result.output), result.output


def test_import_of_a_file_that_is_not_a_workbook_says_so_in_one_line(bot, app, tmp_path):
    """A text file, a .txt, an empty file or a zip that is no workbook: one Chinese line, exit 1 (was a Traceback)."""
    import zipfile
    (tmp_path / "台账.xlsx").write_text("日期,主题\n", encoding="utf-8")
    (tmp_path / "台账.txt").write_text("日期,主题\n", encoding="utf-8")
    (tmp_path / "空.xlsx").write_bytes(b"")
    with zipfile.ZipFile(tmp_path / "压缩包.xlsx", "w") as archive:
        archive.writestr("a.txt", "x")
    for name in ("台账.xlsx", "台账.txt", "空.xlsx", "压缩包.xlsx"):
        result = app.test_cli_runner().invoke(args=["training", "import", str(tmp_path / name)])
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), (name, result.exception)
        assert result.output.startswith("错误：") and ".xlsx" in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
