"""The CLI speaks Chinese when it stops, never a traceback or click's English: a database that was never
migrated, a command typed wrongly (click's usage errors), and every --help of ours."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from contextlib import contextmanager

import click
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from bot import db
from bot import flask_cli as flasks_own
from bot.cli_error import Commands, said_in_chinese, shown_width
from models.audit import AuditLog
from tests.conftest import TEST_REDIS_URL


def test_a_command_on_a_database_never_migrated_says_to_run_db_upgrade(tmp_path, unmigrated_url):
    roster = tmp_path / "名册.yaml"
    roster.write_text("单位:\n  - 单位名称: 白山市政数局\n    类型: 市级主管单位\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "BOT_", "SIM_", "DATABASE_URL"))}
    env.update(DATABASE_URL=unmigrated_url, BOT_INSTANCE_DIR=str(tmp_path))
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    for args in (["org", "import", str(roster)], ["org", "show"], ["outbox", "resend"]):
        done = subprocess.run([flask, "--app", "bot", *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and "Error:" not in done.stderr, done.stderr
        assert "错误：DATABASE_URL 指向的数据库还没有建表" in done.stderr and "flask --app bot db upgrade" in done.stderr


def test_a_command_on_a_database_behind_the_code_says_to_run_db_upgrade(tmp_path, unmigrated_url):
    """New code deployed, `db upgrade` forgotten: a column the code reads is missing — this was a Traceback."""
    from sqlalchemy import create_engine, text
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "BOT_", "SIM_", "DATABASE_URL"))}
    env.update(DATABASE_URL=unmigrated_url, BOT_INSTANCE_DIR=str(tmp_path))
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    run = lambda *args: subprocess.run([flask, "--app", "bot", *args], env=env, capture_output=True, text=True,
                                       timeout=120)
    assert run("db", "upgrade").returncode == 0
    engine = create_engine(unmigrated_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE person DROP COLUMN prefers_text"))  # as if added by a newer migration
    engine.dispose()
    done = run("org", "show")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "错误：DATABASE_URL 指向的数据库还没有建表（未迁移），或表结构比程序旧" in done.stderr, done.stderr
    assert "flask --app bot db upgrade" in done.stderr


@pytest.fixture
def flask_cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


@pytest.mark.parametrize("args, error, command", [
    (["org", "import"], "缺少参数 文件。", "org import"),
    (["org", "imprt", "名册.xlsx"], "没有 imprt 这个命令。您是不是要用 import？", "org"),
    (["org", "import", "--dry", "名册.xlsx"], "没有 --dry 这个选项。您是不是要用 --dry-run？", "org import"),
    (["org", "--verbose", "show"], "没有 --verbose 这个选项。", "org"),
    (["org", "show", "全部"], "多了参数：全部。", "org show"),
    (["org", "import", "--dry-run=yes", "名册.xlsx"], "选项 --dry-run 后面不能写值。", "org import"),
    (["report", "assessment"], "缺少选项 --year。", "report assessment"),
    (["report", "assessment", "--year"], "选项 --year 后面要写一个值。", "report assessment"),
    (["report", "assessment", "--year", "今年"], "--year 的值不对：「今年」不是整数。", "report assessment"),
    (["calendar", "show", "二〇二七"], "年份 的值不对：「二〇二七」不是整数。", "calendar show"),
    (["calendar", "set", "2027-02-07", "加班"], "类型 的值不对：「加班」无法识别，请写「上班」或「休息」", "calendar set"),
    (["calendar", "set", "2027-13-01", "上班"], "「2027-13-01」不是日期，请写成 YYYY-MM-DD", "calendar set"),
    (["accounts", "import", "没有这个文件.xlsx"], "文件 的值不对：找不到「没有这个文件.xlsx」。请检查路径和文件名。",
     "accounts import"),
    (["training", "import", "."], "文件 的值不对：「.」是一个文件夹，请给出文件。", "training import"),
    (["outbox", "resend", "--since", "上周"], "--since 的值不对：「上周」无法识别，请写成 2026-11-20、", "outbox resend"),
    (["scheduler", "--interval", "半分钟"], "--interval 的值不对：「半分钟」不是数字。", "scheduler"),
    (["scheduler", "--interval", "-1"], "--interval 的值不对：必须大于 0 秒", "scheduler"),
    (["scheduler", "--interval", "0"], "--interval 的值不对：必须大于 0 秒", "scheduler"),
], ids=lambda v: "-".join(v) if isinstance(v, list) else None)
def test_a_command_typed_wrongly_is_explained_in_chinese_with_how_to_get_help(flask_cli, args, error, command):
    result = flask_cli(*args)
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"错误：{error}"), result.output
    assert lines[1].startswith(f"用法：flask --app bot {command} "), result.output
    assert lines[2] == f"运行 flask --app bot {command} --help 查看说明。", result.output
    assert not re.search(r"Error|Usage|Try |Invalid|Missing|No such|does not|is not", result.output), result.output


def our_commands(app):
    """(command line after `flask --app bot`, command) for every command and group of ours."""
    def walk(command, path):
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])
    return [(path, command) for name, command in app.cli.commands.items() for path, command in walk(command, [name])]


def test_every_command_of_ours_says_an_unknown_option_in_chinese(app, flask_cli):
    assert {p[0] for p, _ in our_commands(app)} >= {"org", "outbox", "accounts", "report", "calendar", "training",
                                                     "demo", "sim", "jobs", "scheduler", "worker", "db"}
    for path, _ in our_commands(app):
        result = flask_cli(*path, "--nope")
        assert result.exit_code == 2, (path, result.output)
        assert result.output.startswith("错误：没有 --nope 这个选项。"), (path, result.output)
        assert f"运行 flask --app bot {' '.join(path)} --help 查看说明。" in result.output, (path, result.output)


def test_jobs_run_refuses_a_mistyped_or_future_period_in_chinese_and_says_results_in_chinese(app, flask_cli):
    """「jobs run dormancy_ladder --date 2026/11/20」, 「--month 2026-11」 for a daily job, 「--month 2026-13」 printed
    Python tracebacks; a future --date sent Monday's notices on Saturday and used up Monday's run."""
    from bot import clock
    today = clock.today()
    refused = {("dormancy_ladder", "--date", "2026/11/20"): "--date「2026/11/20」不是有效的日期，请写成 YYYY-MM-DD",
               ("dormancy_ladder", "--date", "2026-11-31"): "--date「2026-11-31」不是有效的日期",
               ("monthly_bulletin", "--month", "2026-13"): "--month「2026-13」不是有效的月份，请写成 YYYY-MM",
               ("dormancy_ladder", "--month", "2026-10"): "作业 dormancy_ladder 不能按「2026-10」运行：请用 --date",
               ("weekly_overdue", "--date", (today + timedelta(days=2)).isoformat()): "还没有到：作业会立即发送通知"}
    for (name, option, value), said in refused.items():
        result = flask_cli("jobs", "run", name, option, value)
        assert result.exit_code == 1 and said in result.output and "Traceback" not in result.output, result.output
    ran = flask_cli("jobs", "run", "outbox_sweep")
    assert ran.exit_code == 0 and "重新排队的推送0条，重新排队的截图0条" in ran.output, ran.output
    listed = flask_cli("jobs", "list").output
    assert "dormancy_ladder" in listed and "工作日 09:00" in listed and "停更预警阶梯（第15条）" in listed
    assert "每1分钟" in listed and not re.search(r"on working days|daily|every", listed), listed


def test_calendar_show_of_a_mistyped_year_says_the_range_instead_of_a_traceback(flask_cli):
    result = flask_cli("calendar", "show", "20277")  # for 2027: was 「ValueError: year 20277 is out of range」
    assert result.exit_code == 2 and "20277 不在允许的范围" in result.output and "Traceback" not in result.output


# click's English in --help: option notes, value placeholders (type names), usage pieces
CLICK_HELP_ENGLISH = re.compile(r"\[default|\[required|env var|\b(TEXT|INTEGER|FLOAT|BOOLEAN|FILE|DIRECTORY)\b"
                                r"|\[OPTIONS\]|COMMAND \[ARGS\]")


def test_every_help_of_ours_is_chinese(app, flask_cli):
    chinese = re.compile(r"[\u4e00-\u9fff]")
    for path, command in our_commands(app):
        assert chinese.search(command.help or ""), (path, command.help)
        for param in command.params:
            if isinstance(param, click.Option):
                assert chinese.search(param.help or ""), (path, param.opts, param.help)
        result = flask_cli(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        assert result.output.startswith(f"用法：flask --app bot {' '.join(path)}"), (path, result.output)
        assert "显示本说明并退出。" in result.output and "Show this message" not in result.output, result.output
        assert "Options:" not in result.output and "Commands:" not in result.output, result.output
        options = result.output.split("选项:", 1)[-1]  # arguments are named in the usage line
        assert not CLICK_HELP_ENGLISH.search(options), (path, result.output)
        assert "[选项]" in result.output.splitlines()[0], (path, result.output)
        assert not re.search(r"[A-Z]{3,}", result.output.splitlines()[0]), (path, result.output)  # FILE, NAME …


def test_option_notes_and_value_placeholders_in_help_are_chinese(flask_cli):
    chat = flask_cli("sim", "chat", "--help").output
    assert re.search(r"--user 文字 +以哪个成员的身份聊天（企业微信 UserID） +\[必填\]", chat), chat
    assert re.search(r"--wait 数字 +每条消息后等待推送的秒数 +\[默认：1\.5\]", chat), chat
    assert re.search(r"--history 整数 +开始时显示最近几条推送 +\[默认：0\]", chat), chat
    assert "[默认：(SIM_URL、SIM_PORT 或 http://127.0.0.1:5001)]" in chat, chat
    rows = [line for line in chat.splitlines() if line.startswith("  --")]
    starts = {shown_width(re.match(r" +--\S+(?: \S+)? +", line).group()) for line in rows}  # where help begins
    assert len(rows) == 6 and len(starts) == 1, chat
    assert re.search(r"--out 文件 ", flask_cli("report", "assessment", "--help").output)
    org = flask_cli("org", "--help").output
    assert org.startswith("用法：flask --app bot org [选项] 命令 [参数]...\n"), org


def test_a_mistyped_top_level_command_is_explained_in_chinese(flask_cli):
    result = flask_cli("orgg", "import", "名册.xlsx")
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == ["错误：没有 orgg 这个命令。您是不是要用 org？",
                                          "用法：flask --app bot [选项] 命令 [参数]...",
                                          "运行 flask --app bot --help 查看说明。"], result.output


def test_a_mistyped_top_level_command_under_flasks_own_group_is_chinese_too(tmp_path, database_url):
    """`flask --app bot orgg`: Flask's group asks our app.cli for the name, and ours answers it."""
    done = _flask(tmp_path, database_url, "orgg", "import", "名册.xlsx")
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "错误：没有 orgg 这个命令。您是不是要用 org？\n用法：flask --app bot [选项] 命令 [参数]...\n" in done.stderr
    assert not re.search(r"Error|Usage|Try |No such", done.stderr), done.stderr


