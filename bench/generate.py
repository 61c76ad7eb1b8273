"""A province-sized dataset, deterministic (seeded), bulk-loaded into PostgreSQL (COPY) or SQLite.

    python -m bench.generate --units 2000                 # zwxmt_scale_2000: 20,000 accounts and people
    python -m bench.generate --units 100 --db sqlite      # /tmp/zwxmt_scale_100.sqlite3 (BENCH_DIR)
    python -m bench.generate --units 2000 --accounts 20000 --people 20000 --weeks 104 --db postgresql://…

Shape: one top bureau (the province/city level, its two people also the city reviewers of approvals),
one county bureau per 50 host units, every host unit with `people/units` staff (the first is also its
head) and `accounts/units` accounts. Weekly reports for `weeks` weeks ending with the week of
REPORTED_WEEK (3 % of unit-weeks missing, 10 % late, 5 % edited), one entry per account per report for
the weeks the account was in use. About 8 % of accounts stop posting at some point in the last five
months (the dormancy ladder has work to do); the rest post every week. Rectification items
(models/rectification.py): four per unit over the period, older ones accepted, recent ones open,
submitted or reopened. Approval requests of every kind in every state with their decisions and
registry filings (bench/generate_approvals.py: closed accounts were closed, and some accounts opened,
by approved requests), and the training ledger (bench/generate_training.py). The week after
REPORTED_WEEK has no reports yet (the reminder goes to all). Dates and "now": bench/dataset_time.py.

GENERATION_STEPS lists what is generated (each step: a function (ctx, writer) → row count; steps
after the first five draw from their own ctx.rng_for(name)). Not generated: measures, account change
history, weekly report versions, dormancy rows, bulletin records.
"""
from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from bench.dataset_time import CURRENT_WEEK, REPORTED_WEEK, utc
from bench.generate_approvals import gen_approvals, plan_approvals
from bench.generate_training import gen_trainings
from bench.scale_common import SIZES, postgres_url, sqlite_url, use
from models.account import CANCELLED, CHANGING, NORMAL, PLATFORMS, REGISTRY_DONE, SUSPENDED
from models.org import (BUREAU_ADMIN, BUREAU_REVIEWER, CITY_BUREAU, CITY_REVIEWER, COUNTY_BUREAU, HOST_UNIT, STAFF,
                        UNIT_HEAD)
from models.rectification import ACCEPTED, BULLETIN, MANUAL, OPEN, REOPENED, SUBMITTED

UNITS_PER_COUNTY = 50
IDLE_SHARE = 0.08
SEED = 20261127
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅鹏飞斌波宁建国志"
KINDS = ("教育局", "卫生健康局", "文化广播电视和旅游局", "公安局", "人力资源和社会保障局", "市场监督管理局",
         "应急管理局", "融媒体中心", "农业农村局", "人民政府", "税务局", "财政局", "民政局", "交通运输局", "水利局")
PROBLEMS = ("未按期更新", "错别字未更正", "留言未在规定时限内回复", "转载未注明来源", "栏目长期空白", "账号信息与台账不一致")


@dataclass
class Ctx:
    units: int
    accounts: int
    people: int
    weeks: int
    rng: random.Random
    host_ids: list[int] = field(default_factory=list)
    county_of: dict[int, int] = field(default_factory=dict)
    staff_of: dict[int, list[int]] = field(default_factory=dict)  # unit → person ids (first: the head)
    accounts_of: dict[int, list[int]] = field(default_factory=dict)
    last_post: dict[int, date | None] = field(default_factory=dict)  # account → newest post date
    stop_on: dict[int, date] = field(default_factory=dict)  # idle accounts: their last post
    opened_on: dict[int, date] = field(default_factory=dict)
    userid_of: dict[int, str] = field(default_factory=dict)
    seed: int = SEED
    unit_name: dict[int, str] = field(default_factory=dict)
    person_name: dict[int, str] = field(default_factory=dict)
    bureau_people: dict[int, list[int]] = field(default_factory=dict)  # bureau → its two people
    closed_on: dict[int, date] = field(default_factory=dict)  # closed accounts: approved 注销 / 关停
    opened_in_period: set[int] = field(default_factory=set)  # accounts opened by an approved 开设
    approval_rows: tuple | None = None  # planned with the accounts, written after them

    @property
    def first_week(self) -> date:
        return REPORTED_WEEK - timedelta(weeks=self.weeks - 1)

    def rng_for(self, step: str) -> random.Random:
        """A generator of its own per later step, so that adding one leaves the earlier steps' rows as they were."""
        return random.Random(f"{self.seed}:{step}")

    def account_row(self, account_id: int) -> list:
        return self._account_rows[account_id - 1]  # type: ignore[attr-defined]


