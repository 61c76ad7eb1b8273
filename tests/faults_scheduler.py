"""A scheduler process for tests/test_faults_scheduler.py: whenever the target time in `clock_file`
changes, move this process's clock there and run one `jobs.schedule.tick`, running the claimed jobs
right away; append what it claimed to `ack_file`. Stops when `stop_file` exists.

    python -m tests.faults_scheduler CLOCK_FILE ACK_FILE STOP_FILE"""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path


def main(clock_file: str, ack_file: str, stop_file: str) -> None:
    from bot import clock, logs
    from jobs import schedule
    logs.setup()
    last = None
    while not Path(stop_file).exists():
        try:
            target = Path(clock_file).read_text().strip()
        except FileNotFoundError:
            target = ""
        if not target or target == last:
            time.sleep(0.01)
            continue
        clock.set_now(datetime.fromtimestamp(float(target), timezone.utc))
        started = schedule.tick(enqueue=schedule.run_job)
        with open(ack_file, "a") as out:
            out.write(json.dumps({"target": target, "started": started}) + "\n")
        last = target


if __name__ == "__main__":
    main(*sys.argv[1:4])
