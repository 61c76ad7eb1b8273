"""The schedule: each period runs once however many schedulers tick, and a missed period is
caught up once after downtime."""
from __future__ import annotations

import dataclasses
import logging
import os
import signal
import sys
import threading
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
import redis
from sqlalchemy import select

from bot import clock, config, db
from jobs import connection, lost_runs, schedule
from jobs.outage import Outage
from jobs.schedule import ScheduledJob, daily_at, every_minutes
from models.platform import JobRun
from tests.conftest import OWNER_KEY

RAN: list[str] = []
DEAD_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"  # connection refused at once


def _job(period: str) -> str:
    RAN.append(period)
    return f"ran {period}"


@pytest.fixture
def daily(cfg, monkeypatch):
    RAN.clear()
    monkeypatch.setitem(schedule.REGISTRY, "t_daily",
                        ScheduledJob("t_daily", daily_at(9, 0, workdays_only=False), _job))
    return "t_daily"


def at(day: int, hour: int, minute: int = 0) -> None:
    clock.set_now(datetime(2026, 12, day, hour, minute))  # Beijing time


def ticks(name: str, n: int = 1) -> list[str]:
    out = []
    for _ in range(n):
        out += [period for job, period in schedule.tick(enqueue=lambda *_: None) if job == name]
    return out


def test_two_ticks_for_one_period_run_once(daily):
    at(1, 9, 5)
    assert ticks(daily, 3) == ["2026-12-01"]
    at(1, 17, 0)
    assert ticks(daily) == []
    at(2, 9, 0)
    assert ticks(daily) == ["2026-12-02"]


def test_concurrent_schedulers_claim_a_period_once(daily):
    at(1, 9, 5)
    started: list[str] = []
    barrier = threading.Barrier(4)

    def scheduler():
        barrier.wait()
        started.extend(ticks(daily))

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    assert started == ["2026-12-01"]
    with db.transaction() as s:
        assert s.scalars(select(JobRun.period).where(JobRun.job == daily)).all() == ["2026-12-01"]


def test_not_before_its_time(daily):
    at(1, 9, 5)
    ticks(daily)
    at(2, 8, 59)
    assert ticks(daily) == []


def test_a_missed_period_is_caught_up_once_after_downtime(daily):
    at(1, 9, 5)
    assert ticks(daily) == ["2026-12-01"]
    at(2, 8, 30)  # the scheduler goes down before 09:00 …
    assert ticks(daily) == []
    at(2, 11, 45)  # … and comes back at 11:45
    assert ticks(daily, 2) == ["2026-12-02"]


def test_a_slot_missed_found_at_night_is_caught_up_in_the_morning(daily):
    """The machine was off over the 2nd's 09:00 and comes back at 02:00 on the 3rd: the reminders wait for 08:00."""
    at(1, 9, 5)
    assert ticks(daily) == ["2026-12-01"]
    at(3, 2, 0)
    assert ticks(daily) == []
    at(3, 7, 59)
    assert ticks(daily) == []
    at(3, 8, 0)
    assert ticks(daily) == ["2026-12-02"]
    at(3, 9, 0)
    assert ticks(daily) == ["2026-12-03"]


def test_a_job_due_at_night_runs_on_time_and_a_late_evening_catch_up_waits(daily, monkeypatch):
    monkeypatch.setitem(schedule.REGISTRY, "t_night",
                        ScheduledJob("t_night", daily_at(3, 30, workdays_only=False), _job))
    at(1, 3, 31)
    assert ticks("t_night") == ["2026-12-01"]
    at(1, 21, 0)  # down from 08:59 to 21:00: the day's 09:00 slot waits for the next morning
    assert ticks(daily) == []
    at(2, 8, 0)
    assert ticks(daily) == ["2026-12-01"]


def test_a_long_downtime_catches_up_only_the_latest_period(daily):
    at(1, 9, 5)
    ticks(daily)
    at(4, 10, 0)  # down for three days
    assert ticks(daily, 2) == ["2026-12-04"]


def test_working_days_only(cfg, monkeypatch):
    monkeypatch.setitem(schedule.REGISTRY, "t_work", ScheduledJob("t_work", daily_at(9, 0), _job))
    at(4, 9, 1)
    assert ticks("t_work") == ["2026-12-04"]  # Friday
    at(5, 9, 1)
    assert ticks("t_work") == []  # Saturday: Friday's is done, nothing new
    at(7, 9, 1)
    assert ticks("t_work") == ["2026-12-07"]


