"""WeCom retries a callback when our answer may not have arrived: one effect, the same reply."""
from __future__ import annotations

import threading
from urllib.parse import urlencode

from sqlalchemy import func, select

from bot import clock
from models.audit import AuditLog
from models.outbox import OutboxMessage
from models.platform import Card, InboundCallback
from tests.platform_support import wait_until


def _count(bot, model, *where) -> int:
    with bot.db() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def _effects(bot) -> tuple[int, int, int]:
    return _count(bot, InboundCallback), _count(bot, OutboxMessage), _count(bot, AuditLog)


def test_a_message_delivered_three_times_has_one_effect(tbot):
    replies = [tbot.raw("jy_zhang", "记一笔 A1", msg_id="777000111") for _ in range(3)]
    assert [r.status for r in replies] == [200, 200, 200]
    assert {r.text for r in replies} == {"已记录 A1"}
    assert _effects(tbot) == (1, 1, 1)
    assert tbot.texts("zsj_admin") == ["记录：A1"]
    tbot.raw("jy_zhang", "记一笔 A1", msg_id="777000112")  # a new MsgId is a new message
    assert _effects(tbot) == (2, 2, 2)


def test_a_retried_dialogue_step_does_not_advance_twice(tbot):
    assert "请输入名称" in tbot.send("jy_zhang", "测试登记")
    first = tbot.raw("jy_zhang", "抚松教育", msg_id="55501")
    again = tbot.raw("jy_zhang", "抚松教育", msg_id="55501")
    assert first.text == again.text and "联系电话" in first.text
    assert "手机号应为11位数字" in tbot.send("jy_zhang", "abc")  # still at the phone question


def _post_concurrently(bot, query: dict, body: bytes, copies: int) -> list[tuple[int, bytes]]:
    barrier = threading.Barrier(copies)
    results: list = [None] * copies

    def run(i: int) -> None:
        client = bot.app.test_client()  # one client per thread, as separate HTTP connections would be
        barrier.wait()
        resp = client.post(f"/wecom/callback?{urlencode(query)}", data=body, content_type="application/xml")
        results[i] = (resp.status_code, resp.data)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_copies_of_one_message_have_one_effect(tbot):
    crypto = tbot.app.extensions["wecom_crypto"]
    from bot.wecom_crypto import plain_xml
    fields = {**tbot.side.base("jy_zhang", "text"), "Content": "记一笔 C1", "MsgId": "888000222", "AgentID": 1000002}
    query, body = crypto.encrypt_callback(plain_xml(fields), 1000002, int(clock.now().timestamp()), "nonce1")
    results = _post_concurrently(tbot, query, body, 6)
    assert [status for status, _ in results] == [200] * 6
    texts = {tbot.side.open(status, raw).text for status, raw in results}
    assert texts == {"已记录 C1"}
    assert _effects(tbot) == (1, 1, 1)
    assert tbot.texts("zsj_admin") == ["记录：C1"]


def test_concurrent_different_messages_all_take_effect(tbot):
    crypto = tbot.app.extensions["wecom_crypto"]
    from bot.wecom_crypto import plain_xml
    results = []
    for i in range(4):
        fields = {**tbot.side.base("jy_zhang", "text"), "Content": f"记一笔 D{i}", "MsgId": f"99900{i}",
                  "AgentID": 1000002}
        query, body = crypto.encrypt_callback(plain_xml(fields), 1000002, int(clock.now().timestamp()), f"n{i}")
        results.append((query, body))
    outs: list = []

    def run(q, b):
        resp = tbot.app.test_client().post(f"/wecom/callback?{urlencode(q)}", data=b, content_type="application/xml")
        outs.append(resp.status_code)

    threads = [threading.Thread(target=run, args=qb) for qb in results]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    assert outs == [200] * 4
    assert _effects(tbot) == (4, 4, 4)


def _menu_click(bot, create_time: int):
    fields = {**bot.side.base("jy_zhang", "event", create_time=create_time), "Event": "click",
              "EventKey": "TEST_REG", "AgentID": 1000002}
    return bot.side._send(fields)


