"""周报 and 台账 tell one story: an account's 「最近更新」 in the ledger is the newest post date its unit's weekly
reports give, so a unit's 周报情况 never shows no reports (or 「本周无更新」, 「最近不详」) beside a ledger that says
the account was updated the other day."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sim.demo import DEMO_ACCOUNTS
from tests.weekly_support import EDU, at, file_report, seed

DEMO_UNITS = list(dict.fromkeys(unit for unit, *_rest in DEMO_ACCOUNTS))


def ledger_dates(bot, unit: str) -> dict[str, str]:
    """「台账 单位」: {account label: 最近更新 as shown}."""
    reply = bot.send("zsj_admin", f"台账 {unit}")
    found = re.findall(r"\d+\. (\S+?)｜(\S+?)｜.*\n   负责人：\S+　最近更新：(\S+)", reply)
    assert found, reply
    return {f"{name}（{platform}）": latest for name, platform, latest in found}


def reported_dates(bot, unit: str) -> dict[str, str]:
    """「周报情况 单位」: {account label: 最近 of the unit's latest report}."""
    reply = bot.send("zsj_admin", f"周报情况 {unit}")
    assert "最近一份（" in reply, reply  # the unit has reports through the bot
    return dict(re.findall(r"· (\S+?（\S+?）)：.*?，最近(\S+?)，", reply))


def test_the_demo_ledger_dates_are_those_of_the_demo_reports(bot):
    """The demo gave its accounts 「最近更新」 dates (1, 3, 2 … days ago) while no unit had ever filed a report:
    「周报情况 教育局」 said 未报 / 无记录 for every week, 「台账 教育局」 最近更新 yesterday, and 统计 said no unit had
    reported yet while counting idle accounts 「按周报填报的最近更新日期」."""
    at(2026, 11, 25, 10, 0)  # a Wednesday: this week's report is not due yet
    result = bot.app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    for unit in DEMO_UNITS:
        ledger, reported = ledger_dates(bot, unit), reported_dates(bot, unit)
        assert set(ledger) == set(reported), (unit, ledger, reported)
        for label, day in ledger.items():
            assert day != "暂无" and reported[label] == day[5:], (unit, label, day, reported[label])
    history = bot.send("zsj_admin", "周报情况 教育局").splitlines()
    assert history[1].startswith("· 11月23日—11月29日：未报（11月27日（周五）17:00截止）")  # left for the demo
    assert history[2].startswith("· 11月16日—11月22日：已报（按时）"), history
    stats = bot.send("zsj_admin", "统计")
    assert "还没有单位通过助手报送过周报" not in stats and "【周报】期间到期" in stats, stats
    # the ladder as before: one account at the 7-day nudge, one at the 10-day warning, one at 14 days
    rollup = bot.send("zsj_admin", "周报情况")
    assert "- 14天及以上（1）：抚松发布（视频号）" in rollup and "- 10—13天（1）：抚松公安（微博）" in rollup, rollup
    assert "- 7—9天（1）：抚松文旅（微信公众号）" in rollup, rollup
    # the clerk files this week: 「都没更新」 keeps the dates the reports gave, and the ledger keeps them too
    before = ledger_dates(bot, EDU)
    bot.say("jy_zhang", "周报", "都没更新", "确认")
    assert ledger_dates(bot, EDU) == before
    assert {label: day[5:] for label, day in before.items()} == reported_dates(bot, EDU)


def test_the_demo_reports_are_reports_a_clerk_could_have_filed(bot):
    """Each demo entry passes the rules of a filing, on the day it was filed: no post after the report was sent."""
    from sqlalchemy import select
    from bot import clock
    from handlers.weekly_parse import check_entry
    from models.weekly import WeeklyReport, entry_dict
    at(2026, 11, 28, 10, 0)  # a Saturday: this week's reports are in, but for the demo clerk's unit (教育局)
    assert bot.app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    with bot.db() as s:
        reports = list(s.scalars(select(WeeklyReport)))
        assert len(reports) == 5 * len(DEMO_UNITS) - 1
        for report in reports:
            filed = clock.localize(report.submitted_at)
            assert not report.late and filed.date() == report.week + timedelta(days=4), (report.week, filed)
            for entry in report.entries:
                check_entry(entry_dict(entry), week=report.week, today=filed.date(), opened_on=entry.account.opened_on)
    # 教育局's last report was last week's, filed on Friday 11-20: nothing later is known of its accounts
    assert ledger_dates(bot, EDU) == {"抚松教育（微信公众号）": "2026-11-20", "抚松教育（抖音）": "2026-11-20"}
    assert ledger_dates(bot, "抚松县卫生健康局") == {"健康抚松（微信公众号）": "2026-11-26"}
    rollup = bot.send("zsj_admin", "周报情况")
    assert "应报单位 5 个，已报 4 个（按时 4，迟报 0），未报 1 个\n未报：抚松县教育局\n" in rollup, rollup


def test_the_demo_seeded_twice_adds_no_reports(bot):
    from sqlalchemy import func, select
    from models.weekly import WeeklyReport
    at(2026, 11, 25, 10, 0)
    runner = bot.app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    with bot.db() as s:
        first = s.scalar(select(func.count()).select_from(WeeklyReport))
    at(2026, 12, 9, 10, 0)  # restarted two weeks later: what the demo user did (or did not) file stands
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    with bot.db() as s:
        assert s.scalar(select(func.count()).select_from(WeeklyReport)) == first > 0


def test_a_corrected_report_takes_its_date_out_of_the_ledger(bot):
    """A report amended so that no report gives the account a post date any more: the ledger said the old date."""
    seed(bot)
    week = date(2026, 11, 23)
    at(2026, 11, 25, 10, 0)
    file_report(bot, EDU, "jy_zhang", week, {"抚松教育（微信公众号）": (5, 3, date(2026, 11, 24), 4, 4)})
    assert ledger_dates(bot, EDU)["抚松教育（微信公众号）"] == "2026-11-24"
    at(2026, 11, 25, 11, 0)  # nothing was posted this week after all, and the clerk does not know when last
    file_report(bot, EDU, "jy_zhang", week, {"抚松教育（微信公众号）": (0, 0, None, 0, 0)})
    assert reported_dates(bot, EDU)["抚松教育（微信公众号）"] == "不详"
    assert ledger_dates(bot, EDU)["抚松教育（微信公众号）"] == "暂无"
    assert "- 尚无发布记录：抚松教育（微信公众号）" in bot.send("zsj_admin", "周报情况")
