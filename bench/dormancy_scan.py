"""The dormancy ladder (jobs/dormancy.py run_ladder) at 100 / 500 / 2,000 units, side by side.

    python -m bench.dormancy_scan                      # PostgreSQL, sizes 100,500,2000, 5 runs each
    python -m bench.dormancy_scan --db sqlite --sizes 100,500 --runs 3

Each run, in one transaction that is rolled back afterwards (the dataset stays as generated):
1. the first run (catch-up): no watch rows yet, every idle account climbs to its rung at once;
2. the daily run the next morning: the state of (1) in place, only the accounts crossing a rung
   that day are announced — the scan the scheduler does every working day.
Reported: wall time (median), SQL statements (before_cursor_execute; and those that are not INSERTs:
on SQLite the ORM inserts rows with generated ids one per statement), rungs announced, and the
peak of Python allocations (tracemalloc, in a separate run so that it does not slow the timed ones).
"""
from __future__ import annotations

import argparse
import time
import tracemalloc
from datetime import datetime, timedelta

from bench.generate import CURRENT_WEEK, ensure, resolve_db
from bench.scale_common import backend, counting, machine, median, use

DAY = CURRENT_WEEK + timedelta(days=2)  # Wednesday 09:00: the daily run (the day before is the first run)


def run_pair(trace: bool = False) -> dict:
    from bot import clock, db
    from jobs.dormancy import run_ladder
    out = {}
    session = db.new_session()
    try:
        with session.begin():
            for name, day in (("first", DAY - timedelta(days=1)), ("daily", DAY)):
                clock.set_now(datetime(day.year, day.month, day.day, 9, 0))
                if trace:
                    tracemalloc.start()
                started = time.perf_counter()
                with counting() as counter:
                    fired = run_ladder(session, day)
                    session.flush()
                seconds = time.perf_counter() - started
                peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
                if trace:
                    tracemalloc.stop()
                queries = sum(1 for t in counter.texts if not t.lstrip().upper().startswith("INSERT"))
                out[name] = {"s": seconds, "statements": counter.count, "queries": queries, "fired": len(fired),
                             "peak_mb": peak}
            session.rollback()
    finally:
        session.close()
    return out


def measure(url: str, units: int, runs: int) -> dict:
    ensure(url, units)
    use(url)
    from bot import db
    from sqlalchemy import func, select
    from models.account import Account
    with db.transaction() as s:
        accounts = s.scalar(select(func.count()).select_from(Account))
    results = [run_pair() for _ in range(runs)]
    traced = run_pair(trace=True)
    row = {"units": units, "accounts": accounts}
    for name in ("first", "daily"):
        row[name] = {"s": median([r[name]["s"] for r in results]),
                     "statements": sorted({r[name]["statements"] for r in results}),
                     "queries": sorted({r[name]["queries"] for r in results}),
                     "fired": results[0][name]["fired"], "peak_mb": traced[name]["peak_mb"]}
    db.dispose_all()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,500,2000")
    parser.add_argument("--db", default="postgresql", help="postgresql, sqlite, or a URL (one size only)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for units in sizes:
        url = resolve_db(args.db, units)
        rows.append(measure(url, units, args.runs))
        print(f"  measured {units} units ({rows[-1]['accounts']} accounts)", flush=True)
    print(f"# dormancy scan, {backend(resolve_db(args.db, sizes[0]))}, median of {args.runs} runs "
          f"(peak: tracemalloc, one more run)\n# {machine()}")
    print("| units | accounts | run | rungs announced | SQL statements | of which not INSERT | time (s) | peak (MB) |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    for row in rows:
        for name, label in (("first", "first (catch-up)"), ("daily", "daily")):
            r = row[name]
            print(f"| {row['units']} | {row['accounts']} | {label} | {r['fired']} | "
                  f"{'/'.join(map(str, r['statements']))} | {'/'.join(map(str, r['queries']))} | {r['s']:.2f} | "
                  f"{r['peak_mb']:.1f} |")
    if len(rows) > 1:
        small, big = rows[0], rows[-1]
        for name in ("first", "daily"):
            print(f"{name}: time ratio {big['units']}/{small['units']} units = "
                  f"{big[name]['s'] / small[name]['s']:.1f}x; statements {small[name]['statements']} → "
                  f"{big[name]['statements']}")


if __name__ == "__main__":
    main()
