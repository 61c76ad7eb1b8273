"""The monthly bulletin (bot/bulletin/compute.py `compute`) at 100 / 500 / 2,000 units, against a floor.

    python -m bench.bulletin                          # PostgreSQL, sizes 100,500,2000, 3 runs each
    python -m bench.bulletin --db sqlite --sizes 100 --month 2026-10

The bulletin of the top bureau (unit 1: the whole province, every host unit) for a month with full
data in the generated set (October 2026: five report weeks, Thursdays 1–29 October; REPORTED_WEEK is
16 November). Measured: wall time (median), peak Python memory (tracemalloc, a separate run) and SQL
statements (a before_cursor_execute listener) — which must be the same at every size.

The floor is ONE hand-written aggregate query for the bulletin's main per-unit table (reports due /
on time / late / missing, posts, originals, messages received / answered), what a database can do at
best; compute/floor is the price of the rest (accounts, dormancy, rectifications, scoring, rows).
"""
from __future__ import annotations

import argparse
import time
import tracemalloc

from sqlalchemy import text

from bench.generate import ensure, resolve_db
from bench.scale_common import backend, counting, machine, median, use

BUREAU = 1  # the top bureau of bench/generate.py
WORKFLOW = ("approvals", "filed", "decided", "registry_overdue", "untrained")  # from the other generated tables

FLOOR_SQL = """
WITH RECURSIVE tree(id) AS (
    SELECT id FROM unit WHERE id = :bureau
    UNION ALL SELECT u.id FROM unit u JOIN tree t ON u.parent_id = t.id
), hosts AS (
    SELECT u.id, u.name FROM unit u JOIN tree t ON t.id = u.id WHERE u.kind = 'host' AND u.active
), weeks AS (
    SELECT week FROM weekly_report WHERE week >= :first AND week < :next_first GROUP BY week
), due AS (
    SELECT h.id AS unit_id, w.week FROM hosts h CROSS JOIN weeks w
    WHERE EXISTS (SELECT 1 FROM account a WHERE a.unit_id = h.id AND a.status IN ('正常', '变更中'))
), sums AS (
    SELECT e.report_id, SUM(e.posts) AS posts, SUM(e.originals) AS originals,
           SUM(e.messages_received) AS received, SUM(e.messages_answered) AS answered
    FROM weekly_report_entry e JOIN weekly_report r ON r.id = e.report_id
    WHERE r.week >= :first AND r.week < :next_first GROUP BY e.report_id
)
SELECT d.unit_id, COUNT(*) AS due, COUNT(r.id) AS filed,
       SUM(CASE WHEN r.late THEN 1 ELSE 0 END) AS late,
       SUM(CASE WHEN r.id IS NOT NULL AND NOT r.late THEN 1 ELSE 0 END) AS on_time,
       COUNT(*) - COUNT(r.id) AS missing,
       SUM(s.posts) AS posts, SUM(s.originals) AS originals, SUM(s.received) AS received,
       SUM(s.answered) AS answered
FROM due d
LEFT JOIN weekly_report r ON r.unit_id = d.unit_id AND r.week = d.week
LEFT JOIN sums s ON s.report_id = r.id
GROUP BY d.unit_id ORDER BY d.unit_id
"""


def month_bounds(year: int, month: int):
    """Mondays whose Thursday lies in the month: [first Monday, next month's first Monday)."""
    from bot.bulletin.compute import Month
    m = Month(year, month)
    nxt = Month(m.next_first.year, m.next_first.month)
    mondays, later = m.mondays(), nxt.mondays()
    return mondays[0], later[0]


def one(year: int, month: int, trace: bool = False) -> dict:
    from bot import db
    from bot.bulletin.compute import compute
    if trace:
        tracemalloc.start()
    with db.transaction() as session:
        started = time.perf_counter()
        with counting() as counter:
            bulletin = compute(session, BUREAU, year, month)
        seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    if trace:
        tracemalloc.stop()
    units = bulletin.units
    return {"s": seconds, "statements": counter.count, "peak_mb": peak, "units": len(units),
            "due": sum(f.reports_due for f in units), "posts": sum(f.posts for f in units),
            "approvals": len(bulletin.approvals), "filed": sum(f.approvals_filed for f in units),
            "decided": sum(f.approvals_decided for f in units),
            "registry_overdue": sum(f.registry_overdue for f in units),
            "untrained": sum(1 for f in units if f.untrained), "texts": counter.texts}


def floor(year: int, month: int) -> dict:
    from bot import db
    first, next_first = month_bounds(year, month)
    with db.transaction() as session:
        started = time.perf_counter()
        rows = session.execute(text(FLOOR_SQL), {"bureau": BUREAU, "first": first, "next_first": next_first}).all()
        seconds = time.perf_counter() - started
    return {"s": seconds, "units": len(rows), "due": sum(r.due for r in rows), "posts": sum(r.posts or 0 for r in rows)}


def measure(url: str, units: int, runs: int, year: int, month: int) -> dict:
    ensure(url, units)
    use(url)
    from bot import db
    one(year, month)  # warm: imports, caches, the database's buffers
    floor(year, month)
    results = [one(year, month) for _ in range(runs)]
    floors = [floor(year, month) for _ in range(runs)]
    traced = one(year, month, trace=True)
    db.dispose_all()
    return {"units": units, "s": median([r["s"] for r in results]), "statements": sorted({r["statements"] for r in results}),
            "peak_mb": traced["peak_mb"], "listed": results[0]["units"], "due": results[0]["due"],
            "posts": results[0]["posts"], **{k: results[0][k] for k in WORKFLOW},
            "floor_s": median([f["s"] for f in floors]), "floor_due": floors[0]["due"],
            "floor_posts": floors[0]["posts"], "texts": results[0]["texts"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,500,2000")
    parser.add_argument("--db", default="postgresql")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--month", default="2026-10", help="YYYY-MM (default: October 2026, full data)")
    parser.add_argument("--statements", action="store_true", help="list the statements of the largest size")
    args = parser.parse_args()
    year, month = map(int, args.month.split("-"))
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = [measure(resolve_db(args.db, units), units, args.runs, year, month) for units in sizes]
    print(f"# monthly bulletin {args.month} of the top bureau (whole tree), {backend(resolve_db(args.db, sizes[0]))},"
          f" median of {args.runs} runs\n# {machine()}")
    print("| units | units listed | reports due (compute / floor) | posts (compute / floor) | SQL statements |"
          " compute (s) | floor (s) | compute/floor | peak (MB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['units']} | {r['listed']} | {r['due']:,} / {r['floor_due']:,} | {r['posts']:,} / {r['floor_posts']:,} |"
              f" {'/'.join(map(str, r['statements']))} | {r['s']:.3f} | {r['floor_s']:.3f} |"
              f" {r['s'] / r['floor_s']:.1f}x | {r['peak_mb']:.1f} |")
    if len(rows) > 1:
        small, big = rows[0], rows[-1]
        print(f"time ratio {big['units']}/{small['units']} units = {big['s'] / small['s']:.1f}x;"
              f" statements {small['statements']} → {big['statements']}")
    print("\n| units | approval rows | filed / decided in the month | registry filings overdue | untrained units |")
    print("|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['units']} | {r['approvals']:,} | {r['filed']:,} / {r['decided']:,} | {r['registry_overdue']:,} |"
              f" {r['untrained']:,} |")
    if args.statements:
        print("\n".join(rows[-1]["texts"]))


if __name__ == "__main__":
    main()
