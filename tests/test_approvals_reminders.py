"""Reminders and escalation with a moved clock; the 3-working-day registry countdown over National Day."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot import clock
from jobs import approvals as jobs
from jobs.schedule import load_jobs
from models.approval import RegistryFiling
from tests.approvals_helpers import approve_all, audit_actions, submit_open, without_city_admin


def count(texts: list[str], word: str) -> int:
    return sum(1 for t in texts if word in t)


def test_jobs_are_scheduled():
    assert {"approval_reminders", "registry_countdown"} <= set(load_jobs())


def test_pending_step_reminded_after_a_working_day_then_daily_then_escalated(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))  # a Monday
    number = submit_open(bot)
    assert jobs.approval_reminders("2026-12-07") == 0  # not a full working day yet
    for n, day in enumerate(["2026-12-08", "2026-12-09"], 1):
        clock.set_now(datetime.fromisoformat(day + "T09:30"))
        assert jobs.approval_reminders(day) == 1
        assert jobs.approval_reminders(day) == 0  # a re-run sends nothing twice
        assert count(bot.texts("jy_wang"), "请尽快审批") == n
    assert count(bot.texts("zsj_admin"), "督办") == 0
    clock.set_now(datetime(2026, 12, 10, 9, 30))
    jobs.approval_reminders("2026-12-10")
    assert count(bot.texts("jy_wang"), "请尽快审批") == 3
    escalations = [t for t in bot.texts("zsj_admin") if "督办" in t]
    assert len(escalations) == 1 and f"第{number}号" in escalations[0] and "王局长" in escalations[0]
    assert "已通知县政数局（马管理）督办" in bot.texts("jy_wang")[-1]  # names who was told
    assert not any("督办" in t for t in bot.texts("city_zhao"))
    clock.set_now(datetime(2026, 12, 11, 9, 30))
    jobs.approval_reminders("2026-12-11")
    assert count(bot.texts("jy_wang"), "请尽快审批") == 3  # escalated: no longer every day
    assert count(bot.texts("zsj_admin"), "督办") == 1  # told once

    # the next step starts its own count
    bot.send("jy_wang", f"同意 {number}")
    assert jobs.approval_reminders("2026-12-11") == 0
    clock.set_now(datetime(2026, 12, 14, 9, 30))
    jobs.approval_reminders("2026-12-14")
    assert count(bot.texts("zsj_review"), "请尽快审批") == 1


def test_after_escalation_the_approver_is_reminded_every_three_working_days_and_the_digest_says_so(bot):
    """Mon 12-07 filed; reminded daily on 12-08, 12-09, 12-10 (escalated that day); then only on the 3rd working day
    after it (Tue 12-15, Fri 12-18), not every morning. The bureau admins are told once, and the digest marks it."""
    from jobs import digest
    clock.set_now(datetime(2026, 12, 7, 10, 0))  # a Monday
    number = submit_open(bot)
    reminded = []
    for day in ("2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11", "2026-12-14", "2026-12-15",
                "2026-12-16", "2026-12-17", "2026-12-18", "2026-12-21"):
        clock.set_now(datetime.fromisoformat(day + "T09:30"))
        if jobs.approval_reminders(day):
            reminded.append(day)
        assert jobs.approval_reminders(day) == 0  # a re-run sends nothing twice
    assert reminded == ["2026-12-08", "2026-12-09", "2026-12-10", "2026-12-15", "2026-12-18"]
    texts = [t for t in bot.texts("jy_wang") if "请尽快审批" in t]
    assert "督办" not in texts[0] and "督办" not in texts[1]
    assert all("已通知县政数局（马管理）督办" in t and "此后每3个工作日提醒一次" in t for t in texts[2:]), texts
    assert "已等待6个工作日" in texts[3] and "已等待9个工作日" in texts[4]
    escalations = [t for t in bot.texts("zsj_admin") if "督办" in t and f"第{number}号" in t]
    assert len(escalations) == 1 and "此后审批人每3个工作日收到一次提醒" in escalations[0], escalations
    digest.bureau_digest("2026-12-21")
    latest = [t for t in bot.texts("zsj_admin") if t.startswith("【每日摘要】")][-1]
    assert f"第{number}号" in latest and "已等待10个工作日，已督办" in latest, latest


def wait_at_the_city_step(bot) -> tuple[int, list[str]]:
    """Filed and passed to the city on Mon 12-07; the city reviewer is reminded 12-08..12-10 (escalated on 12-10)."""
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    number = submit_open(bot)
    approve_all(bot, number, people=("jy_wang", "zsj_review"))
    for day in ("2026-12-08", "2026-12-09", "2026-12-10"):
        clock.set_now(datetime.fromisoformat(day + "T09:30"))
        assert jobs.approval_reminders(day) == 1
    return number, [t for t in bot.texts("city_zhao") if t.startswith("提醒：")]


def test_bureau_step_escalation_goes_to_the_county_bureau_admins(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    for day in ("2026-12-08", "2026-12-09", "2026-12-10"):
        jobs.approval_reminders(day)
    assert "已通知县政数局（马管理）督办" in [t for t in bot.texts("zsj_review") if t.startswith("提醒：")][-1]
    # 马管理 is the county admin and a reviewer of this very step: one reminder that does not name him as the one
    # told to chase, and asks him to chase the other reviewer — not a second message, a 督办 naming himself
    assert not any(t.startswith("督办：") for t in bot.texts("zsj_admin"))
    own = [t for t in bot.texts("zsj_admin") if t.startswith("提醒：")][-1]
    assert "「主管单位意见」环节已等待3个工作日" in own and "马管理" not in own, own
    assert "您是县政数局管理员，也请督促这一环节的其他审批人（杨审核）" in own, own
    # that the step was escalated is said to him too, not only what he is to do (his list line said nothing of it)
    assert "已等待3个工作日，已督办，您是县政数局管理员" in own, own


def test_bureau_step_escalation_reaches_an_admin_who_is_not_a_reviewer_once(bot):
    """The county admin who does not review is told of the 督办, naming both reviewers."""
    from models.org import BUREAU_ADMIN, Person
    with bot.db() as s:
        s.scalar(select(Person).where(Person.userid == "zsj_admin")).set_roles({BUREAU_ADMIN})
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    for day in ("2026-12-08", "2026-12-09", "2026-12-10"):
        jobs.approval_reminders(day)
    chase = [t for t in bot.texts("zsj_admin") if t.startswith("督办：")]
    assert len(chase) == 1 and "审批人：杨审核。" in chase[0], chase
    assert not any(t.startswith("提醒：") for t in bot.texts("zsj_admin"))
    own = [t for t in bot.texts("zsj_review") if t.startswith("提醒：")][-1]
    assert "已通知县政数局（马管理）督办" in own and "您是县政数局管理员" not in own, own
    assert not any(t.startswith("督办：") for t in bot.texts("zsj_review"))


def test_city_step_is_chased_by_the_city_admins_and_the_county_is_asked_to_contact_the_city(bot):
    """A county bureau cannot chase (督办) the city bureau (第4条, 第10条): the city's own admins do, the county admins
    hear that the city step waits so that they can follow it up with the city, and the city reviewer is told so."""
    number, reminders = wait_at_the_city_step(bot)
    assert "督办" not in reminders[1]
    assert "已通知市政数局（钱管理）督办，县政数局（马管理）也已获知，请尽快审批" in reminders[2], reminders[2]
    assert "已通知县政数局督办" not in reminders[2]
    # 钱管理 is the city admin and also a city reviewer: he hears of the escalation once, in his own reminder,
    # which neither names him as the one told to chase nor says the county will contact someone else
    assert not any(t.startswith("督办：") for t in bot.texts("city_qian"))
    own = [t for t in bot.texts("city_qian") if t.startswith("提醒：")]
    assert len(own) == 3 and "钱管理" not in own[2], own
    assert "县政数局（马管理）已获知，将与您联系，您是市政数局管理员，也请督促这一环节的其他审批人（赵审批）" in own[2], own[2]
    assert f"第{number}号 开设申请" in bot.send("city_qian", f"查看 {number}")  # which the city admin may
    county = [t for t in bot.texts("zsj_admin") if f"第{number}号" in t and "市级" in t]
    assert len(county) == 1 and not county[0].startswith("督办")
    assert county[0].startswith("市级环节等待：") and "已通知市政数局管理员（钱管理）督办" in county[0]
    assert "请与市政数局联系" in county[0]


def test_city_step_without_city_admins_the_county_is_asked_to_contact_the_city(bot):
    without_city_admin(bot)
    number, reminders = wait_at_the_city_step(bot)
    assert "县政数局（马管理）已获知，将与您联系，请尽快审批" in reminders[2], reminders[2]
    county = [t for t in bot.texts("zsj_admin") if f"第{number}号" in t and "市级" in t]
    assert len(county) == 1 and "市政数局在通讯录中没有管理员，无人督办" in county[0]
    assert "请与市政数局联系" in county[0] and not any(t.startswith("督办：") for t in bot.texts("zsj_admin"))


def test_no_reminder_for_decided_requests(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    number = submit_open(bot)
    bot.say("jy_wang", f"驳回 {number} 不需要新账号", "确认")
    clock.set_now(datetime(2026, 12, 9, 9, 30))
    assert jobs.approval_reminders("2026-12-09") == 0


def test_applicant_urges_once_a_day(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    number = submit_open(bot)
    assert "已提醒王局长" in bot.send("jy_zhang", f"催办 {number}")
    assert "今天已经催办过" in bot.send("jy_zhang", f"催办 {number}")
    assert count(bot.texts("jy_wang"), "催办") == 1
    clock.set_now(datetime(2026, 12, 8, 10, 0))
    assert "已提醒" in bot.send("jy_zhang", f"催办 {number}")
    assert count(bot.texts("jy_wang"), "催办") == 2


def test_registry_deadline_over_national_day_and_countdown(bot):
    clock.set_now(datetime(2026, 9, 30, 10, 0))
    number = submit_open(bot)
    approve_all(bot, number)
    with bot.db() as s:
        filing = s.query(RegistryFiling).one()
        assert (filing.approved_on, filing.deadline) == (date(2026, 9, 30), date(2026, 10, 10))  # 调休 Saturday
    assert any("3个工作日内（不含今天）、最迟于10月10日（周六，调休上班）" in t and f"已报送 {number}" in t
               for t in bot.texts("jy_zhang"))

    clock.set_now(datetime(2026, 10, 8, 9, 0))
    assert jobs.registry_countdown("2026-10-08") == 1
    # the unit's staff, not only the applicant; the date, and whether today counts
    assert any("截止10月10日（周六，调休上班），还剩2个工作日（不含今天）" in t for t in bot.texts("jy_li"))
    assert count(bot.texts("zsj_admin"), "报送到期") == 0
    clock.set_now(datetime(2026, 10, 10, 9, 0))
    jobs.registry_countdown("2026-10-10")
    assert jobs.registry_countdown("2026-10-10") == 0
    assert any("截止10月10日（周六，调休上班），今天是最后一天" in t for t in bot.texts("jy_zhang"))
    assert count(bot.texts("zsj_admin"), "报送到期") == 1
    clock.set_now(datetime(2026, 10, 12, 9, 0))
    jobs.registry_countdown("2026-10-12")
    assert any("截止10月10日（周六，调休上班），已逾期1个工作日" in t for t in bot.texts("jy_zhang"))
    assert count(bot.texts("zsj_admin"), "报送到期") == 1

    assert "已记录" in bot.send("jy_li", f"已报送 {number}")
    assert "截图已保存" in bot.side.media("jy_li", "image").text
    with bot.db() as s:
        filing = s.query(RegistryFiling).one()
        assert filing.filed_by == "jy_li" and filing.screenshot_media_id == "media_sim"
        assert filing.account.registry_status == "已报送"
    assert jobs.registry_countdown("2026-10-13") == 0
    assert "已于" in bot.send("jy_zhang", f"已报送 {number}")


def test_filed_opens_no_dialogue_and_a_late_picture_is_pointed_to_the_late_screenshot(bot):
    number = submit_open(bot)
    assert "还没有审批通过" in bot.send("jy_zhang", f"已报送 {number}")
    approve_all(bot, number)
    reply = bot.send("jy_zhang", f"已报送 {number}")
    assert "已记录" in reply and "30分钟内直接发送图片" in reply
    mine = bot.send("jy_zhang", "我的申请")  # the next text is an ordinary message, not an answer
    assert f"第{number}号" in mine and "已放弃" not in mine and "截图" not in mine
    assert "没有理解" in bot.send("jy_zhang", "什么截图")
    clock.advance(timedelta(minutes=31))
    late = bot.side.media("jy_zhang", "image").text  # not kept: 补截图 is named, the filing lacking one
    assert late.startswith("这张图片没有保存") and f"第{number}号申请的报送记录还没有截图" in late and "「补截图」" in late
    with bot.db() as s:
        assert s.query(RegistryFiling).one().screenshot_media_id is None


def test_word_form_on_final_approval_and_on_request(bot):
    import io

    import docx
    number = submit_open(bot)
    approve_all(bot, number)
    assert "[file]" in bot.texts("jy_zhang")
    told = bot.texts("zsj_admin")  # the file came to the bureau with nothing saying what it was
    caption = told[told.index("[file]") - 1]
    assert caption.startswith(f"第{number}号开设申请（抚松教育，抚松县教育局）已全部审批通过，审批表（附件2，含各级意见）"
                              "见下面的文件，请存档；全国系统由申请单位最迟于"), caption
    files = [m for m in bot.inbox("jy_zhang") if m["msgtype"] == "file"]
    name, data = bot.fake._files[files[0]["content"]["media_id"]]
    assert name.startswith(f"审批表_{number}_") and name.endswith(".docx")
    document = docx.Document(io.BytesIO(data))
    cells = " ".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    for expected in ("抚松县教育局", "抚松教育", "微博", "及时发布教育政策，服务群众", "王局长", "杨审核", "赵审批",
                     "张伟 13912345678", "11220621MB0000001A"):
        assert expected in cells, expected
    before = len(bot.texts("zsj_review"))
    assert "请查收文件" in bot.send("zsj_review", f"导出 {number}")
    assert len(bot.texts("zsj_review")) == before + 1


def test_a_step_without_holders_goes_to_the_bureau_at_once(bot):
    with bot.db() as s:
        from models.org import find_person
        find_person(s, "jy_wang").set_roles({"staff"})
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    number = submit_open(bot)
    assert any("找不到审批人" in t for t in bot.texts("zsj_admin"))
    clock.set_now(datetime(2026, 12, 8, 9, 30))
    jobs.approval_reminders("2026-12-08")
    jobs.approval_reminders("2026-12-09")
    assert sum(1 for t in bot.texts("zsj_admin") if "督办" in t and f"第{number}号" in t) == 1


def test_the_form_sent_at_final_approval_has_the_three_opinions(bot, monkeypatch):
    """The renderer (registry feature) gets the decisions of this transaction too; a stand-in records them."""
    import sys
    import types
    seen = []
    stand_in = types.ModuleType("bot.approval_form")
    stand_in.render_approval_form = lambda form: seen.append(form) or b"PK-docx-stand-in"
    monkeypatch.setitem(sys.modules, "bot.approval_form", stand_in)
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number} 同意开设")
    bot.send("zsj_review", f"同意 {number}")
    bot.send("city_zhao", f"同意 {number} 准予开设")
    form = seen[0]
    # who decided each step, and when; the signatures (附件2 注2) and seals are left to be done by hand
    assert [(o["step"], o["name"], o["decision"], o["opinion"]) for o in form["opinions"]] == [
        ("unit", "王局长", "同意", "同意开设"), ("bureau", "杨审核", "同意", ""), ("city", "赵审批", "同意", "准予开设")]
    assert all(o["at"].startswith(clock.today().isoformat() + "T") for o in form["opinions"])
    assert form["account_name"] == "抚松教育" and form["kind"] == "开设" and form["rules_submitted"] is True
    assert form["contact"] == "张伟 13912345678" and form["registry_code"] == "11220621MB0000001A"
    assert "[file]" in bot.texts("jy_zhang") and "[file]" in bot.texts("zsj_admin")


def test_urged_on_the_day_of_submission_says_less_than_a_working_day(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))  # a Monday
    number = submit_open(bot)
    bot.texts("jy_wang")
    bot.send("jy_zhang", f"催办 {number}")
    urged = [t for t in bot.texts("jy_wang") if "催办" in t]
    assert len(urged) == 1 and "已等待不足1个工作日" in urged[0] and "0个工作日" not in urged[0]
    assert "已等不足1个工作日" in bot.send("jy_wang", "待办")
    clock.set_now(datetime(2026, 12, 9, 10, 0))
    bot.send("jy_zhang", f"催办 {number}")
    assert any("已等待2个工作日" in t for t in bot.texts("jy_wang") if "催办" in t)


def test_registry_reminders_go_to_the_unit_not_to_the_bureau_that_filed_for_it(bot):
    """zsj_admin files 开设 for 教育局: after approval the unit's staff are reminded daily to file it in the
    national registry (第11条, the unit's duty); the bureau filer gets only the bureau's deadline notice."""
    clock.set_now(datetime(2026, 11, 9, 10, 0))  # a Monday
    from tests.approvals_helpers import submit_open_for
    number = submit_open_for(bot, "zsj_admin", "抚松县教育局")
    approve_all(bot, number, people=("jy_wang", "zsj_review", "city_zhao"))  # due Thu 11-12
    for day in ("2026-11-10", "2026-11-11", "2026-11-12", "2026-11-13"):
        clock.set_now(datetime.fromisoformat(day + "T09:00"))
        jobs.registry_countdown(day)
    asked = [t for t in bot.texts("zsj_admin") if f"已报送 {number}" in t]
    assert asked == [], asked
    assert count(bot.texts("zsj_admin"), "报送到期") == 1  # the bureau's notice, as before
    for staff in ("jy_zhang", "jy_li"):
        assert count(bot.texts(staff), f"完成后请回复「已报送 {number}」") == 4, bot.texts(staff)
        assert any("已审批通过。按《办法》第11条" in t for t in bot.texts(staff))


def test_the_registry_deadline_reads_the_same_everywhere_on_the_first_of_three_days(bot):
    """Approved Wed 11-25: due Mon 11-30 (3 working days). On Thu 11-26 「还剩2个工作日」 alone leaves the clerk
    guessing whether today counts: every place says the date and that today is not counted, in the same words."""
    from handlers.approvals_after import due_text
    from jobs import digest
    clock.set_now(datetime(2026, 11, 25, 10, 0))
    number = submit_open(bot)
    approve_all(bot, number)
    assert any("3个工作日内（不含今天）、最迟于11月30日（周一）" in t for t in bot.texts("jy_li"))
    clock.set_now(datetime(2026, 11, 26, 9, 0))
    jobs.registry_countdown("2026-11-26")
    due = "截止11月30日（周一），还剩2个工作日（不含今天）"
    assert any(due in t for t in bot.texts("jy_li") if t.startswith("提醒："))  # the daily reminder
    clock.set_now(datetime(2026, 11, 26, 9, 30))
    digest.bureau_digest("2026-11-26")
    assert due in [t for t in bot.texts("zsj_admin") if t.startswith("【每日摘要】")][-1]
    assert due in bot.send("jy_zhang", f"查看 {number}")
    assert f"{due}，完成后回复「已报送 {number}」" in bot.send("jy_zhang", "台账")
    assert due in bot.send("zsj_admin", "台账 抚松县教育局")
    assert due in bot.send("jy_zhang", "单位记录") and due in bot.send("zsj_admin", "单位记录 抚松县教育局")
    # 导出台账: the deadline and the request, not a chat instruction in a spreadsheet cell
    assert exported_due(bot, "zsj_admin") == {"抚松教育": f"{due}，第{number}号申请"}
    assert "今天是最后一天" in due_text(date(2026, 11, 30), date(2026, 11, 30))
    # past a Friday deadline on the weekend: overdue, though no working day has gone by (was 「已逾期0个工作日」)
    assert due_text(date(2026, 11, 27), date(2026, 11, 28)) == "截止11月27日（周五），已逾期（期限已过，还没有经过一个工作日）"
    assert due_text(date(2026, 11, 27), date(2026, 11, 30)) == "截止11月27日（周五），已逾期1个工作日"
    # another year's date says the year; a worked Sunday (元旦调休) says so
    assert due_text(date(2026, 1, 4), date(2025, 12, 31)) == "截止2026年1月4日（周日，调休上班），还剩1个工作日（不含今天）"
    bot.send("jy_li", f"已报送 {number}")
    assert "全国系统报送：截止" not in bot.send("jy_zhang", "台账")
    assert "全国系统待报送" not in bot.send("jy_zhang", "单位记录")


def exported_due(bot, userid: str) -> dict[str, str]:
    """账号名称 → 全国系统报送截止 of the rows that have one, in the workbook 导出台账 sends the user."""
    from io import BytesIO

    from openpyxl import load_workbook
    bot.send(userid, "导出台账")
    media_id = [m for m in bot.inbox(userid) if m["msgtype"] == "file"][-1]["content"]["media_id"]
    rows = list(load_workbook(BytesIO(bot.fake._files[media_id][1]))["台账"].values)
    name, deadline = rows[0].index("账号名称"), rows[0].index("全国系统报送截止")
    return {row[name]: row[deadline] for row in rows[1:] if row[deadline]}


def test_a_bureau_reviewer_files_for_a_unit_the_unit_is_told_to_file_the_registry_and_the_filer_gets_the_outcome(bot):
    """zsj_review (bureau reviewer, not an admin) files 开设 for 教育局. The unit's head and staff hear it at once;
    after final approval the unit's staff — who must file it in the national registry (第5条, 第11条) — get the
    notice with its deadline and the daily reminders; the filer, who has nothing to file, gets the outcome, the
    Word form and who was told to file it by when; the bureau admins get the form and, on the deadline, the
    bureau's notice."""
    from tests.approvals_helpers import submit_open_for
    clock.set_now(datetime(2026, 11, 9, 10, 0))  # a Monday
    number = submit_open_for(bot, "zsj_review", "抚松县教育局")
    for userid in ("jy_wang", "jy_zhang", "jy_li"):
        assert any(t.startswith("【代为提交】") and f"第{number}号" in t for t in bot.texts(userid)), userid
    approve_all(bot, number, people=("jy_wang", "zsj_admin", "city_zhao"))  # the filer may not decide his own
    for staff in ("jy_zhang", "jy_li"):
        assert any("已审批通过。按《办法》第11条" in t and "最迟于11月12日（周四）" in t for t in bot.texts(staff))
    filer = bot.texts("zsj_review")
    assert any("审批已全部通过" in t for t in filer) and "[file]" in filer
    assert any(f"第{number}号开设申请（抚松教育）：已通知抚松县教育局的" in t and "张伟" in t and "李娜" in t
               and "最迟于11月12日（周四）" in t and "您无需报送" in t for t in filer), filer
    assert "[file]" in bot.texts("zsj_admin")
    for day in ("2026-11-10", "2026-11-11", "2026-11-12"):
        clock.set_now(datetime.fromisoformat(day + "T09:00"))
        jobs.registry_countdown(day)
    assert count(bot.texts("jy_li"), f"完成后请回复「已报送 {number}」") == 3
    assert not any(f"已报送 {number}" in t for t in bot.texts("zsj_review"))  # not his to file (第5条)
    assert count(bot.texts("zsj_admin"), "报送到期") == 1


def test_a_bureau_filer_is_told_when_nobody_of_the_unit_can_be_reminded_to_file(bot):
    """The unit's people left (deactivated) while the request was with the bureau: no reminder about the national
    registry can reach the unit, and the bureau that filed for it is told so, with the deadline."""
    from tests.approvals_helpers import submit_open_for
    clock.set_now(datetime(2026, 11, 9, 10, 0))  # a Monday
    number = submit_open_for(bot, "zsj_review", "抚松县教育局")
    approve_all(bot, number, people=("jy_wang", "zsj_admin"))
    everyone_left(bot, "抚松县教育局")
    approve_all(bot, number, people=("city_zhao",))
    note = [t for t in bot.texts("zsj_review") if t.startswith(f"第{number}号开设申请（抚松教育）：")]
    assert note == [f"第{number}号开设申请（抚松教育）：抚松县教育局在通讯录中没有在职的工作人员或单位负责人，收不到第11条的报送提醒。"
                    "请通知该单位最迟于11月12日（周四）在全国政务新媒体信息报送系统中完成开设，并在通讯录中补充该单位的人员。"]


def test_registry_reminders_reach_the_bureau_admins_when_nobody_of_the_unit_is_left(bot):
    """Everyone of the unit left after the approval: the 第11条 reminders reached nobody (the bureau heard only on
    the deadline). Now each day's reminder goes to the unit's county bureau admins, saying that nobody of the unit
    can receive it and to have the unit name its people (第21条); an admin may record the filing."""
    clock.set_now(datetime(2026, 11, 9, 10, 0))  # a Monday
    number = submit_open(bot)
    approve_all(bot, number)
    everyone_left(bot, "抚松县教育局")
    for n, day in enumerate(("2026-11-10", "2026-11-11", "2026-11-12"), 1):
        clock.set_now(datetime.fromisoformat(day + "T09:00"))
        assert jobs.registry_countdown(day) == 1
        assert jobs.registry_countdown(day) == 0  # a re-run sends nothing twice
        texts = [t for t in bot.texts("zsj_admin") if t.startswith("报送提醒：")]
        assert len(texts) == n and bot.texts("jy_admin") == []
    assert texts[0] == (f"报送提醒：抚松县教育局第{number}号开设申请（抚松教育）已审批通过，须在全国政务新媒体信息报送系统中"
                        "完成开设（第11条），截止11月12日（周四），还剩2个工作日（不含今天）。抚松县教育局在通讯录中没有在职的"
                        "工作人员或单位负责人，收不到这条提醒。请通知该单位按期报送，并在通讯录中补充该单位的人员（第21条）；"
                        f"报送完成后，可由您回复「已报送 {number}」登记。")
    assert "今天是最后一天" in texts[-1] and count(bot.texts("zsj_admin"), "报送到期") == 0  # said once, not twice
    assert "已记录" in bot.send("zsj_admin", f"已报送 {number}")
    assert jobs.registry_countdown("2026-11-13") == 0


def test_at_approval_the_bureau_admins_are_told_when_nobody_of_the_unit_can_receive_the_registry_notice(bot):
    """Everyone of the unit (the applicant too) left while the request was with the city: the 第11条 notice of
    the approval reached nobody, and the bureau heard only from the next working day's reminder. Now the unit's
    county bureau admins get that day's reminder at approval time, in the countdown's words; the countdown does
    not repeat it the same day, and goes on the next working day."""
    clock.set_now(datetime(2026, 11, 9, 8, 30))  # a Monday, before the 9:00 countdown
    number = submit_open(bot)
    approve_all(bot, number, people=("jy_wang", "zsj_review"))
    everyone_left(bot, "抚松县教育局")
    approve_all(bot, number, people=("city_zhao",))
    texts = [t for t in bot.texts("zsj_admin") if t.startswith("报送提醒：")]
    assert texts == [f"报送提醒：抚松县教育局第{number}号开设申请（抚松教育）已审批通过，须在全国政务新媒体信息报送系统中"
                     "完成开设（第11条），截止11月12日（周四），还剩3个工作日（不含今天）。抚松县教育局在通讯录中没有在职的"
                     "工作人员或单位负责人，收不到这条提醒。请通知该单位按期报送，并在通讯录中补充该单位的人员（第21条）；"
                     f"报送完成后，可由您回复「已报送 {number}」登记。"]
    clock.set_now(datetime(2026, 11, 9, 9, 0))
    assert jobs.registry_countdown("2026-11-09") == 0  # the same day's reminder was the approval's
    clock.set_now(datetime(2026, 11, 10, 9, 0))
    assert jobs.registry_countdown("2026-11-10") == 1
    assert count(bot.texts("zsj_admin"), "报送提醒：") == 2


def test_a_bureau_admin_who_filed_for_a_unit_with_nobody_left_gets_one_notice_not_two(bot):
    """The filer is himself a county bureau admin: the admins' notice says all his filer's note would."""
    from tests.approvals_helpers import submit_open_for
    clock.set_now(datetime(2026, 11, 9, 10, 0))  # a Monday
    number = submit_open_for(bot, "zsj_admin", "抚松县教育局")
    approve_all(bot, number, people=("jy_wang", "zsj_review"))
    everyone_left(bot, "抚松县教育局")
    approve_all(bot, number, people=("city_zhao",))
    texts = bot.texts("zsj_admin")
    assert count(texts, "报送提醒：") == 1
    assert not any(t.startswith(f"第{number}号开设申请（抚松教育）：") for t in texts), texts


def everyone_left(bot, unit_name: str) -> None:
    """Every person of the unit deactivated in the directory (left, as `org sync` records it)."""
    from sqlalchemy import update

    from models.org import Person, Unit
    with bot.db() as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.name == unit_name))
        s.execute(update(Person).where(Person.unit_id == unit_id).values(active=False))