ENGLISH_WORDS = re.compile(r"\b[A-Za-z]{2,} [a-z]{2,} [a-z]{2,}\b")  # 「Show the routes」, not 「match 为 Flask」


@pytest.mark.parametrize("command", ["run", "shell", "routes"])
def test_flasks_own_commands_explain_themselves_in_chinese(tmp_path, database_url, command):
    """Flask's `run`, `shell` and `routes` (bot/flask_cli.py, through Flask's `flask.commands` entry point)."""
    done = _flask(tmp_path, database_url, command, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"用法：flask --app bot {command} [选项]\n"), done.stdout
    assert "显示本说明并退出。" in done.stdout and "Show this message" not in done.stdout, done.stdout
    assert "Options:" not in done.stdout and not CLICK_HELP_ENGLISH.search(done.stdout), done.stdout
    assert not ENGLISH_WORDS.search(done.stdout.split("\n", 1)[1]), done.stdout  # below the usage line
    options = [param for param in getattr(flasks_own, command).params if isinstance(param, click.Option)]
    assert all(re.search(r"[\u4e00-\u9fff]", param.help) for param in options), [o.help for o in options]


def test_flasks_own_commands_still_work_and_refuse_a_wrong_value_in_chinese(tmp_path, database_url):
    routes = _flask(tmp_path, database_url, "routes")
    assert routes.returncode == 0 and "/wecom/callback" in routes.stdout and "/healthz" in routes.stdout, routes
    wrong = _flask(tmp_path, database_url, "run", "--port", "网页")
    assert wrong.returncode == 2, wrong.stderr
    assert wrong.stderr.endswith("错误：--port 的值不对：「网页」不是整数。\n用法：flask --app bot run [选项]\n"
                                 "运行 flask --app bot run --help 查看说明。\n"), wrong.stderr