# --- writers ------------------------------------------------------------------------------------

class Writer:
    """Bulk insert: COPY on PostgreSQL (psycopg 3), executemany on SQLite."""

    def __init__(self, engine):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.raw = engine.raw_connection()
        self.tables: list[str] = []

    def write(self, table: str, columns: tuple[str, ...], rows) -> int:
        n = 0
        cur = self.raw.cursor()
        if self.postgres:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
        else:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            batch = []
            for row in rows:
                batch.append(tuple(_sqlite_value(v) for v in row))
                if len(batch) >= 20000:
                    cur.executemany(sql, batch)
                    n += len(batch)
                    batch = []
            if batch:
                cur.executemany(sql, batch)
                n += len(batch)
        cur.close()
        self.tables.append(table)
        return n

    def begin(self) -> None:
        if not self.postgres:
            self.raw.cursor().execute("BEGIN")

    def finish(self) -> None:
        self.raw.commit()
        cur = self.raw.cursor()
        if self.postgres:
            for table in dict.fromkeys(self.tables):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
            self.raw.commit()
        cur.close()
        self.raw.close()
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if self.postgres else "ANALYZE"))


def _sqlite_value(value):
    """As SQLAlchemy stores them on SQLite."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


# --- steps --------------------------------------------------------------------------------------

def gen_units(ctx: Ctx, w: Writer) -> int:
    counties = max(1, ctx.units // UNITS_PER_COUNTY)
    rows = [(1, "省政务服务和数字化建设管理局（基准）", CITY_BUREAU, None, None, False, False, None, True)]
    for c in range(counties):
        rows.append((2 + c, f"第{c + 1:03d}县政务服务和数字化建设管理局", COUNTY_BUREAU, 1, None, False, False, None, True))
    next_id = 2 + counties
    for i in range(ctx.units):
        uid = next_id + i
        county = 2 + i % counties
        ctx.host_ids.append(uid)
        ctx.county_of[uid] = county
        name = f"第{county - 1:03d}县{KINDS[i // counties % len(KINDS)]}{i:05d}"
        rows.append((uid, name, HOST_UNIT, county, f"1122{i:010d}X", False, False, None, True))
    ctx.unit_name.update((row[0], row[1]) for row in rows)
    return w.write("unit", ("id", "name", "kind", "parent_id", "registry_code", "is_classified", "is_internal",
                            "wecom_department_id", "active"), rows)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def gen_people(ctx: Ctx, w: Writer) -> int:
    rng, people, roles = ctx.rng, [], []
    per_unit = max(1, ctx.people // ctx.units)
    pid = 0

    def add(unit_id: int, role_set: tuple[str, ...]) -> int:
        nonlocal pid
        pid += 1
        userid = f"u{pid:06d}"
        ctx.userid_of[pid] = userid
        ctx.person_name[pid] = name = _name(rng)
        people.append((pid, userid, name, unit_id, f"139{pid:08d}", True, False, False, pid % 20 == 0))
        for role in role_set:
            roles.append((len(roles) + 1, pid, role))
        return pid

    for bureau in sorted({1, *ctx.county_of.values()}):
        city = (CITY_REVIEWER,) if bureau == 1 else ()  # the top bureau holds the city step of approvals
        ctx.bureau_people[bureau] = [add(bureau, (BUREAU_ADMIN, BUREAU_REVIEWER, *city)),
                                     add(bureau, (BUREAU_REVIEWER, *city))]
    for unit in ctx.host_ids:
        ctx.staff_of[unit] = [add(unit, (STAFF, UNIT_HEAD) if k == 0 else (STAFF,)) for k in range(per_unit)]
    n = w.write("person", ("id", "userid", "name", "unit_id", "mobile", "active", "wecom_invalid", "digest_opt_out",
                           "prefers_text"), people)
    w.write("person_role", ("id", "person_id", "role"), roles)
    return n


def gen_accounts(ctx: Ctx, w: Writer) -> int:
    rng, rows = ctx.rng, []
    per_unit = max(1, ctx.accounts // ctx.units)
    first_week = REPORTED_WEEK - timedelta(weeks=ctx.weeks - 1)
    aid = 0
    for unit in ctx.host_ids:
        ctx.accounts_of[unit] = []
        for k in range(per_unit):
            aid += 1
            roll = rng.random()
            status = NORMAL if roll < 0.94 else CHANGING if roll < 0.96 else SUSPENDED if roll < 0.98 else CANCELLED
            opened = first_week - timedelta(days=rng.randint(30, 2000))
            if status in (NORMAL, CHANGING) and rng.random() < IDLE_SHARE:
                ctx.stop_on[aid] = REPORTED_WEEK + timedelta(days=6 - rng.randint(0, 160))
            ctx.accounts_of[unit].append(aid)
            ctx.opened_on[aid] = opened
            staff = ctx.staff_of[unit]
            responsible = None if rng.random() < 0.03 else staff[k % len(staff)]
            rows.append([aid, f"{PLATFORMS[k % len(PLATFORMS)][:2]}账号{aid:06d}", PLATFORMS[k % len(PLATFORMS)],
                         unit, responsible, status, opened, REGISTRY_DONE, False, None, None])
    # last_update_on is the newest post date in the reports: filled in by gen_reports before writing;
    # closed_on, some opened_on and registry_status follow from the approvals planned now
    ctx._account_rows = rows  # type: ignore[attr-defined]
    plan_approvals(ctx)
    return len(rows)


def gen_reports(ctx: Ctx, w: Writer) -> int:
    rng = ctx.rng
    weeks = [REPORTED_WEEK - timedelta(weeks=ctx.weeks - 1 - i) for i in range(ctx.weeks)]
    reports, entries = [], []
    rid = eid = 0
    for week in weeks:
        end = week + timedelta(days=6)
        due = week + timedelta(days=4)
        for unit in ctx.host_ids:
            for aid in ctx.accounts_of[unit]:  # posts happen whether or not the unit reports
                stop = ctx.stop_on.get(aid)
                if stop is None or end <= stop:
                    ctx.last_post[aid] = end - timedelta(days=rng.randint(0, 2))
                elif week <= stop:
                    ctx.last_post[aid] = stop
            if rng.random() < 0.03:
                continue
            rid += 1
            staff = ctx.staff_of[unit]
            late = rng.random() < 0.10
            edited = rng.random() < 0.05
            at = utc(due + timedelta(days=1 if late else 0), 10 if late else 15, rng.randint(0, 59))
            reports.append((rid, unit, week, staff[-1], at, late, 2 if edited else 1, edited,
                            staff[0] if edited else None, at + timedelta(hours=20) if edited else None))
            for aid in ctx.accounts_of[unit]:
                last = ctx.last_post.get(aid)
                posting = last is not None and last >= week
                posts = rng.randint(1, 15) if posting else 0
                received = rng.randint(0, 6)
                entry = (rid, aid, posts, rng.randint(0, posts), last, received,
                         received - rng.randint(0, min(1, received)), None if posting else "本周无更新")
                if ctx.opened_on[aid] <= end and ctx.closed_on.get(aid, end) >= week:  # in use that week
                    eid += 1
                    entries.append((eid, *entry))
    for row in ctx._account_rows:  # type: ignore[attr-defined]
        row[9] = ctx.last_post.get(row[0])
    w.write("account", ("id", "name", "platform", "unit_id", "responsible_id", "status", "opened_on",
                        "registry_status", "needs_retro_filing", "last_update_on", "closed_on"),
            (tuple(r) for r in ctx._account_rows))  # type: ignore[attr-defined]
    w.write("weekly_report", ("id", "unit_id", "week", "submitted_by_id", "submitted_at", "late", "version", "edited",
                              "updated_by_id", "updated_at"), reports)
    del reports
    return w.write("weekly_report_entry", ("id", "report_id", "account_id", "posts", "originals", "latest_post_on",
                                           "messages_received", "messages_answered", "problems"), entries)


def gen_rectifications(ctx: Ctx, w: Writer) -> int:
    rng, items, answers = ctx.rng, [], []
    first = REPORTED_WEEK - timedelta(weeks=ctx.weeks - 1)
    span = (CURRENT_WEEK - first).days
    for unit in ctx.host_ids:
        for _ in range(4):
            created = first + timedelta(days=rng.randint(0, span))
            deadline = created + timedelta(days=7)
            age = (CURRENT_WEEK - created).days
            status = ACCEPTED if age > 30 else rng.choice((OPEN, OPEN, SUBMITTED, REOPENED))
            iid = len(items) + 1
            bulletin = rng.random() < 0.5
            items.append((iid, unit, rng.choice(ctx.accounts_of[unit]), rng.choice(PROBLEMS),
                          BULLETIN if bulletin else MANUAL, created.strftime("%Y-%m") if bulletin else None,
                          deadline, status, ctx.userid_of[2], utc(created, 10),
                          utc(deadline, 16) if status == ACCEPTED else None))
            if status in (ACCEPTED, SUBMITTED, REOPENED):
                verdict = {ACCEPTED: ACCEPTED, REOPENED: REOPENED}.get(status)
                answers.append((len(answers) + 1, iid, "已按要求整改完毕。", ctx.userid_of[ctx.staff_of[unit][0]],
                                utc(deadline - timedelta(days=1), 11), verdict, None,
                                ctx.userid_of[2] if verdict else None, utc(deadline, 16) if verdict else None))
    n = w.write("rectification", ("id", "unit_id", "account_id", "problem", "source", "source_ref", "deadline",
                                  "status", "created_by", "created_at", "closed_at"), items)
    w.write("rectification_answer", ("id", "item_id", "text", "answered_by", "answered_at", "verdict",
                                     "verdict_note", "reviewed_by", "reviewed_at"), answers)
    return n


GENERATION_STEPS = [gen_units, gen_people, gen_accounts, gen_reports, gen_rectifications, gen_approvals, gen_trainings]


# --- the database ---------------------------------------------------------------------------------

def recreate(url: str) -> None:
    if url.startswith("postgresql"):
        base, name = url.rsplit("/", 1)
        admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    else:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    use(url)
    from bot.cli import upgrade_database
    upgrade_database()


def generate(url: str, units: int, accounts: int | None = None, people: int | None = None, weeks: int = 104,
             seed: int = SEED, quiet: bool = False) -> dict[str, int]:
    accounts = accounts or SIZES.get(units, units * 10)
    people = people or SIZES.get(units, units * 10)
    started = time.perf_counter()
    recreate(url)
    counts = populate(url, units, accounts, people, weeks, seed, quiet)
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def populate(url: str, units: int, accounts: int, people: int, weeks: int = 104, seed: int = SEED,
             quiet: bool = True) -> dict[str, int]:
    """Fill an empty, migrated database (the tests use this on their own database)."""
    from bot import db
    writer = Writer(db.get_engine(url))
    ctx = Ctx(units=units, accounts=accounts, people=people, weeks=weeks, rng=random.Random(seed), seed=seed)
    counts = {}
    writer.begin()
    for step in GENERATION_STEPS:
        t0 = time.perf_counter()
        counts[step.__name__.removeprefix("gen_")] = step(ctx, writer)
        if not quiet:
            print(f"  {step.__name__:<20} {counts[step.__name__.removeprefix('gen_')]:>9} rows "
                  f"{time.perf_counter() - t0:6.1f} s", flush=True)
    writer.finish()
    return counts


def ensure(url: str, units: int) -> None:
    """Generate the dataset unless `url` already holds one with `units` host units (then reuse it)."""
    from bot import db
    from models.org import HOST_UNIT, Unit
    use(url)
    try:
        with db.transaction() as s:
            have = s.scalar(select(func.count()).select_from(Unit).where(Unit.kind == HOST_UNIT))
    except Exception:  # no such database yet
        have = None
    if have != units:
        print(f"generating {units} units into {url} …", flush=True)
        print(f"  {generate(url, units, quiet=True)}", flush=True)
    db.dispose_all()


def resolve_db(name: str, units: int) -> str:
    if name == "sqlite":
        return sqlite_url(units)
    if name in ("postgresql", "pg", ""):
        return postgres_url(units)
    return name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=2000, help="host units: 100, 500 or 2000 (any number works)")
    parser.add_argument("--accounts", type=int, help="default: 10 per unit")
    parser.add_argument("--people", type=int, help="default: 10 per unit")
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--db", default="postgresql", help="postgresql (zwxmt_scale_<units>), sqlite (/tmp/zwxmt_scale_<units>.sqlite3) or a URL")
    args = parser.parse_args()
    url = resolve_db(args.db, args.units)
    print(f"generating {args.units} units into {url}")
    counts = generate(url, args.units, args.accounts, args.people, args.weeks, args.seed)
    print(f"done in {counts.pop('seconds')} s: {counts}")


if __name__ == "__main__":
    main()