def test_a_menu_click_is_deduplicated_by_sender_time_event_and_key(tbot):
    ct = int(clock.now().timestamp())
    first, again = _menu_click(tbot, ct), _menu_click(tbot, ct)
    assert first.text == again.text and "请输入名称" in first.text
    assert _count(tbot, InboundCallback) == 1
    later = _menu_click(tbot, ct + 1)  # the user clicked again a second later: a new event
    assert "已放弃未完成的「测试登记」" in later.text
    assert _count(tbot, InboundCallback) == 2


def _card_click(bot, task_id: str, key: str, create_time: int, code: str):
    fields = {**bot.side.base("jy_zhang", "event", create_time=create_time), "Event": "template_card_event",
              "EventKey": key, "TaskId": task_id, "CardType": "button_interaction", "ResponseCode": code,
              "AgentID": 1000002}
    return bot.side._send(fields)


def test_a_card_click_delivered_twice_has_one_effect(tbot):
    assert tbot.send("jy_zhang", "发卡片") == "卡片已发送"
    assert tbot.cards("jy_zhang")[0]["main_title"]["title"] == "测试卡片"
    with tbot.db() as s:
        task_id = s.scalar(select(Card.task_id))
    code = tbot.fake.issue_response_code(task_id)
    ct = int(clock.now().timestamp())
    replies = [_card_click(tbot, task_id, "yes", ct, code) for _ in range(3)]
    assert {r.button_label for r in replies} == {"已同意"}
    assert _count(tbot, AuditLog, AuditLog.action == "test.card") == 1
    assert tbot.texts("jy_zhang")[1:] == ["已处理"]  # pushed once
    with tbot.db() as s:
        assert s.get(Card, task_id).response_code == code  # kept for updating the card
    other = _card_click(tbot, task_id, "no", ct, code)  # same second, other button: another event
    assert other.button_label == "已退回"
    assert _count(tbot, AuditLog, AuditLog.action == "test.card") == 2


def test_two_buttons_differing_only_past_the_key_column_both_take_effect(tbot):
    """sender + CreateTime + event + TaskId + EventKey can outrun inbound_callback's 200 characters (a button key
    may have 1024 bytes): the key keeps its start and a SHA-1 of all of it, so the other button is another event."""
    tbot.send("jy_zhang", "发卡片")
    with tbot.db() as s:
        task_id = s.scalar(select(Card.task_id))
    code = tbot.fake.issue_response_code(task_id)
    ct = int(clock.now().timestamp())
    long_key = "button-" + "k" * 250
    _card_click(tbot, task_id, long_key + "1", ct, code)
    _card_click(tbot, task_id, long_key + "2", ct, code)
    assert _count(tbot, AuditLog, AuditLog.action == "test.card") == 2
    _card_click(tbot, task_id, long_key + "2", ct, code)  # WeCom's retry of the second: nothing again
    assert _count(tbot, AuditLog, AuditLog.action == "test.card") == 2
    with tbot.db() as s:
        keys = list(s.scalars(select(InboundCallback.dedupe_key).where(InboundCallback.dedupe_key.like("evt:%"))))
    assert len(keys) == 2 and all(len(k) == 200 and k.startswith(f"evt:jy_zhang:{ct}:template_card_event:")
                                  for k in keys), keys


def test_a_key_that_fits_its_column_is_kept_as_it_was():
    """Rows stored before long keys were hashed keep matching their retries."""
    from bot.wecom_crypto import Inbound
    click = Inbound(userid="jy_zhang", msg_type="event", create_time=1700000100, event="click", event_key="TEST_REG")
    assert click.dedupe_key == "evt:jy_zhang:1700000100:click::TEST_REG"
    message = Inbound(userid="jy_zhang", msg_type="text", create_time=1700000100, msg_id="7311111111111111111")
    assert message.dedupe_key == "msg:7311111111111111111"
    fits = Inbound(userid="jy_zhang", msg_type="event", create_time=1700000100, event="click", event_key="")
    fits.event_key = "k" * (200 - len(fits.dedupe_key))
    assert len(fits.dedupe_key) == 200 and fits.dedupe_key.endswith("::" + fits.event_key)
    fits.event_key += "k"  # one character more: hashed
    assert len(fits.dedupe_key) == 200 and not fits.dedupe_key.endswith("k")


