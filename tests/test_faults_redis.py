"""Our own redis-server (never the shared one) stopped under a stream of callbacks, then restarted empty:
callbacks are answered all along, pushes wait in the outbox, the sweeper delivers each exactly once.
And a Redis that hangs (SIGSTOP) instead of refusing: callbacks must still answer within WeCom's 5 s.

The outage is compressed to OUTAGE seconds: while Redis is down each enqueue fails at once (connection
refused) and nothing but outbox rows accumulates, so 30 s would show the same with more rows."""
from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from bot import config, wecom_client
from tests.test_outbox_delivery import move, sweep_and_deliver

pytestmark = [pytest.mark.faults, pytest.mark.slow]
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
    assert slowest < 2.0, f"a callback took {slowest:.1f} s while Redis was down"

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
