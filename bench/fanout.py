"""Push fan-out: the 09:00 weekly reminder (jobs/weekly.py) to every unit that has not reported,
delivered by real RQ workers (`flask --app bot worker`, jobs/delivery.py) through the fake WeCom
over HTTP (sim/fake_wecom.FakeWeComServer).

    python -m bench.fanout --units 2000 --workers 2 --runs 3

Counts the fake's recorded message/send calls against the minimum (per distinct content, one call
per 1,000 recipients), the messages it dropped (over 30/minute per member, duplicates), the SQL
statements of the job itself, and the total time from the job's start until every row is sent.
Uses (and empties) the Redis index given with --redis and the outbox of the benchmark database.
"""
from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from bench.generate import CURRENT_WEEK, ensure, resolve_db
from bench.scale_common import DEFAULT_REDIS, backend, counting, machine, median, use

REMIND_DAY = CURRENT_WEEK + timedelta(days=4)  # Friday, the due day
FLASK = os.path.join(os.path.dirname(sys.executable), "flask")


def reset(redis_url: str) -> None:
    """An empty outbox and Redis index, so that every run sends the full reminder."""
    import redis
    from bot import db
    from models.outbox import OutboxMessage
    with db.transaction() as s:
        s.execute(delete(OutboxMessage))
    redis.Redis.from_url(redis_url).flushdb()


def start_workers(n: int, url: str, redis_url: str, api_base: str, offset: float) -> list[subprocess.Popen]:
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "WECOM_API_BASE": api_base,
           "BOT_CLOCK_OFFSET": str(offset), "BOT_TIMEZONE": "Asia/Shanghai"}
    for name in ("WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET", "WECOM_TOKEN", "WECOM_AES_KEY"):
        env.pop(name, None)  # demo credentials, as the fake expects
    return [subprocess.Popen([FLASK, "--app", "bot", "worker"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, cwd=os.getcwd()) for _ in range(n)]


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for proc in workers:
        proc.terminate()
    for proc in workers:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_sent(total: int, timeout: float) -> int:
    from bot import db
    from models.outbox import PENDING, SENDING, OutboxMessage
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.transaction() as s:
            open_rows = s.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.status.in_((PENDING, SENDING))))
        if open_rows == 0:
            return 0
        time.sleep(0.05)
    return open_rows


def one_run(server, redis_url: str, url: str, workers_n: int) -> dict:
    from bot import clock, db, wecom_client
    from jobs import weekly as weekly_jobs
    from models.outbox import SENT, OutboxMessage
    reset(redis_url)
    server.fake.reset()
    wecom_client.reset()
    clock.set_now(datetime(REMIND_DAY.year, REMIND_DAY.month, REMIND_DAY.day, 9, 0))
    workers = start_workers(workers_n, url, redis_url, server.base_url, clock.offset_seconds())
    try:
        time.sleep(3)  # the workers import the app and connect to Redis
        started = time.perf_counter()
        with counting() as counter:
            result = weekly_jobs.remind_morning(REMIND_DAY.isoformat())
        job_seconds = time.perf_counter() - started
        with db.transaction() as s:
            total = s.scalar(select(func.count()).select_from(OutboxMessage))
            contents = Counter(h for (h,) in s.execute(select(OutboxMessage.content_hash)))
        left = wait_sent(total, timeout=600)
        seconds = time.perf_counter() - started
    finally:
        stop_workers(workers)
    with db.transaction() as s:
        sent = s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == SENT))
    state = server.fake.state
    send_calls = sum(1 for r in state.requests if r["path"] == "/cgi-bin/message/send")
    return {"result": result, "rows": total, "sent": sent, "left": left, "distinct": len(contents),
            "minimum": sum(math.ceil(n / 1000) for n in contents.values()), "send_calls": send_calls,
            "delivered": len(state.messages), "dropped": len(state.dropped),
            "max_per_member": max(Counter(m["touser"] for m in state.messages).values(), default=0),
            "statements": counter.count, "job_s": job_seconds, "total_s": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--db", default="postgresql")
    parser.add_argument("--redis", default=DEFAULT_REDIS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    url = resolve_db(args.db, args.units)
    import logging
    from sim.fake_wecom import FakeWeComServer
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = FakeWeComServer().start()
    use(url, args.redis, server.base_url)
    ensure(url, args.units)
    use(url, args.redis, server.base_url)
    print(f"# fan-out: weekly reminder {REMIND_DAY} 09:00, {args.units} units, {backend(url)}, "
          f"{args.workers} RQ workers\n# {machine()}")
    runs = []
    for i in range(args.runs):
        r = one_run(server, args.redis, url, args.workers)
        runs.append(r)
        print(f"run {i + 1}: {r['rows']} rows, {r['distinct']} distinct texts, send calls {r['send_calls']} "
              f"(minimum {r['minimum']}), delivered {r['delivered']}, dropped {r['dropped']}, "
              f"max/member {r['max_per_member']}, left {r['left']}, job {r['statements']} statements "
              f"{r['job_s']:.2f} s, total {r['total_s']:.2f} s", flush=True)
    print(f"median: job {median([r['job_s'] for r in runs]):.2f} s, total {median([r['total_s'] for r in runs]):.2f} s; "
          f"load avg now {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    reset(args.redis)  # leave the Redis index and the outbox empty
    server.stop()


if __name__ == "__main__":
    main()