# --- the database is unavailable: 5xx so that WeCom retries, never 200-then-lose ---------------

import dataclasses  # noqa: E402
import logging  # noqa: E402
import time  # noqa: E402

import sqlite3  # noqa: E402

import pytest  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bot import config, db  # noqa: E402
from tests.conftest import TEST_DATABASE_URL  # noqa: E402
from tests.platform_support import row_counts  # noqa: E402

requires_pg = pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"), reason="needs PostgreSQL")


def _unreachable_url(tmp_path) -> str:
    if TEST_DATABASE_URL.startswith("postgresql"):
        return "postgresql://postgres@127.0.0.1:1/nowhere"  # a closed port
    return f"sqlite:///{tmp_path / 'removed-dir' / 'bot.sqlite3'}"  # a directory that does not exist


def test_database_unavailable_answers_5xx_and_the_retry_takes_effect_once(tbot, tmp_path, caplog):
    good = config.get()
    before = row_counts()
    config.use(dataclasses.replace(good, database_url=_unreachable_url(tmp_path)))
    caplog.set_level(logging.INFO)
    caplog.clear()
    reply = tbot.raw("jy_zhang", "记一笔 R1", msg_id="4040001")
    assert 500 <= reply.status < 600 and reply.raw == b""
    assert len(caplog.records) == 1 and "db-unavailable" in caplog.records[0].getMessage()
    config.use(good)
    assert row_counts() == before  # nothing half-written
    again = tbot.raw("jy_zhang", "记一笔 R1", msg_id="4040001")  # WeCom's retry
    assert again.status == 200 and again.text == "已记录 R1"
    assert _effects(tbot) == (1, 1, 1)
    assert tbot.texts("zsj_admin") == ["记录：R1"]


def _register_dying_handler(bot) -> None:
    router = bot.app.extensions["router"]

    @router.command("断线", help=None)
    def dies_midway(ctx):
        from bot import outbox
        from models import audit
        audit.record(ctx.session, actor=ctx.userid, action="test.half", entity="test")
        outbox.push_text(ctx.session, "zsj_admin", "不应送达")  # flushed: the rows exist in the transaction
        if ctx.data.get("_die", True) and not getattr(bot, "healed", False):
            ctx.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        ctx.reply("完成")


@pytest.mark.skipif(TEST_DATABASE_URL.startswith("postgresql"), reason="SQLite's write lock (BEGIN IMMEDIATE)")
def test_a_callback_behind_a_long_write_answers_503_within_wecoms_5_seconds_and_the_retry_works(tbot):
    """On SQLite a job's long transaction holds the one write lock: the callback waits for it only
    db.CALLBACK_BUSY_SECONDS (jobs wait 15 s), then answers 503 while WeCom still listens, and WeCom sends it again."""
    before = row_counts()
    job = sqlite3.connect(config.get().database_url.removeprefix("sqlite:///"), isolation_level=None)
    job.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        reply = tbot.raw("jy_zhang", "记一笔 L1", msg_id="4040010")
        waited = time.monotonic() - started
    finally:
        job.rollback()
        job.close()
    assert reply.status == 503 and reply.raw == b""
    assert db.CALLBACK_BUSY_SECONDS - 0.5 < waited < 4.8, waited  # WeCom gives up after 5 s
    assert row_counts() == before
    again = tbot.raw("jy_zhang", "记一笔 L1", msg_id="4040010")  # WeCom's retry, the lock released
    assert again.status == 200 and again.text == "已记录 L1"
    assert tbot.raw("jy_zhang", "记一笔 L1", msg_id="4040010").text == "已记录 L1"
    assert _effects(tbot) == (1, 1, 1)
    assert tbot.texts("zsj_admin") == ["记录：L1"]


