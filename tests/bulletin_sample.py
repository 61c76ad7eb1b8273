"""A seeded month for the bulletin tests: four units with hand-computed figures, and a large county."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from bot.bulletin.figures import AccountRow, ApprovalRow, Bulletin, ReportRow, UnitFigures

BEIJING = timezone(timedelta(hours=8))
EDU, HEALTH, CULTURE, FARM = 11, 12, 13, 14
NAMES = {EDU: "抚松县教育局", HEALTH: "抚松县卫生健康局", CULTURE: "抚松县文化广播电视和旅游局", FARM: "抚松县农业农村局"}
MONDAYS = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]


def units() -> list[UnitFigures]:
    return [
        UnitFigures(EDU, NAMES[EDU], {"微信公众号": 2, "抖音": 1}, {"正常": 3}, reports_due=4, reports_on_time=3,
                    reports_missing=1, posts=20, originals=8, messages_received=10, messages_answered=10,
                    dormancy={7: 1}, approvals_filed=1, approvals_decided=1, approval_median_hours=5.0),
        UnitFigures(HEALTH, NAMES[HEALTH], {"微信公众号": 1, "微博": 1, "视频号": 1}, {"正常": 2, "变更中": 1},
                    reports_due=4, reports_on_time=2, reports_late=1, reports_missing=1, posts=30, originals=6,
                    messages_received=20, messages_answered=15, dormancy={14: 1, 90: 1}, approvals_filed=2,
                    approvals_decided=1, approval_median_hours=30.0, registry_overdue=1, rectifications_open=2,
                    rectifications_overdue=1, untrained=True),
        UnitFigures(CULTURE, NAMES[CULTURE], {"抖音": 1, "快手": 1}, {"正常": 2}, reports_due=4, reports_on_time=4,
                    posts=3, originals=0),
        UnitFigures(FARM, NAMES[FARM], {"微信公众号": 1}, {"正常": 1}, reports_due=4, reports_on_time=4, posts=12,
                    originals=6, messages_received=2, messages_answered=2),
    ]


def _reports() -> list[ReportRow]:
    rows = []
    late = {(HEALTH, 2)}
    missing = {(EDU, 3), (HEALTH, 3)}
    for unit_id, name in NAMES.items():
        for n, monday in enumerate(MONDAYS):
            due = monday + timedelta(days=4)
            if (unit_id, n) in missing:
                rows.append(ReportRow(unit_id, name, monday, due))
                continue
            at = datetime(due.year, due.month, due.day, 16, 0, tzinfo=BEIJING) + timedelta(days=2 * ((unit_id, n) in late))
            rows.append(ReportRow(unit_id, name, monday, due, at, late=(unit_id, n) in late))
    return rows


def bulletin(figures: list[UnitFigures] | None = None) -> Bulletin:
    accounts = [
        AccountRow(EDU, NAMES[EDU], "抚松教育", "微信公众号", "正常", date(2026, 11, 28), 2, None),
        AccountRow(EDU, NAMES[EDU], "抚松教育发布", "微信公众号", "正常", date(2026, 11, 22), 8, 7),
        AccountRow(EDU, NAMES[EDU], "抚松教育抖音", "抖音", "正常", date(2026, 11, 30), 0, None),
        AccountRow(HEALTH, NAMES[HEALTH], "健康抚松", "微信公众号", "正常", date(2026, 11, 29), 1, None),
        AccountRow(HEALTH, NAMES[HEALTH], "抚松卫健微博", "微博", "正常", date(2026, 11, 10), 20, 14),
        AccountRow(HEALTH, NAMES[HEALTH], "=HYPERLINK(\"http://x\")", "视频号", "变更中", None, 120, 90),
        AccountRow(CULTURE, NAMES[CULTURE], "抚松文旅", "抖音", "正常", date(2026, 11, 27), 3, None),
        AccountRow(CULTURE, NAMES[CULTURE], "抚松文旅快手", "快手", "正常", date(2026, 11, 26), 4, None),
        AccountRow(FARM, NAMES[FARM], "抚松农业", "微信公众号", "正常", date(2026, 11, 30), 0, None),
    ]
    approvals = [
        ApprovalRow(EDU, NAMES[EDU], 7, "开设", "抚松教育抖音", datetime(2026, 11, 3, 9, 0, tzinfo=BEIJING),
                    datetime(2026, 11, 3, 14, 0, tzinfo=BEIJING), "同意"),
        ApprovalRow(HEALTH, NAMES[HEALTH], 8, "变更", "健康抚松", datetime(2026, 11, 5, 9, 0, tzinfo=BEIJING),
                    datetime(2026, 11, 6, 15, 0, tzinfo=BEIJING), "同意"),
        ApprovalRow(HEALTH, NAMES[HEALTH], 9, "注销", "抚松卫健视频号", datetime(2026, 11, 27, 10, 0, tzinfo=BEIJING)),
    ]
    return Bulletin(2026, 11, "抚松县", "抚松县政务服务和数字化建设管理局",
                    datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING), figures if figures is not None else units(),
                    accounts, _reports(), approvals, rectify_by=date(2026, 12, 8), issued_on=date(2026, 12, 1))


def large(n: int = 100) -> Bulletin:
    """A county of `n` units with long names, every one with several problems."""
    figs = []
    for k in range(1, n + 1):
        figs.append(UnitFigures(1000 + k, f"抚松县第{k}某某乡镇人民政府综合行政执法和社会事务服务中心",
                                {"微信公众号": 2, "抖音": 1, "微博": 1}, {"正常": 4}, reports_due=4,
                                reports_on_time=k % 5, reports_late=(4 - k % 5) // 2,
                                reports_missing=4 - k % 5 - (4 - k % 5) // 2, posts=40, originals=k % 13,
                                messages_received=10, messages_answered=k % 11,
                                dormancy={14: k % 3, 60: k % 2, 90: k % 4}, registry_overdue=k % 2,
                                rectifications_open=k % 3 + k % 2, rectifications_overdue=k % 2, untrained=k % 2 == 0))
    b = bulletin(figs)
    b.accounts, b.reports, b.approvals = [], [], []
    return b
