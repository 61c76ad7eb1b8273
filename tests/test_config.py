"""Configuration: malformed values stop start-up with one line naming the variable; demo mode."""
from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from bot import config

GOOD = {"WECOM_CORP_ID": "ww1436e0e65a779aee", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "s3cr3t",
        "WECOM_TOKEN": "tok", "WECOM_AES_KEY": "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"}


def test_a_complete_real_configuration(tmp_path):
    cfg = config.load({**GOOD, "DATABASE_URL": "sqlite:///x.db", "BOT_CONVERSATION_IDLE_MINUTES": "45"})
    assert not cfg.demo and cfg.agent_id == 1000002 and cfg.api_base == "https://qyapi.weixin.qq.com/cgi-bin/"
    assert cfg.conversation_idle_minutes == 45 and cfg.callback_window_seconds == 300
    assert cfg.timezone == "Asia/Shanghai" and cfg.redis_url == "redis://127.0.0.1:6379/0"


def test_a_token_of_32_letters_and_digits_is_accepted():
    cfg = config.load({**GOOD, "WECOM_TOKEN": "Ab3" * 10 + "z9", "DATABASE_URL": "sqlite:///x.db"})
    assert cfg.token == "Ab3" * 10 + "z9"


def test_retry_window_and_retention(tmp_path):
    cfg = config.load({**GOOD, "DATABASE_URL": "sqlite:///x.db"})
    assert (cfg.outbox_retry_hours, cfg.callback_retention_days, cfg.job_run_retention_days) == (48, 30, 7)
    cfg = config.load({**GOOD, "DATABASE_URL": "sqlite:///x.db", "BOT_OUTBOX_RETRY_HOURS": "72",
                       "BOT_CALLBACK_RETENTION_DAYS": "90", "BOT_JOB_RUN_RETENTION_DAYS": "3"})
    assert (cfg.outbox_retry_hours, cfg.callback_retention_days, cfg.job_run_retention_days) == (72, 90, 3)


def test_well_formed_urls_and_switches_are_accepted():
    cases = [("REDIS_URL", "rediss://:pw@redis.example:6380/2", "redis_url"),
             ("REDIS_URL", "unix:///run/redis/redis.sock?db=1", "redis_url"),
             ("REDIS_URL", "redis://127.0.0.1", "redis_url"),
             ("WECOM_API_BASE", "http://127.0.0.1:5001/cgi-bin/", "api_base")]
    for name, value, attribute in cases:
        assert getattr(config.load({**GOOD, name: value, "DATABASE_URL": "sqlite:///x.db"}), attribute) == value
    for word, meaning in [("1", True), ("yes", True), ("On", True), (" 0 ", False), ("false", False), ("NO", False)]:
        loaded = config.load({**GOOD, "BOT_CITY_STEP_IS_APPROVAL": word, "DATABASE_URL": "sqlite:///x.db"})
        assert loaded.city_step_is_approval is meaning


def test_an_instance_folder_that_cannot_be_made_is_said_in_one_line(tmp_path, monkeypatch):
    """Without DATABASE_URL the SQLite file goes into the instance folder: one that cannot be made (a read-only
    checkout, BOT_INSTANCE_DIR under a file) stopped start-up with a traceback (NotADirectoryError)."""
    (tmp_path / "a-file").write_text("")
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path / "a-file" / "instance")
    with pytest.raises(config.ConfigError) as stopped:
        config.load({})
    message = str(stopped.value)
    assert "DATABASE_URL" in message and "BOT_INSTANCE_DIR" in message and "\n" not in message


def test_bot_instance_dir_in_the_env_file_is_honoured(tmp_path, monkeypatch):
    """gunicorn does not read .env before importing the bot (the flask command does): BOT_INSTANCE_DIR written in
    .env was ignored by the web, which used instance/bot.sqlite3 while the commands used the folder named — two
    databases."""
    project, folder = tmp_path / "project", tmp_path / "data"
    project.mkdir()
    (project / ".env").write_text(f"BOT_INSTANCE_DIR={folder}\n", encoding="utf-8")
    monkeypatch.setattr(config, "PROJECT_ROOT", project)
    for name in ("BOT_INSTANCE_DIR", "DATABASE_URL", *config.WECOM_VARS):
        monkeypatch.setenv(name, "")  # noted, so that what .env sets is undone after the test
        monkeypatch.delenv(name)
    cfg = config.load()
    assert cfg.database_url == f"sqlite:///{folder / 'bot.sqlite3'}" and folder.is_dir()
    assert cfg.instance_dir == folder
    assert config.load({"BOT_INSTANCE_DIR": str(tmp_path / "other")}).instance_dir == tmp_path / "other"


