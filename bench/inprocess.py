"""CPU per callback in one process, one thread: the steadiest figure on a shared machine.

    python -m bench.inprocess [--messages 300] [--batches 5]
    cd OTHER_CHECKOUT && PYTHONPATH=. python /path/to/bench/inprocess.py   # the same for another version

Posts pre-encrypted text callbacks (帮助/功能/明天开会吗 in turn, every MsgId new) to `bot:create_app()`
through Flask's test client, one after another, and reports the process's CPU time (user+system,
not wall time, so other users of the machine matter little) and that of its PostgreSQL backend
per callback: the minimum over the batches. Uses (drops and recreates) the benchmark database.
"""
from __future__ import annotations

import argparse
import os
import time

from bench import load, servers


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=300, help="callbacks per batch (default 300)")
    p.add_argument("--batches", type=int, default=5, help="batches; the minimum is reported (default 5)")
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/zwxmt_bench")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    args = p.parse_args(argv)
    from sim.fake_wecom import FakeWeComServer
    fake = FakeWeComServer().start()
    servers.recreate_postgres(args.database_url)
    try:
        url = f"{args.database_url}?application_name=zwxmt-bench-inprocess"
        env = servers.bot_env(url, args.redis_url, fake.base_url)
        servers.migrate(env)
        senders = servers.seed(env, 10)
        os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
        print(f"{args.batches} x {args.messages} callbacks: " + ", ".join(_measure(senders, args)))
    finally:
        from bot import db
        db.dispose_all()
        fake.stop()
        servers.drop_postgres(args.database_url)


def _measure(senders: list[str], args) -> list[str]:
    import logging

    from bot import config, create_app
    config.use(config.load(os.environ))
    app = create_app()
    logging.getLogger().setLevel(logging.WARNING)  # the log line per callback goes to a terminal here
    client = app.test_client()
    per_sender = -(-args.messages // len(senders))
    app_cpu, db_cpu = [], []
    for batch in range(args.batches + 1):  # the first batch warms up
        plan = load.Plan(port=0, senders=senders, messages=per_sender, msgid_base=(batch + 1) * 10**10,
                         sender_offset=0)
        calls = [row for rows in load.build(plan) for row in rows][: args.messages]
        db0, cpu0 = _backend_cpu(), time.process_time()
        for _key, _text, path, body in calls:
            assert client.post(path, data=body, content_type="application/xml").status_code == 200
        cpu1, db1 = time.process_time(), _backend_cpu()
        if batch:
            app_cpu.append((cpu1 - cpu0) * 1000 / len(calls))
            db_cpu.append((db1 - db0) * 1000 / len(calls))
    return [f"app CPU {min(app_cpu):.2f} ms (batches {' '.join(f'{x:.2f}' for x in app_cpu)})",
            f"postgres CPU {min(db_cpu):.2f} ms per callback"]


def _backend_cpu() -> float:
    import psycopg

    from bot import config
    with psycopg.connect(config.get().database_url.split("?")[0], autocommit=True) as conn:
        pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                                           ("zwxmt-bench-inprocess",))]
    return sum(servers.process_cpu(pids).values())


if __name__ == "__main__":
    main()
