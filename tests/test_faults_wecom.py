"""WeCom failing for a while, not once (test_outbox_delivery.py covers each fault once): the calls the fake
receives over the period are counted, so a hot loop or an unbounded retry would show."""
from __future__ import annotations

import logging

import pytest

from datetime import datetime

from bot import clock, outbox, wecom_client
from models.outbox import FAILED, SENT
from tests.test_outbox_delivery import all_rows, move, push, send_calls, sweep_and_deliver

pytestmark = pytest.mark.faults


def _minutes(bot, n: int, every: float = 60, each=None) -> None:
    for i in range(n):
        if each:
            each(i)
        move(bot, every)
        sweep_and_deliver(bot)


def test_60020_for_an_hour_each_message_tried_once_and_recorded(bot):
    clock.set_now(datetime(2026, 12, 1, 10, 0))  # the hour stays within one day (one summary a day)
    bot.fake.state.offset = clock.offset_seconds()
    bot.fake.inject("message/send", errcode=60020, times=-1)  # IP not in the whitelist until someone fixes it
    _minutes(bot, 60, each=lambda i: push(outbox.push_text, "jy_zhang", f"通知{i}"))
    rows = all_rows()
    # 60 pushes and the one summary of the day to the bureau admin, which fails the same way
    assert len(rows) == 61 and {r.status for r in rows} == {FAILED}
    assert [r.userid for r in rows].count("zsj_admin") == 1
    assert all(r.error.startswith("60020") and r.attempts == 1 for r in rows)
    assert send_calls(bot.fake) == 61  # one call per message, no retry of a non-retryable error
    bot.fake.clear_faults()
    _minutes(bot, 10)
    assert send_calls(bot.fake) == 61  # recorded as failed stays failed: no late burst either
    push(outbox.push_text, "jy_zhang", "修好之后")
    bot.deliver()
    assert [m["content"]["content"] for m in bot.fake.messages_to("jy_zhang")] == ["修好之后"]


def test_60020_logs_one_error_when_it_starts_then_every_half_hour_and_says_when_it_is_over(bot, caplog):
    """An hour of 60020: 61 refused calls, each a WARNING, but ERROR only at 10:01 and 10:31 (all workers
    share the time through Redis); the first accepted call says it is over; a new outage errs at once."""
    caplog.set_level(logging.INFO, logger="bot.delivery")
    clock.set_now(datetime(2026, 12, 1, 10, 0))
    bot.fake.state.offset = clock.offset_seconds()
    bot.fake.inject("message/send", errcode=60020, times=-1)
    _minutes(bot, 60, each=lambda i: push(outbox.push_text, "jy_zhang", f"通知{i}"))

    def lines(level, text):
        return [r for r in caplog.records if r.name == "bot.delivery" and r.levelno == level and text in r.getMessage()]

    assert len(lines(logging.WARNING, "errcode=60020")) == 61
    assert [r.getMessage().split(":")[0] for r in lines(logging.ERROR, "60020")] == ["delivery refused"] * 2
    bot.fake.clear_faults()
    push(outbox.push_text, "jy_zhang", "修好之后")
    bot.deliver()
    assert len(lines(logging.WARNING, "accepted again after 60020")) == 1
    push(outbox.push_text, "jy_zhang", "再来一条")
    bot.deliver()
    assert len(lines(logging.WARNING, "accepted again after 60020")) == 1  # once per outage
    move(bot, 60)
    bot.fake.inject("message/send", errcode=60020)  # a new outage minutes later: ERROR again at once
    push(outbox.push_text, "jy_zhang", "又被拒绝")
    bot.deliver()
    assert len(lines(logging.ERROR, "60020")) == 3


def test_gettoken_down_for_a_quarter_hour_is_bounded_then_everything_goes_once(bot):
    bot.fake.inject("gettoken", http_status=502, times=-1)
    for i in range(5):  # five different messages: five groups in one delivery job
        push(outbox.push_text, "jy_zhang", f"消息{i}")
    bot.deliver()
    assert bot.fake.state.gettoken_calls == 1  # not one per group
    _minutes(bot, 90, every=10)  # a sweep every 10 s for 15 minutes
    tries = bot.fake.state.gettoken_calls
    assert 3 <= tries <= 8, tries  # backing off (10 s doubling: 7 tries in 15 minutes), not once per sweep
    assert send_calls(bot.fake) == 0 and {r.status for r in all_rows()} == {"pending"}
    bot.fake.clear_faults()
    _minutes(bot, 30, every=60)
    assert {r.status for r in all_rows()} == {SENT}
    assert sorted(m["content"]["content"] for m in bot.fake.messages_to("jy_zhang")) == [f"消息{i}" for i in range(5)]
    assert send_calls(bot.fake) == 5
    assert bot.fake.state.gettoken_calls == tries + 1


def test_a_run_of_different_retryable_failures_then_success(bot):
    wecom_client.get_api().client.timeout = 0.4
    for fault in (dict(errcode=-1), dict(errcode=45009), dict(http_status=503), dict(errcode=45033),
                  dict(delay=0.0, errcode=-1)):
        bot.fake.inject("message/send", **fault)
    push(outbox.push_text, "jy_zhang", "终于送达")
    bot.deliver()
    _minutes(bot, 60, every=30)
    [row] = all_rows()
    assert row.status == SENT and row.attempts == 6
    assert send_calls(bot.fake) == 6
    assert [m["content"]["content"] for m in bot.fake.messages_to("jy_zhang")] == ["终于送达"]

