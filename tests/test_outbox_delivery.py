"""Pushes through the fake WeCom over HTTP: every message kind, batching, splitting, the shared
token, retries and their bounds, invalid users, throttling, the duplicate check and the sweeper."""
from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import select, update

from bot import clock, config, db, outbox, wecom_client
from bot.wecom_client import WeComAPI
from jobs import delivery
from models.org import Person
from models.outbox import FAILED, PENDING, SENT, OutboxMessage
from models.platform import Card
from tests.conftest import OWNER_KEY
from tests.platform_support import wait_until


def push(fn, *args, **kw) -> list[int]:
    with db.transaction() as s:
        rows = fn(s, *args, **kw)
        s.flush()
        return [r.id if isinstance(r, OutboxMessage) else r.task_id for r in rows]


def push_texts(userid: str, contents: list[str]) -> None:
    """Many messages to one person in one transaction (one delivery job)."""
    with db.transaction() as s:
        for content in contents:
            outbox.push_text(s, userid, content)


def all_rows() -> list[OutboxMessage]:
    with db.transaction() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def move(bot, seconds: float) -> None:
    """Move both clocks: ours and the fake WeCom's."""
    clock.advance(timedelta(seconds=seconds))
    bot.fake.state.offset = clock.offset_seconds()


def send_calls(fake) -> int:
    return sum(1 for r in fake.state.requests if r["path"] == "/cgi-bin/message/send")


def row_to(userid: str) -> OutboxMessage:
    [row] = [r for r in all_rows() if r.userid == userid]
    return row


def next_sweep(row: OutboxMessage) -> datetime:
    """When the sweeper (which leaves rows younger than SWEEP_AFTER to their queued job) next takes the row."""
    return max(row.next_attempt_at, row.created_at + delivery.SWEEP_AFTER + timedelta(seconds=5))


def sweep_and_deliver(bot) -> int:
    n = delivery.sweep()
    bot.deliver()
    return n


# --- kinds ------------------------------------------------------------------------------------------

def test_every_kind_reaches_the_user(bot):
    person = "jy_zhang"
    push(outbox.push_text, person, "纯文本")
    push(outbox.push_markdown, person, "**加粗**")
    push(outbox.push_textcard, person, "标题", "描述", "https://example.gov.cn/x")
    push(outbox.push_file, person, "台账/2026.xlsx", b"PK\x03\x04" + b"x" * 100)
    bot.deliver()
    got = {m["msgtype"]: m["content"] for m in bot.fake.messages_to(person)}
    assert got["text"] == {"content": "纯文本"} and got["markdown"] == {"content": "**加粗**"}
    assert got["textcard"]["title"] == "标题" and got["textcard"]["btntxt"] == "详情"
    name, data = bot.fake._files[got["file"]["media_id"]]
    assert name == "台账2026.xlsx" and data.startswith(b"PK")
    assert {r.status for r in all_rows()} == {SENT} and all(r.msgid for r in all_rows())


def test_interactive_card_and_its_update(bot):
    [task_id] = push(outbox.push_card, "jy_zhang", kind="tcard", ref_id=7, card={
        "card_type": "button_interaction", "main_title": {"title": "请审核"},
        "button_list": [{"text": "同意", "key": "yes"}]})
    bot.deliver()
    [card] = bot.cards("jy_zhang")
    assert card["task_id"] == task_id and card["main_title"]["title"] == "请审核"
    with db.transaction() as s:
        row = s.get(Card, task_id)
        assert row.response_code and row.response_code.startswith("rc_")  # from message/send
        outbox.push_card_update(s, row, button_label="已同意")
    bot.deliver()
    [update] = bot.fake.state.card_updates
    assert update["task_id"] == task_id and update["button"] == {"replace_name": "已同意"}
    assert update["userids"] == ["jy_zhang"]
    with db.transaction() as s:
        row = s.get(Card, task_id)
        assert (row.status, row.result, row.response_code) == ("closed", "已同意", None)
    assert {r.status for r in all_rows()} == {SENT}


def test_same_content_to_many_goes_in_calls_of_1000(bot):
    users = [f"u{i:05d}" for i in range(2001)]
    push(outbox.push_text, users, "全体通知")
    push(outbox.push_text, users[:3], "另一条")
    bot.deliver()
    assert send_calls(bot.fake) == 4  # 1000 + 1000 + 1 + the other content
    assert len(bot.fake.state.messages) == 2004 and {r.status for r in all_rows()} == {SENT}


def test_long_text_is_split_below_2048_bytes(bot):
    content = "\n".join(f"第{i}行：" + "政务新媒体" * 30 for i in range(20))
    assert len(content.encode()) > 3 * 2048
    push(outbox.push_text, "jy_zhang", content)
    bot.deliver()
    parts = [m["content"]["content"] for m in bot.fake.messages_to("jy_zhang")]
    assert len(parts) >= 4 and all(len(p.encode()) <= 2048 for p in parts)
    assert parts[0].endswith(f"（1/{len(parts)}）") and parts[-1].endswith(f"（{len(parts)}/{len(parts)}）")
    assert "\n".join(p.rsplit("\n", 1)[0] for p in parts) == content  # nothing lost, in order


def test_a_long_line_of_emoji_is_cut_between_emoji_not_inside_one(bot):
    """A single line longer than the limit is cut by characters: never inside a ZWJ family (👨‍👩‍👧 is five code
    points), a flag (two regional indicators) or a skin tone, which would show as broken halves in two messages."""
    family, flag, thumb = "👨\u200d👩\u200d👧", "🇨🇳", "👍🏽"
    content = "\n".join(["家庭：" + family * 125, "国旗：" + flag * 259, "点赞：" + thumb * 259])
    push(outbox.push_text, "jy_zhang", content)
    bot.deliver()
    parts = [m["content"]["content"].rsplit("\n", 1)[0] for m in bot.fake.messages_to("jy_zhang")]
    assert len(parts) > 3 and all(len(p.encode()) <= 2048 for p in parts)
    for part in parts:
        assert part.count("👨") == part.count("👩") == part.count("👧") == part.count("\u200d") / 2
        assert part.count("🇨") == part.count("🇳") and part.count("👍") == part.count("🏽")
        assert not part.startswith(("\u200d", "🇳", "🏽"))
    assert "".join(parts).replace("\n", "") == content.replace("\n", "")


# --- the access token -------------------------------------------------------------------------------

def test_token_is_fetched_once_and_shared(bot):
    first, second = WeComAPI(), WeComAPI()
    first.send("text", {"content": "一"}, ["jy_zhang"])
    second.send("text", {"content": "二"}, ["jy_zhang"])
    assert bot.fake.state.gettoken_calls == 1
    assert bot.redis.ttl(first.token_key) > 6000
    assert bot.fake.state.tokens  # and it is the fake's real token


def test_concurrent_processes_fetch_one_token(bot):
    bot.fake.inject("gettoken", delay=0.3)  # a slow gettoken: everybody else waits for it
    apis = [WeComAPI() for _ in range(8)]
    tokens: list[str] = []
    threads = [threading.Thread(target=lambda a=a: tokens.append(a.token())) for a in apis]
    [t.start() for t in threads]
    [t.join(10) for t in threads]
    assert len(set(tokens)) == 1 and len(tokens) == 8
    assert bot.fake.state.gettoken_calls == 1


