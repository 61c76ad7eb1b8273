"""Flask's own commands `run`, `shell` and `routes`, their --help and usage errors in Chinese.

`flask --app bot …` is Flask's command group: it has these three itself and asks our app.cli only for the other
names, so app.cli cannot answer for them. Flask adds the commands named in the `flask.commands` entry point
(pyproject.toml) after its own, and these take their place: Flask's callbacks and options, said in Chinese.
"""
from __future__ import annotations

import functools
from copy import copy

import click
from flask.cli import routes_command, run_command, shell_command
from werkzeug.serving import is_running_from_reloader

from bot.cli_error import Command, refuse_unusable_address


def address_checked(callback):
    """Flask's `run` callback, refusing in Chinese a port taken or a host unknown before werkzeug says it in
    English. The reloader's child serves on the socket its parent holds: it is not checked again."""
    @functools.wraps(callback)
    def run(*args, **kwargs):
        if not is_running_from_reloader():
            refuse_unusable_address(kwargs["host"], kwargs["port"])
        return callback(*args, **kwargs)
    return run


def in_chinese(command: click.Command, help: str, short_help: str, options: dict[str, str],
               cancelled: str, callback=None) -> Command:
    """`command` as a Command of ours: the same callback and options, with the Chinese help given for each of its
    options by parameter name. An option a newer Flask adds keeps its English help (tests/test_cli_errors.py
    notices) rather than stopping every `flask` command here."""
    params = []
    for param in command.params:
        param = copy(param)  # ours gets a Chinese value placeholder; Flask's own stays as it is
        if isinstance(param, click.Option):
            param.help = options.get(param.name, param.help)
        params.append(param)
    return Command(command.name, params=params, callback=callback or command.callback, help=help, short_help=short_help,
                   cancelled=cancelled)


run = in_chinese(
    run_command,
    help="启动本机开发服务器，只用于开发调试。\n\n正式运行请用 gunicorn（见 README「生产部署」）。"
         "加 --debug 时默认开启自动重载和调试器。",
    short_help="启动本机开发服务器（只用于开发调试）",
    options={"debug": "开启或关闭调试模式",
             "host": "监听地址",
             "port": "监听端口",
             "cert": "HTTPS 证书文件",
             "key": "与证书配套的私钥文件",
             "reload": "开启或关闭自动重载；默认调试模式下开启",
             "debugger": "开启或关闭调试器；默认调试模式下开启",
             "with_threads": "开启或关闭多线程",
             "extra_files": "改动后也触发重载的其他文件，多个路径用「:」分隔",
             "exclude_patterns": "改动后不触发重载的文件（fnmatch 模式），多个模式用「:」分隔"},
    cancelled="开发服务器已停止。",
    callback=address_checked(run_command.callback))

shell = in_chinese(
    shell_command,
    help="在机器人的应用环境中打开 Python 交互命令行，用于执行少量管理代码。",
    short_help="打开带应用环境的 Python 交互命令行",
    options={},
    cancelled="已退出命令行。")

routes = in_chinese(
    routes_command,
    help="列出机器人注册的全部网址路由（端点、请求方法、规则）。",
    short_help="列出机器人的网址路由",
    options={"sort": "排序方式；match 为 Flask 分派请求时的匹配顺序",
             "all_methods": "同时列出 HEAD 和 OPTIONS 方法"},
    cancelled="已取消，什么也没有改。")