def test_every_command_in_the_top_level_help_is_described_in_chinese(tmp_path, database_url):
    """`flask --app bot --help` lists Flask's commands and ours, each described in Chinese. (Its head — usage,
    Flask's description, `--app`/`--env-file`/`--version` — is Flask's own, written before our code is loaded.)"""
    done = _flask(tmp_path, database_url, "--help")
    assert done.returncode == 0, done.stderr
    listed = dict(line.split(None, 1) for line in done.stdout.split("Commands:\n")[1].splitlines())
    assert {"run", "shell", "routes", "org", "db", "worker"} <= set(listed), listed
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in listed.values()), listed


def _flask_env(tmp_path, database_url, **more) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "BOT_", "SIM_", "DATABASE_URL",
                                                                     "REDIS_URL"))}
    env.update(DATABASE_URL=database_url, BOT_INSTANCE_DIR=str(tmp_path), REDIS_URL=TEST_REDIS_URL, **more)
    return env


def _flask(tmp_path, database_url, *args):
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    return subprocess.run([flask, "--app", "bot", *args], env=_flask_env(tmp_path, database_url),
                          capture_output=True, text=True, timeout=60)


def test_ctrl_c_says_in_chinese_that_nothing_changed(tmp_path, database_url):
    """Ctrl-C while `org sync` waits on WeCom: 「已取消，什么也没有改。」, not click's 「Aborted!」."""
    with socket.socket() as wecom:  # a WeCom that takes the connection and never answers
        wecom.bind(("127.0.0.1", 0))
        wecom.listen()
        env = _flask_env(tmp_path, database_url, WECOM_API_BASE=f"http://127.0.0.1:{wecom.getsockname()[1]}/cgi-bin/")
        flask = os.path.join(os.path.dirname(sys.executable), "flask")
        sync = subprocess.Popen([flask, "--app", "bot", "org", "sync"], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            wecom.settimeout(30)
            connection, _ = wecom.accept()  # the command is now waiting on the network
            sync.send_signal(signal.SIGINT)
            out, err = sync.communicate(timeout=30)
            connection.close()
        finally:
            sync.kill()
    assert sync.returncode == 1, (out, err)
    assert err.endswith("\n已取消，什么也没有改。\n"), err
    assert "Aborted" not in err and "Traceback" not in err, err


@contextmanager
def ctrl_c_raises_keyboard_interrupt():
    """Python's own SIGINT handler, as the `flask` process has it (an in-process RQ worker of an earlier test
    leaves its own installed)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


@contextmanager
def ctrl_c_at_a_query(after_inserts: int = 0, replaced_by_error: bool = False):
    """Ctrl-C, a real SIGINT to this process, the moment the command sends the database a statement (the first
    one after `after_inserts` INSERTs); yields the statements it was pressed at (one). `replaced_by_error`: an
    error raised in a `finally` replaces the KeyboardInterrupt, as in SQLAlchemy's ping (bot/ctrl_c.py)."""
    inserts, pressed = [], []

    def press(_connection, _cursor, statement, *_rest):
        if not pressed and len(inserts) >= after_inserts:
            pressed.append(statement)
            try:
                signal.raise_signal(signal.SIGINT)
            finally:
                if replaced_by_error:
                    raise RuntimeError("can't change 'autocommit' now: connection in transaction status INERROR")
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement)

    event.listen(Engine, "before_cursor_execute", press)
    try:
        with ctrl_c_raises_keyboard_interrupt():
            yield pressed
    finally:
        event.remove(Engine, "before_cursor_execute", press)


