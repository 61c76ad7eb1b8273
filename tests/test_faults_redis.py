"""Our own redis-server (never the shared one) stopped under a stream of callbacks, then restarted empty:
callbacks are answered all along, pushes wait in the outbox, the sweeper delivers each exactly once.
And a Redis that hangs (SIGSTOP) instead of refusing: callbacks must still answer within WeCom's 5 s.

The outage is compressed to OUTAGE seconds: while Redis is down each enqueue fails at once (connection
refused) and nothing but outbox rows accumulates, so 30 s would show the same with more rows."""
from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest

from bot import clock, config, wecom_client
from jobs import schedule
from jobs.outage import Outage
from tests.test_outbox_delivery import move, sweep_and_deliver

pytestmark = [pytest.mark.faults, pytest.mark.slow]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTAGE, STREAM = 3.0, 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    def __init__(self, tmp_path):
        self.port = _free_port()
        self.dir = tmp_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(self.dir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(5)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@pytest.fixture
def own_redis(tbot, tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    shared = config.get()
    config.use(dataclasses.replace(shared, redis_url=server.url))
    wecom_client.reset()
    yield server
    if server.proc.poll() is None:
        os.kill(server.proc.pid, signal.SIGCONT)
        server.kill()
    config.use(shared)
    wecom_client.reset()


def _timed_send(bot, userid: str, text: str) -> tuple[str | None, float]:
    started = time.monotonic()
    reply = bot.raw(userid, text)
    assert reply.status == 200, reply
    return reply.text, time.monotonic() - started


def test_redis_down_under_a_stream_of_callbacks_then_restarted_empty(tbot, own_redis):
    assert tbot.send("jy_zhang", "记一笔 R0") == "已记录 R0"
    assert tbot.texts("zsj_admin") == ["记录：R0"]
    assert tbot.send("jy_zhang", "记一笔 R1") == "已记录 R1"  # queued in Redis, not yet delivered…
    own_redis.kill()  # …and lost with it (no persistence)

    sent, slowest, ends = [], 0.0, time.monotonic() + OUTAGE
    users = ["jy_zhang", "jy_li", "wj_liu", "wl_zhao"]
    while len(sent) < STREAM:  # spread over the outage (each push goes to one admin: WeCom allows 30/min)
        key = f"D{len(sent)}"
        reply, took = _timed_send(tbot, users[len(sent) % len(users)], f"记一笔 {key}")
        assert reply == f"已记录 {key}"
        sent.append(key)
        slowest = max(slowest, took)
        time.sleep(max(0.0, min(OUTAGE / STREAM, ends - time.monotonic())))
    # a dialogue across the outage: its state lives in the database
    assert "请输入名称" in tbot.send("ga_zhou", "测试登记")
    assert "联系电话" in tbot.send("ga_zhou", "停机登记")
    assert "确认提交" in tbot.send("ga_zhou", "13912345678")
    assert tbot.send("ga_zhou", "确认") == "已提交。"
    # (WeCom's limit is 5 s; a refused connection fails at once, but a loaded 2-core CI machine may be slow)
    assert slowest < 4.5, f"a callback took {slowest:.1f} s while Redis was down; WeCom gives up after 5 s"

    own_redis.start()  # back, empty
    tbot.deliver()
    assert tbot.fake.messages_to("zsj_admin") and len(tbot.fake.messages_to("zsj_admin")) == 1  # only R0 so far
    move(tbot, 31)
    assert sweep_and_deliver(tbot) == 1 + len(sent) + 1
    assert sweep_and_deliver(tbot) == 0
    move(tbot, 600)
    assert sweep_and_deliver(tbot) == 0
    expected = ["记录：R0", "记录：R1", *[f"记录：{k}" for k in sent], "周强提交了测试登记「停机登记」"]
    assert sorted(tbot.texts("zsj_admin")) == sorted(expected)


def test_a_hung_redis_does_not_hold_callbacks_past_wecoms_5_seconds(tbot, own_redis):
    os.kill(own_redis.proc.pid, signal.SIGSTOP)  # accepts connections, never answers
    try:
        reply, took = _timed_send(tbot, "jy_zhang", "记一笔 H1")
    finally:
        os.kill(own_redis.proc.pid, signal.SIGCONT)
    assert reply == "已记录 H1"
    assert took < 4.5, f"the callback took {took:.1f} s; WeCom gives up after 5 s and retries"
    move(tbot, 31)
    sweep_and_deliver(tbot)
    assert tbot.texts("zsj_admin") == ["记录：H1"]


def test_the_scheduler_says_redis_is_down_once_sums_it_up_and_says_when_it_is_back(tbot, own_redis, caplog,
                                                                                  monkeypatch):
    """Half an hour without Redis at the scheduler's 20 s ticks: one ERROR, a summary every 10 minutes and one line
    when Redis answers again — not 90 "enqueue failed" lines (the every-minute sweep fails on every tick)."""
    monkeypatch.setattr(schedule, "REDIS", Outage(schedule.log, "scheduler"), raising=False)  # a fresh view
    start = datetime(2026, 12, 1, 10, 0)  # Beijing time, a Tuesday: the morning's jobs are enqueued while Redis is up
    clock.set_now(start)
    assert schedule.tick()
    caplog.clear()
    caplog.set_level(logging.INFO, "bot.schedule")
    own_redis.kill()
    for step in range(1, 91):
        clock.set_now(start + timedelta(seconds=20 * step))
        assert schedule.tick() == []
    own_redis.start()
    clock.set_now(start + timedelta(minutes=30, seconds=20))
    assert [job for job, _period in schedule.tick()] == ["outbox_sweep"]
    said = [(r.levelname, r.getMessage()) for r in caplog.records
            if r.levelno >= logging.WARNING and "re-enqueued" not in r.getMessage()]  # jobs Redis lost: one line each
    assert [level for level, _message in said] == ["ERROR", "WARNING", "WARNING", "WARNING"], said
    # the first call to Redis after it went down was the 10:01 sweep's enqueue
    assert said[0][1].startswith("redis down: scheduler cannot reach it (ConnectionError)")
    assert [_minutes(m, "redis still down for ") for _level, m in said[1:3]] == [10, 20], said
    assert _minutes(said[3][1], "redis back after ") in (29, 30), said[3]  # (the clock runs on during the ticks)
    assert all(": scheduler" in m for _level, m in said[1:])


def _minutes(message: str, prefix: str) -> int:
    assert message.startswith(prefix), message
    return int(message[len(prefix):].split(" min")[0])


def _wait_for(path, text: str, proc: subprocess.Popen, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        log = path.read_text(errors="replace")
        if text in log:
            return log
        assert proc.poll() is None, "the worker exited:\n" + log[-2000:]
        time.sleep(0.2)
    pytest.fail(f"「{text}」 not in the worker's log within {seconds} s:\n" + path.read_text()[-2000:])


def test_the_worker_says_redis_is_down_once_and_when_it_is_back(tbot, own_redis, database_url, fake_server, tmp_path):
    """A real `flask --app bot worker` while its Redis is down for 10 s: RQ's own loop would log an ERROR every 2 s
    (its pubsub thread) for as long as the outage lasts; the operator gets one line when it goes, one when it is
    back."""
    env = {**os.environ, **{k: str(v) for k, v in config.DEMO.items()}, "DATABASE_URL": database_url,
           "REDIS_URL": own_redis.url, "WECOM_API_BASE": fake_server.base_url, "BOT_TIMEZONE": "Asia/Shanghai"}
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "bot", "worker"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for(log, "Listening on", proc, 30)
        own_redis.kill()
        time.sleep(10)
        own_redis.start()
        text = _wait_for(log, "redis back after", proc, 60)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert "could not connect to Redis instance" not in text
    assert text.count("redis down: worker cannot reach it") == 1 and text.count("redis back after") == 1, text
