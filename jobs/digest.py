"""The bureau's daily digest (每日摘要) for bureau admins, on working days at 09:30.

The digest is a list of section functions, each `(session, unit_ids, day, person) -> Section | None`,
run in order for each admin's scope (`person`: the admin it is for). Nothing is sent when every section is
empty. Features add a section with `@digest_section` (jobs/digest_approvals.py adds the approvals and registry ones).
"""
from __future__ import annotations

import importlib
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from bot import clock, db, outbox, workdays
from jobs.schedule import daily_at, scheduled
from models import org
from models.account import Account
from models.approval import PENDING_STATUSES, ApprovalRequest
from models.oversight import CASE_EXPLAINED, CASE_OPEN, RUNG_NAMES, DormancyCase, DormancyRung, account_label
from models.outbox import OutboxMessage
from models.rectification import SUBMITTED, Rectification, describe, overdue_items


@dataclass
class Section:
    title: str
    lines: list[str]


CASE_ANSWER_WORKDAYS = 5  # a follow-up case the unit has not acted on for a week shows in the digest
SectionFn = Callable[[Session, list[int], date, org.Person], "Section | None"]
SECTIONS: list[SectionFn] = []


def digest_section(fn: SectionFn) -> SectionFn:
    SECTIONS.append(fn)
    return fn


def previous_workday(day: date, session: Session | None = None) -> date:
    back = day - timedelta(days=1)
    while not workdays.is_workday(back, session):
        back -= timedelta(days=1)
    return back


@digest_section
def new_dormancy_rungs(session: Session, unit_ids: list[int], day: date, person: org.Person) -> Section | None:
    """The rungs fired since the last digest. Those the 9:00 ladder already told this admin of (停更通报, 僵尸账号预警,
    停更认定 of his county's units) are not listed again, only counted: the digest repeated them half an hour later."""
    since = previous_workday(day, session)
    rows = session.scalars(select(DormancyRung).where(
        DormancyRung.unit_id.in_(unit_ids), DormancyRung.notified, DormancyRung.fired_on > since,
        DormancyRung.fired_on <= day).order_by(DormancyRung.days.desc(), DormancyRung.id)
        .options(joinedload(DormancyRung.account).joinedload(Account.unit))).all()
    if not rows:
        return None
    notices = dormancy_notices_to(session, person, sorted({r.fired_on for r in rows}))
    told = [r for r in rows if _named_in(notices, r.account)]
    lines = [f"{r.account.unit.name}「{account_label(r.account)}」{RUNG_NAMES[r.kind]}（{r.days}天未更新）"
             for r in rows if r not in told]
    if told:
        kinds = "、".join(f"{RUNG_NAMES[kind]}{n}个" for kind, n in Counter(r.kind for r in told).items())
        lines.append(f"{'其余' if lines else '这'}{len(told)}个账号（{kinds}）的停更通知已单独发给您，此处不再重复"
                     "（回复「停更账号」查看全部停更账号）")
    return Section(f"新增停更预警（{len(rows)}个账号）", lines)


def dormancy_notices_to(session: Session, person: org.Person, days: list[date]) -> str:
    """What the dormancy ladder queued for `person` on `days` (jobs.dormancy: one message a person a day)."""
    keys = [OutboxMessage.dedupe_key.like(f"dormancy:{d.isoformat()}:%") for d in days]
    payloads = session.scalars(select(OutboxMessage.payload).where(
        org.userid_in(OutboxMessage.userid, [person.userid]), OutboxMessage.msgtype == "text", or_(*keys))
        .order_by(OutboxMessage.id))
    return "\n".join(payload["content"] for payload in payloads)


def _named_in(notices: str, account) -> bool:
    """Whether the notices speak of `account` (「单位的「名称（平台）」」, or 「您负责的单位政务新媒体账号「…」」)."""
    label = f"「{account_label(account)}」"
    return any(f"{account.unit.name}{link}{label}" in notices for link in ("的", "政务新媒体账号"))


@digest_section
def overdue_rectifications(session: Session, unit_ids: list[int], day: date, person: org.Person) -> Section | None:
    items = overdue_items(session, day, unit_ids)
    if not items:
        return None
    return Section(f"逾期未整改（{len(items)}项）", [describe(item, day) for item in items])


