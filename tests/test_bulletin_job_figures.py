"""The bulletin's figures from the database against the hand-computed ones of a seeded November."""
from __future__ import annotations

from datetime import date

from sqlalchemy import event, select

from bot import db, workdays
from bot.bulletin.compute import Month, compute
from jobs.dormancy import run_ladder
from models.account import NORMAL, Account
from models.org import COUNTY_BUREAU, HOST_UNIT, Unit
from sim.demo import COUNTY
from tests.bulletin_job_seed import CULTURE, EDU, EXPECTED, HEALTH, MEDIA, POLICE, at, seed_month


def bureau_id(s) -> int:
    return s.scalar(select(Unit.id).where(Unit.name == COUNTY))


def test_weeks_of_a_month_follow_their_thursday(cfg):
    assert Month(2026, 11).mondays() == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
    assert Month(2026, 10).mondays()[0] == date(2026, 9, 28)  # Thursday 10-01
    assert Month(2026, 12).mondays()[0] == date(2026, 11, 30)  # Thursday 12-03
    assert Month(2026, 12).last == date(2026, 12, 31)


def test_seeded_month_matches_hand_computed_figures(bot):
    seed_month(bot)
    at(2026, 11, 30, 9, 0)
    with bot.db() as s:
        run_ladder(s, date(2026, 11, 30))  # the ladder's own record agrees with the dates
    at(2026, 12, 1, 9, 0)
    with bot.db() as s:
        b = compute(s, bureau_id(s), 2026, 11)
    assert b.inconsistencies() == []
    assert [f.unit_name for f in b.units] == [EDU, HEALTH, CULTURE, POLICE, MEDIA]  # units without accounts left out
    for fig in b.units:
        expected = EXPECTED[fig.unit_name]
        got = {key: getattr(fig, key) for key in expected}
        assert got == expected, fig.unit_name
    assert (b.county, b.issuer, b.period) == ("抚松县", COUNTY, "2026年11月")
    assert b.rectify_by == date(2026, 12, 8)  # 5 working days after 12-01
    edu = b.unit(next(f.unit_id for f in b.units if f.unit_name == EDU))
    assert any("留言回复率83.3%" in p for p in edu.problems)
    assert [d.kind for d in edu.deductions] == ["missing_report", "registry_overdue", "low_reply"]


def test_rows_of_the_month(bot):
    seed_month(bot)
    at(2026, 12, 1, 9, 0)
    with bot.db() as s:
        b = compute(s, bureau_id(s), 2026, 11)
    states = {(r.unit_name, r.week.isoformat()): r.state for r in b.reports}
    assert len(b.reports) == 20
    assert states[(HEALTH, "2026-11-16")] == "迟报" and states[(HEALTH, "2026-11-23")] == "缺报"
    assert states[(EDU, "2026-11-23")] == "缺报" and states[(CULTURE, "2026-11-23")] == "按时"
    accounts = {(a.unit_name, a.platform): a for a in b.accounts}
    police = accounts[(POLICE, "微博")]
    assert (police.last_update, police.days_idle, police.rung) == (date(2026, 8, 1), 121, 90)
    video = accounts[(MEDIA, "视频号")]
    assert (video.last_update, video.days_idle, video.rung) == (date(2026, 10, 20), 41, 14)
    assert accounts[(EDU, "微信公众号")].rung == 7 and accounts[(CULTURE, "抖音")].rung is None
    (opened, pending) = b.approvals
    assert (opened.unit_name, opened.kind, opened.account_name, opened.decision, opened.hours) == \
        (EDU, "开设", "抚松教育", "同意", 29.0)
    assert (pending.unit_name, pending.decided_at, pending.decision) == (HEALTH, None, "")
    assert b.totals.approval_median_hours == 29.0


def test_a_month_later_the_figures_are_as_they_stood(bot):
    """Computed again in December, November's figures do not take in December's updates."""
    seed_month(bot)
    at(2026, 12, 4, 16)
    from tests.weekly_support import file_report
    file_report(bot, POLICE, "ga_zhou", date(2026, 11, 30), {"抚松公安（微博）": (3, 1, date(2026, 12, 3), 0, 0)})
    with bot.db() as s:
        b = compute(s, bureau_id(s), 2026, 11)
        december = compute(s, bureau_id(s), 2026, 12)
    police = next(f for f in b.units if f.unit_name == POLICE)
    assert police.dormancy == {90: 1} and police.posts == 0
    assert next(f for f in december.units if f.unit_name == POLICE).posts == 3


