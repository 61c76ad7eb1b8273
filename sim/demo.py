"""A demo directory shaped like a county: a city bureau, a county bureau, ten host units."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.org import (BUREAU_ADMIN, BUREAU_REVIEWER, CITY_BUREAU, CITY_REVIEWER, COUNTY_BUREAU, HOST_UNIT,
                        STAFF, UNIT_HEAD, Person, Unit)

CITY = "白山市政务服务和数字化建设管理局"
COUNTY = "抚松县政务服务和数字化建设管理局"
NEIGHBOUR = "靖宇县政务服务和数字化建设管理局"

# (unit, registry code, [(userid, name, roles)])
HOST_UNITS = [
    ("抚松县教育局", "11220621MB0000001A", [("jy_zhang", "张伟", {STAFF}), ("jy_li", "李娜", {STAFF}),
                                          ("jy_wang", "王局长", {UNIT_HEAD})]),
    ("抚松县卫生健康局", "11220621MB0000002B", [("wj_liu", "刘洋", {STAFF}), ("wj_chen", "陈局长", {UNIT_HEAD})]),
    ("抚松县文化广播电视和旅游局", "11220621MB0000003C", [("wl_zhao", "赵敏", {STAFF}), ("wl_sun", "孙局长", {UNIT_HEAD})]),
    ("抚松县公安局", "11220621MB0000004D", [("ga_zhou", "周强", {STAFF}), ("ga_wu", "吴局长", {UNIT_HEAD})]),
    ("抚松县人力资源和社会保障局", "11220621MB0000005E", [("rs_zheng", "郑丽", {STAFF}), ("rs_feng", "冯局长", {UNIT_HEAD})]),
    ("抚松县市场监督管理局", "11220621MB0000006F", [("sj_he", "何军", {STAFF}), ("sj_lv", "吕局长", {UNIT_HEAD})]),
    ("抚松县应急管理局", "11220621MB0000007G", [("yj_shi", "施静", {STAFF}), ("yj_kong", "孔局长", {UNIT_HEAD})]),
    ("抚松县融媒体中心", "11220621MB0000008H", [("rm_cao", "曹磊", {STAFF}), ("rm_yan", "严主任", {UNIT_HEAD})]),
    ("抚松县农业农村局", "11220621MB0000009J", [("ny_hua", "华芳", {STAFF}), ("ny_jin", "金局长", {UNIT_HEAD})]),
    ("抚松县万良镇人民政府", "11220621MB0000010K", [("wl_tao", "陶涛", {STAFF}), ("wl_jiang", "姜镇长", {UNIT_HEAD})]),
]
SPECIAL_UNITS = [
    # (name, parent, classified, internal) — for the rules of 第8条
    ("抚松县国家保密局", COUNTY, True, False),
    ("抚松县教育局办公室", "抚松县教育局", False, True),
]
BUREAU_PEOPLE = [
    (CITY, "city_qian", "钱管理", {BUREAU_ADMIN, CITY_REVIEWER}),
    (CITY, "city_zhao", "赵审批", {CITY_REVIEWER}),
    (COUNTY, "zsj_admin", "马管理", {BUREAU_ADMIN, BUREAU_REVIEWER}),
    (COUNTY, "zsj_review", "杨审核", {BUREAU_REVIEWER}),
    (NEIGHBOUR, "jy_admin", "邻县管理员", {BUREAU_ADMIN, BUREAU_REVIEWER}),
]
NEIGHBOUR_UNITS = [("靖宇县教育局", [("jyx_staff", "邻县职员", {STAFF}), ("jyx_head", "邻县局长", {UNIT_HEAD})])]
# WeCom department ids of the demo units, as the simulator's contacts serve them (org sync maps by id)
DEPARTMENT_IDS = {CITY: 1, COUNTY: 2, NEIGHBOUR: 3,
                  **{name: 201 + i for i, (name, _code, _people) in enumerate(HOST_UNITS)},
                  **{name: 211 + i for i, (name, *_rest) in enumerate(SPECIAL_UNITS)},
                  **{name: 301 + i for i, (name, _people) in enumerate(NEIGHBOUR_UNITS)}}


def _unit(session: Session, name: str, kind: str, parent: Unit | None, **kw) -> Unit:
    known = session.info.setdefault("demo_units", {})
    unit = known.get(name) or session.scalar(select(Unit).where(Unit.name == name))
    if unit is None:
        unit = Unit(name=name, kind=kind, parent=parent, **kw)
        session.add(unit)
    known[name] = unit
    return unit


def _person(session: Session, unit: Unit, userid: str, name: str, roles: set[str]) -> Person:
    had_people = session.info.get("demo_had_people")
    person = session.scalar(select(Person).where(Person.userid == userid)) if had_people else None
    if person is None:
        person = Person(userid=userid, name=name, unit=unit)
        session.add(person)
        person.role_rows = []
    person.set_roles(roles)
    return person


def seed(session: Session) -> dict[str, Unit]:
    """Create (or top up) the demo directory; safe to run twice."""
    # Fast path (every test seeds): look up existing rows only when there are any, flush once.
    session.info["demo_units"] = {}
    session.info["demo_had_people"] = session.scalar(select(Person.id).limit(1)) is not None
    with session.no_autoflush:
        units = _seed(session)
    session.info.pop("demo_units", None)
    session.info.pop("demo_had_people", None)
    session.flush()
    return units


def _seed(session: Session) -> dict[str, Unit]:
    city = _unit(session, CITY, CITY_BUREAU, None)
    county = _unit(session, COUNTY, COUNTY_BUREAU, city)
    neighbour = _unit(session, NEIGHBOUR, COUNTY_BUREAU, city)
    units = {CITY: city, COUNTY: county, NEIGHBOUR: neighbour}
    for name, code, people in HOST_UNITS:
        unit = _unit(session, name, HOST_UNIT, county, registry_code=code)
        units[name] = unit
        for userid, pname, roles in people:
            _person(session, unit, userid, pname, roles)
    for name, parent, classified, internal in SPECIAL_UNITS:
        units[name] = _unit(session, name, HOST_UNIT, units[parent], is_classified=classified, is_internal=internal)
    _person(session, units["抚松县国家保密局"], "bm_staff", "保密局职员", {STAFF})
    _person(session, units["抚松县教育局办公室"], "jyb_staff", "教育局办公室职员", {STAFF})
    for unit_name, userid, pname, roles in BUREAU_PEOPLE:
        _person(session, units[unit_name], userid, pname, roles)
    for name, people in NEIGHBOUR_UNITS:
        unit = _unit(session, name, HOST_UNIT, neighbour)
        units[name] = unit
        for userid, pname, roles in people:
            _person(session, unit, userid, pname, roles)
    return units


def link_departments(session: Session) -> int:
    """Give the demo units their WeCom department ids where they have none (and the id is free)."""
    units = list(session.scalars(select(Unit)))
    taken = {u.wecom_department_id for u in units if u.wecom_department_id is not None}
    linked = 0
    for unit in units:
        dept = DEPARTMENT_IDS.get(unit.name)
        if dept is not None and unit.wecom_department_id is None and dept not in taken:
            unit.wecom_department_id = dept
            taken.add(dept)
            linked += 1
    session.flush()
    return linked


# (unit, account name, platform, responsible userid, opened)
DEMO_ACCOUNTS = [
    ("抚松县教育局", "抚松教育", "微信公众号", "jy_zhang", "2021-03-15"),
    ("抚松县教育局", "抚松教育", "抖音", "jy_li", "2022-06-01"),
    ("抚松县卫生健康局", "健康抚松", "微信公众号", "wj_liu", "2020-09-10"),
    ("抚松县文化广播电视和旅游局", "抚松文旅", "微信公众号", "wl_zhao", "2019-05-20"),
    ("抚松县文化广播电视和旅游局", "抚松文旅", "抖音", "wl_zhao", "2021-07-01"),
    ("抚松县公安局", "抚松公安", "微博", "ga_zhou", "2018-04-01"),
    ("抚松县融媒体中心", "抚松发布", "微信公众号", "rm_cao", "2017-01-01"),
    ("抚松县融媒体中心", "抚松发布", "视频号", "rm_cao", "2022-01-01"),
]


# Days since each demo account's latest post, so that a fresh demo shows a realistic ladder (most accounts
# current, one at the 7-day nudge, one at the 10-day warning, one at 14 days) instead of declaring every account
# a zombie because nothing was ever reported. The dates come from demo weekly reports (seed_reports), as they would
# in use: the ledger's 「最近更新」 is what the reports give, never a date no report has. So no date is later than the
# unit's last report (filed on its week's due day): until the next one comes in, 「current」 accounts age as real ones
# do (5 days on a Wednesday, 7 on Friday).
DEMO_IDLE_DAYS = (1, 3, 2, 8, 4, 11, 1, 15)
DEMO_REPORT_WEEKS = 4  # the weeks before this one filed by every demo unit
DEMO_CLERKS_UNIT = HOST_UNITS[0][0]  # jy_zhang's: this week's report is left for the demo to file, even once overdue


def seed_reports(session: Session) -> None:
    """Weekly reports of the last DEMO_REPORT_WEEKS due weeks for each demo unit that has none yet (demo only), and of
    this week once its deadline has passed (except DEMO_CLERKS_UNIT's), filed on time on each week's due day; each
    account's latest post DEMO_IDLE_DAYS before today, or when its unit's last report was filed if that is later. A
    post after its week's report (a Saturday's) is the next week's 「最近」. The accounts' 「最近更新」 then follow from
    the reports, as after a real filing. A unit that already has reports (the demo was used, or seeded before) keeps
    what it has."""
    from datetime import timedelta
    from bot import clock, workdays
    from models import weekly
    from models.account import ACTIVE_STATUSES, Account
    today, this_week = clock.today(), workdays.week_monday(clock.today())
    weeks = [weekly.previous_due_week(this_week)]
    while len(weeks) < DEMO_REPORT_WEEKS:
        weeks.append(weekly.previous_due_week(weeks[-1]))
    weeks.reverse()
    overdue = weekly.due_at(this_week) is not None and clock.now() > weekly.due_at(this_week)
    weeks_of = {name: weeks + [this_week] if overdue and name != DEMO_CLERKS_UNIT else weeks
                for name, _code, _people in HOST_UNITS}
    latest: dict[int, date] = {}
    by_unit: dict[str, list[Account]] = {}
    for (unit_name, _name, platform, _userid, _opened), idle in zip(DEMO_ACCOUNTS, DEMO_IDLE_DAYS):
        account = session.scalar(select(Account).join(Unit).where(Unit.name == unit_name, Account.platform == platform,
                                                                  Account.status.in_(ACTIVE_STATUSES)))
        if account is not None:
            latest[account.id] = min(today - timedelta(days=idle), weekly.due_day(weeks_of[unit_name][-1]))
            by_unit.setdefault(unit_name, []).append(account)
    filed = set(session.scalars(select(weekly.WeeklyReport.unit_id)))
    for n, (unit_name, accounts) in enumerate(by_unit.items()):
        unit, clerk = accounts[0].unit, accounts[0].responsible
        if unit.id in filed or clerk is None:
            continue
        for w, monday in enumerate(weeks_of[unit_name]):
            due_day = weekly.due_day(monday)
            entries = []
            for k, account in enumerate(accounts):
                if not weekly.opened_by_due(account.opened_on, monday):
                    continue
                last = latest[account.id]
                # idle this week: the post before it; else posted up to the due day (a later post is next week's)
                posts, day = (0, last) if last < monday else (2 + (n + k + w) % 4, min(last, due_day))
                received = (n + w) % 3
                entries.append({"account_id": account.id, "posts": posts, "originals": posts // 2,
                                "latest_post_on": day.isoformat(), "messages_received": received,
                                "messages_answered": received, "problems": None})
            if not entries:
                continue
            filed_at = weekly.due_at(monday) - timedelta(hours=1 + n % 5)  # on time, after the day's post
            report = weekly.WeeklyReport(unit=unit, week=monday, submitted_by=clerk, submitted_at=filed_at, version=1)
            session.add(report)
            for entry in entries:
                report.entries.append(weekly.WeeklyReportEntry(
                    **{**entry, "latest_post_on": date.fromisoformat(entry["latest_post_on"])}))
            session.add(weekly.WeeklyReportVersion(report=report, version=1, by=clerk.userid, at=filed_at, snapshot={
                "week": monday.isoformat(), "unit_id": unit.id, "entries": entries}))
    session.flush()
    weekly.refresh_last_update(session, sorted(latest))


def seed_accounts(session: Session) -> None:
    """A few existing accounts (正常) so the demo has a registry to show."""
    from models.account import NORMAL, REGISTRY_DONE, Account
    for unit_name, name, platform, userid, opened in DEMO_ACCOUNTS:
        unit = session.scalar(select(Unit).where(Unit.name == unit_name))
        exists = session.scalar(select(Account).where(Account.unit_id == unit.id, Account.platform == platform))
        if exists:
            continue
        person = session.scalar(select(Person).where(Person.userid == userid))
        session.add(Account(name=name, platform=platform, unit=unit, responsible=person, status=NORMAL,
                            function="政务信息发布", registry_code=unit.registry_code,
                            opened_on=date.fromisoformat(opened), registry_status=REGISTRY_DONE))
    session.flush()
