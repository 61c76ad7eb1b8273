"""Approval requests (models/approval.py) of every kind in every state, their decisions, and the
national-registry filings (第11条) of the approved ones — steps of bench/generate.py.

Two sources of requests, both inside the generated period (the first report week … NOW, Monday
08:00 of the week without reports):
- the accounts' own history (`plan_lifecycle`, run by gen_accounts before the accounts are written):
  every 已注销 / 已关停 account was closed by an approved 注销 / 关停 request (closed_on: the day it
  was approved; no weekly report entries after it), about 6 % of the other 正常 accounts were opened
  in the period by an approved 开设 (opened_on: that day; no entries before it), and every 变更中
  account has its 变更 pending at the unit head, the county bureau or the city bureau;
- one to three more per unit (`gen_approvals`): 变更 approved (a third of them in a second round,
  after a send-back), and 开设 / 变更 / 注销 rejected, sent back, withdrawn or in draft, and recent
  开设 / 注销 pending at each of the three steps.
A chain is unit head → a reviewer of the county bureau → a city reviewer (Config.city_step_is_approval),
each decision the same afternoon or up to three working days after the one before, in office hours
on working days; a request filed by its unit's only head carries the head's opinion at submission.
Each approved request has its registry filing, due 3 working days after approval: about 5 % filed
late, 1 % never filed (overdue), the rest in time — except the last few days', not filed yet.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bench.dataset_time import NOW, add_workdays, is_workday, later, office_hours, to_utc, workday_between
from models.account import CANCELLED, CHANGING, NORMAL, REGISTRY_PENDING, SUSPENDED
from models.approval import (AGREE, APPROVED, CANCEL, CHANGE, CLOSE_REASONS, DRAFT, OPEN, REJECT, REJECTED,
                             RETURN, RETURNED, STEP_BUREAU, STEP_STATUS, STEP_UNIT, STEPS, SUSPEND,
                             WITHDRAWN)

PENDING = "pending"  # an outcome here: waiting at one of the steps (status 待…审核)
OPENED_SHARE = 0.06
LATE_SHARE, UNFILED_SHARE = 0.05, 0.01
REGISTRY_WORKDAYS = 3  # 第11条
HEAD_OPINION = "（申请人为单位负责人，提交即为开设单位意见）"
# Background requests per unit: (kind, outcome, weight)
MIX = ((CHANGE, APPROVED, 40), (OPEN, REJECTED, 8), (OPEN, RETURNED, 6), (OPEN, WITHDRAWN, 3), (OPEN, DRAFT, 3),
       (OPEN, PENDING, 8), (CHANGE, REJECTED, 6), (CHANGE, RETURNED, 5), (CHANGE, WITHDRAWN, 3), (CHANGE, DRAFT, 2),
       (CANCEL, REJECTED, 5), (CANCEL, RETURNED, 3), (CANCEL, WITHDRAWN, 2), (CANCEL, PENDING, 4), (CANCEL, DRAFT, 2))
OPINIONS = {AGREE: ("同意。", "同意，请按规定报送。", None),
            REJECT: ("同类账号已开设，建议整合，不同意开设。", "理由不充分，不同意。", "保障制度不完善，不同意。"),
            RETURN: ("请补充账号功能说明和内容审核制度。", "请核对账号负责人及联系方式后重新提交。")}
FUNCTIONS = ("发布本单位政务信息、政策解读和办事服务", "发布工作动态，回应群众关切", "提供便民服务和办事指南")


@dataclass
class Spec:
    """One request before ids are given (in order of creation)."""
    kind: str
    unit: int
    applicant: int
    account: int | None
    outcome: str
    created: datetime  # local
    form: dict
    changes: dict | None = None
    reason_kind: str | None = None
    reason: str | None = None
    submitted: datetime | None = None
    round: int = 1
    step: str | None = None  # pending: where
    step_started: datetime | None = None
    decided: datetime | None = None
    decisions: list = field(default_factory=list)  # (round, step, decider, decision, opinion, local at)


def plan_approvals(ctx) -> None:
    """Every request, decision and filing, planned with the accounts (gen_accounts): the accounts' dates
    and registry status follow from them. gen_approvals writes them once the accounts are in."""
    specs = _lifecycle(ctx, ctx.rng_for("lifecycle")) + _background(ctx, ctx.rng_for("approvals"))
    specs.sort(key=lambda s: s.created)
    rng = ctx.rng_for("filings")
    requests, decisions, filings = [], [], []
    for rid, spec in enumerate(specs, 1):
        requests.append(_request_row(rid, spec))
        for rnd, step, decider, decision, opinion, at in spec.decisions:
            decisions.append((len(decisions) + 1, rid, rnd, step, decider, decision, opinion, to_utc(at)))
        if spec.outcome == APPROVED and spec.account is not None:
            filings.append(_filing(ctx, rng, len(filings) + 1, rid, spec))
    ctx.approval_rows = (requests, decisions, filings)


def gen_approvals(ctx, w) -> int:
    requests, decisions, filings = ctx.approval_rows
    n = w.write("approval_request", ("id", "kind", "unit_id", "applicant_id", "account_id", "form", "changes",
                                     "reason_kind", "reason", "rules_submitted", "announcement", "status", "step",
                                     "round", "created_at", "submitted_at", "step_started_at", "decided_at",
                                     "reminders_sent", "escalated", "urged_on"), requests)
    w.write("approval_decision", ("id", "request_id", "round", "step", "decider_id", "decision", "opinion", "at"),
            decisions)
    w.write("registry_filing", ("id", "request_id", "account_id", "unit_id", "approved_on", "deadline", "filed_at",
                                "filed_by", "screenshot_media_id", "reminders_sent", "bureau_told_on"), filings)
    ctx.approval_rows = None
    return n


def _lifecycle(ctx, rng: random.Random) -> list[Spec]:
    """Closures, openings and pending changes of the accounts: their dates go into the account rows."""
    specs = []
    window_end = NOW.date() - timedelta(days=21)
    for row in ctx._account_rows:
        aid, unit, status = row[0], row[3], row[5]
        if status in (CANCELLED, SUSPENDED):
            spec = _decided(ctx, rng, unit, CANCEL if status == CANCELLED else SUSPEND, APPROVED, aid,
                            ctx.first_week, window_end)
            row[10] = ctx.closed_on[aid] = spec.decided.date()
        elif status == NORMAL and aid not in ctx.stop_on and rng.random() < OPENED_SHARE:
            spec = _decided(ctx, rng, unit, OPEN, APPROVED, aid, ctx.first_week, window_end)
            row[6] = ctx.opened_on[aid] = spec.decided.date()
            ctx.opened_in_period.add(aid)
        elif status == CHANGING:
            spec = _pending(ctx, rng, unit, CHANGE, aid, rng.choice(STEPS))
        else:
            continue
        specs.append(spec)
    return specs


def _background(ctx, rng: random.Random) -> list[Spec]:
    """One to three more requests per unit, of the mix MIX."""
    specs = []
    kinds, weights = [(k, o) for k, o, _ in MIX], [n for *_, n in MIX]
    for unit in ctx.host_ids:
        busy = set()  # accounts with a pending request: one at a time
        normal = [a for a in ctx.accounts_of[unit] if ctx.account_row(a)[5] == NORMAL
                  and a not in ctx.opened_in_period]
        for _ in range(rng.randint(1, 3)):
            kind, outcome = rng.choices(kinds, weights)[0]
            account = None
            if kind != OPEN:
                free = [a for a in normal if a not in busy]
                if not free:
                    continue
                account = rng.choice(free)
            if outcome == PENDING:
                busy.add(account)
                specs.append(_pending(ctx, rng, unit, kind, account, rng.choice(STEPS)))
            elif outcome == DRAFT:
                specs.append(_draft(ctx, rng, unit, kind, account))
            else:
                specs.append(_decided(ctx, rng, unit, kind, outcome, account, ctx.first_week,
                                      NOW.date() - timedelta(days=2), second_round=rng.random() < 0.33))
    return specs


# --- one request ------------------------------------------------------------------------------

def _new(ctx, rng: random.Random, unit: int, kind: str, account: int | None, outcome: str,
         created: datetime) -> Spec:
    staff = ctx.staff_of[unit]
    applicant = staff[-1]
    if account is not None:
        row = ctx.account_row(account)
        name, platform, responsible = row[1], row[2], row[4]
    else:
        name = f"{ctx.unit_name[unit][-8:]}{rng.choice(('发布', '服务', '资讯'))}{rng.randint(1, 99):02d}"
        platform, responsible = rng.choice(("微信公众号", "抖音", "视频号", "微博")), staff[0]
    form = {"name": name, "platform": platform, "function": rng.choice(FUNCTIONS), "url": None,
            "platform_account_id": None, "responsible_id": responsible,
            "responsible_name": ctx.person_name.get(responsible), "contact": None, "operator": None,
            "unit_name": ctx.unit_name[unit]}
    spec = Spec(kind, unit, applicant, account, outcome, created, form)
    if kind == OPEN:
        spec.reason = "适应政务公开和便民服务需要，开设本单位政务新媒体账号。"
    elif kind == CHANGE:
        spec.reason_kind = rng.choice(("整改", "其他"))
        spec.reason = "按通报要求调整账号功能定位。" if spec.reason_kind == "整改" else "账号负责人调整。"
        spec.changes = {"function": [None, rng.choice(FUNCTIONS)]}
    else:
        spec.reason_kind = rng.choice(CLOSE_REASONS)
        spec.reason = f"{spec.reason_kind}，申请{kind}。"
    return spec


def _decided(ctx, rng, unit, kind, outcome, account, first: date, last: date, second_round: bool = False) -> Spec:
    """Approved, rejected, sent back or withdrawn, submitted in [first, last], decided before NOW."""
    while True:
        spec = _decide(ctx, rng, unit, kind, outcome, account, workday_between(rng, first, last), second_round)
        if spec.decided < NOW:
            return spec


def _decide(ctx, rng, unit, kind, outcome, account, day: date, second_round: bool) -> Spec:
    submitted = office_hours(rng, day)
    spec = _new(ctx, rng, unit, kind, account, outcome, submitted - timedelta(minutes=rng.randint(10, 600)))
    spec.submitted = submitted
    if outcome == APPROVED and second_round:
        returned = _walk(ctx, rng, spec, submitted, RETURN, rng.choice((1, 2)))
        spec.round, spec.submitted = 2, later(rng, returned, 5)
        spec.decided = _walk(ctx, rng, spec, spec.submitted, AGREE, len(STEPS) - 1)
    elif outcome == APPROVED:
        spec.decided = _walk(ctx, rng, spec, submitted, AGREE, len(STEPS) - 1)
    elif outcome == REJECTED:
        spec.decided = _walk(ctx, rng, spec, submitted, REJECT, rng.choice((0, 1, 1, 2)))
    elif outcome == RETURNED:
        spec.decided = _walk(ctx, rng, spec, submitted, RETURN, rng.choice((1, 1, 2)))
    else:  # withdrawn while waiting at some step
        at = _walk(ctx, rng, spec, submitted, AGREE, rng.choice((0, 1))) if rng.random() < 0.5 \
            else _unit_opinion(ctx, spec, submitted)
        spec.decided = later(rng, at, 2)
    return spec


def _pending(ctx, rng, unit, kind, account, step: str) -> Spec:
    """Waiting at `step`, submitted in the last three weeks, entered the step before NOW."""
    index = STEPS.index(step)
    if index == 0 and ctx.staff_of[unit][-1] == ctx.staff_of[unit][0]:
        index, step = 1, STEP_BUREAU  # filed by the unit's only head: it starts at the bureau
    while True:
        submitted = office_hours(rng, workday_between(rng, NOW.date() - timedelta(days=21),
                                                      NOW.date() - timedelta(days=1)))
        spec = _new(ctx, rng, unit, kind, account, PENDING, submitted - timedelta(minutes=rng.randint(10, 600)))
        spec.submitted = submitted
        started = _walk(ctx, rng, spec, submitted, AGREE, index - 1) if index else _unit_opinion(ctx, spec, submitted)
        if started < NOW:
            break
    spec.step, spec.step_started = step, started
    return spec


def _draft(ctx, rng, unit, kind, account) -> Spec:
    created = office_hours(rng, workday_between(rng, ctx.first_week, NOW.date() - timedelta(days=1)))
    return _new(ctx, rng, unit, kind, account, DRAFT, created)


def _walk(ctx, rng, spec: Spec, start: datetime, last_decision: str, last_index: int) -> datetime:
    """Agree at each step before `last_index`, then `last_decision` there; returns the last moment."""
    at = _unit_opinion(ctx, spec, start)
    first = 1 if spec.decisions and spec.decisions[-1][:2] == (spec.round, STEP_UNIT) else 0
    if last_index < first:  # the head's opinion was the step asked for; a refusal moves to the bureau
        if last_decision == AGREE:
            return at
        last_index = first
    for index in range(first, last_index + 1):
        decision = last_decision if index == last_index else AGREE
        at = later(rng, at)
        spec.decisions.append((spec.round, STEPS[index], _decider(ctx, rng, spec.unit, STEPS[index]), decision,
                               rng.choice(OPINIONS[decision]), at))
    return at


def _unit_opinion(ctx, spec: Spec, submitted: datetime) -> datetime:
    """The unit's only head filed it: filing is the unit's opinion (附件2 注2)."""
    if spec.applicant == ctx.staff_of[spec.unit][0]:
        spec.decisions.append((spec.round, STEP_UNIT, spec.applicant, AGREE, HEAD_OPINION, submitted))
    return submitted


def _decider(ctx, rng, unit: int, step: str) -> int:
    if step == STEP_UNIT:
        return ctx.staff_of[unit][0]
    if step == STEP_BUREAU:
        return rng.choice(ctx.bureau_people[ctx.county_of[unit]])
    return rng.choice(ctx.bureau_people[1])  # STEP_CITY: the top bureau's city reviewers


def _request_row(rid: int, spec: Spec) -> tuple:
    status = STEP_STATUS[spec.step] if spec.outcome == PENDING else spec.outcome
    reminders, escalated, urged = 0, False, None
    if spec.outcome == PENDING:
        waited = sum(1 for n in range(1, (NOW.date() - spec.step_started.date()).days + 1)
                     if is_workday(spec.step_started.date() + timedelta(days=n)))
        reminders, escalated = min(3, max(0, waited - 1)), waited >= 3
        urged = NOW.date() - timedelta(days=1) if waited >= 2 and rid % 3 == 0 else None
    return (rid, spec.kind, spec.unit, spec.applicant, spec.account, json.dumps(spec.form),
            json.dumps(spec.changes) if spec.changes else None, spec.reason_kind, spec.reason, spec.kind == OPEN,
            True if spec.kind in (CANCEL, SUSPEND) else None, status, spec.step, spec.round, to_utc(spec.created),
            _utc(spec.submitted), _utc(spec.step_started), _utc(spec.decided), reminders, escalated, urged)


def _utc(local: datetime | None) -> datetime | None:
    return to_utc(local) if local else None


def _filing(ctx, rng, fid: int, rid: int, spec: Spec) -> tuple:
    """The registry countdown: deadline 3 working days after approval; filed in time, late, or not yet."""
    approved_on = spec.decided.date()
    deadline = add_workdays(approved_on, REGISTRY_WORKDAYS)
    roll = rng.random()
    filed, reminders, told = None, 0, None
    if deadline >= NOW.date():
        if roll < 0.5:
            filed = later(rng, spec.decided, 1)
    elif roll < UNFILED_SHARE:
        reminders, told = 3, add_workdays(deadline, 1)
    elif roll < UNFILED_SHARE + LATE_SHARE:
        filed = office_hours(rng, add_workdays(deadline, rng.randint(1, 8)))
        reminders, told = rng.randint(1, 3), add_workdays(deadline, 1)
    else:
        filed = later(rng, spec.decided, 2)
        reminders = 1 if filed.date() > add_workdays(approved_on, 2) else 0
    if filed is not None and filed >= NOW:
        filed = None
    if filed is None:
        ctx.account_row(spec.account)[7] = REGISTRY_PENDING
    filer = ctx.userid_of[spec.applicant]
    return (fid, rid, spec.account, spec.unit, approved_on, deadline, _utc(filed), filer if filed else None,
            f"media-{fid:08d}" if filed else None, reminders, told if told and told < NOW.date() else None)
