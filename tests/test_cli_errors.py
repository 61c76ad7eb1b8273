"""The CLI stops with one Chinese line, never a traceback: a database that was never migrated."""
from __future__ import annotations

import os
import subprocess
import sys


def test_a_command_on_a_database_never_migrated_says_to_run_db_upgrade(tmp_path, unmigrated_url):
    roster = tmp_path / "名册.yaml"
    roster.write_text("单位:\n  - 单位名称: 白山市政数局\n    类型: 市级主管单位\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "BOT_", "SIM_", "DATABASE_URL"))}
    env.update(DATABASE_URL=unmigrated_url, BOT_INSTANCE_DIR=str(tmp_path))
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    for args in (["org", "import", str(roster)], ["org", "show"], ["outbox", "resend"]):
        done = subprocess.run([flask, "--app", "bot", *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and "Error:" not in done.stderr, done.stderr
        assert "错误：DATABASE_URL 指向的数据库还没有建表" in done.stderr and "flask --app bot db upgrade" in done.stderr
