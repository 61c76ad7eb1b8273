"""The monthly bulletin's data (月度通报, 第29–30条): one `UnitFigures` per host unit, and the `Bulletin`.

These are plain values. Whoever computes them from the database fills the figures; `score.evaluate`
then adds problems, deductions, score and rank; the outputs (text, chart, workbook, draft) only read.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median

NATIONAL_FAIL_DAYS = 14  # a national inspection fails an account idle for two weeks (单项否决)


@dataclass(frozen=True)
class Deduction:
    """One reason for points taken off a unit's score: the evidence for the year-end assessment."""
    reason: str      # Chinese, e.g. "缺报周报2次（每次扣2分）"
    points: float    # points taken off in total (count × weight, or a flat amount)
    count: int = 1   # how many occurrences the points are for
    kind: str = ""   # the settings key, e.g. "missing_report", "dormancy_90"


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class _Rates:
    """Rates derived from the counts (None when there is nothing to divide by)."""
    accounts_by_platform: dict[str, int]
    reports_due: int
    reports_on_time: int
    posts: int
    originals: int
    messages_received: int
    messages_answered: int
    dormancy: dict[int, int]

    @property
    def accounts_total(self) -> int:
        return sum(self.accounts_by_platform.values())

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(self.reports_on_time, self.reports_due)

    @property
    def original_share(self) -> float | None:
        return _ratio(self.originals, self.posts)

    @property
    def reply_rate(self) -> float | None:
        return _ratio(self.messages_answered, self.messages_received)

    def idle_accounts(self, min_days: int = NATIONAL_FAIL_DAYS) -> int:
        """Accounts on a dormancy rung of at least `min_days` days."""
        return sum(n for days, n in self.dormancy.items() if days >= min_days)


@dataclass
class UnitFigures(_Rates):
    """One host unit's month. `dormancy` maps a rung (days idle: 7, 10, 14, 60, 90) to the number of
    accounts whose highest rung reached at the month's end is that rung (each account counted once)."""
    unit_id: int
    unit_name: str
    accounts_by_platform: dict[str, int] = field(default_factory=dict)
    accounts_by_status: dict[str, int] = field(default_factory=dict)
    reports_due: int = 0
    reports_on_time: int = 0
    reports_late: int = 0
    reports_missing: int = 0
    posts: int = 0
    originals: int = 0
    messages_received: int = 0
    messages_answered: int = 0
    dormancy: dict[int, int] = field(default_factory=dict)
    approvals_filed: int = 0
    approvals_decided: int = 0
    approval_median_hours: float | None = None
    registry_overdue: int = 0          # national registry filings past the 3 working days (第11条)
    rectifications_open: int = 0
    rectifications_overdue: int = 0
    overdue_item_ids: list[int] = field(default_factory=list)  # the overdue items' numbers (整改事项编号)
    open_items: dict[str, int] = field(default_factory=dict)  # problems.lasting_key → an earlier bulletin's open item
    untrained: bool = False            # no trained person on record this year (第28条)
    problems: list[str] = field(default_factory=list)        # filled by score.evaluate (problems_of)
    item_ids: list[int | None] = field(default_factory=list)  # on publishing: each problem's rectification item
    deductions: list[Deduction] = field(default_factory=list)
    score: float | None = None
    rank: int | None = None

    def inconsistencies(self) -> list[str]:
        """Figures that cannot all be true (a check for whoever computes them); empty when sound."""
        found = [f"{name} is negative" for name in COUNTS if getattr(self, name) < 0]
        reported = self.reports_on_time + self.reports_late + self.reports_missing
        if reported != self.reports_due:
            found.append(f"on time + late + missing = {reported}, but {self.reports_due} reports due")
        if self.originals > self.posts:
            found.append(f"{self.originals} originals among {self.posts} posts")
        if self.messages_answered > self.messages_received:
            found.append(f"{self.messages_answered} messages answered of {self.messages_received} received")
        if self.rectifications_overdue > self.rectifications_open:
            found.append(f"{self.rectifications_overdue} overdue of {self.rectifications_open} open rectifications")
        if sum(self.accounts_by_status.values()) != self.accounts_total:
            found.append("accounts by status and by platform do not add up to the same total")
        return found


@dataclass(frozen=True)
class AccountRow:
    """One account as listed in the workbook's 账号 sheet."""
    unit_id: int
    unit_name: str
    name: str
    platform: str
    status: str
    last_update: date | None = None
    days_idle: int | None = None
    rung: int | None = None   # the highest dormancy rung reached (days), None: not idle


