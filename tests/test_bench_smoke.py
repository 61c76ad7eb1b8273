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
