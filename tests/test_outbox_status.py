"""`flask --app bot outbox status`: what the operator sees of the outbox while WeCom rate-limits every send, and
after — without reading the database by hand."""
from __future__ import annotations

from datetime import datetime

import pytest

from bot import clock, outbox
from tests.test_outbox_delivery import deliver_for_minutes, push

NOW = datetime(2026, 12, 1, 10, 0)


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def status(cli) -> str:
    result = cli("outbox", "status")
    assert result.exit_code == 0, result.output
    return result.output


def test_status_shows_the_waiting_pushes_their_age_and_error_then_that_they_went_out(bot, cli):
    clock.set_now(NOW)
    bot.fake.state.offset = clock.offset_seconds()
    assert "待发送：0 条（0 人）\n" in status(cli)
    bot.fake.inject("message/send", errcode=45009, times=-1)  # WeCom's rate limit, for as long as it lasts
    push(outbox.push_text, "jy_zhang", "第一条")
    push(outbox.push_text, "jy_zhang", "第二条")
    push(outbox.push_text, "zsj_admin", "第三条")
    bot.deliver()
    deliver_for_minutes(bot, 20)
    shown = status(cli)
    assert "推送队列（2026-12-01 10:20）：" in shown
    assert "待发送：3 条（2 人），最早的一条已等待 20 分钟" in shown
    # (after each 45009 WeCom blocks the app for 60 s: one call at a time, the third push has waited without a try)
    assert "其中 2 条发送失败、正在按退避重试，最近的错误：45009: injected fault 45009（2 条）；" in shown
    assert "45009: waiting for the end of WeCom's frequency-limit block（1 条）" in shown
    assert "最近 24 小时已送达：0 条" in shown and "发送失败（未重发）：0 条\n" in shown
    bot.fake.clear_faults()
    deliver_for_minutes(bot, 31)  # the retry interval has grown: within 30 minutes every row is tried again
    shown = status(cli)
    assert "待发送：0 条（0 人）\n" in shown and "重试" not in shown
    assert "最近 24 小时已送达：3 条" in shown
    assert sorted(m["content"]["content"] for m in bot.inbox("jy_zhang")) == ["第一条", "第二条"]
    bot.fake.inject("message/send", errcode=60020, times=1)  # refused for good: failed, left for `outbox resend`
    push(outbox.push_text, "jy_wang", "第四条")
    bot.deliver()
    assert "最近 7 天发送失败（未重发）：1 条，查看原因并重发：flask --app bot outbox resend --dry-run" in status(cli)