def test_every_minutes_periods():
    slot = every_minutes(5)
    [(period, due)] = slot.periods(datetime(2026, 12, 1, 10, 7, 30))
    assert period == "2026-12-01T10:05" and due == datetime(2026, 12, 1, 10, 5)


def test_tick_enqueues_and_the_worker_records_the_outcome(daily, redis_conn):
    from rq import Queue, SimpleWorker
    from jobs import QUEUE_NAME, connection
    at(1, 9, 5)
    assert ("t_daily", "2026-12-01") in schedule.tick()
    SimpleWorker([Queue(QUEUE_NAME, connection=connection())], connection=connection()).work(burst=True)
    assert RAN == ["2026-12-01"]
    with db.transaction() as s:
        run = s.scalar(select(JobRun).where(JobRun.job == daily))
        assert (run.status, run.detail) == ("done", "ran 2026-12-01") and run.finished_at


def work_off_the_queue() -> None:
    from rq import Queue, SimpleWorker
    from jobs import QUEUE_NAME, connection
    SimpleWorker([Queue(QUEUE_NAME, connection=connection())], connection=connection()).work(burst=True)


def redis_restarted_empty(redis_conn) -> None:
    redis_conn.flushdb()
    redis_conn.set(OWNER_KEY, "1")


def run_of(name: str, period: str) -> JobRun:
    with db.transaction() as s:
        return s.scalar(select(JobRun).where(JobRun.job == name, JobRun.period == period))


def test_a_period_whose_job_redis_lost_is_enqueued_again_and_runs_once(daily, redis_conn):
    at(1, 9, 5)
    assert ("t_daily", "2026-12-01") in schedule.tick()
    redis_restarted_empty(redis_conn)  # before a worker took the job: the claim stands, the job is gone
    at(1, 9, 7)
    schedule.tick()  # too soon to call it lost (a claim may be between its row and its enqueue)
    work_off_the_queue()
    assert RAN == []
    at(1, 9, 15)
    schedule.tick()
    schedule.tick()
    work_off_the_queue()
    assert RAN == ["2026-12-01"] and run_of(daily, "2026-12-01").status == "done"
    at(1, 9, 40)
    schedule.tick()
    work_off_the_queue()
    assert RAN == ["2026-12-01"]


def test_a_job_still_waiting_in_the_queue_is_not_enqueued_twice(daily, redis_conn):
    at(1, 9, 5)
    schedule.tick()
    at(1, 9, 45)  # no worker for 40 minutes: the job waits in Redis
    schedule.tick()
    work_off_the_queue()
    assert RAN == ["2026-12-01"]


def test_a_lost_period_that_a_later_one_superseded_is_marked_lost_not_run(daily, redis_conn):
    at(1, 9, 5)
    schedule.tick()
    redis_restarted_empty(redis_conn)
    at(2, 9, 5)  # the worker was down until the next day's slot
    schedule.tick()
    work_off_the_queue()
    assert RAN == ["2026-12-02"]
    lost = run_of(daily, "2026-12-01")
    assert lost.status == "lost" and "superseded" in lost.detail


def test_redis_down_releases_the_claim_so_the_next_tick_retries(daily):
    at(1, 9, 5)
    good = config.get()
    config.use(dataclasses.replace(good, redis_url="redis://127.0.0.1:1/0"))
    assert schedule.tick() == []
    with db.transaction() as s:
        assert s.scalars(select(JobRun)).all() == []
    config.use(good)
    assert ("t_daily", "2026-12-01") in schedule.tick()


def test_first_start_does_not_catch_up_a_slot_from_before_the_installation(daily):
    at(1, 15, 0)  # installed in the afternoon: this morning's 09:00 slot was never the bot's
    assert ("t_daily", "2026-12-01") in schedule.skip_missed()
    assert ticks(daily) == [] and RAN == []
    with db.transaction() as s:
        run = s.scalar(select(JobRun).where(JobRun.job == daily))
        assert run.status == "skipped" and "not caught up" in run.detail
    at(2, 9, 1)
    assert ticks(daily) == ["2026-12-02"]  # from the next slot on, as usual


