"""The bureau's weekly roll-up (周报汇总): who reported, who did not, idle accounts, the week's totals."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from bot import clock
from models.account import ACTIVE_STATUSES, Account, in_use_on
from models.org import HOST_UNIT, Person, Unit
from models.weekly import (WeeklyReport, WeeklyReportEntry, deadline_label, due_at, due_day, opened_by_due,
                           week_label)

STALE_STEPS = (14, 10, 7)  # days since the latest post; national inspections fail at 14 (2 weeks)


@dataclass
class Rollup:
    week: date
    reference: date  # staleness is counted up to this day
    due_units: list[Unit] = field(default_factory=list)
    on_time: list[Unit] = field(default_factory=list)
    late: list[Unit] = field(default_factory=list)
    missing: list[Unit] = field(default_factory=list)
    unreached: list[Unit] = field(default_factory=list)  # missing units the overdue job could remind nobody of
    edited: list[str] = field(default_factory=list)  # "unit（第2版，李娜 11-26 09:00）"
    no_post: list[str] = field(default_factory=list)
    stale: dict[int, list[str]] = field(default_factory=lambda: {n: [] for n in STALE_STEPS})
    never: list[str] = field(default_factory=list)  # no post date known at all
    posts: int = 0
    originals: int = 0
    received: int = 0
    answered: int = 0

    @property
    def reported(self) -> int:
        return len(self.on_time) + len(self.late)

    @property
    def original_share(self) -> str:
        return f"{round(100 * self.originals / self.posts)}%" if self.posts else "—"


def label(account) -> str:
    """An Account, or a row with its name and platform."""
    return f"{account.name}（{account.platform}）"


def compute(session: Session, unit_ids: list[int], week: date, today: date | None = None) -> Rollup:
    today = today or clock.today()
    rollup = Rollup(week=week, reference=min(today, week + timedelta(days=6)))
    units = list(session.scalars(select(Unit).where(Unit.id.in_(unit_ids), Unit.kind == HOST_UNIT, Unit.active)
                                 .order_by(Unit.id)))
    accounts = session.execute(select(  # plain rows: label() and the staleness need only these
        Account.id, Account.unit_id, Account.name, Account.platform, Account.last_update_on, Account.opened_on).where(
        Account.unit_id.in_([u.id for u in units]), Account.status.in_(ACTIVE_STATUSES))
        .order_by(Account.unit_id, Account.id)).all()
    with_accounts = {a.unit_id for a in accounts if opened_by_due(a.opened_on, week)}  # opened later: next week
    with_accounts |= closed_since(session, [u.id for u in units], week)
    reports = {r.unit_id: r for r in session.scalars(
        select(WeeklyReport).where(WeeklyReport.week == week, WeeklyReport.unit_id.in_([u.id for u in units])))}
    entries = _entries(session, week, [u.id for u in units])
    labels = _labels(session, accounts, {e.account_id for rows in entries.values() for e in rows})
    editors = {p.id: p for p in _people(session, {r.updated_by_id for r in reports.values() if r.edited})}
    due = due_day(week) is not None
    for unit in units:
        report = reports.get(unit.id)
        if unit.id not in with_accounts and report is None:
            continue
        if due or report is not None:
            rollup.due_units.append(unit)
        if report is None:
            if due:
                rollup.missing.append(unit)
            continue
        (rollup.late if report.late else rollup.on_time).append(unit)
        if report.edited:
            at = clock.localize(report.updated_at)
            editor = editors.get(report.updated_by_id)
            rollup.edited.append(f"{unit.name}（第{report.version}版，{editor.name if editor else ''} {at:%m-%d %H:%M}）")
        for entry in entries.get(report.id, []):
            rollup.posts += entry.posts
            rollup.originals += entry.originals
            rollup.received += entry.messages_received
            rollup.answered += entry.messages_answered
            if entry.posts == 0:
                rollup.no_post.append(labels[entry.account_id])
    for account in accounts:
        if account.last_update_on is None:
            rollup.never.append(label(account))
            continue
        days = (rollup.reference - account.last_update_on).days
        step = next((n for n in STALE_STEPS if days >= n), None)
        if step:
            rollup.stale[step].append(f"{label(account)}{days}天")
    return rollup


def closed_since(session: Session, unit_ids: list[int], week: date) -> set[int]:
    """Units with an account in use on the week's due day that was closed after it: they owed the week (as the
    bulletin and 关账 count it). Always one query, so that the statement count does not depend on the data."""
    return set(session.scalars(select(Account.unit_id).where(
        Account.unit_id.in_(unit_ids), Account.status.not_in(ACTIVE_STATUSES), in_use_on(due_day(week) or week))
        .distinct()))


def _entries(session: Session, week: date, unit_ids: list[int]) -> dict[int, list]:
    """The figures of every entry of the week's reports, by report: one query of plain rows (not one
    query per report, and not 20,000 objects)."""
    out: dict[int, list] = {}
    rows = session.execute(select(WeeklyReportEntry.report_id, WeeklyReportEntry.account_id, WeeklyReportEntry.posts,
                                  WeeklyReportEntry.originals, WeeklyReportEntry.messages_received,
                                  WeeklyReportEntry.messages_answered)
                           .join(WeeklyReport).where(WeeklyReport.week == week, WeeklyReport.unit_id.in_(unit_ids))
                           .order_by(WeeklyReportEntry.report_id, WeeklyReportEntry.account_id))
    for row in rows:
        out.setdefault(row.report_id, []).append(row)
    return out


def _labels(session: Session, accounts: list, ids: set[int]) -> dict[int, str]:
    """Labels of the reported accounts: the active ones are loaded already; one query for the rest
    (always run, so that the statement count does not depend on the data)."""
    out = {a.id: label(a) for a in accounts}
    missing = sorted(ids - set(out))
    for account_id, name, platform in session.execute(
            select(Account.id, Account.name, Account.platform).where(Account.id.in_(missing))):
        out[account_id] = f"{name}（{platform}）"
    return out


def _people(session: Session, ids: set) -> list[Person]:
    """Always one query (even for none): the statement count does not depend on the data."""
    ids.discard(None)
    return list(session.scalars(select(Person).where(Person.id.in_(sorted(ids))).options(lazyload(Person.role_rows))))


def _names(units: list[Unit]) -> str:
    return "、".join(u.name for u in units) or "无"


def render(rollup: Rollup, scope_name: str, *, markdown: bool) -> str:
    """The roll-up as WeCom markdown, or as plain text for people who read in WeChat."""
    bold = (lambda s: f"**{s}**") if markdown else (lambda s: f"【{s}】")
    warn = (lambda s: f'<font color="warning">{s}</font>') if markdown else (lambda s: s)
    lines = [bold(f"周报汇总 {week_label(rollup.week)}") + f"（{scope_name}）"]
    deadline = due_at(rollup.week)
    if deadline is None:
        lines.append("本周没有工作日，无需报送周报。")
    else:
        lines.append(f"截止时间：{deadline_label(rollup.week)}")
    quote = "> " if markdown else ""
    lines.append(f"{quote}应报单位 {len(rollup.due_units)} 个，已报 {rollup.reported} 个"
                 f"（按时 {len(rollup.on_time)}，迟报 {len(rollup.late)}），未报 {len(rollup.missing)} 个")
    lines.append(f"未报：{warn(_names(rollup.missing))}")
    if rollup.unreached:
        lines.append(f"其中无人可提醒：{warn(_names(rollup.unreached))}（在通讯录中没有在职人员，或人员在企业微信中均已无效，"
                     "催报发不到。请联系这些单位补报，并在通讯录中补充人员）")
    lines.append(f"迟报：{_names(rollup.late)}")
    if rollup.edited:
        lines.append(f"报后修改过：{'、'.join(rollup.edited)}")
    lines.append(f"本周无更新账号（{len(rollup.no_post)}）：{'、'.join(rollup.no_post) or '无'}")
    lines.append(f"最近发布距今（截至{rollup.reference.month}月{rollup.reference.day}日）：")
    for step, upper in ((14, None), (10, 13), (7, 9)):
        span = f"{step}天及以上" if upper is None else f"{step}—{upper}天"
        items = rollup.stale[step]
        text = "、".join(items) or "无"
        lines.append(f"- {span}（{len(items)}）：{warn(text) if step == 14 and items else text}")
    if rollup.never:
        lines.append(f"- 尚无发布记录：{'、'.join(rollup.never)}")
    lines.append(f"本周合计：发布 {rollup.posts} 条，原创 {rollup.originals} 条（{rollup.original_share}），"
                 f"留言评论回复 {rollup.answered}/{rollup.received}")
    return "\n".join(lines)
