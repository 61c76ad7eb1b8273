"""Callback benchmark: the full bot path against two baselines, under gunicorn on loopback.

    python -m bench.callback [--senders 50] [--messages 40] [--database postgres|sqlite] [--quick]

See bench/README.md for what is measured and the recorded figures.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import load, servers

SCENARIOS = ("bare", "single", "full")
LABELS = {"bare": "bare (verify+decrypt)", "single": "single-row commit", "full": "full bot path",
          "before": "full path, --before"}
EXPECTED = {"帮助": "可以使用", "功能": "可以使用", "明天开会吗": "没有理解"}
TARGET_P99_MS = 100.0
TARGET_RATIO = 0.70


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m bench.callback", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--senders", type=int, default=50, help="concurrent senders (default 50)")
    p.add_argument("--messages", type=int, default=40, help="timed messages per sender and run (default 40)")
    p.add_argument("--rate", type=float, help="pace all senders together at this many messages/s (latency at a "
                   "given load; default: closed loop, every sender sends as soon as its reply arrives)")
    p.add_argument("--repeat", type=int, default=3, help="runs per scenario; medians are reported (default 3)")
    p.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/zwxmt_bench",
                   help="PostgreSQL database to DROP and re-create (default …/zwxmt_bench)")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, one per core)")
    p.add_argument("--worker-class", default="gthread", help="gunicorn worker class (default gthread)")
    p.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    p.add_argument("--client-processes", type=int, default=2, help="load generator processes (default 2)")
    p.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset of bare,single,full")
    p.add_argument("--before", type=Path, metavar="DIR",
                   help="also run the full path from this source tree (e.g. `git worktree add DIR <commit>`) in "
                        "every round, to compare two versions under the same load")
    p.add_argument("--keep-db", action="store_true", help="keep the benchmark database and the gunicorn logs")
    p.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    p.add_argument("--quick", action="store_true", help="smoke test: 5 senders x 4 messages, one run")
    args = p.parse_args(argv)
    if args.quick:
        args.senders, args.messages, args.repeat = min(args.senders, 5), min(args.messages, 4), 1
        args.workers, args.client_processes = 1, 1  # fewer processes to start: the smoke test stays short
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    if not set(args.scenarios) <= set(SCENARIOS):
        p.error("--scenarios takes bare, single and full")
    if args.before:
        if "full" not in args.scenarios:
            p.error("--before compares with the full path: keep full in --scenarios")
        args.before = args.before.resolve()
        args.scenarios.insert(args.scenarios.index("full"), "before")
    return args


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]


def measure(server: servers.Gunicorn, senders: list[str], args, msgid_base: int) -> dict:
    busy0, total0 = servers.system_cpu()
    server_cpu0 = server.cpu_seconds()
    backends0 = servers.process_cpu(server.backend_pids())
    raw = load.run(server.port, senders, args.messages, msgid_base, args.client_processes, args.rate)
    busy1, total1 = servers.system_cpu()
    server_cpu = server.cpu_seconds() - server_cpu0
    backends1 = servers.process_cpu(set(server.backend_pids()) | set(backends0))
    db_cpu = sum(cpu - backends0.get(pid, 0.0) for pid, cpu in backends1.items())
    timed = [r for r in raw["results"] if not r[2]]
    start = min(r[3] for r in timed)
    wall = max(r[4] for r in timed) - start
    latencies = sorted((r[4] - r[3]) * 1000 for r in timed)
    spread = sender_means(timed, msgid_base)
    cores = servers.machine()["nproc"]
    return {
        "messages": len(timed), "seconds": round(wall, 3), "msg_per_s": round(len(timed) / wall, 1),
        "p50_ms": round(percentile(latencies, 50), 1), "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(latencies[-1], 1),
        "sender_mean_min_ms": round(spread[0], 1), "sender_mean_max_ms": round(spread[-1], 1),
        "client_cpu_share": round(raw["client_cpu"] / (wall * cores), 3),
        "server_cpu_share": round(server_cpu / (wall * cores), 3),
        "server_cpu_ms": round(server_cpu * 1000 / len(raw["results"]), 2),  # per message, warm-up included
        "db_cpu_ms": round(db_cpu * 1000 / len(raw["results"]), 2),  # its PostgreSQL backends, per message
        "machine_busy": round((busy1 - busy0) / max(total1 - total0, 1), 3),
        "_results": raw["results"],
    }


def sender_means(timed: list, msgid_base: int) -> list[float]:
    """Each sender's mean latency, sorted. Every sender keeps one connection, and gunicorn hands a
    connection to whichever worker accepted it: when the two workers hold 20 and 30 of them, the
    senders of the busier one wait about half as long again — a large part of the closed loop's p99."""
    per_sender: dict[int, list[float]] = {}
    for key, _content, _warm, started, ended, _status, _raw in timed:
        sender = (int(key.removeprefix("msg:")) - msgid_base) // 10**6  # see load.Plan.msgid_base
        per_sender.setdefault(sender, []).append((ended - started) * 1000)
    return sorted(statistics.fmean(values) for values in per_sender.values())


