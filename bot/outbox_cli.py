"""`flask --app bot outbox status`: what the outbox holds; `outbox resend [--since …] [--to USERID] [--dry-run]`:
failed pushes back in the queue."""
from __future__ import annotations

import getpass
import re
from datetime import datetime, timedelta

import click

from bot import clock, config, db
from bot.cli_error import Commands
from models import outbox_resend, outbox_status
from models.delivery_failures import cause_lines

cli = Commands("outbox", help="推送队列：查看待发和失败的推送、重发发送失败的推送")


def parse_since(value: str | None) -> datetime:
    """`2026-11-20`, `2026-11-20 08:00` (the bot's time zone), `3d` or `12h` (ago); default 7 days ago."""
    if not value:
        return outbox_resend.default_since()
    value = value.strip()
    ago = re.fullmatch(r"(\d+)\s*([dh天时])", value)
    if ago:
        amount, unit = int(ago.group(1)), ago.group(2)
        return clock.now() - (timedelta(days=amount) if unit in "d天" else timedelta(hours=amount))
    for pattern in ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=config.get().tz)
        except ValueError:
            continue
    raise click.BadParameter(f"「{value}」无法识别，请写成 2026-11-20、\"2026-11-20 08:00\"（北京时间）、3d（3天前）"
                             "或 12h（12小时前）。",
                             param_hint="--since")


@cli.command("status")
def status_cmd():
    """查看推送队列：待发送多少条、最早的等了多久、重试中的错误、最近送达和失败的数量。"""
    with db.transaction() as session:
        report = outbox_status.lines(outbox_status.backlog(session))
    shown = clock.local_now().strftime("%Y-%m-%d %H:%M")
    click.echo(f"推送队列（{shown}）：")
    for line in report:
        click.echo(line)


@cli.command("resend")
@click.option("--since", help="只看此后产生（或上次重发）的推送：2026-11-20、\"2026-11-20 08:00\"、3d、12h；默认最近7天")
@click.option("--to", "userid", help="只重发给这个企业微信 UserID")
@click.option("--dry-run", is_flag=True, help="只列出数量，不做任何修改")
def resend_cmd(since, userid, dry_run):
    """把发送失败的推送重新排队（记入审计日志）；发给无效账号或已停用人员的推送跳过。"""
    start = parse_since(since)
    with db.transaction() as session:
        planned = outbox_resend.plan(session, since=start, userid=userid)
        shown = clock.localize(start).strftime("%Y-%m-%d %H:%M")
        who = f"发给 {userid} 的" if userid else ""
        click.echo(f"{shown} 以来{who}发送失败的推送：{planned.failed} 条。")
        if planned.ids:
            click.echo(f"可以重发：{len(planned.ids)} 条（{len(planned.people)} 人），失败原因：")
            for line in cause_lines(planned.causes):
                click.echo("  " + line)
        for line in outbox_resend.skipped_lines(planned):
            click.echo(f"跳过：{line}")
        if not planned.ids:
            click.echo("没有需要重发的推送。")
            return
        if dry_run:
            click.echo("（--dry-run：没有做任何修改）")
            return
        scope = f"cli since={shown}" + (f" to={userid}" if userid else "")
        count = outbox_resend.resend(session, planned, actor=f"cli:{_operator()}", scope=scope)
    click.echo(f"已重新排队 {count} 条，worker 会按限流陆续送达（已记入审计日志）。")


def _operator() -> str:
    try:
        return getpass.getuser()[:40]
    except Exception:  # no user name in a container: still audited, as the CLI
        return "outbox"
