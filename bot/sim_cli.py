"""`flask --app bot sim serve|chat`: the local WeCom simulator and a terminal chat."""
from __future__ import annotations

import os
import sys

import click

from bot.cli_error import Commands, Refused, refuse_unusable_address

cli = Commands("sim", help="本地企业微信模拟器")

DEFAULT_SIM_URL = "http://127.0.0.1:5001"


def default_sim_url() -> str:
    """SIM_URL, else the simulator on SIM_PORT (as `sim serve` and ./run.sh use it), else port 5001."""
    return os.environ.get("SIM_URL") or f"http://127.0.0.1:{os.environ.get('SIM_PORT') or 5001}"


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=lambda: int(os.environ.get("SIM_PORT", "5001")), type=int,
              show_default="5001 或 SIM_PORT", help="监听端口")
@click.option("--bot-url", default=None, help="机器人回调地址（默认 SIM_BOT_URL；否则 BOT_PORT 或 5000 端口的 /wecom/callback）")
def serve(host, port, bot_url):
    """启动本地企业微信模拟器：模拟的企业微信接口和网页聊天窗口。"""
    from werkzeug.serving import make_server
    from sim.server import create_sim_app
    refuse_unusable_address(host, port)
    app = create_sim_app(bot_url=bot_url)
    server = make_server(host, port, app, threaded=True)
    sim = app.extensions["simulator"]
    click.echo(f"企业微信模拟器已启动：http://{host}:{port}/  （机器人回调地址 {sim.bot_url}）")
    with sim.fake.lock:
        departments = len(sim.fake.state.departments)
        members = sum(len(u) for u in sim.fake.state.users.values())
    if departments:
        click.echo(f"模拟通讯录：{departments} 个部门、{members} 名成员（取自本机通讯录，org sync 可用）。")
    else:
        click.echo("模拟通讯录暂为空：运行 flask --app bot demo seed 后，org sync 即可读到演示通讯录。")
    try:
        server.serve_forever()
    except KeyboardInterrupt:  # pragma: no cover - interactive stop
        pass


@cli.command("chat", cancelled="再见。")
@click.option("--user", "userid", required=True, help="以哪个成员的身份聊天（企业微信 UserID）")
@click.option("--bot-url", default=None, help="机器人回调地址（默认 SIM_BOT_URL；否则 BOT_PORT 或 5000 端口的 /wecom/callback）")
@click.option("--sim-url", default=default_sim_url, show_default=f"SIM_URL、SIM_PORT 或 {DEFAULT_SIM_URL}",
              help="模拟器地址（读取推送）")
@click.option("--wait", default=1.5, show_default=True, help="每条消息后等待推送的秒数")
@click.option("--history", default=0, show_default=True, help="开始时显示最近几条推送")
def chat(userid, bot_url, sim_url, wait, history):
    """在终端里以 --user 指定的成员身份与机器人对话。"""
    import requests
    from sim.terminal import HELP, TerminalChat
    term = TerminalChat(userid, bot_url, sim_url, wait=wait, echo=click.echo)
    try:
        term.start(history)
    except requests.RequestException:
        raise Refused(f"连接不上模拟器 {sim_url}。请先运行 flask --app bot sim serve（或 ./run.sh）。")
    click.echo(f"以 {userid} 的身份与机器人对话（{term.bot_url}）。\n{HELP}")
    while True:
        if sys.stdin.isatty():
            click.echo(f"{userid}> ", nl=False)
        line = sys.stdin.readline()
        if not line:
            break
        try:
            if not term.handle(line):
                break
        except requests.RequestException as exc:
            click.echo(f"［连接模拟器失败：{type(exc).__name__}］")
    click.echo("再见。")
