"""WeCom's retries against a real gunicorn: the same callback 4× in sequence and 4× at once → one effect;
a worker SIGKILLed after its transaction committed but before it answered, then WeCom's retries →
one effect and the same reply as an undisturbed delivery."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

import pytest
import requests
from sqlalchemy import func, select

from bot import clock, config
from bot.wecom_crypto import plain_xml
from models.audit import AuditLog
from models.outbox import OutboxMessage
from models.platform import InboundCallback
from sim.wecom_user import WeComSide
from tests.conftest import TEST_REDIS_URL

pytestmark = [pytest.mark.faults, pytest.mark.slow]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def web(bot, database_url, fake_server, tmp_path):
    """gunicorn with 3 sync workers serving tests.faults_app on a free loopback port (no shared control socket)."""
    port = _free_port()
    hang = tmp_path / "hang"
    env = {**os.environ, **{k: str(v) for k, v in config.DEMO.items()}, "DATABASE_URL": database_url,
           "REDIS_URL": TEST_REDIS_URL, "WECOM_API_BASE": fake_server.base_url, "BOT_TIMEZONE": "Asia/Shanghai",
           "FAULTS_HANG_FILE": str(hang)}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "tests.faults_app:create()", "--bind",
                             f"127.0.0.1:{port}", "--workers", "3", "--timeout", "300", "--no-control-socket"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, proc)
    except BaseException:
        _stop(proc)
        raise

    def post(query: dict, body: bytes, timeout: float = 30) -> tuple[int, bytes]:
        resp = requests.post(f"{base}/wecom/callback?{urlencode(query)}", data=body,
                             headers={"Content-Type": "application/xml"}, timeout=timeout)
        return resp.status_code, resp.content

    side = WeComSide(bot.app.extensions["wecom_crypto"], config.get().agent_id, post)
    try:
        yield side, post, hang, proc
    finally:
        _stop(proc)


def _wait_until_up(base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "gunicorn exited: " + proc.stderr.read().decode()[-2000:]
        try:
            if requests.get(f"{base}/healthz", timeout=5).status_code in (200, 503):
                return
        except requests.RequestException:
            time.sleep(0.1)
    pytest.fail("gunicorn did not answer within 30 s")


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)  # the arbiter stops its workers
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def _encrypted(side: WeComSide, text: str, msg_id: str) -> tuple[dict, bytes]:
    fields = {**side.base("jy_zhang", "text"), "Content": text, "MsgId": msg_id, "AgentID": side.agent_id}
    return side.crypto.encrypt_callback(plain_xml(fields), side.agent_id, int(clock.now().timestamp()), "n0nce")


def _effects(bot, key: str) -> tuple[int, int, int]:
    with bot.db() as s:
        return (s.scalar(select(func.count()).select_from(InboundCallback)),
                s.scalar(select(func.count()).select_from(OutboxMessage)),
                s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.entity_id == key)))


def test_four_in_sequence_and_four_at_once_through_gunicorn(bot, web):
    side, post, _hang, _proc = web
    query, body = _encrypted(side, "记一笔 G1", "4242000001")
    replies = [side.open(*post(query, body)) for _ in range(4)]
    assert {(r.status, r.text) for r in replies} == {(200, "已记录 G1")}
    assert _effects(bot, "G1") == (1, 1, 1)

    query, body = _encrypted(side, "记一笔 G2", "4242000002")
    barrier, results = threading.Barrier(4), []

    def one() -> None:
        barrier.wait()
        results.append(side.open(*post(query, body)))

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert {(r.status, r.text) for r in results} == {(200, "已记录 G2")} and len(results) == 4
    assert _effects(bot, "G2") == (2, 2, 1)
    assert bot.texts("zsj_admin") == ["记录：G1", "记录：G2"]


def _workers(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_worker_killed_after_commit_then_retries_have_one_effect_and_the_same_reply(bot, web):
    side, post, hang, proc = web
    query, body = _encrypted(side, "记一笔 K1", "4242000003")
    hang.write_text("1")
    outcome: list = []

    def first_delivery() -> None:
        try:
            outcome.append(post(query, body, timeout=60))
        except requests.RequestException as exc:  # the worker died: WeCom sees a broken connection
            outcome.append(exc)

    thread = threading.Thread(target=first_delivery)
    thread.start()
    pid_file = hang.with_name("hang.pid")
    deadline = time.monotonic() + 20
    while _effects(bot, "K1") != (1, 1, 1) or not pid_file.exists():  # committed, and holding the answer
        assert time.monotonic() < deadline, "the first delivery never committed"
        time.sleep(0.05)
    busy = int(pid_file.read_text())
    others = set(_workers(proc.pid)) - {busy}
    assert busy in _workers(proc.pid) and others
    os.kill(busy, signal.SIGKILL)
    thread.join(30)
    assert outcome and isinstance(outcome[0], requests.RequestException), outcome
    hang.unlink()

    deadline = time.monotonic() + 20  # gunicorn's arbiter starts new workers
    retries = []
    while len(retries) < 3:
        assert time.monotonic() < deadline, retries
        try:
            retries.append(side.open(*post(query, body, timeout=10)))
        except requests.ConnectionError:
            time.sleep(0.1)
    assert {(r.status, r.text) for r in retries} == {(200, "已记录 K1")}
    assert _effects(bot, "K1") == (1, 1, 1)
    assert busy not in _workers(proc.pid) and others <= set(_workers(proc.pid))  # only that worker died
    assert bot.texts("zsj_admin") == ["记录：K1"]
