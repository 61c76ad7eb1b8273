"""Housekeeping jobs: the outbox sweeper (which also queues screenshots still to fetch, jobs/screenshots.py) and
the daily pruning of platform records.

Pruned: de-duplication records of callbacks (`inbound_callback`) older than
`BOT_CALLBACK_RETENTION_DAYS` (30) — WeCom retries a message within seconds and a card event
within minutes, so a month is far more than de-duplication needs — and the `job_run` rows of
every-few-minutes jobs older than `BOT_JOB_RUN_RETENTION_DAYS` (7; 1,440 rows a day for the
sweeper). Daily and monthly jobs keep their rows: they are the record that a period ran once.
The audit log is never pruned (its triggers refuse DELETE anyway).
"""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete

from bot import clock, config, db
from jobs import delivery, screenshots
from jobs.schedule import daily_at, every_minutes, load_jobs, scheduled
from models.platform import InboundCallback, JobRun

log = logging.getLogger("bot.maintenance")


@scheduled("outbox_sweep", every_minutes(1),
           title="把Redis丢失的待发推送和截图重新排队")
def outbox_sweep(period: str) -> dict:
    """Re-queue pushes that Redis lost or a killed worker left behind, and screenshots still to fetch (their
    retries, and the jobs Redis lost)."""
    return {"outbox": delivery.sweep(), "screenshots": screenshots.sweep()}


@scheduled("retention_prune", daily_at(3, 30, workdays_only=False),
           title="清理过期的回调去重记录和作业记录")
def retention_prune(period: str) -> dict:
    """Delete callback de-duplication records and minute-level job runs past their retention."""
    return prune()


def prune() -> dict:
    cfg = config.get()
    now = clock.now()
    frequent = sorted(job.name for job in load_jobs().values() if job.slot.frequent)
    with db.transaction() as session:
        callbacks = session.execute(delete(InboundCallback).where(
            InboundCallback.received_at < now - timedelta(days=cfg.callback_retention_days))).rowcount
        runs = session.execute(delete(JobRun).where(
            JobRun.job.in_(frequent),
            JobRun.started_at < now - timedelta(days=cfg.job_run_retention_days))).rowcount
    log.info("retention pruned inbound_callback=%s job_run=%s", callbacks, runs)
    return {"inbound_callback": callbacks, "job_run": runs}