def refused_by_wecom(bot, unit_name: str) -> None:
    """WeCom refused every userid of the unit (81013/40003: left or disabled in WeCom, not yet synced): the delivery
    marked them invalid, and the outbox drops their pushes."""
    from sqlalchemy import update

    from models.org import Person, Unit
    with bot.db() as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.name == unit_name))
        s.execute(update(Person).where(Person.unit_id == unit_id).values(wecom_invalid=True))


def test_registry_notices_reach_the_bureau_admins_when_wecom_refused_everyone_of_the_unit(bot):
    """Everyone of the unit is still in the directory but WeCom refuses them all: the 第11条 notice at approval and
    the daily reminders were dropped by the outbox and nobody heard. Nobody reachable is treated like nobody left:
    the county bureau admins are told, and why."""
    clock.set_now(datetime(2026, 11, 9, 8, 30))  # a Monday, before the 9:00 countdown
    number = submit_open(bot)
    approve_all(bot, number, people=("jy_wang", "zsj_review"))
    refused_by_wecom(bot, "抚松县教育局")
    approve_all(bot, number, people=("city_zhao",))
    texts = [t for t in bot.texts("zsj_admin") if t.startswith("报送提醒：")]
    assert texts == [f"报送提醒：抚松县教育局第{number}号开设申请（抚松教育）已审批通过，须在全国政务新媒体信息报送系统中"
                     "完成开设（第11条），截止11月12日（周四），还剩3个工作日（不含今天）。抚松县教育局的王局长、张伟、李娜"
                     "在企业微信中已无效（可能已离职），收不到这条提醒。请通知该单位按期报送，并在通讯录中补充该单位的人员"
                     f"（第21条）；报送完成后，可由您回复「已报送 {number}」登记。"]
    clock.set_now(datetime(2026, 11, 10, 9, 0))
    assert jobs.registry_countdown("2026-11-10") == 1
    assert count(bot.texts("zsj_admin"), "报送提醒：") == 2