@requires_pg
@pytest.mark.parametrize("text, msg_id", [("记一笔 L2", "4040012"), ("帮助", "4040013")])  # locked, unlocked path
def test_a_callback_behind_a_held_row_answers_503_within_wecoms_5_seconds_and_the_retry_works(tbot, text, msg_id):
    """On PostgreSQL the callback waited for a lock as long as it was held (the user's conversation behind a slow
    message, a row a job works on, a table a migration alters): answered after WeCom had given up, its retries
    waiting too. Now it waits db.CALLBACK_BUSY_SECONDS (lock_timeout), answers 503, and WeCom's retry works."""
    import psycopg
    assert tbot.send("jy_zhang", "帮助", msg_id="4040014")  # the conversation row exists
    before = row_counts()
    with psycopg.connect(config.get().database_url.replace("+psycopg", "")) as job:
        job.execute("SELECT userid FROM conversation WHERE userid = 'jy_zhang' FOR UPDATE")
        ends = threading.Timer(8, job.rollback)  # the job's transaction ends after 8 s
        ends.start()
        started = time.monotonic()
        reply = tbot.raw("jy_zhang", text, msg_id=msg_id)
        waited = time.monotonic() - started
        ends.cancel()
        ends.join()
    assert reply.status == 503 and reply.raw == b""
    assert db.CALLBACK_BUSY_SECONDS - 0.5 < waited < 4.8, waited  # WeCom gives up after 5 s
    assert row_counts() == before
    again = tbot.raw("jy_zhang", text, msg_id=msg_id)  # WeCom's retry, the lock released
    assert again.status == 200 and again.text == tbot.raw("jy_zhang", text, msg_id=msg_id).text
    assert _count(tbot, InboundCallback) == before["inbound_callback"] + 1


@pytest.mark.skipif(TEST_DATABASE_URL.startswith("postgresql"), reason="SQLite's write lock (BEGIN IMMEDIATE)")
def test_a_handlers_failure_behind_a_long_write_is_given_up_within_wecoms_5_seconds(bot):
    """Recording a handler's failure (and reading an earlier delivery) is the callback's work too: behind a job's
    long transaction it waits db.CALLBACK_BUSY_SECONDS, not the 15 s jobs wait, and WeCom's retry records it."""
    from sqlalchemy.exc import OperationalError

    from bot import dispatch
    from bot.wecom_crypto import Inbound
    inbound = Inbound(userid="jy_zhang", msg_type="text", create_time=int(time.time()), msg_id="4040011")
    job = sqlite3.connect(config.get().database_url.removeprefix("sqlite:///"), isolation_level=None)
    job.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError):
            dispatch._record_failure(inbound)
        waited = time.monotonic() - started
    finally:
        job.rollback()
        job.close()
    assert waited < 4.8, waited
    assert dispatch._record_failure(inbound).outcome == "error"
    assert dispatch._prior(inbound).outcome == "error"


@requires_pg
def test_connection_lost_mid_transaction_leaves_nothing_and_the_retry_works(tbot):
    _register_dying_handler(tbot)
    before = row_counts()
    reply = tbot.raw("jy_zhang", "断线", msg_id="4040002")
    assert reply.status == 503
    assert row_counts() == before
    tbot.deliver()
    assert tbot.fake.state.requests == []  # no push escaped the rolled-back transaction
    tbot.healed = True
    assert tbot.raw("jy_zhang", "断线", msg_id="4040002").text == "完成"
    assert tbot.texts("zsj_admin") == ["不应送达"]
    assert _effects(tbot) == (1, 1, 1)


@requires_pg
def test_a_pooled_connection_that_died_while_idle_is_retried_not_answered_5xx(tbot, caplog):
    # The callback's pool does not ping before lending a connection: the first statement on a
    # dead one fails, the pool is discarded and the callback runs once more on a new connection.
    db.get_engine(callback=True).dispose()  # earlier tests' connections: only the next one stays pooled
    assert tbot.raw("jy_zhang", "记一笔 P1", msg_id="4040003").text == "已记录 P1"  # the pool keeps its connection
    _end_other_sessions()
    caplog.set_level(logging.INFO)
    caplog.clear()
    reply = tbot.raw("jy_zhang", "记一笔 P2", msg_id="4040004")
    assert reply.status == 200 and reply.text == "已记录 P2"
    assert any("retrying once" in r.getMessage() for r in caplog.records)
    assert _effects(tbot) == (2, 2, 2)
    assert tbot.raw("jy_zhang", "记一笔 P2", msg_id="4040004").text == "已记录 P2"  # and a retry is still one effect
    assert _effects(tbot) == (2, 2, 2)