def test_demo_mode_when_no_wecom_variable_is_set():
    cfg = config.load({"DATABASE_URL": "sqlite:///x.db"})
    assert cfg.demo and cfg.corp_id == config.DEMO["WECOM_CORP_ID"]
    assert cfg.api_base == config.DEMO["WECOM_API_BASE"]


@pytest.mark.parametrize("env, variable", [
    ({**GOOD, "WECOM_AES_KEY": "tooshort"}, "WECOM_AES_KEY"),
    ({**GOOD, "WECOM_AES_KEY": GOOD["WECOM_AES_KEY"] + "="}, "WECOM_AES_KEY"),
    ({**GOOD, "WECOM_AES_KEY": "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhU!"}, "WECOM_AES_KEY"),
    ({**GOOD, "WECOM_TOKEN": "tok_2026"}, "WECOM_TOKEN"),  # WeCom's Token: 1-32 English letters or digits
    ({**GOOD, "WECOM_TOKEN": "tok "}, "WECOM_TOKEN"),
    ({**GOOD, "WECOM_TOKEN": "t" * 33}, "WECOM_TOKEN"),
    ({**GOOD, "WECOM_TOKEN": "令牌2026"}, "WECOM_TOKEN"),
    ({**GOOD, "WECOM_AGENT_ID": "10000o2"}, "WECOM_AGENT_ID"),
    ({k: v for k, v in GOOD.items() if k != "WECOM_SECRET"}, "WECOM_SECRET"),
    ({**GOOD, "BOT_TIMEZONE": "Mars/Olympus"}, "BOT_TIMEZONE"),
    ({**GOOD, "BOT_CALLBACK_WINDOW": "5min"}, "BOT_CALLBACK_WINDOW"),
    ({**GOOD, "BOT_CALLBACK_WINDOW": "0"}, "BOT_CALLBACK_WINDOW"),  # would refuse every callback
    ({**GOOD, "BOT_CALLBACK_WINDOW": "-300"}, "BOT_CALLBACK_WINDOW"),
    ({**GOOD, "BOT_CONVERSATION_IDLE_MINUTES": "half an hour"}, "BOT_CONVERSATION_IDLE_MINUTES"),
    ({**GOOD, "BOT_CONVERSATION_IDLE_MINUTES": "0"}, "BOT_CONVERSATION_IDLE_MINUTES"),  # every dialogue expired
    ({**GOOD, "BOT_PER_MEMBER_PER_MINUTE": "0"}, "BOT_PER_MEMBER_PER_MINUTE"),  # nothing would ever be sent
    ({**GOOD, "BOT_PER_MEMBER_PER_HOUR": "-1"}, "BOT_PER_MEMBER_PER_HOUR"),
    ({**GOOD, "BOT_OUTBOX_RETRY_HOURS": "two days"}, "BOT_OUTBOX_RETRY_HOURS"),
    ({**GOOD, "BOT_OUTBOX_RETRY_HOURS": "0"}, "BOT_OUTBOX_RETRY_HOURS"),
    ({**GOOD, "BOT_CALLBACK_RETENTION_DAYS": "0"}, "BOT_CALLBACK_RETENTION_DAYS"),  # would undo de-duplication
    ({**GOOD, "BOT_JOB_RUN_RETENTION_DAYS": "-1"}, "BOT_JOB_RUN_RETENTION_DAYS"),
    # each of these was accepted, and failed later at every push, or meant something else than written
    ({**GOOD, "WECOM_CORP_ID": GOOD["WECOM_CORP_ID"] + " "}, "WECOM_CORP_ID"),  # every callback: 403, corp id
    ({**GOOD, "WECOM_CORP_ID": "企业ID"}, "WECOM_CORP_ID"),
    ({**GOOD, "WECOM_SECRET": "s3cr3t\n"}, "WECOM_SECRET"),  # every gettoken: 40001
    ({**GOOD, "WECOM_AGENT_ID": "-1"}, "WECOM_AGENT_ID"),
    ({**GOOD, "WECOM_AGENT_ID": "0"}, "WECOM_AGENT_ID"),
    ({**GOOD, "WECOM_API_BASE": "qyapi.weixin.qq.com/cgi-bin/"}, "WECOM_API_BASE"),  # no https://
    ({**GOOD, "WECOM_API_BASE": "htps://qyapi.weixin.qq.com/cgi-bin/"}, "WECOM_API_BASE"),
    ({**GOOD, "WECOM_API_BASE": "http://127.0.0.1:50o1/cgi-bin/"}, "WECOM_API_BASE"),
    ({**GOOD, "REDIS_URL": "redis://127.0.0.1:63790x/0"}, "REDIS_URL"),  # redis-py refused it at every push
    ({**GOOD, "REDIS_URL": "redis://127.0.0.1:6379/one"}, "REDIS_URL"),  # redis-py quietly used database 0
    ({**GOOD, "BOT_CITY_STEP_IS_APPROVAL": "ture"}, "BOT_CITY_STEP_IS_APPROVAL"),  # was taken as 0
    ({"SIM_PORT": "99999"}, "SIM_PORT"),
    ({"BOT_APPROVAL_REMIND_AFTER": "abc"}, "BOT_APPROVAL_REMIND_AFTER"),  # a traceback in each morning's reminders
    ({"BOT_WEEKLY_DUE": "25:00"}, "BOT_WEEKLY_DUE"),  # quietly 17:00
    ({"BOT_DORMANCY_RUNGS": "1,2"}, "BOT_DORMANCY_RUNGS"),  # refused only when the ladder ran  # (demo mode) was named as WECOM_API_BASE's error, or none
])
def test_a_malformed_value_names_its_variable(env, variable):
    with pytest.raises(config.ConfigError) as stopped:
        config.load({**env, "DATABASE_URL": "sqlite:///x.db"})
    message = str(stopped.value)
    assert variable in message and "\n" not in message and "got" not in message  # in Chinese throughout
    assert env.get("WECOM_SECRET", "s3cr3t") not in message and GOOD["WECOM_AES_KEY"] not in message
    assert variable != "WECOM_TOKEN" or env["WECOM_TOKEN"] not in message  # the Token is a secret too


