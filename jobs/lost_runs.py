"""Scheduled periods whose RQ job was lost: claimed (`job_run` status `queued`) but the job is no longer in Redis.

Redis restarted empty (or flushed) after the scheduler enqueued the job and before a worker took it, or a worker
was killed while running it (RQ then fails the job as abandoned, without running `run_job`'s bookkeeping). The
claim still stands, so no tick would run the period again: the day's reminders would silently never go out.

`requeue_lost` (every scheduler tick) puts such a period back in the queue under the same job id, as long as it is
still the job's latest period — scheduled jobs are idempotent (their pushes carry dedupe keys), so a run that got
part of the way sends only what is missing. A lost period that a later one has superseded is marked `lost` instead,
as a scheduler that was down does not catch up more than the latest period either. A job whose worker was killed
while running it counts as a run: one that kills its worker every time (out of memory, say) is marked `failed` after
`MAX_ATTEMPTS` runs, not run every few minutes all day. Every-few-minutes jobs are left
alone: their next period comes within minutes.

`retry_failed` (every tick too) runs a failed period again — a database or WeCom outage in the middle of the
morning's reminders would otherwise leave that day's reminders unsent — up to `MAX_ATTEMPTS` runs in all, waiting
`RETRY_AFTER` × the runs so far between them, while it is still the job's latest period. A job that fails every
time stays `failed` in `flask --app bot jobs list`, with the command that runs it again by hand.

Both mark the row `queued` before enqueueing, and only if it is still as read: two schedulers that found the same
period enqueue it once, and a worker that finishes at once records `done` after the mark, not before it. A copy of
the RQ job that still turns up (an enqueue that timed out after Redis took it, so the next tick enqueued the period
again) finds its period no longer `queued` and does not run: `schedule.run_job` marks the period `running` when it
starts. A running period whose RQ job Redis lost is run again only after `JOB_TIMEOUT`, when RQ would have stopped it.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Callable

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select, update

from bot import clock, db
from models.platform import JobRun

log = logging.getLogger("bot.schedule")

JOB_TIMEOUT = timedelta(minutes=30)  # RQ stops a scheduled job that runs longer
LOST_AFTER = timedelta(minutes=5)  # far longer than claim → enqueue takes; a younger claim may still be enqueueing
MAX_ATTEMPTS = 3  # a failed period runs at most this many times in all
RETRY_AFTER = timedelta(minutes=10)  # × the runs so far: 10 minutes after the first failure, 20 after the second
GONE = {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}  # ended without run_job recording an outcome


def job_id(name: str, period: str) -> str:
    return f"sched-{name}-{period}".replace(":", "")


def requeue_lost(jobs: dict, connection: redis.Redis, enqueue: Callable[[str, str], None]) -> list[tuple[str, str]]:
    """Re-enqueue (or mark `lost`) the claimed periods whose RQ job is gone; returns the re-enqueued ones."""
    now = clock.now()
    with db.transaction() as session:
        waiting = session.execute(select(JobRun.id, JobRun.job, JobRun.period, JobRun.status, JobRun.started_at,
                                         JobRun.attempts).where(JobRun.status.in_(("queued", "running")),
                                                                JobRun.started_at < now - LOST_AFTER)).all()
    requeued = []
    for run_id, name, period, status, started_at, attempts in waiting:
        job = jobs.get(name)
        ended = _ended(connection, name, period)
        if job is None or job.slot.frequent or ended is False:
            continue
        if status == "running" and ended is None and started_at > now - JOB_TIMEOUT - LOST_AFTER:
            continue  # Redis lost the job while a worker runs it: that run may still be going
        if period not in {p for p, _due in job.slot.periods(clock.local_now())}:
            _mark(name, period, "lost", "RQ job lost (Redis emptied or worker killed); a later period superseded it")
            log.warning("schedule job=%s period=%s lost in Redis; not re-run, a later period is due", name, period)
            continue
        if ended and attempts >= MAX_ATTEMPTS:  # it killed its worker each time (out of memory, say)
            _mark(name, period, "failed", f"the worker died while running it ({attempts} runs)")
            log.error("schedule job=%s period=%s: the worker died in each of its %d runs; not run again",
                      name, period, attempts)
            continue
        if not _take(run_id, status, started_at, attempts=attempts + 1 if ended else attempts):
            continue  # another scheduler re-enqueued it a moment ago
        enqueue(name, period)  # Redis down: the row stays queued and is found lost again after LOST_AFTER
        requeued.append((name, period))
        log.warning("schedule job=%s period=%s re-enqueued: its RQ job was lost (Redis emptied or worker killed)",
                    name, period)
    return requeued


def retry_failed(jobs: dict, enqueue: Callable[[str, str], None]) -> list[tuple[str, str]]:
    """Enqueue again the failed periods due a retry (module docstring); returns them."""
    now = clock.now()
    with db.transaction() as session:
        failed = session.scalars(select(JobRun).where(JobRun.status == "failed",
                                                      JobRun.attempts < MAX_ATTEMPTS)).all()
        due = [(r.id, r.job, r.period, r.attempts, r.started_at) for r in failed
               if r.finished_at is None or r.finished_at <= now - RETRY_AFTER * r.attempts]
    retried = []
    for run_id, name, period, attempts, started_at in due:
        job = jobs.get(name)
        if job is None or job.slot.frequent or period not in {p for p, _due in job.slot.periods(clock.local_now())}:
            continue
        if not _take(run_id, "failed", started_at, attempts=attempts + 1):
            continue  # another scheduler retried it a moment ago
        enqueue(name, period)  # Redis down: the row stays queued and is found lost after LOST_AFTER
        retried.append((name, period))
        log.warning("schedule job=%s period=%s failed; run %d of %d enqueued", name, period, attempts + 1, MAX_ATTEMPTS)
    return retried


def _take(run_id: int, status: str, started_at, **values) -> bool:
    """Mark the run queued again, before its job is enqueued, if it is still as this scheduler read it: a second
    scheduler that read the same row takes nothing, and a worker that finishes the job at once records `done` after
    this, not before."""
    with db.transaction() as session:
        taken = session.execute(update(JobRun).where(
            JobRun.id == run_id, JobRun.status == status, JobRun.started_at == started_at,
        ).values(status="queued", started_at=clock.now(), detail=None, **values)).rowcount
    return taken == 1


def _ended(connection: redis.Redis, name: str, period: str) -> bool | None:
    """None: the RQ job is not in Redis (lost before it ran, or its record expired); True: a worker took it and it
    ended without run_job recording an outcome (the worker was killed); False: still queued or running."""
    try:
        status = Job.fetch(job_id(name, period), connection=connection).get_status(refresh=False)
    except NoSuchJobError:
        return None
    return status in GONE


def _mark(name: str, period: str, status: str, detail: str | None) -> None:
    with db.transaction() as session:
        row = session.scalar(select(JobRun).where(JobRun.job == name, JobRun.period == period))
        row.status, row.detail, row.started_at = status, detail, clock.now()
        if status != "queued":
            row.finished_at = clock.now()