def test_a_failing_gettoken_is_called_once_for_all_processes_waiting_for_it(bot):
    """gettoken fails slowly (WeCom busy): the processes that waited for the refresh lock meanwhile take that failure
    as theirs, instead of each calling gettoken in turn and waiting for all the earlier failures — with a hanging
    gettoken the fourth waited past the lock's 15 s and crashed its delivery job with redis's LockError."""
    bot.fake.inject("gettoken", errcode=-1, delay=1.0, times=-1)
    apis = [WeComAPI() for _ in range(4)]
    outcomes: list[tuple] = []

    def fetch(api):
        started = time.monotonic()
        try:
            api.token()
        except Exception as exc:
            outcomes.append((type(exc).__name__, getattr(exc, "retryable", None), time.monotonic() - started))

    threads = [threading.Thread(target=fetch, args=(a,)) for a in apis]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    assert bot.fake.state.gettoken_calls == 1
    assert [(name, retryable) for name, retryable, _ in outcomes] == [("WeComError", True)] * 4
    assert max(took for _, _, took in outcomes) < 2.5


def test_a_token_lock_held_too_long_is_a_retry_not_a_crashed_job(bot, monkeypatch):
    """The refresh lock held by a process that died while fetching: the delivery waits a while, then retries the
    row later — it used to raise redis's LockError out of the job and leave the row `sending` for the sweeper."""
    monkeypatch.setattr(wecom_client, "TOKEN_LOCK_WAIT", 1, raising=False)
    api = wecom_client.get_api()
    bot.redis.set(api.token_key + ":lock", "a-dead-process", ex=600)
    push(outbox.push_text, "jy_zhang", "通知")
    bot.deliver()
    [row] = all_rows()
    assert row.status == PENDING and row.error.startswith("None: gettoken") and row.uncertain_at is None
    bot.redis.delete(api.token_key + ":lock")
    move(bot, 60)
    sweep_and_deliver(bot)
    assert all_rows()[0].status == SENT and len(bot.fake.messages_to("jy_zhang")) == 1


@pytest.mark.parametrize("how", ["expired 42001", "invalid 40014"])
def test_token_refreshed_exactly_once(bot, how):
    push(outbox.push_text, "jy_zhang", "一")
    bot.deliver()
    if how.startswith("expired"):
        bot.fake.expire_tokens()
    else:
        bot.fake.state.tokens.clear()
    push(outbox.push_text, "jy_zhang", "二")
    bot.deliver()
    assert [m["content"]["content"] for m in bot.fake.messages_to("jy_zhang")] == ["一", "二"]
    assert bot.fake.state.gettoken_calls == 2


def test_a_token_rejected_again_after_refresh_is_retried_later_not_looped(bot):
    bot.fake.inject("message/send", errcode=40014, times=2)
    push(outbox.push_text, "jy_zhang", "一")
    bot.deliver()
    assert bot.fake.state.gettoken_calls == 2 and send_calls(bot.fake) == 2  # one refresh, then stop
    [row] = all_rows()
    assert row.status == PENDING and row.error.startswith("40014")
    move(bot, 60)
    sweep_and_deliver(bot)
    assert all_rows()[0].status == SENT


# --- retries ------------------------------------------------------------------------------------------

# WeCom refuses a push for good, for a reason other than its recipient (40058: a bad parameter). Not
# 40003 (invalid userid): that marks the person invalid, and their pushes are not resent.
REFUSED = 40058