def _end_other_sessions() -> None:
    """As a database restart would: end every other session of the database (the pooled ones)."""
    others = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
    with db.transaction() as s:
        killed = set(s.scalars(others))
        s.execute(text("SELECT pg_terminate_backend(pid) FROM unnest(CAST(:pids AS int[])) AS pid"),
                  {"pids": list(killed)})
    assert killed
    for _ in range(100):  # pg_terminate_backend only signals: wait until they are gone
        with db.transaction() as s:
            if not killed & set(s.scalars(others)):
                break
        time.sleep(0.05)


@requires_pg
def test_the_unlocked_read_on_a_connection_that_died_while_idle_is_retried(tbot, caplog):
    """帮助 goes without the row lock (bot/dispatch.py `_unlocked`): its first statement is the read, in autocommit."""
    db.get_engine(callback=True).dispose()
    assert "可以使用" in tbot.raw("jy_zhang", "帮助", msg_id="4040005").text
    _end_other_sessions()
    caplog.set_level(logging.INFO)
    caplog.clear()
    reply = tbot.raw("jy_zhang", "帮助", msg_id="4040006")
    assert reply.status == 200 and "可以使用" in reply.text
    assert any("retrying once" in r.getMessage() for r in caplog.records)
    assert "可以使用" in tbot.raw("jy_zhang", "帮助", msg_id="4040007").text  # the pool works again


# --- a copy that arrives while the first delivery is still in its transaction ------------------

@requires_pg
@pytest.mark.parametrize("copy_fails", [False, True], ids=["copy-runs", "copy-fails"])
def test_a_copy_that_waited_for_the_first_delivery_is_rolled_back_and_answered_as_it_was(tbot, copy_fails):
    """The copy's first statement began before the first delivery committed, so it read
    inbound_callback as it was then and ran the handler too; recording the callback finds the
    key taken, everything the copy did is rolled back and it answers with the first reply —
    also when the handler fails on what the first delivery changed (not the error reply)."""
    from bot import outbox
    from bot.wecom_crypto import plain_xml
    from models import audit
    router = tbot.app.extensions["router"]
    release, entered = threading.Event(), []

    @router.command("等一下", help=None)
    def waits(ctx):
        entered.append(ctx.args)
        audit.record(ctx.session, actor=ctx.userid, action="test.wait", entity="test", entity_id=ctx.args)
        outbox.push_text(ctx.session, "zsj_admin", f"等到：{ctx.args}")
        if len(entered) == 1:
            assert release.wait(10)
        elif copy_fails:
            raise RuntimeError("the dialogue moved on")
        ctx.reply(f"等到了 {ctx.args}（第{len(entered)}次）")

    crypto = tbot.app.extensions["wecom_crypto"]
    fields = {**tbot.side.base("jy_zhang", "text"), "Content": "等一下 W", "MsgId": "888000333", "AgentID": 1000002}
    query, body = crypto.encrypt_callback(plain_xml(fields), 1000002, int(clock.now().timestamp()), "nonce3")
    results: list = [None, None]

    def post(i: int) -> None:
        resp = tbot.app.test_client().post(f"/wecom/callback?{urlencode(query)}", data=body,
                                           content_type="application/xml")
        results[i] = (resp.status_code, resp.data)

    first = threading.Thread(target=post, args=(0,))
    first.start()
    wait_until(lambda: entered)  # the first delivery holds the conversation's lock
    second = threading.Thread(target=post, args=(1,))
    second.start()
    waiting = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                   "AND wait_event_type = 'Lock'")

    def copy_waits() -> bool:
        with db.transaction() as s:
            return s.scalar(waiting) == 1
    wait_until(copy_waits)
    release.set()
    first.join(30)
    second.join(30)
    assert [status for status, _ in results] == [200, 200]
    assert {tbot.side.open(status, raw).text for status, raw in results} == {"等到了 W（第1次）"}
    assert entered == ["W", "W"]  # the copy ran the handler …
    assert _effects(tbot) == (1, 1, 1)  # … and nothing it did was kept
    assert tbot.texts("zsj_admin") == ["等到：W"]
