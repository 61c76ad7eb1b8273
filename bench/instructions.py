"""Instructions per callback under callgrind: a figure that does not move when the machine is busy.

    python -m bench.instructions                         # bare, single and full from this checkout
    python -m bench.instructions --before /tmp/before    # and the full path of another checkout

Each scenario runs in its own process under `valgrind --tool=callgrind`, posting pre-encrypted
text callbacks (帮助/功能/明天开会吗 in turn, every MsgId new) through Flask's test client, one
after another; it runs twice, with SHORT and LONG messages after the same warm-up, and the
difference divided by LONG - SHORT is the count per callback (start-up, imports and the warm-up
cancel out). Only the application process is counted: not PostgreSQL, not the HTTP server.
Instruction counts are the same on a loaded machine as on an idle one (wall time is not), so
this is the figure to compare two versions on a shared machine. Needs valgrind and PostgreSQL
(each run creates and drops its own database).
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.servers import ROOT, machine

SHORT, LONG, WARM_UP = 30, 150, 60
SCENARIOS = ("bare", "single", "full")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--before", help="another checkout: its full path is counted too")
    p.add_argument("--scenarios", default=",".join(SCENARIOS))
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/zwxmt_instr")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    args = p.parse_args(argv)
    runs = [(name, str(ROOT)) for name in args.scenarios.split(",")]
    if args.before:
        runs.append(("before", str(Path(args.before).resolve())))
    print(f"machine: {machine()}")
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        counts = dict(zip([name for name, _ in runs], pool.map(lambda run: per_callback(*run, args), runs)))
    for name, count in counts.items():
        print(f"{name:7s} {count / 1e6:6.2f} M instructions per callback")
    if "full" in counts and "single" in counts:
        print(f"single/full {counts['single'] / counts['full']:.2f}  (the throughput ratio if nothing else counted)")
    if "full" in counts and "before" in counts:
        print(f"full/before {counts['full'] / counts['before']:.2f}")


def per_callback(scenario: str, checkout: str, args) -> float:
    short, long = (_count(scenario, checkout, n, args) for n in (SHORT, LONG))
    return (long - short) / (LONG - SHORT)


def _count(scenario: str, checkout: str, messages: int, args) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        database = f"{args.database_url}_{scenario}_{messages}"
        # a fixed hash seed: set and dict orders (and so the work done) are the same in every run
        env = dict(os.environ, PYTHONPATH=checkout, PYTHONHASHSEED="0")
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
               str(ROOT / "bench" / "instructions_run.py"), scenario, str(messages), str(WARM_UP), database,
               args.redis_url]
        done = subprocess.run(cmd, cwd=checkout, env=env, capture_output=True, text=True)
        found = re.search(r"Collected : (\d+)", done.stderr)
        if done.returncode or not found:
            raise SystemExit(f"{scenario} ({messages}) failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        return int(found.group(1))


if __name__ == "__main__":
    main()