def test_the_announcement_reminder_reaches_the_bureau_admins_when_nobody_of_the_unit_can_receive_it(bot):
    """第12条 (announce a closure to the public) went only to the unit's staff: with everyone refused by WeCom it
    reached nobody. The county bureau admins get it instead, saying why."""
    from tests.approvals_helpers import latest_request_id, seed_accounts
    seed_accounts(bot)
    bot.send("ga_zhou", "注销 抚松公安")
    bot.send("ga_zhou", "无力维护")
    bot.send("ga_zhou", "确认")
    number = latest_request_id(bot)
    approve_all(bot, number, ("ga_wu", "zsj_review"))
    refused_by_wecom(bot, "抚松县公安局")
    approve_all(bot, number, ("city_zhao",))
    assert (f"提醒：抚松县公安局第{number}号注销申请（抚松公安）已审批通过，按《办法》第12条须及时向社会发布注销公告。"
            "抚松县公安局的吴局长、周强在企业微信中已无效（可能已离职），收不到这条提醒。"
            "请通知该单位发布公告，并在通讯录中补充该单位的人员（第21条）。") in bot.texts("zsj_admin")


def test_a_unit_under_no_county_bureau_has_its_filing_followed_by_the_city_bureau_admins(bot):
    """A host unit placed at the top of the tree (no bureau above it): the final approval crashed looking for its
    supervising bureau. The unit files as usual; the city bureau's admins get the form, the deadline notice and,
    with nobody of the unit left, the reminders."""
    from sqlalchemy import update

    from handlers import approvals_after as after
    from models.approval import ApprovalRequest
    from models.org import Person, Unit, find_person
    clock.set_now(datetime(2026, 11, 9, 10, 0))  # a Monday
    number = submit_open(bot)
    approve_all(bot, number, people=("jy_wang", "zsj_review"))
    with bot.db() as s:
        find_person(s, "city_zhao").set_roles({"city_reviewer", "bureau_admin"})
        unit = s.scalar(select(Unit).where(Unit.name == "抚松县教育局"))
        unit.parent_id = None
        s.flush()
        s.expire(unit)
        after.apply(s, s.get(ApprovalRequest, number), find_person(s, "city_zhao"))
    assert any("已审批通过。按《办法》第11条" in t for t in bot.texts("jy_zhang"))
    assert "[file]" in bot.texts("city_zhao") and "[file]" not in bot.texts("zsj_admin")
    with bot.db() as s:
        s.execute(update(Person).where(Person.unit_id == unit.id).values(active=False))
    clock.set_now(datetime(2026, 11, 12, 9, 0))
    assert jobs.registry_countdown("2026-11-12") == 1
    [reminder] = [t for t in bot.texts("city_zhao") if t.startswith("报送提醒：")]
    assert "抚松县教育局在通讯录中没有在职的工作人员或单位负责人，收不到这条提醒" in reminder and "今天是最后一天" in reminder
    assert not any(t.startswith("报送提醒：") for t in bot.texts("zsj_admin"))


