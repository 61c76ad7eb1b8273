"""Daily pruning: old callback de-duplication records and minute-level job runs go; the audit log stays."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot import clock, config
from jobs import maintenance
from jobs.schedule import load_jobs
from models.audit import AuditLog
from models.outbox import OutboxMessage
from models.platform import Card, InboundCallback, JobRun


def count(bot, model, *where) -> int:
    with bot.db() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_old_callbacks_go_and_a_retry_of_a_recent_one_is_still_one_effect(tbot):
    clock.set_now(datetime(2026, 10, 1, 9, 0))
    assert tbot.raw("jy_zhang", "记一笔 旧", msg_id="100001").text == "已记录 旧"
    clock.set_now(datetime(2026, 11, 1, 9, 0))  # 31 days later
    assert tbot.raw("jy_zhang", "记一笔 昨天", msg_id="100002").text == "已记录 昨天"
    clock.set_now(datetime(2026, 11, 2, 9, 0))
    assert tbot.send("jy_zhang", "发卡片") == "卡片已发送"
    tbot.deliver()
    with tbot.db() as s:
        task_id = s.scalar(select(Card.task_id))
    code, clicked = tbot.fake.issue_response_code(task_id), int(clock.now().timestamp())
    assert card_click(tbot, task_id, clicked, code).button_label == "已同意"
    clock.advance(timedelta(minutes=1))
    assert tbot.raw("jy_zhang", "记一笔 刚才", msg_id="100003").text == "已记录 刚才"
    audits = count(tbot, AuditLog)
    assert count(tbot, InboundCallback) == 5

    assert maintenance.prune()["inbound_callback"] == 1

    with tbot.db() as s:
        keys = set(s.scalars(select(InboundCallback.dedupe_key)))
    assert len(keys) == 4 and not any("100001" in k for k in keys)
    # WeCom retries the recent message and the card click: the same answer, no second effect
    assert tbot.raw("jy_zhang", "记一笔 刚才", msg_id="100003").text == "已记录 刚才"
    assert tbot.raw("jy_zhang", "记一笔 昨天", msg_id="100002").text == "已记录 昨天"
    assert card_click(tbot, task_id, clicked, code).button_label == "已同意"
    assert count(tbot, InboundCallback) == 4 and count(tbot, AuditLog) == audits
    assert count(tbot, AuditLog, AuditLog.action == "test.card") == 1
    assert count(tbot, OutboxMessage, OutboxMessage.userid == "zsj_admin") == 3  # one note per message
    # the audit log is never pruned, however old
    assert count(tbot, AuditLog, AuditLog.action == "test.note", AuditLog.entity_id == "旧") == 1


def card_click(bot, task_id: str, create_time: int, code: str):
    fields = {**bot.side.base("jy_zhang", "event", create_time=create_time), "Event": "template_card_event",
              "EventKey": "yes", "TaskId": task_id, "CardType": "button_interaction", "ResponseCode": code,
              "AgentID": 1000002}
    return bot.side._send(fields)


def test_minute_job_runs_older_than_a_week_go_daily_ones_stay(bot):
    now = datetime(2026, 12, 1, 3, 30, tzinfo=config.get().tz)
    clock.set_now(now)
    with bot.db() as s:
        for days in (1, 6, 8, 30):
            at = now - timedelta(days=days)
            s.add(JobRun(job="outbox_sweep", period=at.strftime("%Y-%m-%dT%H:%M"), status="done", started_at=at))
            s.add(JobRun(job="weekly_reminder_0900", period=at.date().isoformat(), status="done", started_at=at))
    assert maintenance.prune()["job_run"] == 2
    with bot.db() as s:
        left = sorted((r.job, (now - r.started_at).days) for r in s.scalars(select(JobRun)))
    assert left == [("outbox_sweep", 1), ("outbox_sweep", 6), *[("weekly_reminder_0900", d) for d in (1, 6, 8, 30)]]


def test_retention_is_configurable(bot):
    config.use(dataclasses.replace(config.get(), callback_retention_days=2, job_run_retention_days=1))
    clock.set_now(datetime(2026, 11, 1, 9, 0))
    bot.send("jy_zhang", "帮助")
    with bot.db() as s:
        s.add(JobRun(job="outbox_sweep", period="2026-11-01T09:00", status="done", started_at=clock.now()))
    clock.advance(timedelta(days=1, hours=23))
    assert maintenance.prune() == {"inbound_callback": 0, "job_run": 1}
    clock.advance(timedelta(hours=2))
    assert maintenance.prune() == {"inbound_callback": 1, "job_run": 0}


def test_pruning_is_a_daily_scheduled_job(cfg):
    job = load_jobs()["retention_prune"]
    assert job.slot.describe == "每天 03:30"
    assert [name for name, j in load_jobs().items() if j.slot.frequent] == ["outbox_sweep"]
    periods = job.slot.periods(datetime(2026, 12, 6, 3, 31, tzinfo=config.get().tz))  # a Sunday too
    assert periods and periods[0][0] == "2026-12-06"