STARTS = {
    "aes key": ({**GOOD, "WECOM_AES_KEY": "x" * 42}, "WECOM_AES_KEY"),
    "token": ({**GOOD, "WECOM_TOKEN": "my-token!"}, "WECOM_TOKEN"),
    "agent id": ({**GOOD, "WECOM_AGENT_ID": "abc"}, "WECOM_AGENT_ID"),
    "postgres closed port": ({**GOOD, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere"}, "DATABASE_URL"),
    "sqlite missing dir": ({**GOOD, "DATABASE_URL": "sqlite:////nonexistent-dir/sub/bot.sqlite3"}, "DATABASE_URL"),
    "demo": ({}, None),
}


@pytest.fixture(scope="module")
def start_ups(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    """Start the app once per case, all at the same time (each start costs a Python start-up)."""
    tmp = tmp_path_factory.mktemp("start")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "BOT_", "SIM_", "DATABASE_URL"))}
    running = {}
    for name, (env, _variable) in STARTS.items():
        full = {**clean, "BOT_INSTANCE_DIR": str(tmp), "DATABASE_URL": f"sqlite:///{tmp}/ok.sqlite3", **env}
        running[name] = subprocess.Popen([sys.executable, "-c", "from bot import create_app; create_app()"],
                                         env=full, cwd=str(config.PROJECT_ROOT), text=True,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    done = {}
    for name, proc in running.items():
        out, err = proc.communicate(timeout=120)
        done[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return done


@pytest.mark.parametrize("case", [c for c in STARTS if c != "demo"])
def test_start_up_stops_with_one_line(start_ups, case):
    started, variable = start_ups[case], STARTS[case][1]
    assert started.returncode != 0
    lines = started.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0], started.stderr
    assert "Traceback" not in started.stderr


def test_demo_start_up_says_so(start_ups):
    started = start_ups["demo"]
    assert started.returncode == 0, started.stderr
    assert "演示模式" in started.stderr and config.DEMO["WECOM_API_BASE"] in started.stderr


def test_demo_mode_is_logged_in_process(cfg, caplog):
    import dataclasses
    from bot import create_app
    caplog.set_level(logging.WARNING)
    create_app(dataclasses.replace(cfg, demo=True))
    assert any("演示模式" in r.getMessage() for r in caplog.records)


def test_gunicorn_stops_instead_of_restarting_workers(tmp_path):
    """Under gunicorn (the Procfile's web) a malformed value stops the server, not a worker respawn loop."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "BOT_", "DATABASE_URL"))}
    env = {**clean, **GOOD, "WECOM_AES_KEY": "x" * 42, "BOT_INSTANCE_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path}/ok.sqlite3"}
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    proc = subprocess.Popen([gunicorn, "bot:create_app()", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                             "--control-socket", str(tmp_path / "gunicorn.ctl")],
                            env=env, cwd=str(config.PROJECT_ROOT), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _out, err = proc.communicate()
        pytest.fail("gunicorn kept restarting its worker:\n" + err[-2000:])
    assert proc.returncode != 0
    assert err.count("WECOM_AES_KEY") == 1 and "Traceback" not in err, err


def test_database_refusal_says_why(start_ups):
    """The county IT person sees the driver's reason (no such directory, connection refused), not just a class name."""
    assert "unable to open database file" in start_ups["sqlite missing dir"].stderr
    assert "Connection refused" in start_ups["postgres closed port"].stderr


def test_demo_talks_to_the_simulator_on_sim_port():
    """`BOT_PORT=5100 SIM_PORT=5101 ./run.sh`: the CLI (org sync) and workers find the simulator there."""
    assert config.load({"SIM_PORT": "5101", "DATABASE_URL": "sqlite:///x.db"}).api_base == \
        "http://127.0.0.1:5101/cgi-bin/"
    assert config.load({"SIM_PORT": "5101", "WECOM_API_BASE": "http://10.0.0.1/cgi-bin/",
                        "DATABASE_URL": "sqlite:///x.db"}).api_base == "http://10.0.0.1/cgi-bin/"
    assert config.load({**GOOD, "SIM_PORT": "5101", "DATABASE_URL": "sqlite:///x.db"}).api_base.startswith(
        "https://qyapi.weixin.qq.com/")


def test_a_redis_url_without_scheme_is_named():
    with pytest.raises(config.ConfigError, match="REDIS_URL"):
        config.load({"REDIS_URL": "127.0.0.1:6379", "DATABASE_URL": "sqlite:///x.db"})


def test_worker_without_redis_says_so_in_one_line(app, cfg, monkeypatch):
    import dataclasses
    config.use(dataclasses.replace(cfg, redis_url="redis://127.0.0.1:1/0"))
    try:
        result = app.test_cli_runner().invoke(args=["worker"])
    finally:
        config.use(cfg)
    assert result.exit_code != 0 and "REDIS_URL 无法连接" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("url, said", [
    ("postgres://zwxmt:pw@127.0.0.1/zwxmt", "现在以「postgres://」开头"),
    ("mysql://zwxmt:pw@127.0.0.1/zwxmt", "现在以「mysql://」开头"),
    ("zwxmt", "现在不是这种格式（缺少「://」）"),
])
def test_a_database_url_of_another_kind_says_how_to_write_it(url, said):
    """「postgres://」 stopped at the first connection with 「NoSuchModuleError: Can't load plugin」."""
    with pytest.raises(config.ConfigError) as raised:
        config.load({"DATABASE_URL": url})
    assert str(raised.value) == ("配置错误: DATABASE_URL 应写成 postgresql+psycopg://用户:密码@主机/库名"
                                 f"（试用时可以是 sqlite:///文件路径），{said}")
    assert "pw" not in str(raised.value)


def test_postgresql_and_sqlite_urls_are_accepted():
    for url in ("postgresql+psycopg://u:p@h/db", "postgresql://u@h/db", "sqlite:///x.db", "sqlite://"):
        assert config.load({"DATABASE_URL": url}).database_url == url
