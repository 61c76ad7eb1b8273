"""Flask CLI commands: `flask --app bot db|jobs|scheduler|calendar …` (more groups register here)."""
from __future__ import annotations

import importlib

import click
from flask import Flask

from bot import config
from bot.cli_error import AppCommands, Command, Commands, Group, Refused

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
    from jobs.schedule import load_jobs
    registry = load_jobs()
    if name not in registry:
        raise Refused(f"没有名为 {name} 的作业。可用：{', '.join(sorted(registry))}")
    key = period or month or day or clock.today().isoformat()
    result = registry[name].func(key)
    click.echo(f"{name} {key}: {result}")


@jobs_cli.command("list")
def jobs_list():
    """列出全部定时作业及其运行时间。"""
    from jobs.schedule import load_jobs
    for job in load_jobs().values():
        click.echo(f"{job.name:32s} {job.slot.describe}")


@click.command("scheduler", cls=Command, cancelled="定时作业进程已停止。")
@click.option("--interval", default=20.0, show_default=True, help="每隔多少秒检查一次到期的作业")
def scheduler_cmd(interval):
    """运行定时作业进程（Procfile 中的 cron）。"""
    from jobs.schedule import main
    main(interval)


WORKER_STOPPED = "后台作业进程已停止。"


@click.command("worker", cls=Command, cancelled=WORKER_STOPPED)
def worker_cmd():
    """运行后台作业进程：发送推送、生成文件等（Procfile 中的 worker）。"""
    import redis
    from rq import Worker
    from jobs import connection, queue
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
