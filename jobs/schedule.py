"""The schedule: which job runs when, in the bot's time zone (Beijing time), exactly once per period.

rq's own `rq cron` reads cron strings in UTC, so the schedule is ours: every tick the
scheduler computes each job's due periods in local time and claims each period with a
unique `job_run` row. Two schedulers, or a restarted one, cannot claim a period twice;
a period missed while the scheduler was down is claimed (caught up) on the next tick.
A claimed period whose RQ job Redis lost is enqueued again (jobs/lost_runs.py).
A job that has never run anywhere (a new installation, or a job added by an upgrade) does not
catch up a period that was due before the scheduler first started (`skip_missed`): a county
that installs the bot on Thursday is not chased for last week's reports nobody asked for.

Register a job with:

    @scheduled("weekly_reminder_0900", daily_at(9, 0, workdays_only=True))
    def weekly_reminder(period: str) -> None: ...
"""
from __future__ import annotations

import importlib
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

import redis
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from bot import clock, db, workdays
from jobs.outage import Outage
from models.platform import JobRun

log = logging.getLogger("bot.schedule")
REDIS = Outage(log, "scheduler")  # this process's view of Redis: down/still down/back, not every tick
DATABASE = Outage(log, "scheduler", "database")

# Modules that define scheduled jobs; importing them registers their jobs.
JOB_MODULES = [
    "jobs.maintenance",
    "jobs.calendar_check",
    "jobs.approvals",
    "jobs.weekly",
    "jobs.dormancy",
    "jobs.rectification",
    "jobs.training",
    "jobs.digest",
    "jobs.bulletin",
]


@dataclass
class Slot:
    """When a job is due: `periods(now)` lists (period, due_at) at or before now, oldest first."""

    periods: Callable[[datetime], list[tuple[str, datetime]]]
    describe: str
    frequent: bool = False  # every few minutes: its old job_run rows are pruned (jobs/maintenance.py)


def every_minutes(n: int) -> Slot:
    def periods(now: datetime):
        base = now.replace(second=0, microsecond=0)
        base -= timedelta(minutes=base.minute % n)
        return [(base.strftime("%Y-%m-%dT%H:%M"), base)]
    return Slot(periods, f"每{n}分钟", frequent=True)


def daily_at(hour: int, minute: int = 0, *, workdays_only: bool = True, when: Callable[[date], bool] | None = None,
             lookback_days: int = 7) -> Slot:
    """Once a day at HH:MM local time, on working days (or days for which `when` is true).

    Only the latest missed period is caught up: a scheduler down for a week does not
    send a week of reminders."""
    def due(day: date) -> bool:
        if workdays_only and not workdays.is_workday(day):
            return False
        return when(day) if when else True

    def periods(now: datetime):
        for back in range(lookback_days + 1):
            day = now.date() - timedelta(days=back)
            at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=now.tzinfo)
            if at <= now and due(day):
                return [(day.isoformat(), at)]
        return []
    days = "工作日" if workdays_only else "每天"
    return Slot(periods, f"{days} {hour:02d}:{minute:02d}" + ("（符合条件的日子）" if when else ""))


@dataclass
class ScheduledJob:
    name: str
    slot: Slot
    func: Callable[[str], object]
    title: str = ""  # what it does, in Chinese (`jobs list`)

    @property
    def path(self) -> str:
        return f"{self.func.__module__}.{self.func.__name__}"


REGISTRY: dict[str, ScheduledJob] = {}


def scheduled(name: str, slot: Slot, title: str = ""):
    def deco(fn):
        REGISTRY[name] = ScheduledJob(name, slot, fn, title)
        return fn
    return deco


def load_jobs() -> dict[str, ScheduledJob]:
    for module in JOB_MODULES:
        importlib.import_module(module)
    return REGISTRY


def claim(job: str, period: str) -> bool:
    """Record that `job` runs for `period`; False if some process already did."""
    try:
        with db.transaction() as session:
            session.add(JobRun(job=job, period=period, status="queued", started_at=clock.now()))
        return True
    except IntegrityError:
        return False


def release(job: str, period: str) -> None:
    with db.transaction() as session:
        row = session.scalar(select(JobRun).where(JobRun.job == job, JobRun.period == period))
        if row is not None:
            session.delete(row)


def run_job(name: str, period: str) -> object:
    """The RQ entry point for scheduled jobs: run and record the outcome."""
    job = load_jobs()[name]
    if not _start(name, period):
        return None
    try:
        result = job.func(period)
    except Exception as exc:
        _finish(name, period, "failed", f"{type(exc).__name__}: {exc}"[:500])
        raise
    _finish(name, period, "done", None if result is None else str(result)[:500])
    return result


def ran_by_hand(name: str, period: str, result: object) -> None:
    """`flask --app bot jobs run` ran the period: a claimed one (failed, lost, still queued) is done now — `jobs list`
    says so, the scheduler does not retry it and a copy still in the queue does not run it again."""
    _finish(name, period, "done", None if result is None else str(result)[:500])


def _start(name: str, period: str) -> bool:
    """Mark the period `running`; False when it is not `queued`: a second copy of its RQ job (module docstring of
    jobs/lost_runs.py) does not run it again. A period with no row (enqueued by hand) runs."""
    with db.transaction() as session:
        if session.execute(update(JobRun).where(JobRun.job == name, JobRun.period == period, JobRun.status == "queued")
                           .values(status="running", started_at=clock.now())).rowcount:
            return True
        status = session.scalar(select(JobRun.status).where(JobRun.job == name, JobRun.period == period))
    if status is None:
        return True
    log.warning("schedule job=%s period=%s not run again: already %s", name, period, status)
    return False


