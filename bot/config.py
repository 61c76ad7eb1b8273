"""Configuration from environment variables (a `.env` file is honoured).

Demo mode: when none of the WeCom variables is set the bot talks to the local
simulator with the fixed credentials below.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv
from redis.connection import parse_url as parse_redis_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The default instance folder (SQLite file); BOT_INSTANCE_DIR, read with .env by `load`, names another.
INSTANCE_DIR = PROJECT_ROOT / "instance"

WECOM_VARS = ("WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET", "WECOM_TOKEN", "WECOM_AES_KEY")

# Credentials shared by the bot in demo mode, the simulator and the tests.
DEMO = {
    "WECOM_CORP_ID": "wwdemo0000000000001",
    "WECOM_AGENT_ID": "1000002",
    "WECOM_SECRET": "demo-secret-not-for-production",
    "WECOM_TOKEN": "demotoken2026",
    "WECOM_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "WECOM_API_BASE": "http://127.0.0.1:5001/cgi-bin/",
}


class ConfigError(SystemExit):
    """A configuration value is malformed; the message names the variable."""


@dataclass(frozen=True)
class Config:
    corp_id: str
    agent_id: int
    secret: str
    token: str
    aes_key: str
    api_base: str
    database_url: str
    redis_url: str
    timezone: str
    demo: bool
    callback_window_seconds: int = 300
    conversation_idle_minutes: int = 30
    max_body_bytes: int = 64 * 1024
    per_member_per_minute: int = 25
    per_member_per_hour: int = 900
    city_step_is_approval: bool = True
    outbox_retry_hours: int = 48  # retryable send failures are retried this long, then the row is failed
    callback_retention_days: int = 30  # inbound_callback (de-duplication) rows kept this long
    job_run_retention_days: int = 7  # job_run rows of every-few-minutes jobs kept this long
    instance_dir: Path = INSTANCE_DIR  # Flask's instance folder, where the default SQLite file lives
    extra: dict = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"配置错误: {name} 必须是整数（现在是 {value!r}）") from None


def _port(name: str, value: str) -> int:
    port = _int(name, value)
    if not 1 <= port <= 65535:
        raise ConfigError(f"配置错误: {name} 必须是 1 到 65535 之间的端口号（现在是 {port}）")
    return port


def _agent_id(value: str) -> int:
    """WeCom's AgentId: a positive whole number, as the admin console shows it (「-1」 or 「0」 is no app)."""
    if not re.fullmatch(r"[0-9]{1,18}", value.strip()) or int(value) < 1:
        raise ConfigError(f"配置错误: WECOM_AGENT_ID 必须是应用的 AgentId，一个正整数（现在是 {value!r}）")
    return int(value)


def _positive(name: str, env: dict, default: str) -> int:
    value = _int(name, env.get(name, default))
    if value < 1:
        raise ConfigError(f"配置错误: {name} 必须至少为 1（现在是 {value}）")
    return value


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _bool(name: str, value: str) -> bool:
    """1/true/yes/on or 0/false/no/off: anything else (「ture」) stops start-up rather than meaning no."""
    word = value.strip().lower()
    if word not in _TRUE | _FALSE:
        raise ConfigError(f"配置错误: {name} 必须是 1 或 0（现在是 {value!r}）")
    return word in _TRUE


def _check_redis_url(url: str) -> None:
    """What redis-py's own parser refuses (a port that is not a number …) and a database that is not a
    number (redis-py would quietly use database 0) stop start-up here, not at every push."""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("配置错误: REDIS_URL 应以 redis://、rediss:// 或 unix:// 开头，例如 redis://127.0.0.1:6379/0")
    try:
        parse_redis_url(url)
        database = urlsplit(url).path.strip("/") if not url.startswith("unix://") else ""
    except ValueError:
        raise ConfigError("配置错误: REDIS_URL 格式不对（主机、端口或参数写错了），例如 redis://127.0.0.1:6379/0") from None
    if database and not (database.isascii() and database.isdigit()):
        raise ConfigError("配置错误: REDIS_URL 末尾的库序号必须是数字，例如 redis://127.0.0.1:6379/0")