def _workbooks(tmp_path) -> dict[str, str]:
    from openpyxl import Workbook
    from tests.test_accounts_import import GOOD, make_file
    book = Workbook()
    book.active.append(["日期", "主题", "组织单位", "姓名"])
    book.active.append(["2026-06-05", "舆情应对培训", "县政数局", "刘洋"])
    book.save(tmp_path / "培训.xlsx")
    return {"accounts": str(make_file(tmp_path, GOOD[:1])), "training": str(tmp_path / "培训.xlsx")}


INTERRUPTED = {  # one command of each group of ours that works on the database, and what its Ctrl-C says
    "db": (["db", "upgrade"], "已中断：数据库升级可能只完成了一部分，请重新运行 flask --app bot db upgrade。"),
    "jobs": (["jobs", "run", "outbox_sweep"], "已中断：作业可能只完成了一部分。重新运行同一命令即可补完，已经发出的不会重复发送。"),
    "demo": (["demo", "seed"], "已中断：演示数据可能只建了一部分，重新运行 flask --app bot demo seed 即可补齐。"),
    "report": (["report", "assessment", "--year", "2026"],
               "已中断：考核表可能没有全部生成，最后写入的文件可能不完整，请重新运行。"),
    "org": (["org", "show"], "已取消，什么也没有改。"),
    "calendar": (["calendar", "set", "2027-02-07", "上班", "春节调休"], "已取消，什么也没有改。"),
    "accounts": (["accounts", "import", "{accounts}"], "已取消，什么也没有改。"),
    "training": (["training", "import", "{training}"], "已取消，什么也没有改。"),
    "outbox": (["outbox", "resend"], "已取消，什么也没有改。"),
}