FAULTS = {
    "system busy -1": dict(errcode=-1),
    "freq limit 45009": dict(errcode=45009),
    "concurrency 45033": dict(errcode=45033),
    "http 502": dict(http_status=502),
    "timeout": dict(delay=1.2),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_retryable_failures_back_off_and_retry(bot, fault):
    wecom_client.get_api().client.timeout = 0.4  # so that the fake's delay is a timeout
    bot.fake.inject("message/send", **FAULTS[fault])
    push(outbox.push_text, "jy_zhang", "重要通知")
    bot.deliver()
    [row] = all_rows()
    assert row.status == PENDING and row.attempts == 1 and row.error
    assert row.next_attempt_at >= clock.now() + timedelta(seconds=9)
    # WeCom may have carried out a call it did not answer in time or answered through a failing gateway
    assert (row.uncertain_at is not None) == (fault in ("http 502", "timeout"))
    if fault == "timeout":  # the timed-out request still reaches WeCom, late
        wait_until(lambda: bot.fake.messages_to("jy_zhang"))
    calls = send_calls(bot.fake)
    delivery.enqueue([row.id])  # a stray job before the backoff is over does nothing
    bot.deliver()
    assert send_calls(bot.fake) == calls and all_rows()[0].status == PENDING
    move(bot, 65)  # (45009: WeCom blocks the app's calls for 60 s, the row waits that long)
    assert sweep_and_deliver(bot) == 1
    assert all_rows()[0].status == SENT
    assert [m["content"]["content"] for m in bot.fake.messages_to("jy_zhang")] == ["重要通知"]
    if fault == "timeout":  # the first call did arrive late; the resend was dropped as a duplicate
        assert [d["why"] for d in bot.fake.state.dropped] == ["duplicate"]


def snap(seconds: float, slack: float = 5.0) -> float:
    """A wait, to the step it was meant to be: the backoff steps (10 s … 1800 s) are far wider than the
    time a send takes, so a wait up to `slack` seconds longer than a step is that step."""
    for step in [10 * 2 ** n for n in range(8)] + [1800]:
        if step <= seconds < step + slack:
            return step
    return seconds


def test_retries_back_off_to_a_cap_and_stop_after_the_window(bot):
    """-1 for ever: 10 s doubling to 30 minutes, never before next_attempt_at, FAILED only after 48 h."""
    bot.fake.inject("message/send", errcode=-1, times=-1)
    push(outbox.push_text, "jy_zhang", "发不出去")
    [created] = [r.created_at for r in all_rows()]
    window = timedelta(hours=config.get().outbox_retry_hours)
    assert window == timedelta(hours=48)
    sweep_and_deliver(bot)
    waits = []
    for _ in range(200):
        row = row_to("jy_zhang")
        if row.status != PENDING:
            break
        if row.claimed_at:  # (None: the queued job was lost on a loaded machine; the sweeper takes it)
            # (the wait counts from the failed answer, which comes a moment after the claim on a slow machine)
            waits.append(snap((row.next_attempt_at - row.claimed_at).total_seconds()))
        clock.set_now(row.next_attempt_at - timedelta(seconds=1))  # our clock only: the fake's token stays valid
        sweep_and_deliver(bot)
        assert row_to("jy_zhang").attempts == row.attempts, "tried before next_attempt_at"
        clock.set_now(next_sweep(row))
        sweep_and_deliver(bot)
        assert row_to("jy_zhang").attempts == row.attempts + 1
        assert row.next_attempt_at <= created + window
    assert waits[:8] == [10, 20, 40, 80, 160, 320, 640, 1280]  # exponential …
    assert set(waits[8:-1]) == {1800}  # … capped at 30 minutes …
    assert 0 < waits[-1] <= 1800  # … and the last try falls on the end of the window
    row = row_to("jy_zhang")
    assert row.status == FAILED and timedelta(0) <= row.failed_at - (created + window) < timedelta(seconds=5)
    assert row.error.startswith(f"gave up after {row.attempts} attempts in 48 h: -1")
    assert row.attempts == len(waits) + 1 and 90 < row.attempts < 110  # about two an hour for two days
    assert send_calls(bot.fake) == sum(r.attempts for r in all_rows())  # one call per attempt, nothing else
    assert [r.userid for r in all_rows()] == ["jy_zhang", "zsj_admin"]  # the bureau's summary (same fault)
    move(bot, 3 * 3600)
    sweep_and_deliver(bot)
    assert row_to("jy_zhang").attempts == row.attempts  # failed stays failed


@pytest.mark.parametrize("hours", [1, 72])
def test_the_retry_window_is_configurable(bot, hours):
    config.use(dataclasses.replace(config.get(), outbox_retry_hours=hours))
    bot.fake.inject("message/send", errcode=45009, times=-1)
    push(outbox.push_text, "jy_zhang", "窗口")
    [created] = [r.created_at for r in all_rows()]
    sweep_and_deliver(bot)
    for _ in range(300):
        if row_to("jy_zhang").status != PENDING:
            break
        clock.set_now(next_sweep(row_to("jy_zhang")))
        sweep_and_deliver(bot)
    row = row_to("jy_zhang")
    assert row.status == FAILED and abs(row.failed_at - created - timedelta(hours=hours)) < timedelta(seconds=5)


def test_45009_blocks_every_send_until_wecoms_minute_is_over(bot):
    """wecom.md §4.1/§4.2: after 45009 WeCom blocks the app's calls for 60 s ("back off until the window ends; do
    not hammer"). The refused row and every other push wait for the end of the block — no call meanwhile, from the
    same job or from another — and then each arrives once."""
    bot.fake.inject("message/send", errcode=45009)
    with db.transaction() as s:  # three different texts in one job: three calls
        for userid in ("jy_zhang", "jy_li", "wj_liu"):
            outbox.push_text(s, userid, f"给{userid}的通知")
    bot.deliver()
    assert send_calls(bot.fake) == 1  # the refused call; the job's other two were not sent into the block
    push(outbox.push_text, "wl_zhao", "封禁期间的新推送")  # another job, during the block
    bot.deliver()
    for _ in range(5):
        move(bot, 10)
        sweep_and_deliver(bot)
    assert send_calls(bot.fake) == 1  # 50 s on: still not one call
    assert {r.status for r in all_rows()} == {PENDING} and {r.attempts for r in all_rows()} == {0, 1}
    move(bot, 15)
    sweep_and_deliver(bot)
    assert sorted((m["touser"], m["content"]["content"]) for m in bot.fake.state.messages) == [
        ("jy_li", "给jy_li的通知"), ("jy_zhang", "给jy_zhang的通知"), ("wj_liu", "给wj_liu的通知"),
        ("wl_zhao", "封禁期间的新推送")]
    assert send_calls(bot.fake) == 1 + 4 and bot.fake.state.dropped == [] and {r.status for r in all_rows()} == {SENT}


def test_45009_the_refused_row_waits_out_the_block_even_if_redis_lost_it(bot):
    """The block is shared through Redis; if Redis loses it (flushed, restarted), the refused row still keeps away
    from WeCom for the 60 s on its own, not the 10 s of an ordinary retry."""
    bot.fake.inject("message/send", errcode=45009)
    push(outbox.push_text, "jy_zhang", "频率超限")
    bot.deliver()
    assert all_rows()[0].next_attempt_at >= clock.now() + timedelta(seconds=59)
    bot.redis.flushdb()
    bot.redis.set(OWNER_KEY, "1")
    for _ in range(5):
        move(bot, 10)
        sweep_and_deliver(bot)
    assert send_calls(bot.fake) == 1
    move(bot, 15)
    sweep_and_deliver(bot)
    assert all_rows()[0].status == SENT and [m["content"]["content"] for m in bot.fake.messages_to("jy_zhang")] \
        == ["频率超限"]


def test_a_row_whose_retry_window_ends_in_a_45009_block_gives_up_without_a_call(bot):
    """The last try of a row falls on the end of its retry window; if WeCom blocks the app then, the row is FAILED
    at the window's end like any row retried in vain, with no call into the block."""
    config.use(dataclasses.replace(config.get(), outbox_retry_hours=1))
    push(outbox.push_text, "jy_zhang", "最后一次")
    [row] = all_rows()
    deadline = row.created_at + timedelta(hours=1)
    with db.transaction() as s:  # its earlier tries failed; the last is due at the end of the window
        s.execute(update(OutboxMessage).values(attempts=9, next_attempt_at=deadline, error="-1: busy"))
    clock.set_now(deadline - timedelta(seconds=20))
    bot.fake.state.offset = clock.offset_seconds()
    bot.fake.inject("message/send", errcode=45009)
    push(outbox.push_text, "jy_li", "触发封禁")
    bot.deliver()
    move(bot, 21)
    sweep_and_deliver(bot)
    row = row_to("jy_zhang")
    assert (row.status, row.attempts) == (FAILED, 9) and abs(row.failed_at - deadline) < timedelta(seconds=5)
    assert row.error == "gave up after 9 attempts in 1 h: 45009: waiting for the end of WeCom's frequency-limit block"
    assert send_calls(bot.fake) == 1  # 触发封禁's; the bureau's summary of the failure waits for the block's end too


def test_an_outage_longer_than_the_old_21_minutes_loses_nothing(bot):
    """WeCom answers -1 for three hours: the push goes out once it is back."""
    bot.fake.inject("message/send", errcode=-1, times=-1)
    push(outbox.push_text, "jy_zhang", "停机期间的通知")
    for _ in range(3 * 60 // 5):
        move(bot, 5 * 60)
        sweep_and_deliver(bot)
    assert all_rows()[0].status == PENDING
    bot.fake.clear_faults()
    move(bot, 30 * 60)
    sweep_and_deliver(bot)
    assert [r.status for r in all_rows()] == [SENT]
    assert [m["content"]["content"] for m in bot.fake.messages_to("jy_zhang")] == ["停机期间的通知"]


def test_connection_refused_for_hours_is_retried_and_delivered_once(bot):
    push(outbox.push_text, "jy_zhang", "先取到令牌")
    bot.deliver()  # the token is cached: the failing call below is message/send itself
    working = config.get()
    config.use(dataclasses.replace(working, api_base="http://127.0.0.1:9/cgi-bin/"))  # nothing listens there
    push(outbox.push_text, "jy_zhang", "连不上也不丢")
    for _ in range(2 * 60 // 10):
        move(bot, 10 * 60)
        sweep_and_deliver(bot)
    row = all_rows()[1]
    assert row.status == PENDING and row.error == "None: network: ConnectionError" and row.attempts >= 8
    assert row.uncertain_at is None  # nothing left the machine: no duplicate to guard against
    config.use(working)
    move(bot, 30 * 60)
    sweep_and_deliver(bot)
    assert [r.status for r in all_rows()] == [SENT, SENT]
    assert [m["content"]["content"] for m in bot.fake.messages_to("jy_zhang")] == ["先取到令牌", "连不上也不丢"]


def test_a_timed_out_send_that_arrived_is_not_repeated_by_a_retry_an_hour_later(bot):
    """The first call times out but WeCom delivers it; then -1 for over an hour. WeCom's 30-minute
    duplicate check alone would let the late retry through: the retry looks back to the first call."""
    wecom_client.get_api().client.timeout = 0.4
    bot.fake.inject("message/send", delay=1.2)  # answered too late, delivered all the same
    bot.fake.inject("message/send", errcode=-1, times=9)
    push(outbox.push_text, "jy_zhang", "只收到一次")
    bot.deliver()
    wait_until(lambda: bot.fake.messages_to("jy_zhang"))  # the late call arrives
    [row] = all_rows()
    assert row.status == PENDING and row.uncertain_at is not None
    first = bot.fake.messages_to("jy_zhang")[0]["at"]
    for _ in range(20):
        if all_rows()[0].status != PENDING:
            break
        move(bot, (next_sweep(all_rows()[0]) - clock.now()).total_seconds())
        sweep_and_deliver(bot)
    assert all_rows()[0].status == SENT and all_rows()[0].attempts == 11
    [last] = [r for r in bot.fake.state.requests if r["path"] == "/cgi-bin/message/send"][-1:]
    assert last["at"] - first > 3600
    assert [m["content"]["content"] for m in bot.fake.messages_to("jy_zhang")] == ["只收到一次"]
    assert [d["why"] for d in bot.fake.state.dropped] == ["duplicate"]


def busy_until_recovered(bot, *, minutes: int, step: int) -> None:
    """With a fault injected: the clock moves `step` minutes at a time for `minutes`, the sweeper running each time;
    then WeCom recovers, and half an hour later the sweeper runs once more."""
    for _ in range(minutes // step):
        move(bot, step * 60)
        sweep_and_deliver(bot)
    bot.fake.clear_faults()
    move(bot, 30 * 60)
    sweep_and_deliver(bot)


def test_a_resend_beyond_wecoms_4_hour_duplicate_check_says_it_is_sent_again(bot):
    """The first call times out but WeCom delivers it; then -1 for five hours. WeCom's duplicate check reaches back
    4 hours at most, so it cannot drop the late resend: the person gets it with 「（HH:MM 再次发送）」 — a second copy
    that says so, rather than the same text twice (or nothing, if the first call had not arrived)."""
    wecom_client.get_api().client.timeout = 0.4
    bot.fake.inject("message/send", delay=1.2)  # answered too late, delivered all the same
    push(outbox.push_text, "jy_zhang", "五小时前的通知")
    bot.deliver()
    wait_until(lambda: bot.fake.messages_to("jy_zhang"))
    assert all_rows()[0].uncertain_at is not None
    bot.fake.inject("message/send", errcode=-1, times=-1)
    busy_until_recovered(bot, minutes=5 * 60, step=10)
    [row] = all_rows()
    first, again = [m["content"]["content"] for m in bot.fake.messages_to("jy_zhang")]
    assert first == "五小时前的通知" and re.fullmatch(r"五小时前的通知\n（\d\d:\d\d 再次发送）", again)
    assert row.status == SENT and row.payload == {"content": again} and bot.fake.state.dropped == []


CARD = {"card_type": "button_interaction", "main_title": {"title": "请审核"},
        "button_list": [{"text": "同意", "key": "yes"}]}


def greyed(bot) -> list[tuple[str, str]]:
    """(task_id, label) of every card update WeCom received."""
    return [(u["task_id"], u["button"]["replace_name"]) for u in bot.fake.state.card_updates]


def deliver_for_minutes(bot, minutes: int) -> None:
    for _ in range(minutes):
        move(bot, 60)
        sweep_and_deliver(bot)


def test_a_card_whose_timed_out_send_arrived_is_confirmed_by_42014(bot, caplog):
    """The first send times out although WeCom delivered the card; the retry's task_id is then taken
    (42014): the card did arrive, so the row is SENT and the bureau hears of no failure."""
    wecom_client.get_api().client.timeout = 0.4
    bot.fake.inject("message/send", delay=1.2)  # answered too late, delivered all the same
    [task_id] = push(outbox.push_card, "jy_zhang", kind="tcard", ref_id=7, card=CARD)
    bot.deliver()
    [row] = all_rows()
    assert row.status == PENDING and row.uncertain_at is not None
    wait_until(lambda: bot.fake.messages_to("jy_zhang"))  # the fake records the late call
    move(bot, 45)
    sweep_and_deliver(bot)
    [row] = all_rows()  # and no summary to the bureau admin
    assert (row.status, row.msgid, row.attempts) == (SENT, None, 2)
    assert row.error == "confirmed by 42014 (task_id already used) after an uncertain attempt"
    assert send_calls(bot.fake) == 2 and [c["task_id"] for c in bot.cards("jy_zhang")] == [task_id]
    assert bot.fake.messages_to("zsj_admin") == []
    # The send's response_code was lost with its answer: greying the card fails quietly until a click
    # brings a fresh ResponseCode (the router stores it), after which an update works.
    from tests.platform_support import register_test_feature
    import handlers
    router = handlers.build_router()
    register_test_feature(router)
    bot.app.extensions["router"] = router
    with db.transaction() as s:
        assert s.get(Card, task_id).response_code is None
        outbox.push_card_update(s, s.get(Card, task_id), button_label="已撤回")
    bot.deliver()
    why = "card not greyed: its response code was lost with the answer to an uncertain send"
    assert all_rows()[-1].error == f"None: {why}" and bot.fake.messages_to("zsj_admin") == []
    [warning] = [r.getMessage() for r in caplog.records if r.name == "bot.delivery" and "card update" in r.getMessage()]
    assert task_id in warning and why in warning and "已撤回" in warning  # visible to ops, not silent
    bot.click("jy_zhang", task_id, "yes")
    with db.transaction() as s:
        outbox.push_card_update(s, s.get(Card, task_id), button_label="已同意")
    bot.deliver()
    assert [u["button"]["replace_name"] for u in bot.fake.state.card_updates] == ["已同意"]
    assert [r.status for r in all_rows() if r.msgtype == "card_update"] == [FAILED, SENT]


def test_a_card_closed_while_its_send_is_still_retrying_is_greyed_once_it_arrives(bot):
    """WeCom answers -1 to the card; meanwhile the matter is settled and the card is to be greyed. The
    update waits for the card instead of failing at once (which left the card clickable for good)."""
    bot.fake.inject("message/send", errcode=-1, times=2)
    [task_id] = push(outbox.push_card, "jy_zhang", kind="tcard", ref_id=7, card=CARD)
    bot.deliver()
    with db.transaction() as s:
        outbox.push_card_update(s, s.get(Card, task_id), button_label="已撤回")
    bot.deliver()
    card_row, update = all_rows()
    assert card_row.status == PENDING and (update.status, update.error) == (PENDING, "None: card not delivered yet")
    deliver_for_minutes(bot, 6)
    assert [c["task_id"] for c in bot.cards("jy_zhang")] == [task_id]
    assert [(u["task_id"], u["button"]) for u in bot.fake.state.card_updates] == [(task_id, {"replace_name": "已撤回"})]
    assert {r.status for r in all_rows()} == {SENT}


def test_a_card_is_linked_to_the_row_that_sends_it(bot):
    """Several cards to one person and one card to several people, in one transaction: each card names
    the template_card row to its recipient that carries its task_id; a rerun under the same dedupe key
    makes neither a row nor a card."""
    with db.transaction() as s:
        for title in ("请审核一", "请审核二", "请审核一"):
            outbox.push_card(s, ["zsj_admin", "zsj_review"], kind="approval", ref_id=1,
                             card={**CARD, "main_title": {"title": title}}, dedupe_key=f"review:{title}")
    with db.transaction() as s:
        links = [(c.userid, c.task_id, s.get(OutboxMessage, c.outbox_id)) for c in s.scalars(select(Card))]
    assert len(links) == 4 and len(all_rows()) == 4
    assert {(row.userid, row.msgtype, row.payload["task_id"]) for _, _, row in links} == {
            (userid, "template_card", task_id) for userid, task_id, _ in links}


def test_a_card_is_greyed_once_it_arrives_however_far_apart_it_and_its_row_were_stamped(bot):
    """The update waits for the card's own row, found by the link written with the card, not by a time
    window around the card's creation (which missed a row stamped more than a minute away from its card,
    and the update then failed as "card never delivered", leaving the card clickable)."""
    bot.fake.inject("message/send", errcode=-1, times=2)
    [task_id] = push(outbox.push_card, "jy_zhang", kind="tcard", ref_id=7, card=CARD)
    with db.transaction() as s:
        s.execute(update(Card).where(Card.task_id == task_id).values(created_at=clock.now() - timedelta(minutes=2)))
    bot.deliver()
    with db.transaction() as s:
        outbox.push_card_update(s, s.get(Card, task_id), button_label="已撤回")
    bot.deliver()
    assert all_rows()[-1].error == "None: card not delivered yet"
    deliver_for_minutes(bot, 6)
    assert [c["task_id"] for c in bot.cards("jy_zhang")] == [task_id]
    assert greyed(bot) == [(task_id, "已撤回")] and {r.status for r in all_rows()} == {SENT}


def test_a_card_and_its_update_in_one_job_the_card_goes_first(bot):
    with db.transaction() as s:
        [card] = outbox.push_card(s, "jy_zhang", kind="tcard", ref_id=7, card=CARD)
        s.flush()
        outbox.push_card_update(s, card, button_label="已处理")
        task_id = card.task_id
    bot.deliver()
    assert [(u["task_id"], u["button"]) for u in bot.fake.state.card_updates] == [(task_id, {"replace_name": "已处理"})]
    assert {r.status for r in all_rows()} == {SENT}


def test_42014_on_a_first_attempt_is_a_failure(bot):
    [task_id] = push(outbox.push_card, "jy_zhang", kind="tcard", ref_id=7, card=CARD)
    bot.fake.state.task_ids.add(task_id)  # WeCom already knows the task_id, and we never sent it
    bot.deliver()
    row, summary = all_rows()
    assert row.status == FAILED and row.error.startswith("42014") and row.attempts == 1
    assert summary.userid == "zsj_admin" and summary.status == SENT
    assert bot.cards("jy_zhang") == []


def test_all_recipients_invalid_marks_them_whatever_the_case_of_their_userid(bot):
    with db.transaction() as s:
        unit = s.scalar(select(Person).where(Person.userid == "jy_zhang")).unit
        s.add(Person(userid="Li_Lei", name="李雷", unit=unit))
    bot.fake.state.known_users = {"jy_zhang"}
    push(outbox.push_text, "Li_Lei", "你好")
    bot.deliver()
    with db.transaction() as s:
        assert s.scalar(select(Person.wecom_invalid).where(Person.userid == "Li_Lei")) is True


@pytest.mark.parametrize("code", [60020, 40003, 81013])
def test_non_retryable_codes_are_recorded(bot, code):
    bot.fake.inject("message/send", errcode=code)
    push(outbox.push_text, "jy_zhang", "一")
    bot.deliver()
    [row, summary] = all_rows()  # the bureau admin's daily summary of failed pushes (test_outbox_failures.py)
    assert row.status == FAILED and str(code) in row.error and row.attempts == 1
    assert summary.userid == "zsj_admin" and summary.status == SENT
    move(bot, 3600)
    sweep_and_deliver(bot)
    assert send_calls(bot.fake) == 2 and all_rows()[0].status == FAILED
    if code in (81013, 40003):
        with db.transaction() as s:
            assert s.scalar(select(Person.wecom_invalid).where(Person.userid == "jy_zhang")) is True


def invalid_flags(userids: list[str]) -> dict[str, bool]:
    with db.transaction() as s:
        return dict(s.execute(select(Person.userid, Person.wecom_invalid).where(Person.userid.in_(userids))).all())


def test_40003_for_one_recipient_marks_them_invalid_and_is_not_retried(bot):
    # from now on WeCom answers 40003 (invalid userid) to any call naming her (the simulator's way: over HTTP)
    fake_faults = config.get().api_base.replace("/cgi-bin/", "/fake/faults")
    assert requests.post(fake_faults, json={"bad_userid": "JY_LI"}, timeout=5).ok
    push(outbox.push_text, "jy_li", "你好")
    bot.deliver()
    row, summary = all_rows()
    assert (row.status, row.error, row.attempts) == (FAILED, "invalid user (40003)", 1)
    assert invalid_flags(["jy_li", "jy_zhang"]) == {"jy_li": True, "jy_zhang": False}
    assert summary.userid == "zsj_admin" and "收件人在企业微信中无效" in summary.payload["content"]
    move(bot, 3600)
    sweep_and_deliver(bot)
    assert send_calls(bot.fake) == 2 and row_to("jy_li").status == FAILED  # her push and the summary, once each
    with db.transaction() as s:  # and she is left out of later pushes
        people = list(s.scalars(select(Person).where(Person.userid.in_(["jy_zhang", "jy_li"]))))
        assert [r.userid for r in outbox.push_text(s, people, "再次")] == ["jy_zhang"]


def test_40003_in_a_group_sends_one_by_one_and_marks_only_the_bad_recipient(bot):
    """WeCom refuses the whole call without saying which userid it means: each row goes alone."""
    bot.fake.reject_userid("jy_li")
    group = ["jy_zhang", "jy_li", "wj_liu"]
    with db.transaction() as s:
        people = list(s.scalars(select(Person).where(Person.userid.in_(group))))
        outbox.push_text(s, people, "三人同一条")
    bot.deliver()
    status = {r.userid: (r.status, r.error) for r in all_rows()}
    assert status == {"jy_zhang": (SENT, None), "wj_liu": (SENT, None), "jy_li": (FAILED, "invalid user (40003)"),
                      "zsj_admin": (SENT, None)}  # the bureau hears of the one failure
    assert invalid_flags(group) == {"jy_zhang": False, "jy_li": True, "wj_liu": False}
    assert sorted(m["touser"] for m in bot.fake.state.messages if m["content"]["content"] == "三人同一条") \
        == ["jy_zhang", "wj_liu"]  # each exactly once
    assert send_calls(bot.fake) == 1 + 3 + 1  # the refused group call, one per recipient, the summary
    assert bot.fake.state.dropped == []
    # the calls of one still carry the duplicate check: a resend (a worker died before recording) is dropped
    with db.transaction() as s:
        s.scalar(select(OutboxMessage).where(OutboxMessage.userid == "wj_liu")).status = PENDING
    delivery.enqueue([row_to("wj_liu").id])
    bot.deliver()
    assert len(bot.fake.messages_to("wj_liu")) == 1 and [d["why"] for d in bot.fake.state.dropped] == ["duplicate"]
    move(bot, 3600)
    sweep_and_deliver(bot)
    assert send_calls(bot.fake) == 6 and row_to("jy_li").status == FAILED  # the bad one is not retried


def test_invalid_users_are_marked_and_skipped_afterwards(bot):
    bot.fake.state.known_users = {"jy_zhang"}
    with db.transaction() as s:
        people = list(s.scalars(select(Person).where(Person.userid.in_(["jy_zhang", "jy_li"]))))
        outbox.push_text(s, people, "大家好")
    bot.deliver()
    status = {r.userid: (r.status, r.error) for r in all_rows()}
    assert status["jy_zhang"] == (SENT, None) and status["jy_li"] == (FAILED, "invalid user")
    with db.transaction() as s:
        flags = dict(s.execute(select(Person.userid, Person.wecom_invalid)
                               .where(Person.userid.in_(["jy_zhang", "jy_li"]))).all())
        assert flags == {"jy_zhang": False, "jy_li": True}
        people = list(s.scalars(select(Person).where(Person.userid.in_(["jy_zhang", "jy_li"]))))
        assert [r.userid for r in outbox.push_text(s, people, "再次")] == ["jy_zhang"]


# --- throttling and the duplicate check --------------------------------------------------------------

def test_throttle_keeps_a_member_below_30_a_minute_and_drops_nothing(bot):
    push_texts("jy_zhang", [f"消息{i}" for i in range(40)])
    bot.deliver()
    assert len(bot.fake.messages_to("jy_zhang")) == config.get().per_member_per_minute
    for _ in range(3):
        move(bot, 62)
        sweep_and_deliver(bot)
    got = [m["content"]["content"] for m in bot.fake.messages_to("jy_zhang")]
    assert sorted(got) == sorted(f"消息{i}" for i in range(40))
    assert bot.fake.state.dropped == [] and {r.status for r in all_rows()} == {SENT}


def test_throttle_is_a_sliding_window_not_a_calendar_minute(bot):
    clock.set_now(datetime(2026, 12, 1, 2, 0, 59, 500000, tzinfo=timezone.utc))
    bot.fake.state.offset = clock.offset_seconds()
    push_texts("jy_zhang", [f"甲{i}" for i in range(25)])
    bot.deliver()
    move(bot, 1)  # 02:01:00.5, a new calendar minute
    push_texts("jy_zhang", [f"乙{i}" for i in range(25)])
    bot.deliver()
    assert bot.fake.state.dropped == []
    for _ in range(2):
        move(bot, 62)
        sweep_and_deliver(bot)
    assert len(bot.fake.messages_to("jy_zhang")) == 50 and bot.fake.state.dropped == []


def test_throttle_counts_both_spellings_of_a_userid_as_one_member(bot):
    """Rows to jy_zhang queued before `org sync` stored WeCom's JY_Zhang, rows to JY_Zhang after it: WeCom
    counts them for one member (it ignores case), so the throttle does too and WeCom drops none."""
    push_texts("jy_zhang", [f"甲{i}" for i in range(25)])
    push_texts("JY_Zhang", [f"乙{i}" for i in range(25)])
    bot.deliver()
    assert bot.fake.state.dropped == []
    for _ in range(2):
        move(bot, 62)
        sweep_and_deliver(bot)
    assert len(bot.fake.messages_to("jy_zhang") + bot.fake.messages_to("JY_Zhang")) == 50
    assert bot.fake.state.dropped == []


def test_hourly_limit(bot):
    config.use(dataclasses.replace(config.get(), per_member_per_hour=3))
    push_texts("jy_zhang", [f"第{i}条" for i in range(5)])
    bot.deliver()
    assert len(bot.fake.messages_to("jy_zhang")) == 3
    move(bot, 120)
    sweep_and_deliver(bot)
    assert len(bot.fake.messages_to("jy_zhang")) == 3  # still within the hour
    move(bot, 3600)
    sweep_and_deliver(bot)
    assert len(bot.fake.messages_to("jy_zhang")) == 5


@pytest.mark.parametrize("window", ["minute", "hour"])
def test_the_throttle_remembers_a_members_sends_when_redis_lost_its_windows(bot, window):
    """Redis flushed (or restarted empty) between two bursts to one member: the sends before it still count, from
    the database, or the second burst would go over WeCom's limit and WeCom would drop the excess silently."""
    if window == "hour":
        config.use(dataclasses.replace(config.get(), per_member_per_hour=30))
    limit = 25 if window == "minute" else 30
    push_texts("jy_zhang", [f"甲{i}" for i in range(limit)])
    bot.deliver()
    move(bot, 10 if window == "minute" else 120)
    bot.redis.flushdb()
    bot.redis.set(OWNER_KEY, "1")
    push_texts("jy_zhang", [f"乙{i}" for i in range(20)])
    bot.deliver()
    assert len(bot.fake.messages_to("jy_zhang")) == limit  # the window is full: the rest waits
    move(bot, 62 if window == "minute" else 3600)
    sweep_and_deliver(bot)
    assert len(bot.fake.messages_to("jy_zhang")) == limit + 20 and bot.fake.state.dropped == []


def test_duplicate_check_is_a_second_guard(bot):
    [row_id] = push(outbox.push_text, "jy_zhang", "只发一次")
    bot.deliver()
    with db.transaction() as s:  # as if the worker died after WeCom accepted but before we recorded it
        s.get(OutboxMessage, row_id).status = PENDING
    delivery.enqueue([row_id])
    bot.deliver()
    assert len(bot.fake.messages_to("jy_zhang")) == 1
    assert [d["why"] for d in bot.fake.state.dropped] == ["duplicate"]


# --- losing Redis --------------------------------------------------------------------------------------

def test_redis_flushed_with_pending_pushes_the_sweeper_delivers_each_once(bot):
    users = ["jy_zhang", "jy_li", "wj_liu", "wl_zhao", "ga_zhou"]
    for u in users:
        push(outbox.push_text, u, f"{u} 的通知")
    bot.redis.flushdb()
    bot.redis.set(OWNER_KEY, "1")
    bot.deliver()
    assert bot.fake.state.messages == []
    assert delivery.sweep() == 0  # too young: their own jobs may still be on the way
    move(bot, 31)
    assert sweep_and_deliver(bot) == 5
    assert sweep_and_deliver(bot) == 0
    move(bot, 600)
    assert sweep_and_deliver(bot) == 0
    assert sorted(m["touser"] for m in bot.fake.state.messages) == sorted(users)


def test_redis_down_at_commit_the_callback_still_answers_and_the_sweeper_delivers(bot):
    from tests.platform_support import register_test_feature
    import handlers
    router = handlers.build_router()
    register_test_feature(router)
    bot.app.extensions["router"] = router
    good = config.get()
    config.use(dataclasses.replace(good, redis_url="redis://127.0.0.1:1/0"))
    assert bot.send("jy_zhang", "记一笔 无redis") == "已记录 无redis"
    config.use(good)
    bot.deliver()
    assert bot.fake.state.messages == []
    move(bot, 31)
    sweep_and_deliver(bot)
    assert bot.texts("zsj_admin") == ["记录：无redis"]


# --- a worker killed mid-delivery ------------------------------------------------------------------

def kill_a_worker_mid_send(bot) -> None:
    """Run a real RQ worker on the queued delivery and SIGKILL it while WeCom (slow to answer) carries out its
    message/send: the row is left `sending`, and the message does arrive, late."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import TEST_REDIS_URL

    cfg = config.get()
    env = {**os.environ, **{k: v for k, v in config.DEMO.items()}, "WECOM_API_BASE": cfg.api_base,
           "DATABASE_URL": cfg.database_url, "REDIS_URL": TEST_REDIS_URL, "BOT_TIMEZONE": cfg.timezone,
           "BOT_CLOCK_OFFSET": str(clock.offset_seconds())}
    bot.fake.inject("message/send", delay=1.5)  # WeCom is slow to answer: the worker dies waiting
    rq = str(Path(sys.executable).with_name("rq"))
    # SimpleWorker delivers in the worker process itself (rq's forked work horse would start a
    # session of its own and survive the kill), so the kill really interrupts the delivery.
    worker = subprocess.Popen([rq, "worker", "--burst", "-w", "rq.worker.SimpleWorker", "-u", TEST_REDIS_URL,
                               "zwxmt"], env=env,
                              cwd=str(config.PROJECT_ROOT), start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: send_calls(bot.fake) or worker.poll() is not None, 20)
        assert send_calls(bot.fake), "worker never called message/send"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker, mid-call
        worker.wait(10)
    wait_until(lambda: bot.fake.state.messages)  # WeCom did get it, late


@pytest.mark.slow
def test_worker_killed_mid_delivery_is_delivered_exactly_once(bot):
    from models.outbox import SENDING

    [row_id] = push(outbox.push_text, "jy_zhang", "只能收到一次")
    kill_a_worker_mid_send(bot)
    with db.transaction() as s:
        assert s.get(OutboxMessage, row_id).status == SENDING
    bot.deliver()
    assert delivery.sweep() == 0  # not yet considered stuck
    clock.advance(delivery.STUCK_AFTER + timedelta(seconds=1))
    with db.transaction() as s:
        row = s.get(OutboxMessage, row_id)
        assert row.status == SENDING
    assert sweep_and_deliver(bot) == 1
    with db.transaction() as s:
        row = s.get(OutboxMessage, row_id)
        assert row.status == SENT and row.attempts == 2
    assert [m["content"]["content"] for m in bot.fake.messages_to("jy_zhang")] == ["只能收到一次"]
    assert [d["why"] for d in bot.fake.state.dropped] == ["duplicate"]
    clock.advance(timedelta(hours=1))
    assert sweep_and_deliver(bot) == 0


@pytest.mark.slow
def test_a_card_whose_worker_was_killed_mid_send_is_confirmed_by_42014(bot):
    """The card arrived although the worker died before recording it: the sweeper's resend is refused with 42014
    (task_id taken), which after an attempt of unknown outcome means it arrived — SENT, one card, no failure summary
    to the bureau, and greying it later says why it cannot (not "card never delivered")."""
    [task_id] = push(outbox.push_card, "jy_zhang", kind="tcard", ref_id=7, card=CARD)
    kill_a_worker_mid_send(bot)
    clock.advance(delivery.STUCK_AFTER + timedelta(seconds=1))
    bot.fake.state.offset = clock.offset_seconds()
    assert sweep_and_deliver(bot) == 1
    [row] = all_rows()
    assert (row.status, row.msgid, row.attempts) == (SENT, None, 2)
    assert row.error == "confirmed by 42014 (task_id already used) after an uncertain attempt"
    assert [c["task_id"] for c in bot.cards("jy_zhang")] == [task_id]
    assert bot.fake.messages_to("zsj_admin") == []
    with db.transaction() as s:
        outbox.push_card_update(s, s.get(Card, task_id), button_label="已撤回")
    bot.deliver()
    why = "card not greyed: its response code was lost with the answer to an uncertain send"
    assert all_rows()[-1].error == f"None: {why}" and bot.fake.messages_to("zsj_admin") == []


@pytest.mark.slow
def test_a_text_whose_worker_was_killed_is_not_repeated_by_resends_failing_for_hours(bot):
    """The worker dies while WeCom delivers the text; then WeCom answers -1 for three hours. The resend that finally
    goes through is more than WeCom's default 30 minutes after the first call: its duplicate check must still reach
    back to that call (the claim), or the person gets the text twice."""
    [row_id] = push(outbox.push_text, "jy_zhang", "故障期间只收到一次")
    kill_a_worker_mid_send(bot)
    first = bot.fake.messages_to("jy_zhang")[0]["at"]
    bot.fake.inject("message/send", errcode=-1, times=-1)
    move(bot, delivery.STUCK_AFTER.total_seconds() + 1)
    assert sweep_and_deliver(bot) == 1
    busy_until_recovered(bot, minutes=3 * 60, step=5)
    with db.transaction() as s:
        assert s.get(OutboxMessage, row_id).status == SENT
    [last] = [r for r in bot.fake.state.requests if r["path"] == "/cgi-bin/message/send"][-1:]
    assert last["at"] - first > 3 * 3600
    assert [m["content"]["content"] for m in bot.fake.messages_to("jy_zhang")] == ["故障期间只收到一次"]
    assert [d["why"] for d in bot.fake.state.dropped] == ["duplicate"]


@pytest.mark.slow
def test_worker_killed_before_wecom_answers_without_delivering(bot):
    """The same, when the call never reached WeCom (refused by a 5xx): the resend is the only copy."""
    bot.fake.inject("message/send", http_status=503, times=-1)
    [row_id] = push(outbox.push_text, "jy_zhang", "第二种情况")
    delivery_rows = delivery._claim([row_id])  # what a worker leaves behind when killed right after claiming
    assert [r.id for r in delivery_rows] == [row_id]
    bot.fake.clear_faults()
    clock.advance(delivery.STUCK_AFTER + timedelta(seconds=1))
    assert sweep_and_deliver(bot) == 1
    assert [m["content"]["content"] for m in bot.fake.messages_to("jy_zhang")] == ["第二种情况"]
    assert bot.fake.state.dropped == []


def test_no_database_lock_is_held_while_uploading_a_file(bot):
    """A slow media/upload must not hold a transaction (on SQLite: the write lock for every callback)."""
    ids = push(outbox.push_file, "jy_li", "大文件.docx", b"x" * 5000)
    bot.redis.delete("rq:queue:zwxmt")  # deliver directly, in a thread (rq workers want the main thread)
    bot.fake.inject("media/upload", delay=2.0)
    worker = threading.Thread(target=delivery.deliver, args=(ids,))
    worker.start()
    wait_until(lambda: any(r["path"] == "/cgi-bin/media/upload" for r in bot.fake.state.requests))
    started = time.monotonic()
    reply = bot.send("jy_zhang", "帮助")  # a callback while the upload is in flight
    took = time.monotonic() - started
    worker.join(10)
    assert "张伟" in reply and took < 1.2, took  # not waiting for the 2 s upload
    assert [m["msgtype"] for m in bot.fake.messages_to("jy_li")] == ["file"]


def test_two_workers_given_the_same_rows_send_each_once(bot):
    with db.transaction() as s:
        ids = [r.id for u in ("jy_zhang", "jy_li", "wj_liu") for r in outbox.push_text(s, u, f"给{u}")]
    bot.redis.delete("rq:queue:zwxmt")
    barrier = threading.Barrier(4)

    def worker():
        barrier.wait()
        delivery.deliver(ids)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    assert sorted(m["touser"] for m in bot.fake.state.messages) == ["jy_li", "jy_zhang", "wj_liu"]
    assert bot.fake.state.dropped == [] and {r.status for r in all_rows()} == {SENT}


@pytest.mark.parametrize("kind", ["text", "markdown", "file", "card"])
def test_a_rerun_with_the_same_dedupe_key_queues_nothing_twice(bot, kind):
    """Scheduled jobs pass dedupe_key so that re-running a period sends nothing twice."""
    card = {"card_type": "button_interaction", "main_title": {"title": "周报提醒"},
            "button_list": [{"text": "已知晓", "key": "ok"}]}
    for _ in range(2):
        with db.transaction() as s:
            if kind == "text":
                outbox.push_text(s, ["jy_zhang", "jy_li"], "本周周报请于周五前提交", dedupe_key="remind:2026-W49")
            elif kind == "markdown":
                outbox.push_markdown(s, ["jy_zhang", "jy_li"], "**周报**", dedupe_key="remind:2026-W49")
            elif kind == "file":
                outbox.push_file(s, ["jy_zhang", "jy_li"], "周报.xlsx", b"PK" + b"x" * 50, dedupe_key="remind:2026-W49")
            else:
                outbox.push_card(s, ["jy_zhang", "jy_li"], kind="tcard", ref_id=1, card=card,
                                 dedupe_key="remind:2026-W49")
    bot.deliver()
    assert sorted(m["touser"] for m in bot.fake.state.messages) == ["jy_li", "jy_zhang"]
    assert len(all_rows()) == 2
    with db.transaction() as s:
        assert len(s.scalars(select(Card)).all()) == (2 if kind == "card" else 0)


def test_a_dedupe_key_longer_than_its_column_still_queues_once(bot):
    """A key naming many records (the registry deadline reminder joins its filings' ids) to a long userid: it used
    to be stored whole, past outbox_message.dedupe_key's 200 characters — PostgreSQL refused the insert, and with it
    the job's whole transaction. Two keys differing only at the end stay two."""
    userid = "county_bureau_registry_clerk_" + "x" * 30
    many = "-".join(str(1000 + i) for i in range(40))
    for key in [f"registry-deadline:{many}", f"registry-deadline:{many}", f"registry-deadline:{many}-1040"]:
        with db.transaction() as s:
            outbox.push_text(s, userid, "到期提醒", dedupe_key=key)
    rows = all_rows()
    assert len(rows) == 2 and all(len(r.dedupe_key) <= 200 for r in rows)
    assert all(r.dedupe_key.startswith("registry-deadline:1000-1001-") for r in rows)


def test_a_slow_job_does_not_send_rows_the_sweeper_gave_to_another_worker(bot):
    """A job stuck behind slow calls past STUCK_AFTER: the sweeper re-queues its unsent rows and
    another worker sends them; the slow job must then skip them rather than send them again."""
    with db.transaction() as s:
        ids = [r.id for c in ("第一条", "第二条") for r in outbox.push_text(s, "jy_zhang", c)]
    bot.redis.delete("rq:queue:zwxmt")
    bot.fake.inject("message/send", delay=1.5)  # the first call hangs
    slow = threading.Thread(target=delivery.deliver, args=(ids,))
    slow.start()
    wait_until(lambda: send_calls(bot.fake))
    clock.advance(delivery.STUCK_AFTER + timedelta(seconds=5))
    assert sweep_and_deliver(bot) == 2  # both rows looked stuck; the second is sent now
    slow.join(15)
    got = [m["content"]["content"] for m in bot.fake.messages_to("jy_zhang")]
    assert sorted(got) == ["第一条", "第二条"]
    assert [d["content"]["content"] for d in bot.fake.state.dropped] == ["第一条"]  # the in-flight one only
    assert {r.status for r in all_rows()} == {SENT}


def test_a_file_whose_slow_upload_outlasted_its_claim_is_not_sent_twice(bot):
    """An upload slower than STUCK_AFTER (a large file on a slow line): the sweeper hands the row to another
    worker, which uploads and sends it; the slow job must not then send its own upload too — WeCom cannot drop that
    copy as a duplicate, its media_id differs."""
    ids = push(outbox.push_file, "jy_zhang", "台账.xlsx", b"PK\x03\x04" + b"x" * 100)
    bot.redis.delete("rq:queue:zwxmt")
    bot.fake.inject("media/upload", delay=1.5)  # the first upload hangs
    slow = threading.Thread(target=delivery.deliver, args=(ids,))
    slow.start()
    wait_until(lambda: any(r["path"] == "/cgi-bin/media/upload" for r in bot.fake.state.requests))
    clock.advance(delivery.STUCK_AFTER + timedelta(seconds=5))
    assert sweep_and_deliver(bot) == 1
    slow.join(15)
    assert [m["msgtype"] for m in bot.fake.messages_to("jy_zhang")] == ["file"]
    assert [r.status for r in all_rows()] == [SENT]


def test_a_file_wecom_no_longer_holds_is_uploaded_again(bot):
    """wecom.md: 40007 on a media id we uploaded means WeCom dropped it — upload again and retry once."""
    bot.fake.inject("message/send", errcode=45009)
    push(outbox.push_file, "jy_zhang", "台账.xlsx", b"PK\x03\x04" + b"x" * 100)
    bot.deliver()  # uploaded; the send is refused as busy and waits its backoff with the media id kept
    assert all_rows()[0].status == PENDING
    uploads = lambda: sum(1 for r in bot.fake.state.requests if r["path"] == "/cgi-bin/media/upload")  # noqa: E731
    assert uploads() == 1
    with bot.fake.lock:
        bot.fake.state.media.clear()  # WeCom has dropped the upload before its 3 days
    move(bot, 65)  # past WeCom's 60 s block after 45009
    assert sweep_and_deliver(bot) == 1
    assert all_rows()[0].status == SENT and uploads() == 2
    [got] = bot.fake.messages_to("jy_zhang")
    name, data = bot.fake._files[got["content"]["media_id"]]
    assert name == "台账.xlsx" and data.startswith(b"PK")


def test_a_card_too_old_to_grey_sends_its_text_instead_once(bot):
    """WeCom refuses a ResponseCode used up or older than 72 hours (40078): the card keeps its buttons, so the
    text the update carried goes to its recipient instead — once, whatever reruns the delivery."""
    [task_id] = push(outbox.push_card, "jy_zhang", kind="tcard", ref_id=7, card=CARD)
    bot.deliver()
    move(bot, 73 * 3600)
    with db.transaction() as s:
        outbox.push_card_update(s, s.get(Card, task_id), button_label="已同意", instead="第7号已由别人处理，卡片已失效。")
    bot.deliver()
    sweep_and_deliver(bot)
    assert greyed(bot) == []
    assert [m["content"]["content"] for m in bot.fake.messages_to("jy_zhang") if m["msgtype"] == "text"] \
        == ["第7号已由别人处理，卡片已失效。"]
    assert [r.status for r in all_rows() if r.msgtype == "card_update"] == [FAILED]
    assert bot.fake.messages_to("zsj_admin") == []  # a card that cannot be greyed is no failed push


def test_an_update_refused_after_an_uncertain_attempt_is_taken_as_greyed_with_no_text(bot):
    """The first update times out although WeCom greyed the card (and used its ResponseCode); the retry is refused
    (40078). The card is grey: its recipient gets no text besides it."""
    [task_id] = push(outbox.push_card, "jy_zhang", kind="tcard", ref_id=7, card=CARD)
    bot.deliver()
    wecom_client.get_api().client.timeout = 0.4
    bot.fake.inject("message/update_template_card", delay=1.2)  # answered too late, done all the same
    with db.transaction() as s:
        outbox.push_card_update(s, s.get(Card, task_id), button_label="已同意", instead="卡片已失效。")
    bot.deliver()
    wait_until(lambda: bot.fake.state.card_updates)
    move(bot, 45)
    sweep_and_deliver(bot)
    assert greyed(bot) == [(task_id, "已同意")]
    assert [m["msgtype"] for m in bot.fake.messages_to("jy_zhang")] == ["template_card"]
    [update_row] = [r for r in all_rows() if r.msgtype == "card_update"]
    assert update_row.status == SENT and update_row.error.startswith("40078 after an uncertain attempt")


def test_every_card_update_attempt_logs_one_line_with_ids_not_its_label(bot, caplog):
    """README: one log line per delivery attempt — also when the update waits for its card, and when it greys it."""
    caplog.set_level(logging.INFO, logger="bot.delivery")
    bot.fake.inject("message/send", errcode=-1)
    [task_id] = push(outbox.push_card, "jy_zhang", kind="tcard", ref_id=7, card=CARD)
    bot.deliver()
    with db.transaction() as s:
        outbox.push_card_update(s, s.get(Card, task_id), button_label="已同意")
    [row_id] = [r.id for r in all_rows() if r.msgtype == "card_update"]

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "bot.delivery" and "card_update" in r.getMessage()]

    caplog.clear()
    bot.deliver()
    assert lines() == [f"delivery row={row_id} type=card_update task_id={task_id} outcome=waiting for the card"]
    caplog.clear()
    move(bot, 45)
    sweep_and_deliver(bot)
    assert greyed(bot) == [(task_id, "已同意")]
    assert lines() == [f"delivery row={row_id} type=card_update task_id={task_id} outcome=sent"]


@pytest.mark.parametrize("how", ["40003", "invaliduser"])
def test_marking_a_person_invalid_is_audited_with_it(bot, how):
    """The mark stops every later push to the person; like its removal (models/directory.py revalidate) it is
    audited, in the transaction that sets it — and once: a person already marked is not marked again."""
    from models.audit import AuditLog
    if how == "40003":
        bot.fake.reject_userid("jy_li")
    else:
        bot.fake.state.known_users = {"jy_zhang", "zsj_admin"}  # (zsj_admin: the bureau's summary of the failure)
    with db.transaction() as s:
        people = list(s.scalars(select(Person).where(Person.userid.in_(["jy_zhang", "jy_li"]))))
        outbox.push_text(s, people, "你好")
    bot.deliver()
    push(outbox.push_text, "jy_li", "再次")  # (to the userid itself: the push is made, WeCom refuses it again)
    bot.deliver()
    with db.transaction() as s:
        person = s.scalar(select(Person).where(Person.userid == "jy_li"))
        entries = [(a.actor, a.action, a.entity_id, a.before, a.after) for a in s.scalars(
            select(AuditLog).where(AuditLog.entity == "person"))]
        assert person.wecom_invalid
    assert entries == [("system:delivery", "org.person.invalidate", str(person.id), {"wecom_invalid": False},
                        {"wecom_invalid": True, "reason": f"推送时企业微信报告此人无效（{how}）"})]
