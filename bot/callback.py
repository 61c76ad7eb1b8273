"""`/wecom/callback`: verify, decrypt, de-duplicate, route, commit, answer — nothing slower."""
from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, current_app, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import RequestEntityTooLarge

from bot import clock, config, dispatch
from bot.wecom_crypto import Rejected, is_seconds, text_reply_xml, update_button_xml

log = logging.getLogger("bot.callback")
bp = Blueprint("wecom", __name__)


def _crypto():
    return current_app.extensions["wecom_crypto"]


def _fresh(timestamp: str) -> None:
    """Whole seconds on both sides, as WeCom stamps them: a timestamp exactly the window away is accepted,
    in the past as in the future, whatever the fraction of the current second."""
    window = config.get().callback_window_seconds
    if not is_seconds(timestamp) or abs(int(timestamp) - int(clock.now().timestamp())) > window:
        raise Rejected(403, "timestamp outside the accepted window")


@bp.get("/wecom/callback")
def verify_url():
    args = request.args
    try:
        echo = _crypto().verify_url(args.get("msg_signature", ""), args.get("timestamp", ""),
                                    args.get("nonce", ""), args.get("echostr", ""))
    except Rejected as rejected:
        log.warning("url verification refused status=%s reason=%s", rejected.status, rejected.reason)
        return Response("", status=rejected.status)
    return Response(echo, mimetype="text/plain")


@bp.post("/wecom/callback")
def receive():
    started = time.perf_counter()
    cfg = config.get()
    try:
        too_large = (request.content_length or 0) > cfg.max_body_bytes
        body = b"" if too_large else request.get_data(cache=False)
    except RequestEntityTooLarge:
        too_large = True
    if too_large or len(body) > cfg.max_body_bytes:
        log.warning("callback refused status=413 reason=body too large")
        return Response("", status=413)
    args = request.args
    try:
        _fresh(args.get("timestamp", ""))
        inbound = _crypto().decrypt_callback(args.get("msg_signature", ""), args.get("timestamp", ""),
                                             args.get("nonce", ""), body)
    except Rejected as rejected:
        log.warning("callback refused status=%s reason=%s", rejected.status, rejected.reason)
        return Response("", status=rejected.status)
    try:
        outcome = dispatch.handle(current_app.extensions["router"], inbound)
    except DBAPIError as exc:
        log.error("callback user=%s type=%s outcome=db-unavailable error=%s ms=%.1f", inbound.userid,
                  inbound.event or inbound.msg_type, type(exc.orig).__name__, _ms(started))
        return Response("", status=503)
    log.info("callback user=%s type=%s handler=%s outcome=%s%s ms=%.1f", inbound.userid,
             inbound.event or inbound.msg_type, outcome.handler, outcome.outcome,
             " duplicate" if outcome.duplicate else "", _ms(started))
    return _passive_reply(inbound.userid, outcome.reply)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _passive_reply(userid: str, reply: dict | None) -> Response:
    if not reply or not reply.get("content"):
        return Response("", status=200)
    cfg = config.get()
    now = int(clock.now().timestamp())
    if reply["kind"] == "update_button":
        plain = update_button_xml(userid, cfg.corp_id, reply["content"], now)
    else:
        plain = text_reply_xml(userid, cfg.corp_id, reply["content"], now)
    return Response(_crypto().encrypt_reply(plain, timestamp=now), mimetype="application/xml")