def check_replies(name: str, results: list) -> list[str]:
    """Every message answered 200; the full path's passive replies open and say the right thing."""
    from sim.wecom_user import WeComSide
    side, _ = load._side()
    problems = []
    for key, content, _warm, _s, _e, status, raw in results:
        if status != 200:
            problems.append(f"{name}: {key} answered {status} {raw[:80]!r}")
            continue
        if name in ("full", "before"):
            text = WeComSide.open(side, status, raw).text or ""
            if EXPECTED[content] not in text:
                problems.append(f"full: {key} ({content}) got reply {text[:40]!r}")
        elif raw:
            problems.append(f"{name}: {key} answered a body")
    return problems


def check_effects(sent: dict[str, set[str]]) -> tuple[dict, list[str]]:
    found = servers.count_effects()
    problems = []
    summary = {}
    if "full" in sent:
        keys = found["inbound_keys"]
        summary["full"] = {"sent": len(sent["full"]), "inbound_callback_rows": found["inbound_rows"],
                           "duplicates": found["inbound_duplicates"], "outcomes": found["outcomes"]}
        if found["inbound_rows"] != len(sent["full"]) or keys != sent["full"]:
            problems.append(f"full: {len(sent['full'])} messages sent, {found['inbound_rows']} InboundCallback "
                            f"rows ({len(sent['full'] - keys)} missing, {len(keys - sent['full'])} unexpected)")
        if found["inbound_duplicates"]:
            problems.append(f"full: {found['inbound_duplicates']} duplicated InboundCallback keys")
        if set(found["outcomes"]) - {"ok"}:
            problems.append(f"full: outcomes {found['outcomes']}")
    if "single" in sent:
        summary["single"] = {"sent": len(sent["single"]), "bench_effect_rows": found["single_rows"]}
        if found["single_rows"] != len(sent["single"]) or found["single_keys"] != sent["single"]:
            problems.append(f"single: {len(sent['single'])} messages sent, {found['single_rows']} bench_effect rows")
    return summary, problems


def median_of(runs: list[dict]) -> dict:
    keys = ("msg_per_s", "p50_ms", "p99_ms", "max_ms", "sender_mean_min_ms", "sender_mean_max_ms", "client_cpu_share", "server_cpu_share", "server_cpu_ms",
            "db_cpu_ms", "machine_busy")
    return {k: round(statistics.median(r[k] for r in runs), 3 if "share" in k or "busy" in k else 2)
            for k in keys}


def report(info: dict, args, runs: dict[str, list[dict]], effects: dict, problems: list[str]) -> dict:
    medians = {name: median_of(r) for name, r in runs.items()}
    print()
    print(f"machine: {info['nproc']} x {info['cpu']}; Python {info['python']}; load average at start "
          f"{info['loadavg']}")
    mode = f"paced at {args.rate:g} msg/s" if args.rate else "closed loop"
    print(f"database: {args.database}; {args.senders} senders ({mode}) x {args.messages} messages x "
          f"{args.repeat} runs; gunicorn {args.workers} x {args.worker_class} (threads {args.threads}); "
          f"{args.client_processes} client processes")
    print(f"{'scenario':24s} {'msg/s':>8s} {'p50 ms':>8s} {'p99 ms':>8s} {'max ms':>8s} "
          f"{'client':>7s} {'gunicorn':>9s} {'postgres':>9s} {'busy':>6s}   msg/s per run")
    for name in args.scenarios:
        m = medians[name]
        each = " ".join(f"{r['msg_per_s']:.0f}" for r in runs[name])
        print(f"{LABELS[name]:24s} {m['msg_per_s']:8.1f} {m['p50_ms']:8.1f} {m['p99_ms']:8.1f} {m['max_ms']:8.1f} "
              f"{m['client_cpu_share']:7.0%} {m['server_cpu_ms']:7.2f}ms {m['db_cpu_ms']:7.2f}ms "
              f"{m['machine_busy']:6.0%}   {each}")
    print("(client: CPU of the load generator as a share of all cores; gunicorn/postgres: CPU per message of the "
          "server and of its PostgreSQL backends; busy: the whole machine, other users included)")
    ratios = {}
    if "full" in medians:
        for base in ("single", "bare"):
            if base not in medians:
                continue
            ratio = medians["full"]["msg_per_s"] / medians[base]["msg_per_s"]
            paired = statistics.median(f["msg_per_s"] / b["msg_per_s"] for f, b in zip(runs["full"], runs[base]))
            cpu = ((medians[base]["server_cpu_ms"] + medians[base]["db_cpu_ms"])
                   / (medians["full"]["server_cpu_ms"] + medians["full"]["db_cpu_ms"]))
            ratios[f"full/{base}"] = round(ratio, 3)
            ratios[f"full/{base} paired"] = round(paired, 3)
            ratios[f"full/{base} cpu"] = round(cpu, 3)
            print(f"throughput full/{base}: {ratio:.2f} (median of each round's ratio {paired:.2f}; "
                  f"from CPU per message, gunicorn + postgres: {cpu:.2f})")
        if "before" in medians:
            b, f = medians["before"], medians["full"]
            ratios["full/before"] = round(f["msg_per_s"] / b["msg_per_s"], 3)
            ratios["full/before paired"] = round(statistics.median(
                x["msg_per_s"] / y["msg_per_s"] for x, y in zip(runs["full"], runs["before"])), 3)
            print(f"full path against --before: throughput x{ratios['full/before']:.2f} (paired "
                  f"x{ratios['full/before paired']:.2f}); CPU per message gunicorn {b['server_cpu_ms']:.2f} -> "
                  f"{f['server_cpu_ms']:.2f} ms, postgres {b['db_cpu_ms']:.2f} -> {f['db_cpu_ms']:.2f} ms")
        if "single" in medians:
            ok = medians["full"]["p99_ms"] <= TARGET_P99_MS and ratios["full/single"] >= TARGET_RATIO
            print(f"target (p99 <= {TARGET_P99_MS:.0f} ms and >= {TARGET_RATIO:.0%} of single-row): "
                  f"{'MET' if ok else 'MISSED'} (p99 {medians['full']['p99_ms']} ms, {ratios['full/single']:.0%})")
    for name, e in effects.items():
        print(f"effects {name}: {e}")
    print("exactly one effect per message: " + ("yes" if not problems else "NO"))
    for problem in problems[:20]:
        print("  " + problem)
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": info,
            "settings": {k: v for k, v in vars(args).items() if k not in ("json",)},
            "runs": {n: [{k: v for k, v in r.items() if not k.startswith("_")} for r in rs] for n, rs in runs.items()},
            "medians": medians, "ratios": ratios, "effects": effects, "problems": problems}