@dataclass(frozen=True)
class ReportRow:
    """One unit's weekly report (周报) for one week."""
    unit_id: int
    unit_name: str
    week: date                # the Monday of the week reported on
    due_on: date
    submitted_at: datetime | None = None
    late: bool = False

    @property
    def state(self) -> str:
        if self.submitted_at is None:
            return "缺报"
        return "迟报" if self.late else "按时"


@dataclass(frozen=True)
class ApprovalRow:
    """One approval request (审批) filed or decided in the month."""
    unit_id: int
    unit_name: str
    number: int | str
    kind: str                 # 开设 / 变更 / 注销 / 关停 / 补办备案
    account_name: str
    filed_at: datetime
    decided_at: datetime | None = None
    decision: str = ""        # e.g. 同意 / 驳回; "" while pending

    @property
    def hours(self) -> float | None:
        if self.decided_at is None:
            return None
        return round((self.decided_at - self.filed_at).total_seconds() / 3600, 1)


@dataclass(frozen=True)
class NoticeRow:
    """A 通报批评 (第32条) taken against a unit in the month: listed in the bulletin every unit reads (第29条
    及时通报存在的突出问题), since a public notice sent to the unit alone is not circulated."""
    unit_id: int
    unit_name: str
    reason: str
    issued_on: date
    issuer: str               # the bureau that took it, e.g. 抚松县政务服务和数字化建设管理局


@dataclass
class Totals(_Rates):
    """The county's figures: sums over the units."""
    units: int
    accounts_by_platform: dict[str, int]
    accounts_by_status: dict[str, int]
    reports_due: int
    reports_on_time: int
    reports_late: int
    reports_missing: int
    posts: int
    originals: int
    messages_received: int
    messages_answered: int
    dormancy: dict[int, int]
    approvals_filed: int
    approvals_decided: int
    approval_median_hours: float | None
    registry_overdue: int
    rectifications_open: int
    rectifications_overdue: int
    untrained_units: int


COUNTS = ("reports_due", "reports_on_time", "reports_late", "reports_missing", "posts", "originals",
          "messages_received", "messages_answered", "approvals_filed", "approvals_decided", "registry_overdue",
          "rectifications_open", "rectifications_overdue")


@dataclass
class Bulletin:
    """A month's bulletin for one county. `rectify_by` is the deadline for the fixes it asks for."""
    year: int
    month: int
    county: str                       # e.g. 抚松县
    issuer: str                       # the issuing body, e.g. 抚松县政务服务和数字化建设管理局
    generated_at: datetime
    units: list[UnitFigures]
    accounts: list[AccountRow] = field(default_factory=list)
    reports: list[ReportRow] = field(default_factory=list)
    approvals: list[ApprovalRow] = field(default_factory=list)
    notices: list[NoticeRow] = field(default_factory=list)
    rectify_by: date | None = None
    issued_on: date | None = None     # the date printed under the issuer; default generated_at's date
    addressee: str = "各政务新媒体主办单位"

    @property
    def period(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def title(self) -> str:
        return f"关于{self.period}全县政务新媒体检查情况的通报"

    @property
    def date_issued(self) -> date:
        return self.issued_on or self.generated_at.date()

    def unit(self, unit_id: int) -> UnitFigures:
        for fig in self.units:
            if fig.unit_id == unit_id:
                return fig
        raise KeyError(f"unit {unit_id} is not in the bulletin for {self.period}")

    def inconsistencies(self) -> list[str]:
        """Every unit's inconsistencies, each prefixed with the unit's name."""
        return [f"{f.unit_name}: {problem}" for f in self.units for problem in f.inconsistencies()]

    def ranked(self) -> list[UnitFigures]:
        """Units by rank (unranked last), keeping the given order among equals."""
        return sorted(self.units, key=lambda f: f.rank if f.rank is not None else len(self.units) + 1)

    @property
    def totals(self) -> Totals:
        sums = {name: sum(getattr(f, name) for f in self.units) for name in COUNTS}
        platforms, statuses, dormancy = Counter(), Counter(), Counter()
        for fig in self.units:
            platforms.update(fig.accounts_by_platform)
            statuses.update(fig.accounts_by_status)
            dormancy.update(fig.dormancy)
        hours = [a.hours for a in self.approvals if a.hours is not None]
        return Totals(units=len(self.units), accounts_by_platform=dict(platforms), accounts_by_status=dict(statuses),
                      dormancy=dict(dormancy), approval_median_hours=round(median(hours), 1) if hours else None,
                      untrained_units=sum(1 for f in self.units if f.untrained), **sums)