OPEN_DOUYIN = ["开设", "抖音", "抚松教育", "短视频发布教育政策", "https://www.douyin.com/user/fsjy", "fsjy_2024", "2",
               "13912345678", "无", "短视频宣传教育政策", "是"]


def test_an_approver_with_several_waiting_gets_one_reminder_a_morning_listing_them(bot):
    """Two requests wait for 王局长: he got two reminders every morning (a city approver with twenty got twenty).
    Now one message a morning lists each waiting request — number, title, unit, step, working days, 督办 — and says
    how to act on them (the cards, 「同意 3、5」 then 确认). The escalation rules stay per request."""
    clock.set_now(datetime(2026, 12, 7, 10, 0))  # a Monday
    first = submit_open(bot)
    clock.set_now(datetime(2026, 12, 8, 8, 0))
    second = submit_open(bot, "jy_li", OPEN_DOUYIN)
    clock.set_now(datetime(2026, 12, 8, 9, 30))
    assert jobs.approval_reminders("2026-12-08") == 1  # the second is not a working day old yet
    [only] = reminders(bot, "jy_wang")
    assert f"第{first}号申请" in only and f"另有1件等待您审批（第{second}号）" in only, only
    for n, day in enumerate(("2026-12-09", "2026-12-10"), 2):
        clock.set_now(datetime.fromisoformat(day + "T09:30"))
        assert jobs.approval_reminders(day) == 2
        assert jobs.approval_reminders(day) == 0  # a re-run sends nothing twice
        assert len(reminders(bot, "jy_wang")) == n  # one message a morning, not one per request
        text = reminders(bot, "jy_wang")[-1]
        assert text.startswith("提醒：有2件申请在「开设单位意见」环节等待您审批，请尽快处理：\n"), text
        assert f"\n1. 第{first}号 开设「抚松教育」（微博），抚松县教育局，已等待" in text, text
        assert f"\n2. 第{second}号 开设「抚松教育」（抖音），抚松县教育局，已等待" in text
        assert f"「同意 {first}、{second}」" in text and "确认" in text and "审批卡片" in text, text
    assert "已等待3个工作日，已督办\n2. " in text and "\n督办情况：已通知县政数局（马管理）督办。\n" in text, text
    assert count(bot.texts("zsj_admin"), "督办：") == 1  # the first request's 督办, once
    clock.set_now(datetime(2026, 12, 11, 9, 30))
    assert jobs.approval_reminders("2026-12-11") == 1  # the second escalates; the first is not due
    assert len(reminders(bot, "jy_wang")) == 4
    text = reminders(bot, "jy_wang")[-1]
    assert f"第{second}号申请" in text and f"另有1件等待您审批（第{first}号）" in text, text
    assert not text.startswith("提醒：有2件"), text