def _finish(name: str, period: str, status: str, detail: str | None) -> None:
    with db.transaction() as session:
        row = session.scalar(select(JobRun).where(JobRun.job == name, JobRun.period == period))
        if row is not None:
            row.status, row.finished_at, row.detail = status, clock.now(), detail


def tick(enqueue: Callable[[str, str], None] | None = None) -> list[tuple[str, str]]:
    """One pass of the scheduler: claim and enqueue every due, unclaimed period; re-enqueue the periods whose RQ job
    Redis lost and retry the failed ones (jobs/lost_runs.py, only with the real queue)."""
    from jobs import connection, lost_runs
    now = clock.local_now()
    jobs = load_jobs()
    started = []
    for job in jobs.values():
        for period, due in job.slot.periods(now):
            if waits_for_morning(job, due, now) or not claim(job.name, period):
                continue
            try:
                (enqueue or _enqueue)(job.name, period)
            except Exception as exc:  # Redis down: un-claim so the next tick retries
                release(job.name, period)
                _enqueue_failed(job.name, period, exc)
                continue
            REDIS.answered()
            started.append((job.name, period))
            log.info("schedule job=%s period=%s enqueued", job.name, period)
    if enqueue is None:
        try:
            lost_runs.requeue_lost(jobs, connection(), _enqueue)
            lost_runs.retry_failed(jobs, _enqueue)
        except redis.RedisError as exc:  # Redis down: the next tick looks again
            REDIS.failed(exc)
    return started


OFFICE_HOURS = range(8, 20)  # local hours in which a missed slot is caught up
CATCH_UP_AFTER = timedelta(minutes=30)  # a slot due longer ago than this is a catch-up, not a late tick


def waits_for_morning(job: ScheduledJob, due: datetime, now: datetime) -> bool:
    """A slot missed while the scheduler (or the machine) was down, found at night, is caught up at 08:00: the
    morning's reminders are not pushed to people's phones at 2 a.m. A job due at night (the 03:30 clean-up) runs on
    time; only its catch-up waits. By 08:00 the slot is still the latest (no user-facing job is due before 09:00)."""
    return not job.slot.frequent and now - due > CATCH_UP_AFTER and now.hour not in OFFICE_HOURS


def _enqueue_failed(name: str, period: str, exc: Exception) -> None:
    """Redis down is said once, then summarised (jobs/outage.py), not on every tick; anything else is logged."""
    if isinstance(exc, redis.RedisError):
        REDIS.failed(exc)
    else:
        log.warning("schedule enqueue failed job=%s period=%s error=%s", name, period, type(exc).__name__)


def _enqueue(name: str, period: str) -> None:
    from jobs import lost_runs, queue
    queue().enqueue(run_job, name, period, job_timeout=int(lost_runs.JOB_TIMEOUT.total_seconds()),
                    job_id=lost_runs.job_id(name, period))


SKIP_GRACE = timedelta(minutes=30)  # a slot due less than this long ago still runs on first start
# The row of a job first seen with no slot due lately: it has "run before", so a later slot the machine was off over
# is caught up, not skipped as if the job had just been installed (`jobs list` does not show it).
REGISTERED = "registered"


def skip_missed(grace: timedelta = SKIP_GRACE) -> list[tuple[str, str]]:
    """Record, without running, the due periods of jobs that have never run: on the first start
    of a new installation (or of a job added by an upgrade) yesterday's slot is not caught up.
    Jobs with any earlier run are left alone, so downtime is still caught up once; a job with no slot due
    lately gets a `registered` row, or its first slot would be skipped after any restart past it."""
    now = clock.local_now()
    with db.transaction() as session:
        ran = set(session.scalars(select(JobRun.job).distinct()))
    skipped = []
    for job in load_jobs().values():
        if job.name in ran:
            continue
        periods = job.slot.periods(now)
        for period, due in periods:
            if now - due < grace:
                continue
            if _record(JobRun(job=job.name, period=period, status="skipped", started_at=clock.now(),
                              finished_at=clock.now(), detail="installed after this slot: not caught up")):
                skipped.append((job.name, period))
                log.info("schedule job=%s period=%s skipped (first start after the slot)", job.name, period)
        if not periods:  # not due lately (a monthly job, one due from October): it is known now all the same
            _record(JobRun(job=job.name, period=REGISTERED, status=REGISTERED, started_at=clock.now(),
                           finished_at=clock.now(), detail="first seen by the scheduler"))
    return skipped


def _record(run: JobRun) -> bool:
    try:
        with db.transaction() as session:
            session.add(run)
        return True
    except IntegrityError:
        return False  # another scheduler got there first


def main(interval: float = 20.0) -> None:  # pragma: no cover - the `cron` process
    from bot import ctrl_c, logs
    logs.setup()
    with ctrl_c.remembered() as pressed:  # an error that replaced a Ctrl-C stops the loop all the same
        log.info("scheduler started; jobs=%s", ", ".join(sorted(load_jobs())))
        try:
            skip_missed()
        except Exception:  # the database is not there yet: tick() will report it
            if pressed:
                raise KeyboardInterrupt from None
            log.exception("scheduler could not check for first-start periods")
        while True:
            try:
                tick()
                DATABASE.answered()  # every tick asks the database (its claims, the lost-job check)
            except Exception as exc:
                if pressed:
                    raise KeyboardInterrupt from None
                _tick_failed(exc)
            time.sleep(interval)


def _tick_failed(exc: Exception) -> None:
    """The database down is said once, then summarised (jobs/outage.py), not with a traceback every 20 seconds."""
    if isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
        DATABASE.failed(exc)
    else:
        log.exception("scheduler tick failed")
