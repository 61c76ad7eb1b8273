"""Digest sections for approvals (审批) and national-registry filings (全国系统报送, 第11条).

- new requests: submitted since the previous working day's digest (09:30) up to this one;
- pending more than a working day: requests waiting at their current step for at least one full working
  day, counted on the official calendar exactly as the approver's 9:30 reminder counts it;
- registry filings due or overdue: approved actions not yet entered in the national registry.
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import clock, config, workdays
from handlers import approvals_after as after
from jobs.approvals import escalation_notes
from jobs.digest import Section, digest_section, previous_workday
from models import org
from models.approval import PENDING_STATUSES, ApprovalRequest

DIGEST_TIME = time(9, 30)
PENDING_AFTER_WORKDAYS = 1  # as the approver's first reminder (docs/approvals.md: 超过 1 个工作日)


def _at(day: date) -> datetime:
    return datetime.combine(day, DIGEST_TIME, tzinfo=config.get().tz)


def _label(req: ApprovalRequest) -> str:
    return f"第{req.id}号 {req.unit.name}{req.title}"


@digest_section
def new_requests(session: Session, unit_ids: list[int], day: date, person: org.Person) -> Section | None:
    since, until = _at(previous_workday(day, session)), _at(day)
    rows = session.scalars(select(ApprovalRequest).where(
        ApprovalRequest.unit_id.in_(unit_ids), ApprovalRequest.submitted_at >= since,
        ApprovalRequest.submitted_at < until).order_by(ApprovalRequest.id)).all()
    if not rows:
        return None
    return Section(f"新提交的申请（{len(rows)}件）",
                   [f"{_label(r)}（{clock.localize(r.submitted_at):%m-%d %H:%M}提交，{r.status}）" for r in rows])


@digest_section
def pending_approvals(session: Session, unit_ids: list[int], day: date, person: org.Person) -> Section | None:
    rows = session.scalars(select(ApprovalRequest).where(
        ApprovalRequest.unit_id.in_(unit_ids), ApprovalRequest.status.in_(PENDING_STATUSES),
        ApprovalRequest.step_started_at < _at(day)).order_by(ApprovalRequest.step_started_at, ApprovalRequest.id)).all()
    workdays.prime(session)  # bureau-entered days, read with this session (inside its transaction)
    notes = escalation_notes(session, rows)  # the people behind every 已督办, read once for all the requests
    lines = []
    for r in rows:
        # working days, as the approver's reminder counts them (jobs/approvals.py): not 「已等待10天」 after 国庆
        waited = workdays.workdays_between(clock.localize(r.step_started_at).date(), day)
        if waited >= PENDING_AFTER_WORKDAYS:
            # 已督办: the admins were told and the approver is now reminded only every few working days
            # (jobs/approvals.py): the daily digest is where the bureau keeps following it up
            lines.append(f"{_label(r)}：{r.status}，已等待{waited}个工作日"
                         + notes.get(r.id, ""))
    if not lines:
        return None
    return Section(f"超过一个工作日未审批的申请（{len(lines)}件）", lines)


@digest_section
def registry_filings(session: Session, unit_ids: list[int], day: date, person: org.Person) -> Section | None:
    rows = after.pending_filings(session, unit_ids)
    if not rows:
        return None
    overdue = [f for f in rows if f.deadline < day]
    workdays.prime(session)  # bureau-entered days, read with this session (inside its transaction)
    lines = []
    for f in rows:
        # the date and working days, worded as the unit's own reminder words them (not 「已逾期8天」 after 国庆)
        lines.append(f"{f.account.unit.name}「{f.account.name}（{f.account.platform}）」第{f.request_id}号"
                     f"{f.request.kind}审批后待报送全国系统：{after.due_text(f.deadline, day, session)}")
    title = f"待报送全国政务新媒体信息报送系统（{len(rows)}个，其中逾期{len(overdue)}个）"
    return Section(title, lines)
