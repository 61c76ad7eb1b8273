"""Working days on the official calendar, bureau-entered years, and the yearly coverage warning."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from bot import clock, workdays
from jobs.calendar_check import calendar_check
from jobs.schedule import load_jobs
from models.audit import AuditLog
from models.calendar import CalendarDay


def run_cli(app, *args):
    result = app.test_cli_runner().invoke(args=["calendar", *args])
    return result


def test_national_day_2026_with_make_up_saturday(cfg):
    # 2026-10-01..07 off; 10-08 and 10-09 back at work; Saturday 10-10 is a 调休 working day
    assert workdays.add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert workdays.is_workday(date(2026, 10, 10)) and date(2026, 10, 10).weekday() == 5
    assert not workdays.is_workday(date(2026, 10, 5))
    assert workdays.workdays_between(date(2026, 9, 30), date(2026, 10, 10)) == 3


def test_entered_day_overrides_the_package(app):
    result = run_cli(app, "set", "2026-10-10", "休息", "测试改为休息")
    assert result.exit_code == 0, result.output
    assert "已登记：2026-10-10（周六）休息" in result.output and "覆盖内置日历" in result.output
    assert workdays.add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 12)
    result = run_cli(app, "unset", "2026-10-10")
    assert result.exit_code == 0, result.output
    assert workdays.add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_uncovered_year_uses_weekdays_until_entered(app, session):
    assert not workdays.covered(2027)
    assert workdays.is_workday(date(2027, 10, 1))  # a Friday: plain weekday rule
    assert "尚未覆盖" in run_cli(app, "show", "2027").output
    assert run_cli(app, "set", "2027-10-01", "休息", "国庆节").exit_code == 0
    assert run_cli(app, "set", "2027-10-09", "上班", "国庆调休").exit_code == 0
    assert workdays.covered(2027)
    assert not workdays.is_workday(date(2027, 10, 1))
    assert workdays.is_workday(date(2027, 10, 9))  # a Saturday made a working day
    shown = run_cli(app, "show", "2027").output
    assert "2027-10-01 周五 休息 国庆节" in shown and "2027-10-09 周六 上班 国庆调休" in shown
    actions = session.scalars(select(AuditLog.action).where(AuditLog.entity == "calendar_day")).all()
    assert actions == ["calendar.set", "calendar.set"]


def test_bad_input_gets_a_specific_hint(app, session):
    result = run_cli(app, "set", "2027-13-01", "上班")
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output
    result = run_cli(app, "set", "2027-10-01", "加班")
    assert result.exit_code != 0 and "「上班」或「休息」" in result.output
    assert session.scalar(select(CalendarDay)) is None


def test_warning_for_the_coming_year_goes_once(bot, app):
    assert "calendar_check_0900" in load_jobs()
    clock.set_now(datetime(2026, 12, 3, 9, 30))
    assert calendar_check("2026-11-30") == []  # November: 2027 is not checked yet
    assert calendar_check("2026-12-01") == [2027]
    assert calendar_check("2026-12-02") == [2027]  # still missing, but the admins heard once
    texts = bot.texts("zsj_admin")
    assert len(texts) == 1 and "2027 年的法定节假日" in texts[0] and "calendar set 2027-" in texts[0]
    assert len(bot.texts("jy_admin")) == 1  # every county's admins
    assert bot.texts("zsj_review") == [] and bot.texts("jy_zhang") == []
    run_cli(app, "set", "2027-01-01", "休息", "元旦")
    assert calendar_check("2026-12-03") == []


def test_schedule_runs_in_december_on_working_days_only(cfg):
    job = load_jobs()["calendar_check_0900"]

    def at(*args):
        return datetime(*args, tzinfo=cfg.tz)
    assert job.slot.periods(at(2026, 12, 1, 9, 1)) == [("2026-12-01", at(2026, 12, 1, 9, 0))]
    assert job.slot.periods(at(2026, 12, 1, 8, 59)) == []  # before 09:00, and November is not due
    assert job.slot.periods(at(2026, 12, 5, 10, 0))[0][0] == "2026-12-04"  # Saturday: Friday's run
    assert job.slot.periods(at(2026, 11, 20, 10, 0)) == []  # November: 2026 and 2027 are not due


def test_show_names_the_source_of_a_covered_year(app):
    shown = run_cli(app, "show", "2026").output
    assert "2026 年：已内置官方节假日安排" in shown and "尚未覆盖" not in shown
