"""政务新媒体助手 — the Flask app factory (`flask --app bot …`, gunicorn "bot:create_app()")."""
from __future__ import annotations

import logging
import sys

from flask import Flask

from bot import config as config_mod

log = logging.getLogger("bot")


def create_app(test_config: config_mod.Config | None = None) -> Flask:
    from bot import callback, cli, health, logs
    from bot.wecom_crypto import CallbackCrypto
    import handlers

    logs.setup()
    try:
        cfg = config_mod.use(test_config) if test_config else config_mod.get()
        if test_config is None:
            _check_database()
    except config_mod.ConfigError as exc:
        if "gunicorn" in sys.modules:
            # gunicorn starts a worker that exits with 1 again and again; 3 (worker boot error) stops it.
            print(exc, file=sys.stderr, flush=True)
            raise SystemExit(3) from None
        raise
    app = Flask(__name__, instance_path=str(cfg.instance_dir))
    # One byte more than we accept: a streamed (chunked) body is cut at this limit, not refused,
    # so the callback reads up to max+1 bytes and refuses anything longer than max itself.
    app.config["MAX_CONTENT_LENGTH"] = cfg.max_body_bytes + 1
    app.extensions["wecom_crypto"] = CallbackCrypto(cfg.token, cfg.aes_key, cfg.corp_id)
    app.extensions["router"] = handlers.build_router()
    app.register_blueprint(callback.bp)
    app.register_blueprint(health.bp)
    cli.init_app(app)
    if cfg.demo:
        log.warning("演示模式：未设置企业微信变量，连接本地模拟器 %s", cfg.api_base)
    return app


def _check_database() -> None:
    from bot import db
    try:
        db.ping()
    except Exception as exc:
        raise config_mod.ConfigError(f"配置错误: DATABASE_URL 无法连接 ({type(exc).__name__}: {_reason(exc)})") from None


def _reason(exc: Exception) -> str:
    """The driver's own words (e.g. 'database "x" does not exist') on one line, without the password."""
    from sqlalchemy.engine import make_url
    words = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
    try:
        password = make_url(config_mod.get().database_url).password
    except Exception:
        password = None
    return words.replace(str(password), "***") if password else words
