"""The Procfile's web line, run as honcho runs it: gunicorn accepts it, serves /healthz, and opens no control socket
(gunicorn >= 25.1 would otherwise share ~/.gunicorn/gunicorn.ctl with every gunicorn on the host)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from bot import config
from tests.conftest import TEST_REDIS_URL

pytestmark = pytest.mark.slow


def web_line(procfile: str) -> str:
    text = (config.PROJECT_ROOT / procfile).read_text(encoding="utf-8")
    [line] = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("web:")]
    return line


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("procfile", ["Procfile", "Procfile.dev"])
def test_the_web_line_serves_healthz_without_a_control_socket(procfile, database_url, tmp_path):
    port, home, runtime = free_port(), tmp_path / "home", tmp_path / "run"
    home.mkdir(), runtime.mkdir()
    env = {**os.environ, **{k: str(v) for k, v in config.DEMO.items()}, "DATABASE_URL": database_url,
           "REDIS_URL": TEST_REDIS_URL, "BOT_PORT": str(port), "WEB_CONCURRENCY": "1",
           "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime),  # where gunicorn would put gunicorn.ctl
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    proc = subprocess.Popen(["/bin/sh", "-c", "exec " + web_line(procfile)], cwd=config.PROJECT_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert _healthz(port, proc) == 200
        assert not [*tmp_path.rglob("*.ctl")], "gunicorn opened a control socket"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _healthz(port: int, proc: subprocess.Popen) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("gunicorn exited:\n" + proc.stderr.read()[-2000:])
        try:
            return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or no worker booted yet
            time.sleep(0.2)
    pytest.fail("gunicorn did not answer within 30 s")