def reminders(bot, userid: str) -> list[str]:
    return [t for t in bot.texts(userid) if t.startswith("提醒：")]


def only_admin_reviews(bot) -> None:
    """杨审核 keeps no role: 马管理, the county's only admin, is the 主管单位意见 step's only approver."""
    from models.org import find_person
    with bot.db() as s:
        find_person(s, "zsj_review").set_roles(set())


def wait_at_the_bureau_step(bot) -> int:
    clock.set_now(datetime(2026, 12, 7, 10, 0))  # a Monday
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    for day in ("2026-12-08", "2026-12-09", "2026-12-10"):
        clock.set_now(datetime.fromisoformat(day + "T09:30"))
        assert jobs.approval_reminders(day) == 1
    return number


def test_the_county_s_only_admin_waiting_as_the_only_approver_is_chased_by_the_city_bureau(bot):
    """马管理 is the county's only admin and the step's only approver: the 督办 went to him alone — nobody else heard,
    and his third reminder did not even say the step was escalated. The county bureau cannot chase itself; the city
    bureau (全市政务新媒体工作主管单位, 附件2) is told instead, as when the county has no admin at all, and the
    reminder and the county's digest say so."""
    from jobs import digest
    only_admin_reviews(bot)
    number = wait_at_the_bureau_step(bot)
    own = reminders(bot, "zsj_admin")[-1]
    assert "县政数局没有其他管理员，已通知市政数局（钱管理）督办，请尽快审批（此后每3个工作日提醒一次）" in own, own
    chase = [t for t in bot.texts("city_qian") if t.startswith("督办：")]
    assert len(chase) == 1 and f"第{number}号申请" in chase[0] and "审批人：马管理。" in chase[0], chase
    assert "县政数局的管理员只有马管理，他本人就是这一环节的审批人，改为通知市政数局管理员" in chase[0], chase
    assert not any(t.startswith("督办：") for t in bot.texts("zsj_admin") + bot.texts("city_zhao"))
    clock.set_now(datetime(2026, 12, 11, 9, 30))
    digest.bureau_digest("2026-12-11")
    latest = [t for t in bot.texts("zsj_admin") if t.startswith("【每日摘要】")][-1]
    assert "已等待4个工作日，已督办（审批人是县政数局唯一的管理员，已通知市政数局钱管理）" in latest, latest


