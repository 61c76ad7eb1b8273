"""The bulletin's figures from the database: `compute(session, bureau_unit_id, year, month) -> Bulletin`.

One aggregate query per kind of figure, grouped by unit: the number of statements does not grow with
the number of units. The month is in the bot's time zone (Beijing time). Conventions:
- a weekly report week belongs to the month of its Thursday; only weeks with a working day are due, and
  a unit is due when it had an account in use that week (or filed anyway);
- dormancy is as at the month's last day: days since the newest post known by then (or since the account
  opened / was imported), at the highest configured rung reached — or higher if the ladder recorded more;
- approvals filed = submitted in the month; decided = approved, rejected or sent back in the month;
- registry filings overdue = past their deadline at some day of the month, not filed before it began;
- rectifications open / overdue = as at the month's end; untrained units from October (第28条).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import clock, config, workdays
from bot.bulletin import sources
from bot.bulletin.figures import AccountRow, ApprovalRow, Bulletin, NoticeRow, ReportRow, UnitFigures
from bot.bulletin.problems import lasting_key
from bot.bulletin.score import evaluate
from bot.bulletin.settings import BulletinSettings, load
from models import org
from models.org import HOST_UNIT, Unit
from models.rectification import BULLETIN, DEFAULT_WORKDAYS, PENDING
from models.weekly import first_reported_week, month_mondays, month_of_week

TRAINING_FROM_MONTH = 10


class Month:
    """The month's bounds: days, and aware local moments [start, end)."""

    def __init__(self, year: int, month: int):
        tz = config.get().tz
        self.year, self.month = year, month
        self.first = date(year, month, 1)
        self.next_first = date(year + month // 12, month % 12 + 1, 1)
        self.last = self.next_first - timedelta(days=1)
        self.start = datetime(year, month, 1, tzinfo=tz)
        self.end = datetime(self.next_first.year, self.next_first.month, 1, tzinfo=tz)
        self.key = f"{year}-{month:02d}"

    def mondays(self) -> list[date]:
        """The weeks belonging to the month (the month of their Thursday)."""
        return month_mondays(self.key)

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end


def county_of(bureau_name: str) -> str:
    """抚松县政务服务和数字化建设管理局 → 抚松县."""
    for mark in ("县", "区", "市", "旗"):
        if mark in bureau_name:
            return bureau_name[:bureau_name.index(mark) + 1]
    return bureau_name


def first_report_month(session: Session, bureau_unit_id: int) -> str | None:
    """The month ("2026-09") of the first weekly report of the bureau's units: the bot's first month in use.
    Months before it have no bulletin (everyone would be listed as missing every report)."""
    first = first_reported_week(session, org.subtree_ids(session, bureau_unit_id))
    return month_of_week(first) if first else None


def compute(session: Session, bureau_unit_id: int, year: int, month: int,
            settings: BulletinSettings | None = None) -> Bulletin:
    """The bureau's bulletin for the month, evaluated (problems, deductions, score, rank)."""
    m = Month(year, month)
    workdays.prime(session)
    bureau = session.get(Unit, bureau_unit_id)
    scope = org.subtree_ids(session, bureau_unit_id)
    units = {u.id: u.name for u in session.execute(
        select(Unit.id, Unit.name).where(Unit.id.in_(scope), Unit.kind == HOST_UNIT, Unit.active).order_by(Unit.id))}
    ids = list(units)
    accounts = [a for a in sources.accounts(session, ids) if sources.listed(a, m)]
    figs = {uid: UnitFigures(uid, name) for uid, name in units.items()}
    for a in accounts:
        fig = figs[a.unit_id]
        fig.accounts_by_platform[a.platform] = fig.accounts_by_platform.get(a.platform, 0) + 1
        fig.accounts_by_status[a.status] = fig.accounts_by_status.get(a.status, 0) + 1
    reports = _reports(session, m, units, accounts, figs, first_reported_week(session, scope))
    account_rows = _dormancy(session, m, units, accounts, figs)
    approvals = _approvals(session, m, units, figs)
    _registry(session, m, ids, figs)
    _rectifications(session, m, ids, figs)
    _training(session, m, ids, accounts, figs)
    notices = _notices(session, m, units, bureau.name)
    involved = {a.unit_id for a in accounts} | {r.unit_id for r in reports} | {a.unit_id for a in approvals} \
        | {uid for uid, f in figs.items() if f.rectifications_open}
    today = clock.today()
    bulletin = Bulletin(year, month, county_of(bureau.name), bureau.name, clock.now(),
                        [figs[uid] for uid in ids if uid in involved], account_rows, reports, approvals,
                        notices=notices, rectify_by=workdays.add_workdays(today, DEFAULT_WORKDAYS, session),
                        issued_on=today)
    return evaluate(bulletin, settings or load())


def _reports(session, m: Month, units, accounts, figs, began: date | None) -> list[ReportRow]:
    """The weeks' reports, from the county's first week reported through the bot (`began`): in the first month, the
    weeks before it were reported some other way and are neither due nor missing."""
    mondays = [monday for monday in m.mondays() if began is not None and monday >= began]
    filed = {(r.unit_id, r.week): r for r in sources.reports(session, list(units), mondays)}
    rows: list[ReportRow] = []
    for monday in mondays:
        due_on = workdays.last_workday_of_week(monday)
        if due_on is None:
            continue  # no working day: no report due
        in_use = {a.unit_id for a in accounts if sources.in_use_during(a, due_on)}
        for uid, name in units.items():
            report = filed.get((uid, monday))
            if uid not in in_use and report is None:
                continue
            fig = figs[uid]
            fig.reports_due += 1
            if report is None:
                fig.reports_missing += 1
                rows.append(ReportRow(uid, name, monday, due_on))
                continue
            if report.late:
                fig.reports_late += 1
            else:
                fig.reports_on_time += 1
            rows.append(ReportRow(uid, name, monday, due_on, clock.localize(report.submitted_at), report.late))
    for uid, posts, originals, received, answered in sources.entry_sums(session, list(units), mondays):
        fig = figs[uid]
        fig.posts, fig.originals = int(posts or 0), int(originals or 0)
        fig.messages_received, fig.messages_answered = int(received or 0), int(answered or 0)
    return rows


def _dormancy(session, m: Month, units, accounts, figs) -> list[AccountRow]:
    from jobs.dormancy import rungs
    thresholds = dict(rungs())
    latest = sources.latest_posts(session, list(units), m.last)
    recorded = sources.recorded_rungs(session, list(units), m.last)
    rows = []
    for a in accounts:
        posted = max([d for d in (latest.get(a.id), a.last_update_on) if d and d <= m.last], default=None)
        start = posted or sources.opened(a)
        idle = rung = None
        if sources.live_at_end(a, m) and start is not None and start <= m.last:
            idle = (m.last - start).days
            reached = [days for days in thresholds.values() if days <= idle]
            reached += [thresholds[kind] for spell, kind in recorded.get(a.id, []) if spell >= start]
            rung = max(reached, default=None)
            if rung is not None:
                figs[a.unit_id].dormancy[rung] = figs[a.unit_id].dormancy.get(rung, 0) + 1
        rows.append(AccountRow(a.unit_id, units[a.unit_id], a.name, a.platform, a.status, posted, idle, rung))
    return rows


DECISION_OF = {"已通过": "同意", "已驳回": "驳回", "已退回": "退回修改"}


def _approvals(session, m: Month, units, figs) -> list[ApprovalRow]:
    rows = []
    hours = defaultdict(list)
    for r in sources.approvals(session, list(units), m.start, m.end):
        decided = m.contains(r.decided_at) and r.status in DECISION_OF
        row = ApprovalRow(r.unit_id, units[r.unit_id], r.id, r.kind, (r.form or {}).get("name", ""),
                          clock.localize(r.submitted_at), clock.localize(r.decided_at) if decided else None,
                          DECISION_OF[r.status] if decided else "")
        rows.append(row)
        fig = figs[r.unit_id]
        if m.contains(r.submitted_at):
            fig.approvals_filed += 1
        if decided:
            fig.approvals_decided += 1
            hours[r.unit_id].append(row.hours)
    for uid, values in hours.items():
        figs[uid].approval_median_hours = round(median(values), 1)
    return rows


def _registry(session, m: Month, ids, figs) -> None:
    for unit_id, deadline, filed_at in sources.registry_filings(session, ids, m.last, m.start):
        filed_on = clock.localize(filed_at).date() if filed_at else None
        if filed_on is None or filed_on > deadline:
            figs[unit_id].registry_overdue += 1


def _rectifications(session, m: Month, ids, figs) -> None:
    for item in sorted(sources.rectifications(session, ids, m.end), key=lambda row: row.id):
        fig = figs[item.unit_id]
        fig.rectifications_open += 1
        key = lasting_key(item.problem) if item.source == BULLETIN and item.status in PENDING else None
        if key:  # still open now: the same finding this month is named under it (problems.lasting_key)
            fig.open_items.setdefault(key, item.id)
        acted_after = (item.closed_at is not None and item.closed_at >= m.end) or \
            (item.answered_at is not None and item.answered_at >= m.end)
        # overdue at the month's end: its deadline (the last day to act) has passed by then, the month's
        # last day included — as the digest of the next day (deadline < day) and `整改清单` count it
        if item.deadline <= m.last and (item.status in ("待整改", "重新整改") or acted_after):
            fig.rectifications_overdue += 1
            fig.overdue_item_ids.append(item.id)


def _notices(session, m: Month, units, bureau_name: str) -> list[NoticeRow]:
    """The month's 通报批评 (第32条), each with the bureau that took it (the county's own, or the city's)."""
    return [NoticeRow(uid, units[uid], reason, clock.localize(at).date(), issuer or bureau_name)
            for uid, reason, at, issuer in sources.notices(session, list(units), m.start, m.end)]


def _training(session, m: Month, ids, accounts, figs) -> None:
    if m.month < TRAINING_FROM_MONTH:
        return
    trained = sources.trained_units(session, ids, date(m.year, 1, 1), m.last)
    in_use = {a.unit_id for a in accounts if sources.live_at_end(a, m)}
    for uid in in_use - trained:
        figs[uid].untrained = True

