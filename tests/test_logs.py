"""Logs and job arguments never hold phone numbers, secrets or access tokens."""
from __future__ import annotations

import logging

from rq import Queue

from bot import config, logs
from jobs import QUEUE_NAME, connection

PHONE = "13912345678"
MASK = "1**********"


def _forbidden(bot) -> list[str]:
    cfg = config.get()
    return [PHONE, cfg.aes_key, cfg.secret, cfg.token, *bot.fake.state.tokens]


def test_a_conversation_with_a_phone_number_leaves_no_trace_in_logs_or_job_args(tbot, caplog):
    caplog.set_level(logging.DEBUG)
    tbot.send("jy_zhang", "测试登记")
    tbot.send("jy_zhang", "抚松教育")
    tbot.send("jy_zhang", PHONE)
    tbot.send("jy_zhang", "确认")
    tbot.send("jy_zhang", f"记一笔 联系人电话{PHONE}")
    tbot.send("stranger9", f"我的手机{PHONE}")
    jobs = Queue(QUEUE_NAME, connection=connection()).jobs
    assert jobs, "the pushes were queued"
    for job in jobs:
        assert job.kwargs == {} and all(isinstance(i, int) for arg in job.args for i in arg)
        assert PHONE.encode() not in job.data
    texts = tbot.texts("zsj_admin")
    assert any(PHONE in t for t in texts)  # the push itself does carry the number to the bureau
    tbot.fake.expire_tokens()  # make the bot refresh: token handling is logged too
    tbot.send("jy_zhang", "记一笔 再来")
    tbot.deliver()
    assert tbot.fake.state.gettoken_calls == 2
    logged = caplog.text + "".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "callback user=jy_zhang type=text" in logged and "delivery rows=1 type=text outcome=sent" in logged
    for secret in _forbidden(tbot):
        assert secret not in logged, secret
    assert MASK not in logged and "=***" not in logged  # nobody even tried: the filter had nothing to do


def test_the_last_line_of_defence_scrubs_messages_and_tracebacks(cfg, caplog):
    logs.install_redaction()
    caplog.set_level(logging.INFO)
    log = logging.getLogger("bot.test")
    log.warning("GET /cgi-bin/message/send?access_token=tok_abc123&debug=1 for %s", PHONE)
    try:
        raise ValueError(f"bad input {PHONE} corpsecret=s3cr3t")
    except ValueError:
        log.exception("handler failed")
    text = caplog.text
    assert PHONE not in text and "tok_abc123" not in text and "s3cr3t" not in text
    assert "access_token=***" in text and MASK in text and "ValueError" in text


def test_a_malformed_log_call_does_not_raise_when_the_record_is_made(cfg):
    """Redaction runs at record creation: a bad format must be left to the handler's error report."""
    logs.install_redaction()
    make = logging.getLogRecordFactory()
    record = make("bot.test", logging.INFO, __file__, 1, "two placeholders %s %s", ("only one",), None)
    assert record.args == ("only one",)


def test_the_quick_checks_in_redact_skip_no_line_the_patterns_would_change():
    """redact() tests for '=', the key words and an 11-digit run before running its patterns."""
    samples = ["callback user=jy_zhang type=text handler=帮助 outcome=ok ms=0.8", f"phone {PHONE}",
               f"id a{PHONE}b", "ACCESS_TOKEN=abc&x=1", "ſecret=abc", "corpſecret=abc", "toKen=abc",
               "token = abc", "电话１３９１２３４５６７８", "13９１２３４５６７８", "13912345678901", "no digits at all", "secret=",
               f"x{PHONE}", f"{PHONE}y and access_token=q"]
    for text in samples:
        assert logs.redact(text) == logs._PHONE.sub(MASK, logs._SECRETS.sub(r"\1=***", text)), text


def test_the_formatter_writes_the_time_as_the_standard_one_does():
    """bot.logs.Formatter reuses the formatted second; each line must still read as logging's own."""
    ours, standard = logs.Formatter("%(asctime)s %(message)s"), logging.Formatter("%(asctime)s %(message)s")
    for created in (1700000000.0, 1700000000.999, 1700000001.5, 1700000001.0004, 1700000000.2, 1800000000.25):
        record = logging.LogRecord("bot.test", logging.INFO, __file__, 1, "m", (), None)
        record.created, record.msecs = created, (created - int(created)) * 1000 // 1
        assert ours.format(record) == standard.format(record), created


def test_a_handlers_failure_is_logged_naming_the_handler(tbot, caplog):
    """The callback's line names its handler; when the handler failed it said 「handler=error」, and the line with
    the traceback named none: which feature failed was left to reading the traceback."""
    from bot.dispatch import ERROR_REPLY

    @tbot.app.extensions["router"].command("出错", help=None)
    def broken(ctx):
        raise RuntimeError("bug")

    caplog.set_level(logging.INFO)
    assert tbot.raw("jy_zhang", "出错", msg_id="8080801").text == ERROR_REPLY
    assert tbot.raw("jy_zhang", "出错", msg_id="8080801").text == ERROR_REPLY  # WeCom's retry
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.callback"]
    assert lines[0] == "handler failed user=jy_zhang type=text handler=出错"
    assert lines[1].startswith("callback user=jy_zhang type=text handler=出错 outcome=error ms=")
    assert lines[2].startswith("callback user=jy_zhang type=text handler=出错 outcome=error duplicate ms=")
    assert len(lines) == 3
