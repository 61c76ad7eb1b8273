"""The load generator: client processes, each with one thread and one HTTP connection per sender.

Callbacks are built (encrypted) with `sim.wecom_user.WeComSide` before the clock starts and the
passive replies are opened after it stops, so the timed loop is only HTTP on a kept connection.
"""
from __future__ import annotations

import http.client
import multiprocessing as mp
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

TEXTS = ("帮助", "功能", "明天开会吗")  # help (router control word), a command, an unknown text


@dataclass
class Plan:
    port: int
    senders: list[str]
    messages: int  # timed messages per sender (one more is sent as warm-up)
    msgid_base: int  # distinct MsgIds: base + sender index * 10**6 + message index
    sender_offset: int
    rate: float | None = None  # None: closed loop (send on reply); else messages/s for all senders together
    total_senders: int = 1


def _side():
    from bot import config
    from bot.wecom_crypto import CallbackCrypto
    from sim.wecom_user import WeComSide
    demo = config.DEMO
    crypto = CallbackCrypto(demo["WECOM_TOKEN"], demo["WECOM_AES_KEY"], demo["WECOM_CORP_ID"])
    captured: list = []

    def capture(query: dict, body: bytes) -> tuple[int, bytes]:
        captured.append((f"/wecom/callback?{urlencode(query)}", body))
        return 0, b""

    return WeComSide(crypto, int(demo["WECOM_AGENT_ID"]), capture), captured


def build(plan: Plan) -> list[list[tuple[str, str, bytes, str]]]:
    """Per sender: [(msg_key, text, (path, body))…], the first one being the warm-up."""
    side, captured = _side()
    out = []
    for i, userid in enumerate(plan.senders):
        rows = []
        for m in range(plan.messages + 1):
            msg_id = str(plan.msgid_base + (plan.sender_offset + i) * 10**6 + m)
            content = TEXTS[(i + m) % len(TEXTS)]
            side.text(userid, content, msg_id=msg_id)
            path, body = captured.pop()
            rows.append((f"msg:{msg_id}", content, path, body))
        out.append(rows)
    return out


def _sender(port: int, rows, ready: threading.Barrier, results: list, clock0: list, slot: float | None,
            interval: float | None) -> None:
    """Send this sender's messages in turn. Paced (slot/interval given): message n is due at
    clock0 + slot + n * interval and its latency counts from when it was due, so a slow server
    cannot hide its queueing (no coordinated omission)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/xml"}
    mine = []
    for n, (key, content, path, body) in enumerate(rows):
        if n == 1:
            ready.wait()  # warm-up done everywhere: start the clock together
        due = None
        if n >= 1 and interval is not None:
            due = clock0[0] + slot + (n - 1) * interval
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        started = time.perf_counter()
        try:
            conn.request("POST", path, body, headers)
            resp = conn.getresponse()
            raw = resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException) as exc:
            raw, status = repr(exc).encode(), 0
            conn.close()
        mine.append((key, content, n == 0, min(started, due or started), time.perf_counter(), status, raw))
    conn.close()
    results.extend(mine)


def client_process(plan: Plan, go, out) -> None:
    """One client process: build, warm up, wait for every process, run, report (in a child)."""
    rows = build(plan)
    results: list = []
    cpu0, clock0 = [0.0], [0.0]

    def all_ready():
        go.wait()  # the multiprocessing barrier: every process has warmed up
        cpu0[0], clock0[0] = time.process_time(), time.perf_counter()
    ready = threading.Barrier(len(rows), action=all_ready)
    interval = plan.total_senders / plan.rate if plan.rate else None
    threads = [threading.Thread(target=_sender, args=(
        plan.port, r, ready, results, clock0, (plan.sender_offset + i) / plan.rate if plan.rate else None, interval))
        for i, r in enumerate(rows)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put({"results": results, "cpu": time.process_time() - cpu0[0]})


def run(port: int, senders: list[str], messages: int, msgid_base: int, processes: int,
        rate: float | None = None) -> dict:
    """Drive one scenario; returns raw results of every message and the clients' CPU seconds."""
    ctx = mp.get_context("forkserver")  # clean children (no inherited threads), started quickly
    ctx.set_forkserver_preload(["bench.load", "bot.wecom_crypto", "sim.wecom_user"])
    processes = max(1, min(processes, len(senders)))
    go = ctx.Barrier(processes + 1)
    out = ctx.Queue()
    procs = []
    share = [senders[i::processes] for i in range(processes)]
    offset = 0
    for part in share:
        plan = Plan(port, part, messages, msgid_base, offset, rate, len(senders))
        offset += len(part)
        p = ctx.Process(target=client_process, args=(plan, go, out), daemon=True)
        p.start()
        procs.append(p)
    go.wait(timeout=120)  # released when every client has built its requests and warmed up
    released = time.perf_counter()
    reports = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    results = [r for rep in reports for r in rep["results"]]
    return {"results": results, "client_cpu": sum(rep["cpu"] for rep in reports), "released": released}