@pytest.mark.parametrize("group", INTERRUPTED)
def test_ctrl_c_in_a_command_of_each_group_says_its_own_chinese_text(app, directory, tmp_path, group):
    args, said = INTERRUPTED[group]
    args = [arg.format(**_workbooks(tmp_path)) for arg in args]
    with ctrl_c_at_a_query() as pressed:
        result = app.test_cli_runner().invoke(args=args)
    assert pressed, "the command never reached the database"
    assert result.exit_code == 1, result.output
    assert result.output.endswith(f"\n{said}\n"), result.output  # on a line of its own, after the terminal's ^C
    assert "Aborted" not in result.output and "Traceback" not in result.output, result.output


@pytest.mark.parametrize("group", ["org", "calendar", "jobs", "db"])
def test_a_ctrl_c_that_an_error_replaced_is_still_said_as_a_ctrl_c(app, directory, tmp_path, group):
    args, said = INTERRUPTED[group]
    with ctrl_c_at_a_query(replaced_by_error=True) as pressed:
        result = app.test_cli_runner().invoke(args=args)
    assert pressed, "the command never reached the database"
    assert result.exit_code == 1 and result.output.endswith(f"\n{said}\n"), (result.output, result.exception)


def test_ctrl_c_while_calendar_set_writes_nothing(app, directory):
    """Pressed between the day's row and its audit row: the transaction takes back the first as well."""
    from models.calendar import CalendarDay
    with ctrl_c_at_a_query(after_inserts=1) as pressed:
        result = app.test_cli_runner().invoke(args=["calendar", "set", "2027-02-07", "上班", "春节调休"])
    assert pressed[0].lstrip().upper().startswith("INSERT") and result.output.endswith("\n已取消，什么也没有改。\n")
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CalendarDay)) == 0
        assert session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_ctrl_c_in_the_terminal_chat_says_goodbye(app):
    """`sim chat` waiting on the simulator: 「再见。」."""
    with socket.socket() as simulator:  # takes the connection and never answers
        simulator.bind(("127.0.0.1", 0))
        simulator.listen()
        port = simulator.getsockname()[1]

        def press_ctrl_c_once_connected():
            connection, _ = simulator.accept()
            os.kill(os.getpid(), signal.SIGINT)
            connections.append(connection)

        connections = []
        presser = threading.Thread(target=press_ctrl_c_once_connected, daemon=True)
        with ctrl_c_raises_keyboard_interrupt():
            presser.start()
            result = app.test_cli_runner().invoke(args=["sim", "chat", "--user", "jy_zhang", "--sim-url",
                                                        f"http://127.0.0.1:{port}", "--bot-url", "http://127.0.0.1:9"])
        presser.join(10)
        for connection in connections:
            connection.close()
    assert connections, result.output
    assert result.exit_code == 1 and result.output.endswith("\n再见。\n"), result.output