def _check_api_base(url: str) -> None:
    """An address without http(s):// or a host would make every call to WeCom fail (and be retried for days)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"配置错误: WECOM_API_BASE 应写成 https://qyapi.weixin.qq.com/cgi-bin/ 这样的地址（现在是 {url!r}）")


def dormancy_rung_days(raw: str, count: int = 5) -> list[int]:
    """BOT_DORMANCY_RUNGS: `count` increasing positive day counts, comma-separated (jobs/dormancy.py)."""
    try:
        days = [int(part) for part in raw.replace("，", ",").split(",")]
    except ValueError:
        raise ConfigError(f"配置错误: BOT_DORMANCY_RUNGS 必须是五个逗号分隔的整数（现在是 {raw!r}）") from None
    if len(days) != count or any(b <= a for a, b in zip(days, days[1:])) or days[0] < 1:
        raise ConfigError(f"配置错误: BOT_DORMANCY_RUNGS 必须是五个递增的正整数天数（现在是 {raw!r}）")
    return days


def weekly_due_time(raw: str) -> time:
    """BOT_WEEKLY_DUE, the weekly report's deadline on the week's last working day: 时:分, e.g. 17:00."""
    found = re.fullmatch(r"([01]?[0-9]|2[0-3]):([0-5][0-9])", raw.strip())
    if found is None:
        raise ConfigError(f"配置错误: BOT_WEEKLY_DUE 必须是 时:分，例如 17:00（现在是 {raw.strip()!r}）")
    return time(int(found[1]), int(found[2]))


def _check_job_settings(env: dict) -> None:
    """Settings the jobs read when they run (from the environment, so that a test may change them): a malformed
    one stops start-up here, not the morning's job with a traceback (or, for the weekly deadline, quietly 17:00)."""
    _positive("BOT_APPROVAL_REMIND_AFTER", env, "1")
    weekly_due_time(env.get("BOT_WEEKLY_DUE", "17:00"))
    if env.get("BOT_DORMANCY_RUNGS", "").strip():
        dormancy_rung_days(env["BOT_DORMANCY_RUNGS"].strip())


DATABASE_SCHEMES = ("postgresql+psycopg", "postgresql", "sqlite", "sqlite+pysqlite")


def _check_database_url(url: str) -> None:
    """PostgreSQL through psycopg, or an SQLite file: anything else (「postgres://」 as some hosts write it,
    「mysql://」, a bare database name) would stop at the first connection with SQLAlchemy's English."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else None
    if scheme in DATABASE_SCHEMES:
        return
    now = f"现在以「{scheme}://」开头" if scheme is not None else "现在不是这种格式（缺少「://」）"
    raise ConfigError("配置错误: DATABASE_URL 应写成 postgresql+psycopg://用户:密码@主机/库名"
                      f"（试用时可以是 sqlite:///文件路径），{now}")


def instance_dir(env: dict) -> Path:
    """BOT_INSTANCE_DIR as the environment or .env gives it, else the project's instance/ folder."""
    return Path(env["BOT_INSTANCE_DIR"]) if env.get("BOT_INSTANCE_DIR") else INSTANCE_DIR


