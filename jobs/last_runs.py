"""Each scheduled job's latest run, as `flask --app bot jobs list` shows it to the operator: a failed or lost period
is said with the command that runs it again, a period still queued with how long it has waited."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot import clock, db
from jobs.schedule import REGISTERED
from models.platform import JobRun

STATUS = {"done": "已完成", "failed": "失败", "queued": "已排队", "running": "正在运行", "skipped": "未补跑（安装之前的时段）",
          "lost": "作业在 Redis 中丢失，已有更新的周期，未补跑"}
FREQUENT_HINT = "（下一个周期几分钟后自动运行）"


def latest(names: list[str]) -> dict[str, JobRun]:
    with db.transaction() as session:
        runs = {}
        for name in names:
            run = session.scalar(select(JobRun).where(JobRun.job == name, JobRun.status != REGISTERED)
                                 .order_by(JobRun.started_at.desc()).limit(1))
            if run is not None:
                session.expunge(run)
                runs[name] = run
    return runs


def describe(run: JobRun | None, frequent: bool) -> str:
    if run is None:
        return "最近：还没有运行过"
    said = f"最近：{run.period} {STATUS.get(run.status, run.status)}"
    if run.status == "queued":
        said += f"，已等待 {_minutes_since(run.started_at)} 分钟（worker 未运行或 Redis 不可用时会一直等待）"
    if run.status == "running":
        said += f"，已运行 {_minutes_since(run.started_at)} 分钟"
    if run.status == "done" and run.finished_at:
        said += f"（{clock.localize(run.finished_at):%m-%d %H:%M}）"
    if run.status in ("failed", "lost"):
        if run.status == "failed" and run.detail:
            said += f"：{run.detail[:120]}"
        if run.status == "failed" and not frequent:
            said += _retries(run)
        said += FREQUENT_HINT if frequent else f"。重新运行：flask --app bot jobs run {run.job} --period {run.period}"
    return said


def _retries(run: JobRun) -> str:
    from jobs.lost_runs import MAX_ATTEMPTS, RETRY_AFTER
    if run.attempts < MAX_ATTEMPTS:
        return f"（{int((RETRY_AFTER * run.attempts).total_seconds() // 60)} 分钟后自动重试，最多共运行 {MAX_ATTEMPTS} 次）"
    return f"（已自动重试 {run.attempts - 1} 次，不再自动重试）"


def _minutes_since(moment: datetime) -> int:
    return max(0, int((clock.now() - moment).total_seconds() // 60))