def test_the_county_s_only_admin_as_the_only_approver_hears_nobody_chases_when_the_city_has_no_admin(bot):
    from jobs import digest
    only_admin_reviews(bot)
    without_city_admin(bot)
    wait_at_the_bureau_step(bot)
    own = reminders(bot, "zsj_admin")[-1]
    assert "县政数局没有其他管理员，市政数局在通讯录中没有管理员，无人督办，请尽快审批" in own, own
    assert not any(t.startswith("督办：") for t in bot.texts("city_qian") + bot.texts("zsj_admin"))
    clock.set_now(datetime(2026, 12, 11, 9, 30))
    digest.bureau_digest("2026-12-11")
    latest = [t for t in bot.texts("zsj_admin") if t.startswith("【每日摘要】")][-1]
    assert "已等待4个工作日，无人督办（审批人是县政数局唯一的管理员，市政数局在通讯录中没有管理员）" in latest, latest


def test_the_bureau_admin_gets_one_escalation_a_morning_for_the_requests_escalated_that_day(bot):
    """Two requests of 教育局 escalated on the same morning: 马管理 got one 「督办」 message per request, on top of
    his own reminder and the digest. Now one 督办 message lists them; each request is still escalated once."""
    from models.org import BUREAU_ADMIN, Person
    with bot.db() as s:
        s.scalar(select(Person).where(Person.userid == "zsj_admin")).set_roles({BUREAU_ADMIN})
    clock.set_now(datetime(2026, 12, 7, 10, 0))  # a Monday
    first = submit_open(bot)
    second = submit_open(bot, "jy_li", OPEN_DOUYIN)
    for day in ("2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11"):
        clock.set_now(datetime.fromisoformat(day + "T09:30"))
        jobs.approval_reminders(day)
        jobs.approval_reminders(day)
    chase = [t for t in bot.texts("zsj_admin") if t.startswith("督办：")]
    assert len(chase) == 1, chase
    assert chase[0].startswith("督办：有2件申请多次提醒审批人仍未处理：\n"), chase[0]
    assert (f"\n1. 第{first}号申请（开设「抚松教育」（微博），抚松县教育局）在「开设单位意见」环节已等待3个工作日，"
            "已提醒3次仍未处理。审批人：王局长。") in chase[0], chase[0]
    assert f"\n2. 第{second}号申请（开设「抚松教育」（抖音），抚松县教育局）" in chase[0], chase[0]
    assert "此后审批人每3个工作日收到一次提醒（不再每天提醒）" in chase[0] and f"「查看 {first}」" in chase[0]
    assert audit_actions(bot, first).count("approval.escalate") == audit_actions(bot, second).count(
        "approval.escalate") == 1


