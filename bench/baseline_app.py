"""Baselines for the callback benchmark, served by gunicorn exactly like the bot.

`bench.baseline_app:create_app("bare")`   verify the signature and timestamp, decrypt, answer 200.
`bench.baseline_app:create_app("single")` the same, then commit one row per message (`bench_effect`,
                                          keyed by the message id) — the least a durable handler does.

Both read the same environment as the bot (WECOM_*, DATABASE_URL) and answer an empty 200,
which WeCom accepts as "no passive reply".
"""
from __future__ import annotations

from flask import Flask, Response, request
from sqlalchemy import Column, DateTime, MetaData, String, Table

from bot import clock, config, db
from bot.wecom_crypto import CallbackCrypto, Rejected

metadata = MetaData()
bench_effect = Table(
    "bench_effect", metadata,
    Column("msg_id", String(200), primary_key=True),
    Column("userid", String(64), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)


def create_table(url: str | None = None) -> None:
    metadata.create_all(db.get_engine(url))


def create_app(mode: str = "bare") -> Flask:
    if mode not in ("bare", "single"):
        raise ValueError(f"unknown baseline mode {mode!r}")
    cfg = config.get()
    crypto = CallbackCrypto(cfg.token, cfg.aes_key, cfg.corp_id)
    record = bench_effect.insert()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = cfg.max_body_bytes

    @app.post("/wecom/callback")
    def receive():
        body = request.get_data(cache=False)
        if len(body) > cfg.max_body_bytes:
            return Response("", status=413)
        args = request.args
        timestamp = args.get("timestamp", "")
        try:
            if not timestamp.isdigit() or abs(int(timestamp) - clock.now().timestamp()) > cfg.callback_window_seconds:
                raise Rejected(403, "timestamp outside the accepted window")
            inbound = crypto.decrypt_callback(args.get("msg_signature", ""), timestamp, args.get("nonce", ""), body)
        except Rejected as rejected:
            return Response("", status=rejected.status)
        if mode == "single":
            # No liveness ping, as on the bot's callback path: the least a durable handler does.
            with db.get_engine(callback=True).begin() as conn:
                conn.execute(record, {"msg_id": inbound.dedupe_key, "userid": inbound.userid,
                                      "received_at": clock.now()})
        return Response("", status=200)

    @app.get("/healthz")
    def healthz():
        if mode == "single":
            db.ping()
        return Response("ok", status=200)

    return app