def test_first_start_just_after_a_slot_still_runs_it(daily):
    at(1, 9, 10)  # within the grace: the slot is today's work
    assert daily not in {job for job, _period in schedule.skip_missed()}
    assert ticks(daily) == ["2026-12-01"]


def test_a_job_that_ran_before_is_still_caught_up_after_downtime(daily):
    at(1, 9, 5)
    assert ticks(daily) == ["2026-12-01"]
    at(3, 15, 0)  # the scheduler was down across the 2nd and 3rd 09:00 slots
    assert daily not in {job for job, _period in schedule.skip_missed()}
    assert ticks(daily) == ["2026-12-03"]  # the latest missed period, once



def test_a_job_first_due_after_the_installation_is_caught_up_after_downtime(daily, monkeypatch):
    """Like the training reminder (due from October): installed in November, the machine was off over its first
    slot. Nothing of it had ever run, so the restart skipped that slot as if the job had just been installed."""
    from jobs import last_runs
    monkeypatch.setitem(schedule.REGISTRY, "t_december", ScheduledJob(
        "t_december", daily_at(9, 0, when=lambda day: day.month == 12, lookback_days=31), _job))
    clock.set_now(datetime(2026, 11, 20, 15, 0))  # installed
    schedule.skip_missed()
    assert ticks("t_december") == [] and last_runs.latest(["t_december"]) == {}
    at(1, 11, 0)  # off from before 09:00: the machine boots at 11:00 and the scheduler starts
    assert "t_december" not in {job for job, _period in schedule.skip_missed()}
    assert ticks("t_december") == ["2026-12-01"]
    assert last_runs.latest(["t_december"])["t_december"].period == "2026-12-01"


class LoopedOn(BaseException):
    """Raised by the test's tick when the scheduler carried on after the tick before it (not an Exception: the
    scheduler's loop would log it and go on)."""


