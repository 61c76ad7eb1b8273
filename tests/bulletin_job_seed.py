"""A seeded November 2026 for the bulletin job tests, with the figures computed by hand.

Weeks of November (a week belongs to the month of its Thursday): 11-02, 11-09, 11-16, 11-23; each is
due on its Friday at 17:00. Units with accounts: 教育局, 卫生健康局, 文旅局, 公安局, 融媒体中心.
文旅局 reports through the dialogue (the quick form); the others through models.weekly.save_report.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from bot import clock
from models.account import Account
from models.org import Person, Unit
from models.rectification import ACCEPTED, SUBMITTED, Rectification, create_item
from models.training import Training, add_attendees
from tests.approvals_helpers import OPEN_WEIBO, approve_all, submit_open
from tests.weekly_support import file_report

EDU, HEALTH, CULTURE, POLICE, MEDIA = ("抚松县教育局", "抚松县卫生健康局", "抚松县文化广播电视和旅游局",
                                       "抚松县公安局", "抚松县融媒体中心")
WEEKS = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
FRIDAYS = [date(2026, 11, 6), date(2026, 11, 13), date(2026, 11, 20), date(2026, 11, 27)]
OPEN_HEALTH_WEIBO = ["开设", "微博", "健康抚松", "发布卫生健康信息", "https://weibo.com/u/2234567890", "无", "1",
                     "13912345679", "无", "宣传健康知识，服务群众", "是"]

# The figures by hand (see the module docstring of each step below).
EXPECTED = {
    EDU: dict(accounts_by_platform={"微信公众号": 1, "抖音": 1, "微博": 1}, accounts_by_status={"正常": 3},
              reports_due=4, reports_on_time=3, reports_late=0, reports_missing=1, posts=26, originals=9,
              messages_received=18, messages_answered=15, dormancy={7: 1, 10: 2}, approvals_filed=1,
              approvals_decided=1, approval_median_hours=29.0, registry_overdue=1, rectifications_open=0,
              rectifications_overdue=0, untrained=False, score=92, rank=3),
    HEALTH: dict(accounts_by_platform={"微信公众号": 1}, accounts_by_status={"正常": 1}, reports_due=4,
                 reports_on_time=2, reports_late=1, reports_missing=1, posts=12, originals=12, messages_received=0,
                 messages_answered=0, dormancy={10: 1}, approvals_filed=1, approvals_decided=0,
                 approval_median_hours=None, registry_overdue=0, rectifications_open=1, rectifications_overdue=1,
                 untrained=True, score=90, rank=4),
    CULTURE: dict(accounts_by_platform={"微信公众号": 1, "抖音": 1}, accounts_by_status={"正常": 2}, reports_due=4,
                  reports_on_time=4, reports_late=0, reports_missing=0, posts=12, originals=4, messages_received=4,
                  messages_answered=4, dormancy={}, approvals_filed=0, approvals_decided=0,
                  approval_median_hours=None, registry_overdue=0, rectifications_open=1, rectifications_overdue=0,
                  untrained=False, score=100, rank=1),
    POLICE: dict(accounts_by_platform={"微博": 1}, accounts_by_status={"正常": 1}, reports_due=4, reports_on_time=0,
                 reports_late=0, reports_missing=4, posts=0, originals=0, messages_received=0, messages_answered=0,
                 dormancy={90: 1}, approvals_filed=0, approvals_decided=0, approval_median_hours=None,
                 registry_overdue=0, rectifications_open=0, rectifications_overdue=0, untrained=True, score=80, rank=5),
    MEDIA: dict(accounts_by_platform={"微信公众号": 1, "视频号": 1}, accounts_by_status={"正常": 2}, reports_due=4,
                reports_on_time=4, reports_late=0, reports_missing=0, posts=28, originals=28, messages_received=40,
                messages_answered=36, dormancy={14: 1}, approvals_filed=0, approvals_decided=0,
                approval_median_hours=None, registry_overdue=0, rectifications_open=0, rectifications_overdue=0,
                untrained=False, score=98, rank=2),
}


def at(y, mo, d, h=10, mi=0, sec=0) -> None:
    clock.set_now(datetime(y, mo, d, h, mi, sec))


def _unit(s, name: str) -> Unit:
    return s.scalar(select(Unit).where(Unit.name == name))


def seed_month(bot) -> None:
    from sim import demo
    with bot.db() as s:
        demo.seed_accounts(s)
        police = s.scalar(select(Account).where(Account.name == "抚松公安"))
        police.last_update_on = date(2026, 8, 1)  # 121 days idle on 11-30: the 90-day rung
    _training(bot)
    _approvals(bot)
    _reports(bot)
    _rectifications(bot)


def _training(bot) -> None:
    """教育局, 文旅局 and 融媒体中心 trained in May; 卫健局 and 公安局 not this year (2025 does not count)."""
    at(2026, 5, 20)
    with bot.db() as s:
        for held_on, names in ((date(2026, 5, 20), ["jy_zhang", "wl_zhao", "rm_cao"]), (date(2025, 6, 1), ["wj_liu"])):
            t = Training(held_on=held_on, topic="政务新媒体业务培训", organiser="县政数局", created_at=clock.now())
            s.add(t)
            s.flush()
            add_attendees(s, t, list(s.scalars(select(Person).where(Person.userid.in_(names)))))


def _approvals(bot) -> None:
    """教育局 opens 微博 on 11-10 10:00, decided 11-11 15:00 (29 h); its registry filing (due 11-16) is never
    made. 卫健局 files an open request on 11-25, still pending at the month's end."""
    at(2026, 11, 10, 10, 0)
    number = submit_open(bot, "jy_zhang", OPEN_WEIBO)
    at(2026, 11, 10, 10, 30)
    approve_all(bot, number, people=("jy_wang",))
    at(2026, 11, 10, 11, 0)
    approve_all(bot, number, people=("zsj_review",))
    at(2026, 11, 11, 15, 0)
    approve_all(bot, number, people=("city_zhao",))
    at(2026, 11, 25, 9, 0)
    submit_open(bot, "wj_liu", OPEN_HEALTH_WEIBO)