def default_database_url(folder: Path) -> str:
    """The SQLite file in the instance folder, which is made if need be (a folder that cannot be made stops
    start-up with one line, not a traceback)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"配置错误: 未设置 DATABASE_URL，默认的 SQLite 数据库所在的目录 {folder} 无法创建"
                          f"（{exc.strerror}）；请设置 DATABASE_URL，或用 BOT_INSTANCE_DIR 指定一个可写的目录") from None
    return f"sqlite:///{folder / 'bot.sqlite3'}"


def load(env: dict | None = None) -> Config:
    """Build the configuration; malformed values stop start-up naming the variable."""
    if env is None:
        load_dotenv(PROJECT_ROOT / ".env", override=False)
        env = dict(os.environ)
    demo = not any(env.get(name) for name in WECOM_VARS)
    source = {**DEMO, **env} if demo else env
    missing = [n for n in WECOM_VARS if not source.get(n)]
    if missing:
        raise ConfigError(f"配置错误: 缺少 {missing[0]}（企业微信变量要么全部设置，要么全部不设以进入演示模式）")
    if not re.fullmatch(r"[A-Za-z0-9]{1,64}", source["WECOM_CORP_ID"]):  # ww… (older wx…), then hex digits
        raise ConfigError(f"配置错误: WECOM_CORP_ID 应是企业ID（ww 开头的字母和数字，现在是 {source['WECOM_CORP_ID']!r}）")
    if re.search(r"\s", source["WECOM_SECRET"]):  # (never said back: it is a secret)
        raise ConfigError("配置错误: WECOM_SECRET 含有空格或换行，请检查是否多复制了字符")
    if not re.fullmatch(r"[A-Za-z0-9]{1,32}", source["WECOM_TOKEN"]):  # WeCom: letters or digits, at most 32
        raise ConfigError("配置错误: WECOM_TOKEN 必须是 1 到 32 位英文字母或数字")
    aes_key = source["WECOM_AES_KEY"]
    if not re.fullmatch(r"[A-Za-z0-9]{43}", aes_key):
        raise ConfigError("配置错误: WECOM_AES_KEY 必须是 43 位字母或数字")
    if demo and not env.get("WECOM_API_BASE") and env.get("SIM_PORT"):  # the simulator on its own port
        source["WECOM_API_BASE"] = f"http://127.0.0.1:{_port('SIM_PORT', env['SIM_PORT'])}/cgi-bin/"
    api_base = source.get("WECOM_API_BASE") or "https://qyapi.weixin.qq.com/cgi-bin/"
    _check_api_base(api_base)
    if not api_base.endswith("/"):
        api_base += "/"
    redis_url = env.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    _check_redis_url(redis_url)
    instance = instance_dir(env)
    database_url = env.get("DATABASE_URL") or default_database_url(instance)
    _check_database_url(database_url)
    timezone = env.get("BOT_TIMEZONE", "Asia/Shanghai")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"配置错误: BOT_TIMEZONE 不是有效的时区 ({timezone!r})") from None
    _check_job_settings(env)
    return Config(
        corp_id=source["WECOM_CORP_ID"],
        agent_id=_agent_id(source["WECOM_AGENT_ID"]),
        secret=source["WECOM_SECRET"],
        token=source["WECOM_TOKEN"],
        aes_key=aes_key,
        api_base=api_base,
        database_url=database_url,
        redis_url=redis_url,
        timezone=timezone,
        demo=demo,
        callback_window_seconds=_positive("BOT_CALLBACK_WINDOW", env, "300"),  # 0 would refuse every callback
        conversation_idle_minutes=_positive("BOT_CONVERSATION_IDLE_MINUTES", env, "30"),
        per_member_per_minute=_positive("BOT_PER_MEMBER_PER_MINUTE", env, "25"),
        per_member_per_hour=_positive("BOT_PER_MEMBER_PER_HOUR", env, "900"),
        city_step_is_approval=_bool("BOT_CITY_STEP_IS_APPROVAL", env.get("BOT_CITY_STEP_IS_APPROVAL", "1")),
        outbox_retry_hours=_positive("BOT_OUTBOX_RETRY_HOURS", env, "48"),
        callback_retention_days=_positive("BOT_CALLBACK_RETENTION_DAYS", env, "30"),
        job_run_retention_days=_positive("BOT_JOB_RUN_RETENTION_DAYS", env, "7"),
        instance_dir=instance,
    )


_current: Config | None = None


def get() -> Config:
    """The process-wide configuration (loaded once; tests may replace it with `use`)."""
    global _current
    if _current is None:
        _current = load()
    return _current


def use(config: Config) -> Config:
    global _current
    _current = config
    return config