def run_scheduler_until(stopped_by: type[BaseException]) -> None:
    """The `cron` process's loop, with Python's own Ctrl-C handler as that process has it (an in-process RQ worker
    of an earlier test leaves RQ's), until `stopped_by` ends it."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(stopped_by):
            schedule.main(interval=0.01)
    finally:
        signal.signal(signal.SIGINT, before)


def test_a_ctrl_c_that_an_error_replaced_still_stops_the_scheduler(cfg, monkeypatch):
    """Ctrl-C in the pool's ping comes out as a ProgrammingError (SQLAlchemy restores autocommit in a `finally` on the
    connection psycopg just cancelled): the loop, which logs errors and goes on, must stop all the same."""
    calls = []

    def tick_pressed_in_the_ping():
        calls.append("tick")
        if len(calls) > 1:
            raise LoopedOn
        try:
            signal.raise_signal(signal.SIGINT)
        finally:
            raise RuntimeError("can't change 'autocommit' now: connection in transaction status INERROR")

    monkeypatch.setattr(schedule, "tick", tick_pressed_in_the_ping)
    run_scheduler_until(KeyboardInterrupt)
    assert calls == ["tick"]


def test_an_error_without_ctrl_c_is_logged_and_the_scheduler_goes_on(cfg, monkeypatch, caplog):
    calls = []

    def failing_tick():
        calls.append("tick")
        if len(calls) > 1:
            raise LoopedOn
        raise RuntimeError("Redis went away")

    monkeypatch.setattr(schedule, "tick", failing_tick)
    run_scheduler_until(LoopedOn)
    assert calls == ["tick", "tick"] and "scheduler tick failed" in caplog.text


def _broken(period: str) -> None:
    raise RuntimeError("数据库连接中断")


def test_jobs_list_says_each_jobs_latest_run_and_how_to_run_a_failed_one_again(daily, app, redis_conn, monkeypatch):
    monkeypatch.setitem(schedule.REGISTRY, "t_broken",
                        ScheduledJob("t_broken", daily_at(9, 30, workdays_only=False), _broken))
    at(1, 9, 35)
    schedule.tick()
    work_off_the_queue()
    lines = app.test_cli_runner().invoke(args=["jobs", "list"]).output.splitlines()

    def latest(name: str) -> str:
        [at_line] = [i for i, line in enumerate(lines) if line.startswith(name + " ")]
        return lines[at_line + 1].strip()

    assert latest("t_daily") == "最近：2026-12-01 已完成（12-01 09:35）"
    assert latest("t_broken") == ("最近：2026-12-01 失败：RuntimeError: 数据库连接中断（10 分钟后自动重试，最多共运行 3 次）。"
                                  "重新运行：flask --app bot jobs run t_broken --period 2026-12-01")
    assert latest("outbox_sweep").startswith("最近：2026-12-01T09:35 已完成")


def test_the_scheduler_says_the_database_is_down_once_sums_it_up_and_says_when_it_is_back(cfg, monkeypatch, caplog):
    """The `cron` loop at 20 s ticks while the database refuses connections for 20 minutes: one ERROR, a summary
    every 10 minutes, one line when it answers again — not a traceback on every tick (60 of them)."""
    monkeypatch.setattr(schedule, "DATABASE", Outage(schedule.log, "scheduler", "database"), raising=False)
    at(1, 10, 0)
    good = config.get()
    dead = dataclasses.replace(good, database_url=DEAD_DATABASE)
    ticks_done = []

    def sleep(_seconds):
        ticks_done.append(clock.now())
        clock.advance(timedelta(seconds=20))
        if len(ticks_done) == 1:
            config.use(dead)
        elif len(ticks_done) == 61:
            config.use(good)
        elif len(ticks_done) == 62:
            raise LoopedOn

    monkeypatch.setattr(schedule, "time", SimpleNamespace(sleep=sleep))
    monkeypatch.setattr(schedule, "tick", lambda: schedule.claim("t_probe", clock.now().isoformat()) and [])
    caplog.set_level(logging.INFO, "bot.schedule")
    try:
        run_scheduler_until(LoopedOn)
    finally:
        config.use(good)
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert [level for level, _message in said] == ["ERROR", "WARNING", "WARNING"], said
    assert said[0][1].startswith("database down: scheduler cannot reach it (OperationalError)")
    assert said[1][1].startswith("database still down for 10 min")
    assert said[2][1].startswith("database back after 20 min") and "60 attempts had failed" in said[2][1]
    assert not any(r.exc_info for r in caplog.records)


FAILURES_LEFT: list[int] = []
FLAKY_RAN: list[str] = []


def _flaky(period: str) -> str:
    if FAILURES_LEFT:
        FAILURES_LEFT.pop()
        raise RuntimeError("数据库连接中断")
    FLAKY_RAN.append(period)
    return f"ran {period}"


@pytest.fixture
def flaky(daily, monkeypatch):
    monkeypatch.setitem(schedule.REGISTRY, "t_flaky", ScheduledJob("t_flaky", daily_at(9, 30), _flaky))
    FAILURES_LEFT.clear()
    FLAKY_RAN.clear()
    yield "t_flaky"
    FAILURES_LEFT.clear()


def test_a_failed_period_runs_again_after_a_pause_and_its_reminders_go_out(flaky, redis_conn):
    """The database dropped in the middle of the morning's run: the period is run again 10 minutes later."""
    FAILURES_LEFT.append(1)
    at(1, 9, 31)
    schedule.tick()
    work_off_the_queue()
    assert run_of(flaky, "2026-12-01").status == "failed" and "2026-12-01" not in FLAKY_RAN
    at(1, 9, 35)
    schedule.tick()  # too soon
    work_off_the_queue()
    assert run_of(flaky, "2026-12-01").status == "failed"
    at(1, 9, 42)
    schedule.tick()
    schedule.tick()
    work_off_the_queue()
    run = run_of(flaky, "2026-12-01")
    assert (run.status, run.attempts, run.detail) == ("done", 2, "ran 2026-12-01")
    assert FLAKY_RAN.count("2026-12-01") == 1


def test_a_period_that_fails_every_time_runs_three_times_and_then_says_so(flaky, app, redis_conn):
    FAILURES_LEFT.extend([1] * 10)
    for minute in (31, 42, 53, 59):
        at(1, 9, minute)
        schedule.tick()
        work_off_the_queue()
    at(1, 10, 25)
    schedule.tick()
    work_off_the_queue()
    assert len(FAILURES_LEFT) == 7  # 09:31, 09:42 (10 minutes after), 10:03 or later (20 after the second): 3 runs
    run = run_of(flaky, "2026-12-01")
    assert (run.status, run.attempts) == ("failed", 3)
    at(1, 12, 0)
    schedule.tick()
    work_off_the_queue()
    assert len(FAILURES_LEFT) == 7
    lines = app.test_cli_runner().invoke(args=["jobs", "list"]).output.splitlines()
    [said] = [lines[i + 1].strip() for i, line in enumerate(lines) if line.startswith("t_flaky ")]
    assert said == ("最近：2026-12-01 失败：RuntimeError: 数据库连接中断（已自动重试 2 次，不再自动重试）。"
                    "重新运行：flask --app bot jobs run t_flaky --period 2026-12-01"), said


