"""The weekly roll-up (models/weekly_rollup.py compute + render) at 100 / 500 / 2,000 units.

    python -m bench.rollup                     # PostgreSQL, sizes 100,500,2000, 5 runs each
    python -m bench.rollup --db sqlite --sizes 100,500

Two scopes: the whole tree (a province-level reader, every unit) and one county bureau's subtree
(what the weekly_overdue job pushes to each county's admins). SQL statements are counted with a
before_cursor_execute listener and must be the same at every size.
"""
from __future__ import annotations

import argparse
import time
import tracemalloc

from sqlalchemy import select

from bench.generate import CURRENT_WEEK, REPORTED_WEEK, ensure, resolve_db
from bench.scale_common import backend, counting, machine, median, use


def one(unit_ids: list[int], trace: bool = False) -> dict:
    from bot import db
    from models.weekly_rollup import compute, render
    if trace:
        tracemalloc.start()
    with db.transaction() as session:
        started = time.perf_counter()
        with counting() as counter:
            rollup = compute(session, unit_ids, REPORTED_WEEK, today=CURRENT_WEEK)
            render(rollup, "基准", markdown=True)
        seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    if trace:
        tracemalloc.stop()
    return {"s": seconds, "statements": counter.count, "reported": rollup.reported, "peak_mb": peak}


def measure(url: str, units: int, runs: int) -> dict:
    ensure(url, units)
    use(url)
    from bot import db
    from models.org import COUNTY_BUREAU, Unit, subtree_ids
    with db.transaction() as s:
        everything = list(s.scalars(select(Unit.id)))
        county = s.scalar(select(Unit.id).where(Unit.kind == COUNTY_BUREAU).order_by(Unit.id))
        one_county = subtree_ids(s, county)
    row = {"units": units}
    for scope, ids in (("all", everything), ("county", one_county)):
        results = [one(ids) for _ in range(runs)]
        row[scope] = {"s": median([r["s"] for r in results]), "statements": sorted({r["statements"] for r in results}),
                      "reported": results[0]["reported"], "peak_mb": one(ids, trace=True)["peak_mb"]}
    db.dispose_all()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,500,2000")
    parser.add_argument("--db", default="postgresql")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = [measure(resolve_db(args.db, units), units, args.runs) for units in sizes]
    print(f"# weekly roll-up of {REPORTED_WEEK}, {backend(resolve_db(args.db, sizes[0]))}, median of {args.runs} runs"
          f"\n# {machine()}")
    print("| units | scope | units reported | SQL statements | time (s) | peak (MB) |")
    print("|---:|---|---:|---:|---:|---:|")
    for row in rows:
        for scope in ("all", "county"):
            r = row[scope]
            print(f"| {row['units']} | {'whole tree' if scope == 'all' else 'one county'} | {r['reported']} | "
                  f"{'/'.join(map(str, r['statements']))} | {r['s']:.3f} | {r['peak_mb']:.1f} |")
    if len(rows) > 1:
        small, big = rows[0], rows[-1]
        print(f"whole tree: time ratio {big['units']}/{small['units']} units = {big['all']['s'] / small['all']['s']:.1f}x;"
              f" statements {small['all']['statements']} → {big['all']['statements']}")


if __name__ == "__main__":
    main()