def main(argv=None) -> int:
    args = parse_args(argv)
    info = servers.machine()
    print(f"machine: nproc={info['nproc']} cpu={info['cpu']!r} loadavg={info['loadavg']}", flush=True)
    began = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="zwxmt-bench-"))
    url = args.database_url if args.database == "postgres" else f"sqlite:///{work / 'bench.sqlite3'}"
    if args.database == "postgres":
        servers.recreate_postgres(url)
    from sim.fake_wecom import FakeWeComServer
    fake = FakeWeComServer().start()
    env = servers.bot_env(url, args.redis_url, fake.base_url)
    running: dict[str, servers.Gunicorn] = {}
    runs: dict[str, list[dict]] = {name: [] for name in args.scenarios}
    sent: dict[str, set[str]] = {name: set() for name in args.scenarios if name not in ("bare", "before")}
    problems: list[str] = []
    try:
        servers.migrate(env)
        senders = servers.seed(env, args.senders)
        for name in args.scenarios:
            root = args.before if name == "before" else servers.ROOT
            running[name] = servers.Gunicorn(name, env, args.workers, args.worker_class, args.threads, work,
                                             root=root).start()
        for server in running.values():
            server.wait_ready()
        print(f"set-up {time.monotonic() - began:.1f} s; gunicorn logs in {work}", flush=True)
        base = int(time.time()) * 10**12
        for rep in range(args.repeat):
            for i, name in enumerate(args.scenarios):
                result = measure(running[name], senders, args, base + (rep * len(args.scenarios) + i) * 10**10)
                problems += check_replies(name, result["_results"])
                results = result.pop("_results")
                kept = "full" if name == "before" else name  # both versions record InboundCallback rows
                if kept in sent:
                    sent[kept] |= {r[0] for r in results if r[5] == 200}
                runs[name].append(result)
                print(f"run {rep + 1} {name:6s} {result['msg_per_s']:7.1f} msg/s  p50 {result['p50_ms']:6.1f} ms  "
                      f"p99 {result['p99_ms']:6.1f} ms  max {result['max_ms']:6.1f} ms  "
                      f"senders' mean {result['sender_mean_min_ms']:.0f}–{result['sender_mean_max_ms']:.0f} ms  "
                      f"client cpu {result['client_cpu_share']:.0%}  cpu/msg gunicorn {result['server_cpu_ms']:.2f} ms "
                      f"postgres {result['db_cpu_ms']:.2f} ms  "
                      f"busy {result['machine_busy']:.0%}", flush=True)
    finally:
        for server in running.values():
            server.stop()
        fake.stop()
    effects, effect_problems = check_effects(sent)
    problems += effect_problems
    from bot import db
    db.dispose_all()
    if args.database == "postgres" and not args.keep_db:
        servers.drop_postgres(url)
    out = report(info, args, runs, effects, problems)
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    if problems or args.keep_db:
        print(f"gunicorn logs kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