def test_a_failed_period_a_later_one_superseded_is_not_run_again(flaky, redis_conn):
    FAILURES_LEFT.append(1)
    at(1, 9, 31)
    schedule.tick()
    work_off_the_queue()
    at(2, 9, 31)  # the scheduler was down until the next working day's slot
    schedule.tick()
    schedule.tick()
    work_off_the_queue()
    assert FLAKY_RAN == ["2026-12-02"]
    assert (run_of(flaky, "2026-12-01").status, run_of(flaky, "2026-12-01").attempts) == ("failed", 1)


def test_two_schedulers_retry_a_failed_period_once(flaky, redis_conn):
    """Both read the failed row before either enqueued it again: only one of them enqueues it."""
    FAILURES_LEFT.append(1)
    at(1, 9, 31)
    schedule.tick()
    work_off_the_queue()
    at(1, 9, 42)
    jobs, other_scheduler = schedule.load_jobs(), []

    def enqueue(name: str, period: str) -> None:
        if name == flaky and not other_scheduler:
            other_scheduler.append(lost_runs.retry_failed(jobs, schedule._enqueue))
        schedule._enqueue(name, period)
    lost_runs.retry_failed(jobs, enqueue)
    work_off_the_queue()
    assert FLAKY_RAN == ["2026-12-01"] and run_of(flaky, "2026-12-01").attempts == 2


def test_two_schedulers_enqueue_a_period_redis_lost_once(daily, redis_conn):
    at(1, 9, 5)
    schedule.tick()
    redis_restarted_empty(redis_conn)
    at(1, 9, 15)
    jobs, other_scheduler = schedule.load_jobs(), []

    def enqueue(name: str, period: str) -> None:
        if name == daily and not other_scheduler:
            other_scheduler.append(lost_runs.requeue_lost(jobs, connection(), schedule._enqueue))
        schedule._enqueue(name, period)
    lost_runs.requeue_lost(jobs, connection(), enqueue)
    work_off_the_queue()
    assert RAN == ["2026-12-01"]


def test_a_retry_a_worker_finishes_at_once_stays_done_and_is_not_run_again(flaky, redis_conn):
    """The row was marked queued after the job was enqueued: a quick worker's `done` was overwritten, and once Redis
    forgot the finished job the period was run a second time."""
    FAILURES_LEFT.append(1)
    at(1, 9, 31)
    schedule.tick()
    work_off_the_queue()
    at(1, 9, 42)

    def enqueue_and_work(name: str, period: str) -> None:
        schedule._enqueue(name, period)
        work_off_the_queue()
    lost_runs.retry_failed(schedule.load_jobs(), enqueue_and_work)
    assert run_of(flaky, "2026-12-01").status == "done"
    redis_restarted_empty(redis_conn)
    at(1, 10, 0)
    schedule.tick()
    work_off_the_queue()
    assert FLAKY_RAN == ["2026-12-01"]


def test_an_enqueue_that_timed_out_after_redis_took_the_job_runs_the_period_once(daily, redis_conn):
    """The claim was released and the next tick enqueued the period again: the job id was twice in the queue."""
    at(1, 9, 5)

    def timed_out(name: str, period: str) -> None:  # Redis took the job; its answer never came back
        schedule._enqueue(name, period)
        raise redis.TimeoutError("Timeout reading from socket")
    schedule.tick(enqueue=timed_out)
    schedule.tick()
    work_off_the_queue()
    assert RAN == ["2026-12-01"] and run_of(daily, "2026-12-01").status == "done"