@digest_section
def awaiting_review(session: Session, unit_ids: list[int], day: date, person: org.Person) -> Section | None:
    items = session.scalars(select(Rectification).where(  # reviewed by the bureau that issued it, or one above
        Rectification.unit_id.in_(unit_ids), Rectification.status == SUBMITTED,
        or_(Rectification.bureau_id.is_(None), Rectification.bureau_id.in_(unit_ids))).order_by(Rectification.id)).all()
    cases = session.scalars(select(DormancyCase).where(
        DormancyCase.unit_id.in_(unit_ids), DormancyCase.status == CASE_EXPLAINED).order_by(DormancyCase.id)).all()
    if not items and not cases:
        return None
    lines = [f"整改 {i.id}：{i.unit.name}｜{i.problem}（回复「通过整改 {i.id}」或「重新整改 {i.id} 原因」）"
             for i in items]
    lines += [f"跟进事项 {c.id}：{c.unit.name}「{c.account_label}」的说明（回复「接受说明 {c.id}」或「驳回说明 {c.id} 原因」）"
              for c in cases]
    return Section(f"待您审核（{len(lines)}项）", lines)


@digest_section
def unanswered_cases(session: Session, unit_ids: list[int], day: date, person: org.Person) -> Section | None:
    """Follow-up cases (停更90天, 责令关闭) the unit has left for CASE_ANSWER_WORKDAYS: neither a cancellation in
    approval nor an explanation awaiting review. The account must close (第15条); nothing else chases the unit."""
    cases = session.scalars(select(DormancyCase).where(
        DormancyCase.unit_id.in_(unit_ids), DormancyCase.status == CASE_OPEN).order_by(DormancyCase.id)).all()
    if not cases:
        return None
    drafted = [c.approval_request_id for c in cases if c.approval_request_id]
    requests = {r.id: r for r in session.scalars(select(ApprovalRequest).where(ApprovalRequest.id.in_(drafted)))}
    workdays.prime(session)  # bureau-entered days, read with this session (inside its transaction)
    lines = []
    for case in cases:
        opened = clock.localize(case.opened_at).date()
        waited = workdays.workdays_between(opened, day)
        req = requests.get(case.approval_request_id)
        if waited < CASE_ANSWER_WORKDAYS or (req is not None and req.status in PENDING_STATUSES):
            continue
        state = f"注销申请第{req.id}号{req.status}" if req is not None else "尚未申请注销"
        lines.append(f"跟进事项 {case.id}：{case.unit.name}「{case.account_label}」{case.source}，"
                     f"{opened.month}月{opened.day}日建立，已{waited}个工作日；{state}"
                     + ("，说明未被接受" if case.decided_at else "，也没有作出说明"))
    if not lines:
        return None
    return Section(f"停更跟进超过{CASE_ANSWER_WORKDAYS}个工作日未办理（{len(lines)}项，请督促单位申请注销或作出说明，"
                   "必要时约谈、警告，第32条）", lines)


def compose(session: Session, person: org.Person, day: date) -> str | None:
    unit_ids = org.visible_unit_ids(session, person)
    sections = [s for s in (fn(session, unit_ids, day, person) for fn in SECTIONS) if s]
    if not sections:
        return None
    parts = [f"【每日摘要】{day.isoformat()}"]
    for n, section in enumerate(sections, 1):
        parts.append(f"{n}. {section.title}")
        parts += [f"  · {line}" for line in section.lines]
    parts.append("（回复「摘要 关闭」可停止接收）")
    return "\n".join(parts)


@scheduled("bureau_digest", daily_at(9, 30),
           title="给主管单位管理员发每日摘要")
def bureau_digest(period: str) -> str:
    day = date.fromisoformat(period)
    sent = 0
    with db.transaction() as session:
        for person in org.people_with_role(session, org.BUREAU_ADMIN):
            if person.digest_opt_out or not person.is_bureau_user:
                continue
            text = compose(session, person, day)
            if text and outbox.push_text(session, person, text, dedupe_key=f"digest:{period}:{person.id}", once=True):
                sent += 1
    return f"发出每日摘要{sent}份"


importlib.import_module("jobs.digest_approvals")  # adds the approvals and registry sections