def test_statement_count_does_not_grow_with_units(bot):
    def count_for(n_units: int) -> int:
        with bot.db() as s:
            county = s.get(Unit, bureau_id(s))
            for k in range(n_units):
                unit = Unit(name=f"抚松县测试单位{county.id}-{k}-{n_units}", kind=HOST_UNIT, parent=county)
                s.add(unit)
                s.flush()
                s.add(Account(name=f"测试{k}", platform="微信公众号", unit_id=unit.id, status=NORMAL,
                              opened_on=date(2020, 1, 1)))
        workdays.forget_cache()  # both runs load the calendar overrides
        statements = []
        engine = db.get_engine()
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            with bot.db() as s:
                b = compute(s, bureau_id(s), 2026, 11)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert b.inconsistencies() == []
        return len(statements), len(b.units)

    at(2026, 12, 1, 9, 0)
    few, units_few = count_for(3)
    many, units_many = count_for(30)
    assert units_many == units_few + 30
    assert many == few, (few, many)


def test_neighbouring_county_is_not_in_the_bulletin(bot):
    seed_month(bot)
    with bot.db() as s:
        neighbour = s.scalar(select(Unit).where(Unit.kind == COUNTY_BUREAU, Unit.name != COUNTY))
        other = s.scalar(select(Unit).where(Unit.parent_id == neighbour.id))
        s.add(Account(name="靖宇教育", platform="微信公众号", unit_id=other.id, status=NORMAL, opened_on=date(2020, 1, 1)))
    at(2026, 12, 1, 9, 0)
    with bot.db() as s:
        ours = compute(s, bureau_id(s), 2026, 11)
        theirs = compute(s, neighbour.id, 2026, 11)
    assert "靖宇县教育局" not in [f.unit_name for f in ours.units]
    assert [f.unit_name for f in theirs.units] == ["靖宇县教育局"] and theirs.county == "靖宇县"


def test_an_item_due_on_the_months_last_day_and_still_open_is_overdue_as_in_the_digest(bot):
    """Due Mon 11-30 and not answered that day: the 12-01 digest lists it as overdue, and November's bulletin
    (as at the month's end) counts it too — also when the unit answers on 12-01, before the bulletin is made."""
    from jobs import digest
    from models.rectification import create_item
    seed_month(bot)
    at(2026, 11, 23, 10, 0)
    with bot.db() as s:
        police = s.scalar(select(Unit).where(Unit.name == POLICE))
        number = create_item(s, unit=police, problem="公安的问题", by="zsj_admin", deadline=date(2026, 11, 30)).id
    at(2026, 12, 1, 8, 30)
    bot.say("ga_zhou", f"已整改 {number} 已恢复更新并安排专人每周发布", "确认")
    at(2026, 12, 1, 9, 0)
    with bot.db() as s:
        fig = {f.unit_name: f for f in compute(s, bureau_id(s), 2026, 11).units}[POLICE]
    assert (fig.rectifications_open, fig.rectifications_overdue) == (1, 1)
    at(2026, 11, 30, 18, 0)  # had nobody answered: the digest of 12-01 says the same
    with bot.db() as s:
        from models.rectification import Rectification
        item = s.get(Rectification, number)
        item.status = "待整改"
    with bot.db() as s:
        from models.org import Person
        admin = s.scalar(select(Person).where(Person.userid == "zsj_admin"))
        assert "公安的问题" in digest.compose(s, admin, date(2026, 12, 1)).split("逾期未整改")[1].split("待您审核")[0]


def test_weeks_before_the_first_report_through_the_bot_are_not_missing(bot):
    """The county began reporting through the bot in the month's third week: the two weeks before were reported some
    other way. They were counted as missing for every unit (and publishing turned that into rectifications), while
    周报情况 and 统计 say 无记录（助手启用前）."""
    from models.weekly import WeeklyReport
    seed_month(bot)
    with bot.db() as s:
        for report in s.scalars(select(WeeklyReport).where(WeeklyReport.week < date(2026, 11, 16))):
            for row in [*report.versions, *report.entries, report]:
                s.delete(row)
    at(2026, 12, 1, 9, 0)
    with bot.db() as s:
        b = compute(s, bureau_id(s), 2026, 11)
    assert sorted({r.week.isoformat() for r in b.reports}) == ["2026-11-16", "2026-11-23"]
    edu = next(f for f in b.units if f.unit_name == EDU)
    assert (edu.reports_due, edu.reports_on_time, edu.reports_missing) == (2, 1, 1)
    assert b.totals.reports_due == sum(f.reports_due for f in b.units) == 2 * len(b.units)