def test_a_failed_period_run_again_by_hand_is_done_and_not_retried(flaky, app, redis_conn):
    """`jobs list` gives the command that runs a failed period again; once it has run, the list said 失败 still and
    the scheduler ran the period a further time."""
    FAILURES_LEFT.append(1)
    at(1, 9, 31)
    schedule.tick()
    work_off_the_queue()
    at(1, 9, 35)
    out = app.test_cli_runner().invoke(args=["jobs", "run", flaky, "--period", "2026-12-01"]).output
    assert out.strip() == "t_flaky（2026-12-01）：ran 2026-12-01"
    assert run_of(flaky, "2026-12-01").status == "done"
    at(1, 9, 45)
    schedule.tick()
    work_off_the_queue()
    assert FLAKY_RAN == ["2026-12-01"]
    lines = app.test_cli_runner().invoke(args=["jobs", "list"]).output.splitlines()
    [said] = [lines[i + 1].strip() for i, line in enumerate(lines) if line.startswith("t_flaky ")]
    assert said == "最近：2026-12-01 已完成（12-01 09:35）"


KILLER_RUNS: list = []  # [path]: the file each run writes a line to (the work horse is a forked process)


def _kills_its_work_horse(period: str) -> None:
    with open(KILLER_RUNS[0], "a") as runs:
        runs.write(period + "\n")
    os.kill(os.getpid(), signal.SIGKILL)  # out of memory, say


@pytest.mark.slow
def test_a_job_that_kills_its_worker_every_time_runs_three_times_and_is_then_failed(daily, app, monkeypatch,
                                                                                     redis_conn, tmp_path):
    """RQ fails the job (work horse terminated) without run_job's bookkeeping; it was re-enqueued as lost every
    five minutes for as long as the period was the latest, attempts 1, `jobs list` saying 已排队."""
    from rq import Queue, Worker
    from jobs import QUEUE_NAME
    monkeypatch.setitem(schedule.REGISTRY, "t_killer", ScheduledJob("t_killer", daily_at(9, 30), _kills_its_work_horse))
    monkeypatch.setattr(sys.modules[__name__], "KILLER_RUNS", [str(tmp_path / "runs")])
    at(1, 9, 31)
    for _ in range(8):
        schedule.tick()
        Worker([Queue(QUEUE_NAME, connection=connection())], connection=connection()).work(burst=True)
        clock.advance(timedelta(minutes=6))
    assert (tmp_path / "runs").read_text().split() == ["2026-12-01"] * 3
    run = run_of("t_killer", "2026-12-01")
    assert (run.status, run.attempts) == ("failed", 3)
    lines = app.test_cli_runner().invoke(args=["jobs", "list"]).output.splitlines()
    [said] = [lines[i + 1].strip() for i, line in enumerate(lines) if line.startswith("t_killer ")]
    assert said == ("最近：2026-12-01 失败：the worker died while running it (3 runs)（已自动重试 2 次，不再自动重试）。"
                    "重新运行：flask --app bot jobs run t_killer --period 2026-12-01"), said


LONG_RUNS: list[str] = []


def _long(period: str) -> str:
    LONG_RUNS.append(period)
    if len(LONG_RUNS) == 1:  # while it runs (a city's bulletin takes minutes) Redis restarts empty
        redis_restarted_empty(connection())
        clock.advance(timedelta(minutes=6))
        schedule.tick()
        work_off_the_queue()  # another worker
    return "ok"


def test_a_period_running_when_redis_was_emptied_is_not_run_again_meanwhile(daily, monkeypatch, redis_conn):
    """Its RQ job was gone, its row still `queued`: another worker ran the period a second time, alongside."""
    LONG_RUNS.clear()
    monkeypatch.setitem(schedule.REGISTRY, "t_long", ScheduledJob("t_long", daily_at(9, 30), _long))
    at(1, 9, 31)
    schedule.tick()
    work_off_the_queue()
    assert LONG_RUNS == ["2026-12-01"] and run_of("t_long", "2026-12-01").status == "done"


def test_a_period_whose_worker_died_and_whose_job_redis_lost_runs_again_after_the_job_timeout(daily, redis_conn):
    at(1, 9, 5)
    schedule.tick(enqueue=lambda *_: None)
    assert schedule._start(daily, "2026-12-01")  # a worker began it and was killed; then Redis restarted empty
    at(1, 9, 20)
    schedule.tick()
    work_off_the_queue()
    assert RAN == [] and run_of(daily, "2026-12-01").status == "running"
    at(1, 9, 41)  # 35 minutes on: RQ would have stopped that run at 30
    schedule.tick()
    work_off_the_queue()
    assert RAN == ["2026-12-01"] and run_of(daily, "2026-12-01").status == "done"