def test_a_city_approver_with_eleven_waiting_reads_one_message_that_says_the_escalation_once(bot):
    """Eleven requests of ten units reach the city step on the same day. The morning list repeated the step and, once
    they were escalated, who was told — the same long phrase on every line — and ran over WeCom's 2048 bytes: it came
    in two parts (「（1/2）」). The shared step is said in the heading, the escalation once after the list, and past
    ten requests the rest are named by number (the oldest are listed first)."""
    from sim.demo import HOST_UNITS
    from tests.approvals_helpers import OPEN_WEIBO
    clock.set_now(datetime(2026, 12, 7, 10, 0))  # a Monday
    numbers = []
    for unit, _code, people in HOST_UNITS:
        staff = next(u for u, _name, roles in people if "staff" in roles)
        head = next(u for u, _name, roles in people if "unit_head" in roles)
        numbers.append(submit_open(bot, staff, [*OPEN_WEIBO[:2], f"抚松{unit[3:6]}", *OPEN_WEIBO[3:]]))
        approve_all(bot, numbers[-1], people=(head, "zsj_review"))
    numbers.append(submit_open(bot, "jy_li", OPEN_DOUYIN))
    approve_all(bot, numbers[-1], people=("jy_wang", "zsj_review"))
    for day in ("2026-12-08", "2026-12-09", "2026-12-10"):
        clock.set_now(datetime.fromisoformat(day + "T09:30"))
        assert jobs.approval_reminders(day) == 11
    texts = reminders(bot, "city_zhao")
    assert len(texts) == 3 and not any("（1/2）" in t for t in texts), texts
    assert texts[2].startswith("提醒：有11件申请在「市级审批意见」环节等待您审批，请尽快处理：\n"), texts[2]
    assert f"\n10. 第{numbers[9]}号 " in texts[2] and "\n11. " not in texts[2], texts[2]
    assert f"\n还有1件（第{numbers[10]}号）也请尽快审批。\n" in texts[2], texts[2]
    assert texts[2].count("已通知市政数局（钱管理）督办") == 1, texts[2]
    assert "\n督办情况：已通知市政数局（钱管理）督办，县政数局（马管理）也已获知。\n" in texts[2], texts[2]
    assert "（都同意回复「全部同意」）" in texts[2], texts[2]