def _file(bot, unit, userid, n, rows, day=None, hour=16):
    friday = FRIDAYS[n]
    when = day or friday
    at(when.year, when.month, when.day, hour)
    file_report(bot, unit, userid, WEEKS[n], rows)


def _reports(bot) -> None:
    for n, friday in enumerate(FRIDAYS):
        if n < 3:  # 教育局 misses the last week
            rows = {"抚松教育（微信公众号）": (5, 2, date(2026, 11, 22) if n == 2 else friday, 4, 4),
                    "抚松教育（抖音）": (3, 1, friday, 2, 1)}
            if n == 2:
                rows["抚松教育（微博）"] = (2, 0, date(2026, 11, 19), 0, 0)
            _file(bot, EDU, "jy_zhang", n, rows)
        if n < 3:  # 卫健局: week 3 late (the Monday after), week 4 missing
            late = date(2026, 11, 23) if n == 2 else None
            _file(bot, HEALTH, "wj_liu", n, {"健康抚松（微信公众号）": (4, 4, friday, 0, 0)}, day=late, hour=9 if late else 16)
        at(friday.year, friday.month, friday.day, 15)  # 文旅局 reports through the dialogue (quick form)
        day = f"{friday:%m-%d}"
        reply = bot.send("wl_zhao", f"周报 抚松文旅公众号 2 1 {day} 留言1/1；抚松文旅抖音 1 0 {day}")
        assert "回复「确认」提交" in reply, reply
        assert "已提交" in bot.send("wl_zhao", "确认")
        _file(bot, MEDIA, "rm_cao", n, {"抚松发布（微信公众号）": (7, 7, friday, 10, 9),
                                        "抚松发布（视频号）": (0, 0, date(2026, 10, 20), 0, 0)})


def _rectifications(bot) -> None:
    """卫健局: due 11-20, never answered (overdue). 文旅局: answered before its deadline (open, not overdue).
    融媒体中心: an October item accepted in October (not open)."""
    at(2026, 10, 10)
    with bot.db() as s:
        old = create_item(s, unit=_unit(s, MEDIA), problem="十月的问题", by="zsj_admin", deadline=date(2026, 10, 17))
        old.status, old.closed_at = ACCEPTED, clock.now()
    at(2026, 11, 13)
    with bot.db() as s:
        create_item(s, unit=_unit(s, HEALTH), problem="卫健的问题", by="zsj_admin", deadline=date(2026, 11, 20))
    at(2026, 11, 20)
    with bot.db() as s:
        item = create_item(s, unit=_unit(s, CULTURE), problem="文旅的问题", by="zsj_admin", deadline=date(2026, 11, 27))
        number = item.id
    at(2026, 11, 26)
    reply = bot.say("wl_zhao", f"已整改 {number} 已删除过期内容并补发更正说明", "确认")[-1]
    with bot.db() as s:
        assert s.get(Rectification, number).status == SUBMITTED, reply


def unit_ids(bot) -> dict[str, int]:
    with bot.db() as s:
        return {u.name: u.id for u in s.scalars(select(Unit))}
