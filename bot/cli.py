"""Flask CLI commands: `flask --app bot db|jobs|scheduler|calendar …` (more groups register here)."""
from __future__ import annotations

import importlib
import re
from datetime import date

import click
from flask import Flask

from bot import config
from bot.cli_error import AppCommands, Command, Commands, Group, Refused, shown_width

db_cli = Group("db", help="数据库迁移")
jobs_cli = Commands("jobs", help="后台作业")

# Feature modules that add their own command groups (each exposes `cli`, a `bot.cli_error.Commands`).
CLI_MODULES: list[str] = [
    "bot.org_cli",
    "bot.calendar_cli",
    "bot.accounts_cli",
    "bot.sim_cli",
    "bot.demo_cli",
    "bot.training_cli",
    "bot.report_cli",
    "bot.outbox_cli",
]


def alembic_config():
    from alembic.config import Config as AlembicConfig
    cfg = AlembicConfig(str(config.PROJECT_ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("script_location", str(config.PROJECT_ROOT / "migrations"))
    return cfg


def upgrade_database() -> None:
    from alembic import command
    command.upgrade(alembic_config(), "heads")


@db_cli.command("upgrade", cancelled="已中断：数据库升级可能只完成了一部分，请重新运行 flask --app bot db upgrade。")
def db_upgrade():
    """把全部迁移应用到 DATABASE_URL 指向的数据库（建表、升级表结构）。"""
    upgrade_database()
    click.echo("数据库已升级到最新版本。")


@jobs_cli.command("run", cancelled="已中断：作业可能只完成了一部分。重新运行同一命令即可补完，已经发出的不会重复发送。")
@click.argument("name", metavar="作业名")
@click.option("--date", "day", help="运行哪一天的作业 (YYYY-MM-DD)")
@click.option("--month", help="运行哪个月的作业 (YYYY-MM)")
@click.option("--period", help="原样指定周期键")
def jobs_run(name, day, month, period):
    """手动运行一个定时作业（默认今天的周期）；重复运行不会重复发送。"""
    from bot import clock
    from jobs.schedule import load_jobs, ran_by_hand
    registry = load_jobs()
    if name not in registry:
        raise Refused(f"没有名为 {name} 的作业。可用：{', '.join(sorted(registry))}")
    key = period or _checked_month(month) or _checked_day(day) or clock.today().isoformat()
    try:
        result = registry[name].func(key)
    except ValueError:  # a period the job cannot read (a month for a daily job, --period by hand)
        raise Refused(f"作业 {name} 不能按「{key}」运行：请用 --date YYYY-MM-DD 指定日期"
                      + ("（或 --month YYYY-MM 指定月份）" if name in MONTHLY_JOBS else "") + "。") from None
    ran_by_hand(name, key, result)
    click.echo(f"{name}（{key}）：{job_result(result)}")


MONTHLY_JOBS = ("monthly_bulletin", "training_reminder")  # also run for a month by hand


def _checked_day(day: str | None) -> str | None:
    """--date as given, if it is a day not after today (a future day would be sent now, and the real run on that day
    would find it done)."""
    from bot import clock
    if day is None:
        return None
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise Refused(f"--date「{day}」不是有效的日期，请写成 YYYY-MM-DD，例如 2026-11-20。") from None
    if when > clock.today():
        raise Refused(f"--date {day} 还没有到：作业会立即发送通知，到那天定时运行时又会认为已经运行过。"
                      "请到那天再运行，或不写 --date 运行今天的。")
    return day


def _checked_month(month: str | None) -> str | None:
    if month is None:
        return None
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise Refused(f"--month「{month}」不是有效的月份，请写成 YYYY-MM，例如 2026-11。")
    return month


def job_result(result) -> str:
    """What a job returned, as the operator reads it (most jobs return a Chinese line already)."""
    if isinstance(result, dict):
        names = {"outbox": "重新排队的推送", "screenshots": "重新排队的截图", "inbound_callback": "清理的回调记录",
                 "job_run": "清理的作业记录"}
        return "，".join(f"{names.get(k, k)}{v}条" for k, v in result.items())
    if isinstance(result, list):
        return ("工作日历缺少：" + "、".join(f"{y}年" for y in result)) if result else "工作日历齐全"
    if isinstance(result, int) and not isinstance(result, bool):  # approval_reminders, registry_countdown
        return f"提醒了{result}件申请"
    return "完成" if result is None else str(result)


@jobs_cli.command("list")
def jobs_list():
    """列出全部定时作业、运行时间、作用和最近一次运行的结果。"""
    from jobs import last_runs
    from jobs.schedule import load_jobs
    jobs = load_jobs()
    runs = last_runs.latest(list(jobs))
    when_width = max(shown_width(job.slot.describe) for job in jobs.values())
    for job in jobs.values():  # padded by what a terminal shows: a Chinese character takes two columns
        when = job.slot.describe + " " * (when_width - shown_width(job.slot.describe))
        click.echo(f"{job.name:24s} {when} {job.title}")
        click.echo(f"{'':24s} {last_runs.describe(runs.get(job.name), job.slot.frequent)}")


def _positive_seconds(ctx, param, value: float) -> float:
    """0 would ask the database without a pause, a negative number stopped the loop with a Traceback."""
    if value <= 0:
        raise click.BadParameter(f"必须大于 0 秒（现在是 {value:g}）。", ctx, param)
    return value


@click.command("scheduler", cls=Command, cancelled="定时作业进程已停止。")
@click.option("--interval", default=20.0, show_default=True, callback=_positive_seconds,
              help="每隔多少秒检查一次到期的作业")
def scheduler_cmd(interval):
    """运行定时作业进程（Procfile 中的 cron）。"""
    from jobs.schedule import main
    main(interval)


WORKER_STOPPED = "后台作业进程已停止。"


@click.command("worker", cls=Command, cancelled=WORKER_STOPPED)
def worker_cmd():
    """运行后台作业进程：发送推送、生成文件等（Procfile 中的 worker）。"""
    import redis
    from jobs import connection, queue
    from jobs.worker import Worker
    try:
        connection().ping()
    except redis.RedisError as exc:
        raise Refused(f"REDIS_URL 无法连接（{exc}）。请确认 Redis 已启动、地址正确。") from None
    Worker([queue()], connection=connection()).work(with_scheduler=False)
    # RQ takes Ctrl-C (and SIGTERM) itself: it finishes the job at hand and returns, no KeyboardInterrupt
    click.echo(f"\n{WORKER_STOPPED}", err=True)


def init_app(app: Flask) -> None:
    # Flask's `flask` group asks app.cli for every name it does not know: ours answers a mistyped one in Chinese
    app.cli = AppCommands(app.cli.name, commands=app.cli.commands)
    app.cli.add_command(db_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(scheduler_cmd)
    app.cli.add_command(worker_cmd)
    for module in CLI_MODULES:
        app.cli.add_command(importlib.import_module(module).cli)
