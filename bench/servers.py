"""Benchmark set-up: the database, the demo directory plus senders, gunicorn processes, CPU meters."""
from __future__ import annotations

import os
import platform
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from bot import config, db

ROOT = Path(__file__).resolve().parent.parent
SENDER_PREFIX = "bench_"

APPS = {
    "bare": "bench.baseline_app:create_app('bare')",
    "single": "bench.baseline_app:create_app('single')",
    "full": "bot:create_app()",
    "before": "bot:create_app()",  # the full path from another checkout (--before DIR)
}


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "kernel": platform.release(), "loadavg": [round(x, 2) for x in load]}


def bot_env(database_url: str, redis_url: str, api_base: str) -> dict:
    env = dict(os.environ)
    env.update({k: v for k, v in config.DEMO.items()})
    env.update({"WECOM_API_BASE": api_base, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                "BOT_TIMEZONE": "Asia/Shanghai", "PYTHONPATH": str(ROOT)})
    return env


def recreate_postgres(url: str) -> None:
    base, name = url.rsplit("/", 1)
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def drop_postgres(url: str) -> None:
    base, name = url.rsplit("/", 1)
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def migrate(env: dict) -> None:
    """`flask --app bot db upgrade`, as an operator would run it."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "bot", "db", "upgrade"], env=env, cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def sender_ids(count: int) -> list[str]:
    return [f"{SENDER_PREFIX}{i:04d}" for i in range(1, count + 1)]


def seed(env: dict, senders: int) -> list[str]:
    """The demo directory, N extra staff of 抚松县教育局 (one per sender), and the baseline table."""
    from bench.baseline_app import create_table
    from models.org import STAFF, Person, Unit
    from sim import demo
    config.use(config.load({k: env[k] for k in (*config.WECOM_VARS, "WECOM_API_BASE", "DATABASE_URL",
                                                 "REDIS_URL", "BOT_TIMEZONE")}))
    ids = sender_ids(senders)
    with db.transaction() as session:
        demo.seed(session)
        unit = session.scalar(select(Unit).where(Unit.name == "抚松县教育局"))
        known = set(session.scalars(select(Person.userid).where(Person.userid.in_(ids))))
        for n, userid in enumerate(ids, 1):
            if userid not in known:
                person = Person(userid=userid, name=f"压测用户{n}", unit=unit)
                person.set_roles({STAFF})
                session.add(person)
    create_table()
    return ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Gunicorn:
    name: str
    env: dict
    workers: int
    worker_class: str
    threads: int
    log_dir: Path
    port: int = 0
    proc: subprocess.Popen | None = None
    extra: list[str] = field(default_factory=list)
    root: Path = ROOT  # the source tree the app is imported from

    @property
    def application_name(self) -> str:
        return f"zwxmt-bench-{self.name}"

    def start(self) -> "Gunicorn":
        self.port = free_port()
        url = self.env["DATABASE_URL"]
        if url.startswith("postgresql"):  # lets the benchmark find this server's PostgreSQL backends
            sep = "&" if "?" in url else "?"
            self.env = {**self.env, "DATABASE_URL": f"{url}{sep}application_name={self.application_name}"}
        cmd = [sys.executable, "-m", "gunicorn", APPS[self.name], "--bind", f"127.0.0.1:{self.port}",
               "--workers", str(self.workers), "--worker-class", self.worker_class,
               "--threads", str(self.threads), "--backlog", "2048", "--timeout", "60", *_no_control_socket(),
               *self.extra]
        if self.root != ROOT:
            self.env = {**self.env, "PYTHONPATH": str(self.root)}
        log = open(self.log_dir / f"gunicorn-{self.name}.log", "wb")
        self.proc = subprocess.Popen(cmd, env=self.env, cwd=self.root, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} exited; see {self.log_dir}/gunicorn-{self.name}.log")
            try:
                # several requests so that every worker has imported the app and opened its pool
                for _ in range(self.workers * 2):
                    urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2).read()
                if len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.name} did not answer /healthz within {timeout:.0f}s")

    def worker_pids(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(c) for c in children]

    def cpu_seconds(self) -> float:
        """User+system CPU of the master and its live workers so far."""
        return sum(process_cpu([self.proc.pid, *self.worker_pids()]).values())

    def backend_pids(self) -> list[int]:
        """PostgreSQL backends serving this gunicorn (empty on SQLite or without access)."""
        url = self.env["DATABASE_URL"]
        if not url.startswith("postgresql"):
            return []
        try:
            import psycopg
            with psycopg.connect(url.split("?", 1)[0].replace("postgresql+psycopg://", "postgresql://"),
                                 autocommit=True) as conn:
                rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                                    (self.application_name,)).fetchall()
        except Exception:
            return []
        return [r[0] for r in rows]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def process_cpu(pids) -> dict[int, float]:
    """User+system CPU seconds of each process (those we may read on this machine)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def _no_control_socket() -> list[str]:
    """gunicorn >= 24 opens ~/.gunicorn/gunicorn.ctl, shared by every instance: ours need none."""
    from gunicorn.config import KNOWN_SETTINGS
    return ["--no-control-socket"] if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS) else []


def system_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = parts[3] + parts[4]
    return float(sum(parts) - idle), float(sum(parts))


def count_effects() -> dict:
    """How the database recorded the sent messages: full path and single-row baseline."""
    from bench.baseline_app import bench_effect
    from models.platform import InboundCallback
    with db.transaction() as session:
        inbound = set()
        rows = 0
        outcomes: dict[str, int] = {}
        for key, outcome in session.execute(select(InboundCallback.dedupe_key, InboundCallback.outcome)
                                            .where(InboundCallback.userid.like(f"{SENDER_PREFIX}%"))):
            rows += 1
            inbound.add(key)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        dup_inbound = session.scalar(select(func.count()).select_from(
            select(InboundCallback.dedupe_key).group_by(InboundCallback.dedupe_key)
            .having(func.count() > 1).subquery()))
        single_rows = session.scalar(select(func.count()).select_from(bench_effect))
        single_keys = set(session.scalars(select(bench_effect.c.msg_id)))
    return {"inbound_rows": rows, "inbound_keys": inbound, "inbound_duplicates": dup_inbound,
            "outcomes": outcomes, "single_rows": single_rows, "single_keys": single_keys}
