"""The generated dataset's approvals, registry filings and trainings hang together (bench/generate.py),
on the test database (SQLite or PostgreSQL: COPY), at a tiny size."""
from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from bench.dataset_time import NOW
from bench.generate import GENERATION_STEPS, SEED, Ctx, populate
from bot import clock, db, workdays
from models.account import CANCELLED, CHANGING, SUSPENDED, Account
from models.approval import (AGREE, APPROVED, CANCEL, CHANGE, DRAFT, OPEN, PENDING_STATUSES, REJECTED, RETURNED,
                             STEP_STATUS, STEPS, SUSPEND, WITHDRAWN, ApprovalDecision, ApprovalRequest,
                             RegistryFiling)
from models.org import Person
from models.training import Training, TrainingAttendee
from models.weekly import WeeklyReport, WeeklyReportEntry


def _local(moment):
    return clock.localize(moment).replace(tzinfo=None) if moment else None


def test_approvals_filings_and_trainings_are_coherent(cfg, database_url):
    populate(database_url, 50, 500, 500, weeks=12)
    with db.transaction() as s:
        requests = list(s.scalars(select(ApprovalRequest).order_by(ApprovalRequest.id)))
        decisions = list(s.scalars(select(ApprovalDecision).order_by(ApprovalDecision.id)))
        filings = {f.request_id: f for f in s.scalars(select(RegistryFiling))}
        accounts = {a.id: a for a in s.scalars(select(Account))}
        # every kind in every state
        states = Counter((r.kind, r.status) for r in requests)
        assert {k for k, _ in states} == {OPEN, CHANGE, CANCEL, SUSPEND}
        assert {st for _, st in states} == {*PENDING_STATUSES, APPROVED, REJECTED, RETURNED, WITHDRAWN, DRAFT}
        for kind in (OPEN, CHANGE, CANCEL):
            assert len({st for k, st in states if k == kind}) >= 5, (kind, states)
        by_request: dict[int, list[ApprovalDecision]] = {}
        for d in decisions:
            by_request.setdefault(d.request_id, []).append(d)
        for r in requests:
            moments = [_local(m) for m in (r.created_at, r.submitted_at, r.step_started_at, r.decided_at) if m]
            assert all(m < NOW for m in moments), r.id
            assert r.created_at <= (r.submitted_at or r.created_at), r.id
            current = [d for d in by_request.get(r.id, []) if d.round == r.round]
            assert all(d.at >= r.submitted_at for d in current), r.id
            if r.status == APPROVED:
                assert [(d.step, d.decision) for d in current] == [(step, AGREE) for step in STEPS], r.id
                assert r.decided_at == current[-1].at and r.account_id is not None
                filing = filings.pop(r.id)
                approved_on = _local(r.decided_at).date()
                assert filing.approved_on == approved_on and filing.account_id == r.account_id
                assert filing.deadline == workdays.add_workdays(approved_on, 3)  # the bot's own arithmetic
                assert filing.filed_at is None or r.decided_at < filing.filed_at and _local(filing.filed_at) < NOW
            elif r.status in PENDING_STATUSES:
                assert STEP_STATUS[r.step] == r.status
                assert [d.step for d in current] == list(STEPS[:STEPS.index(r.step)]), r.id
                assert all(d.decision == AGREE for d in current)
            elif r.status == DRAFT:
                assert r.submitted_at is None and not current
            else:
                assert r.decided_at is not None and r.step is None
        assert not filings  # no filing without an approved request
        assert any(f.filed_at is None for f in s.scalars(select(RegistryFiling)))
        assert any(f.filed_at and _local(f.filed_at).date() > f.deadline for f in s.scalars(select(RegistryFiling)))
        # the accounts' dates follow from their approved requests
        approved = {(r.kind, r.account_id): _local(r.decided_at).date() for r in requests if r.status == APPROVED}
        for a in accounts.values():
            if a.status in (CANCELLED, SUSPENDED):
                assert a.closed_on == approved[(CANCEL if a.status == CANCELLED else SUSPEND, a.id)]
            if (OPEN, a.id) in approved:
                assert a.opened_on == approved[(OPEN, a.id)]
            if a.status == CHANGING:
                assert any(r.account_id == a.id and r.kind == CHANGE and r.status in PENDING_STATUSES
                           for r in requests)
        # no weekly report entry for a week the account was not in use
        for week, aid in s.execute(select(WeeklyReport.week, WeeklyReportEntry.account_id).join(WeeklyReportEntry)):
            a = accounts[aid]
            assert a.opened_on <= week + timedelta(days=6) and (a.closed_on is None or a.closed_on >= week)
        # trainings: on working days before NOW, attendees counted for their own unit
        trainings = list(s.scalars(select(Training)))
        assert trainings and all(workdays.is_workday(t.held_on) and t.held_on < NOW.date() for t in trainings)
        wrong_unit = s.scalar(select(func.count()).select_from(TrainingAttendee).join(
            Person, Person.id == TrainingAttendee.person_id).where(Person.unit_id != TrainingAttendee.unit_id))
        assert wrong_unit == 0
        assert 0 < s.scalar(select(func.count(func.distinct(TrainingAttendee.unit_id)))) <= 50


class Recorder:
    """Keeps what the steps would write (the generator without a database)."""

    def __init__(self):
        self.rows: dict[str, list] = {}

    def write(self, table, columns, rows):
        self.rows[table] = [tuple(r) for r in rows]
        return len(self.rows[table])


def test_generation_is_deterministic():
    def run(seed):
        ctx = Ctx(units=8, accounts=80, people=80, weeks=8, rng=random.Random(seed), seed=seed)
        recorder = Recorder()
        for step in GENERATION_STEPS:
            step(ctx, recorder)
        return recorder.rows

    first, again, other = run(SEED), run(SEED), run(SEED + 1)
    assert {"approval_request", "approval_decision", "registry_filing", "training", "training_attendee"} <= set(first)
    assert first == again
    assert first["approval_request"] != other["approval_request"]
