"""Two scheduler processes while the clock moves through a week (BOT_CLOCK_OFFSET-style: each process moves
its own clock to the target the test writes): each job runs once per period, whoever claims it; the
schedulers down across a slot → the slot is caught up once; no push is queued twice."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import clock, config
from jobs import schedule
from models.outbox import OutboxMessage
from models.platform import JobRun
from sim import demo
from tests.conftest import TEST_REDIS_URL

pytestmark = [pytest.mark.faults, pytest.mark.slow]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
START = datetime(2026, 11, 23, 6, 0, 20)  # a Monday, Beijing time; :20 keeps each tick inside its minute
STEP = timedelta(hours=4)
DOWN_FROM, DOWN_TO = datetime(2026, 11, 24, 22, 0, 20), datetime(2026, 11, 25, 14, 0, 20)  # Wed 09:00 missed


def _targets() -> list[datetime]:
    out, at = [], START
    while at <= START + timedelta(days=7, hours=4):
        if not (DOWN_FROM < at < DOWN_TO):
            out.append(at)
        at += STEP
    out.insert(out.index(DOWN_FROM) + 1, DOWN_TO)
    return out


def _epoch(local: datetime) -> str:
    return str(local.replace(tzinfo=config.get().tz).timestamp())


def _acks(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_two_schedulers_through_a_week(bot, database_url, fake_server, tmp_path):
    with bot.db() as s:
        demo.seed_accounts(s)
    clock_file, stop = tmp_path / "clock", tmp_path / "stop"
    env = {**os.environ, **{k: str(v) for k, v in config.DEMO.items()}, "DATABASE_URL": database_url,
           "REDIS_URL": TEST_REDIS_URL, "WECOM_API_BASE": fake_server.base_url, "BOT_TIMEZONE": "Asia/Shanghai",
           "BOT_JOB_RUN_RETENTION_DAYS": "30"}  # the daily clean-up keeps every run of the week: all are compared
    acks = [tmp_path / "ack1", tmp_path / "ack2"]
    procs = [subprocess.Popen([sys.executable, "-m", "tests.faults_scheduler", str(clock_file), str(ack), str(stop)],
                              cwd=ROOT, env=env, stderr=subprocess.PIPE) for ack in acks]
    expected: dict[str, set[str]] = {}
    jobs = schedule.load_jobs()
    try:
        for target in _targets():
            tmp = tmp_path / "clock.tmp"
            tmp.write_text(_epoch(target))
            tmp.replace(clock_file)
            deadline = time.monotonic() + 60
            while not all(any(a["target"] == _epoch(target) for a in _acks(ack)) for ack in acks):
                assert all(p.poll() is None for p in procs), [p.stderr.read().decode()[-3000:] for p in procs]
                assert time.monotonic() < deadline, f"the schedulers did not tick at {target}"
                time.sleep(0.02)
            clock.set_now(target)
            for job in jobs.values():
                now = clock.local_now()  # (a catch-up found at night waits for the morning: not yet due)
                expected.setdefault(job.name, set()).update(
                    p for p, due in job.slot.periods(now) if not schedule.waits_for_morning(job, due, now))
    finally:
        stop.write_text("1")
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)

    claims = [tuple(c) for ack in acks for a in _acks(ack) for c in a["started"]]
    assert len(claims) == len(set(claims)), "a period was claimed twice"
    per_process = [sum(len(a["started"]) for a in _acks(ack)) for ack in acks]
    with bot.db() as s:
        runs = s.execute(select(JobRun.job, JobRun.period, JobRun.status)).all()
        duplicated = s.execute(select(OutboxMessage.userid, OutboxMessage.content_hash, func.count())
                               .group_by(OutboxMessage.userid, OutboxMessage.content_hash)
                               .having(func.count() > 1)).all()
        pushes = s.scalar(select(func.count()).select_from(OutboxMessage))
    assert {(job, period) for job, period, _ in runs} == set(claims)
    assert {job: {p for j, p, _ in runs if j == job} for job in expected} == expected
    assert {status for *_, status in runs} == {"done"}, [r for r in runs if r[2] != "done"]
    caught_up = [a["target"] for ack in acks for a in _acks(ack)
                 if ["dormancy_ladder", "2026-11-25"] in a["started"]]
    assert caught_up == [_epoch(DOWN_TO)]  # the Wednesday 09:00 slot, missed while down, caught up once at 14:00
    assert {"2026-11-24", "2026-11-26"} <= expected["dormancy_ladder"]
    assert min(per_process) > 0, f"one scheduler never won a claim: {per_process}"
    assert pushes > 0 and not duplicated, duplicated