def _ctrl_c_when_started(tmp_path, database_url, args, started: str, ready=lambda: True) -> tuple[int, str]:
    """Run `flask --app bot *args`, press Ctrl-C once stderr shows `started` and `ready()`; (exit code, stderr)."""
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    process = subprocess.Popen([flask, "--app", "bot", *args], env=_flask_env(tmp_path, database_url), text=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        seen = []
        for line in process.stderr:
            seen.append(line)
            if started in line:
                break
        deadline = time.monotonic() + 30
        while not ready() and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        try:
            _, rest = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:  # say what it was doing instead of stopping
            process.kill()
            raise AssertionError("still running 60 s after Ctrl-C:\n" + "".join(seen) + process.communicate()[1])
    finally:
        process.kill()
    return process.returncode, "".join(seen) + rest


def test_ctrl_c_stops_the_scheduler_saying_so_in_chinese(tmp_path, database_url, redis_conn):
    returncode, err = _ctrl_c_when_started(tmp_path, database_url, ["scheduler", "--interval", "0.2"],
                                           "scheduler started")
    assert returncode == 1 and err.endswith("\n定时作业进程已停止。\n"), err
    assert "Aborted" not in err and "Traceback" not in err, err


def test_ctrl_c_stops_the_worker_saying_so_in_chinese(tmp_path, database_url, cfg, redis_conn):
    """RQ takes Ctrl-C itself once it waits for jobs (idle): it stops cleanly, without a KeyboardInterrupt."""
    def idle() -> bool:
        return any(redis_conn.hget(key, "state") == b"idle" for key in redis_conn.scan_iter("rq:worker:*"))

    returncode, err = _ctrl_c_when_started(tmp_path, database_url, ["worker"], "Listening on", ready=idle)
    assert "warm shut down requested" in err, err
    assert returncode == 0 and err.endswith("\n后台作业进程已停止。\n"), err
    assert "Aborted" not in err and "Traceback" not in err, err


def test_a_prompt_answered_no_says_in_chinese_that_nothing_changed(app):
    """A command of ours that asks before acting (none does yet): 「n」 is said in Chinese, as Ctrl-C is."""
    group = Commands("try", help="试验")

    @group.command("ask")
    def ask():
        """试验。"""
        click.confirm("继续吗？", abort=True)

    app.cli.add_command(group)
    result = app.test_cli_runner().invoke(args=["try", "ask"], input="n\n")
    assert result.exit_code == 1, result.output
    assert result.output.endswith(": n\n已取消，什么也没有改。\n") and "Aborted" not in result.output, result.output


@pytest.mark.parametrize("kind, typed, chinese", [
    (click.INT, "abc", "「abc」不是整数。"),
    (click.FLOAT, "1,5", "「1,5」不是数字。"),
    (click.BOOL, "也许", "「也许」不是“是/否”（请写 yes 或 no）。"),
    (click.IntRange(1, 12), "13", "13 不在允许的范围 1<=x<=12 内。"),
    (click.Choice(["上班", "休息"]), "加班", "「加班」不是可选的值。可选：上班、休息。"),
    (click.Choice(["上班"]), "加班", "「加班」不是可选的值，只能写 上班。"),
    (click.DateTime(["%Y-%m-%d"]), "2027/02/07", "「2027/02/07」不符合格式 %Y-%m-%d。"),
    (click.Path(exists=True), "没有.xlsx", "找不到「没有.xlsx」。请检查路径和文件名。"),
    (click.Path(dir_okay=False), ".", "「.」是一个文件夹，请给出文件。"),
    (click.Path(file_okay=False), __file__, f"「{__file__}」是一个文件，请给出文件夹。"),
], ids=lambda v: type(v).__name__ if isinstance(v, click.ParamType) else None)
def test_click_wording_for_a_bad_value_of_any_parameter_type_is_translated(kind, typed, chinese):
    """Types our commands may use later: click's English, as this click version words it, has a translation."""
    with pytest.raises(click.BadParameter) as bad:
        kind.convert(typed, None, None)
    assert said_in_chinese(bad.value) == chinese


def test_jobs_list_columns_line_up_on_screen(flask_cli):
    """「工作日 09:00（符合条件的日子）」 is 18 characters but 32 columns wide: padding by characters pushed each
    job's purpose to another column."""
    from bot.cli_error import shown_width
    from jobs.schedule import load_jobs
    lines = flask_cli("jobs", "list").output.splitlines()
    starts = {shown_width(line[:line.index(job.title)]) for job in load_jobs().values()
              for line in lines if line.startswith(job.name + " ")}
    assert len(starts) == 1, lines


@pytest.mark.parametrize("group", ["org", "accounts"])
def test_a_template_that_cannot_be_written_is_said_in_one_line(flask_cli, tmp_path, group):
    """A path through a file (or a folder without permission, a read-only disk): this was a Traceback."""
    blocker = tmp_path / "名册.xlsx"
    blocker.write_bytes(b"filled in")
    target = blocker / "模板.xlsx"
    result = flask_cli(group, "template", str(target))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert result.output == f"错误：无法写入文件「{target}」：路径中有一段不是文件夹。请换一个位置或文件名，例如写到当前文件夹。\n"
    assert blocker.read_bytes() == b"filled in"


@pytest.mark.parametrize("args", [["sim", "serve", "--port"], ["run", "--port"]], ids=["sim-serve", "run"])
def test_a_server_on_a_port_already_taken_is_refused_in_chinese(tmp_path, database_url, args):
    """werkzeug said 「Address already in use」 and 「Port … is in use by another program …」 in English."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _flask(tmp_path, database_url, *args, str(port))
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.splitlines()[-1] == f"错误：端口 {port} 已被其他程序占用：请先停止占用它的程序，或用 --port 换一个端口。"
    assert "in use" not in done.stdout + done.stderr


def test_a_server_on_an_unknown_host_or_an_impossible_port_is_refused_in_chinese(flask_cli):
    assert flask_cli("sim", "serve", "--port", "70000").output == "错误：端口 70000 不对：请写 1 到 65535 之间的数字。\n"
    unknown = flask_cli("sim", "serve", "--host", "nowhere.invalid")
    assert unknown.exit_code == 1 and unknown.output.startswith("错误：监听地址「nowhere.invalid」无法识别"), unknown.output