def test_the_bureau_admin_gets_one_message_for_the_requests_without_an_approver_found_that_morning(bot):
    """教育局 has no unit head and two requests wait: the county admin got one 「督办」 per request on the same morning.
    Now one message lists them, each with why nobody can be reminded; each step is still escalated once."""
    from models.org import find_person
    with bot.db() as s:
        find_person(s, "jy_wang").set_roles({"staff"})
    clock.set_now(datetime(2026, 12, 7, 10, 0))  # a Monday
    first = submit_open(bot)
    second = submit_open(bot, "jy_li", OPEN_DOUYIN)
    for day in ("2026-12-08", "2026-12-09"):
        clock.set_now(datetime.fromisoformat(day + "T09:30"))
        jobs.approval_reminders(day)
        jobs.approval_reminders(day)
    chase = [t for t in bot.texts("zsj_admin") if t.startswith("督办：")]
    assert len(chase) == 1, chase
    assert chase[0].startswith("督办：有2件申请没有可以提醒的审批人：\n"), chase[0]
    why = "没有可以提醒的审批人：通讯录中没有在职的抚松县教育局的「单位负责人」"
    assert f"\n1. 第{first}号申请（开设「抚松教育」（微博），抚松县教育局）在「开设单位意见」环节已等待1个工作日，{why}" \
        in chase[0], chase[0]
    assert f"\n2. 第{second}号申请（开设「抚松教育」（抖音），抚松县教育局）" in chase[0], chase[0]
    assert chase[0].count("助手会自动把审批卡片发给新的审批人") == 1, chase[0]


def test_several_filings_of_a_unit_are_one_reminder_a_day(bot):
    """A unit with an opening and a change approved got two 第11条 reminders every morning, one per request, and the
    bureau admin two 报送到期 notices on the deadline: now each person gets one message listing them."""
    from tests.approvals_helpers import latest_request_id, seed_accounts
    clock.set_now(datetime(2026, 11, 9, 10, 0))  # a Monday: both due Thu 11-12
    seed_accounts(bot)
    opening = submit_open(bot)
    approve_all(bot, opening)
    bot.say("jy_zhang", "变更 抚松教育 抖音 负责人", "王局长", "不变", "整改", "确认")
    change = latest_request_id(bot)
    approve_all(bot, change)
    clock.set_now(datetime(2026, 11, 10, 9, 0))
    assert jobs.registry_countdown("2026-11-10") == 2
    assert jobs.registry_countdown("2026-11-10") == 0  # a re-run sends nothing twice
    [reminder] = [t for t in bot.texts("jy_li") if t.startswith("提醒：")]
    assert reminder == (
        "提醒：2件审批通过的申请须在全国政务新媒体信息报送系统中办理（第11条）：\n"
        f"· 第{opening}号开设申请（抚松教育，微博）：截止11月12日（周四），还剩2个工作日（不含今天）\n"
        f"· 第{change}号变更申请（抚松教育，抖音）：截止11月12日（周四），还剩2个工作日（不含今天）\n"
        f"完成后请回复「已报送 编号」，几件一起报送的可以回复「已报送 {opening}、{change}」。"), reminder
    clock.set_now(datetime(2026, 11, 12, 9, 0))
    jobs.registry_countdown("2026-11-12")
    [due] = [t for t in bot.texts("zsj_admin") if t.startswith("报送到期")]
    assert due.startswith("报送到期：2件申请的全国政务新媒体信息报送系统报送已到截止日") and \
        f"· 抚松县教育局第{change}号变更申请（抚松教育，抖音）：截止11月12日（周四），今天是最后一天" in due, due
    bot.send("jy_li", f"已报送 {opening}")
    clock.set_now(datetime(2026, 11, 13, 9, 0))
    jobs.registry_countdown("2026-11-13")
    last = [t for t in bot.texts("jy_li") if t.startswith("提醒：")][-1]
    assert last.startswith(f"提醒：第{change}号变更申请（抚松教育）已审批通过") and "已逾期1个工作日" in last, last
    with bot.db() as s:
        assert [f.reminders_sent for f in s.scalars(select(RegistryFiling).order_by(RegistryFiling.id))] == [2, 3]


def test_the_digest_reads_the_escalations_of_all_its_requests_at_once(bot):
    """The digest marked each escalated request (「，已督办」) with three queries of its own (the step's holders, the
    county's admins, the city's): a county with many escalated requests cost three statements per request every
    morning. Now the same statements for one request as for six, and each still marked."""
    from bench.scale_common import counting
    from bot import db
    from jobs import digest_approvals
    from models.approval import AT_UNIT, STEP_UNIT, ApprovalRequest
    from models.org import Unit
    from sim.demo import HOST_UNITS
    from tests.oversight_helpers import person_id, unit_id
    filed = datetime(2026, 12, 1, 10, 0, tzinfo=clock.now().tzinfo)
    with bot.db() as s:
        for name, _code, people in HOST_UNITS[:6]:
            s.add(ApprovalRequest(kind="开设", unit_id=unit_id(s, name), applicant_id=person_id(s, people[0][0]),
                                  status=AT_UNIT, step=STEP_UNIT, escalated=True, submitted_at=filed, created_at=filed,
                                  step_started_at=filed))
    clock.set_now(datetime(2026, 12, 10, 9, 30))

    def statements(requests: int) -> tuple[int, list[str]]:
        with db.transaction() as session:
            units = session.scalars(select(Unit)).all()  # the tree, as the digest holds it: parent walks need no SQL
            ids = [unit_id(session, name) for name, *_ in HOST_UNITS[:requests]]
            with counting() as counter:
                section = digest_approvals.pending_approvals(session, ids, date(2026, 12, 10), None)
            assert units
            return counter.count, section.lines

    statements(6)  # the calendar overrides are read once and cached (workdays.prime)
    one, lines = statements(1)
    six, more = statements(6)
    assert len(lines) == 1 and len(more) == 6 and all(line.endswith("，已督办") for line in more), more
    assert one == six, (one, six)


def test_filing_late_points_to_the_bulletins_item_for_it(bot):
    """The bulletin's item 「…审批后未在3个工作日内报送…」 stays open after 已报送 (the unit answers it, the bureau
    checks): the clerk recording the filing was not told, and the item went overdue."""
    number = submit_open(bot)
    approve_all(bot, number)
    bot.say("zsj_admin", "整改通知 教育局 1个账号审批后未在3个工作日内报送全国政务新媒体信息报送系统（第11条），须立即报送",
            "确认")
    clock.set_now(datetime(2026, 12, 3, 10, 0))
    said = bot.send("jy_zhang", f"已报送 {number}")
    assert said.startswith(f"已记录：第{number}号申请已在全国政务新媒体信息报送系统报送。\n本单位的整改事项 1（审批后未按时报送全国系统）"
                           "不会因此自动办结：报送完成后请回复「已整改 1 已于12月3日在全国系统补报」"), said
