"""The callback benchmark in its quick mode: real gunicorn processes, real crypto, one effect per message."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot import config
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL


@pytest.mark.slow
def test_quick_benchmark_has_exactly_one_effect_per_message(tmp_path, redis_conn):
    out = tmp_path / "bench.json"
    cmd = [sys.executable, "-m", "bench.callback", "--quick", "--redis-url", TEST_REDIS_URL, "--json", str(out)]
    if TEST_DATABASE_URL.startswith("postgresql"):
        cmd += ["--database", "postgres", "--database-url", f"{TEST_DATABASE_URL}_bench"]
    else:
        cmd += ["--database", "sqlite"]
    env = {k: v for k, v in os.environ.items() if k not in (*config.WECOM_VARS, "DATABASE_URL", "REDIS_URL")}
    done = subprocess.run(cmd, cwd=config.PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    sent = 5 * (4 + 1)  # quick: 5 senders x (4 timed + 1 warm-up) messages per scenario
    assert result["effects"]["full"] == {"sent": sent, "inbound_callback_rows": sent, "duplicates": 0,
                                         "outcomes": {"ok": sent}}
    assert result["effects"]["single"] == {"sent": sent, "bench_effect_rows": sent}
    assert result["problems"] == []
    for scenario in ("bare", "single", "full"):
        assert result["medians"][scenario]["msg_per_s"] > 0
    assert "exactly one effect per message: yes" in done.stdout
    for run in result["runs"]["full"]:
        assert 0 < run["sender_mean_min_ms"] <= run["sender_mean_max_ms"]


def test_sender_means_group_latencies_by_the_sender_in_the_msgid():
    from bench.callback import sender_means
    base = 7 * 10**10

    def result(sender: int, n: int, ms: float):
        return (f"msg:{base + sender * 10**6 + n}", "帮助", False, 1.0, 1.0 + ms / 1000, 200, b"")
    timed = [result(0, 1, 10), result(0, 2, 30), result(1, 1, 50), result(1, 2, 70), result(2, 1, 5)]
    assert [round(m, 6) for m in sender_means(timed, base)] == [5.0, 20.0, 60.0]
