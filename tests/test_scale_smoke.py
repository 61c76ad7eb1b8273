"""Guard against N+1 queries: the dormancy scan, the weekly roll-up, the weekly reminder and the
monthly bulletin send the same number of SQL statements for 10 and for 30 units (bench/generate.py
datasets, six weeks, with approvals, registry filings and trainings).

On PostgreSQL every statement counts. On SQLite, SQLAlchemy inserts ORM rows whose ids the database
generates one INSERT per row (it cannot batch INSERT … RETURNING there in a guaranteed order), so
there the queries — everything but INSERT — must stay the same.
"""
from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bench.bulletin import floor
from bench.generate import CURRENT_WEEK, REPORTED_WEEK, populate
from bench.scale_common import counting
from bot import clock, config, db, workdays
from models.approval import DRAFT, ApprovalRequest
from tests.conftest import _truncate_postgres, make_config

DAY = CURRENT_WEEK + timedelta(days=2)  # a Wednesday: the daily ladder run (the day before: the first)
FRIDAY = CURRENT_WEEK + timedelta(days=4)  # the due day: the 09:00 reminder
MONTH = (2026, 11)  # the bulletin: approvals, filings and trainings of the generated weeks count in it


def _counts(counter) -> tuple[int, int]:
    return counter.count, sum(1 for t in counter.texts if not t.lstrip().upper().startswith("INSERT"))


def measure(url: str, fake_base: str, units: int) -> dict:
    config.use(make_config(url, fake_base))
    populate(url, units, accounts=units * 10, people=units * 10, weeks=6)
    from jobs import weekly as weekly_jobs
    from jobs.dormancy import run_ladder
    from models.org import Unit
    from models.weekly_rollup import compute
    from bot.bulletin.compute import compute as bulletin
    out = {}
    with db.transaction() as session:
        workdays.forget_cache()  # both sizes load the calendar overrides (a cache of 5 minutes)
        with counting() as counter:
            figures = bulletin(session, 1, *MONTH)
        out["bulletin"] = _counts(counter)
        out["bulletin_figures"] = figures
    out["floor"] = floor(*MONTH)
    session = db.new_session()
    drafts = select(func.count()).select_from(ApprovalRequest).where(ApprovalRequest.status == DRAFT)
    with session.begin():
        generated_drafts = session.scalar(drafts)
        for name, day in (("ladder_first", DAY - timedelta(days=1)), ("ladder_daily", DAY)):
            clock.set_now(datetime(day.year, day.month, day.day, 9, 0))
            with counting() as counter:
                fired = run_ladder(session, day)
                session.flush()
            out[name] = _counts(counter)
            out[name + "_fired"] = len(fired)
            out[name + "_drafts"] = session.scalar(drafts) - generated_drafts
        session.rollback()
    session.close()
    with db.transaction() as session:
        ids = list(session.scalars(select(Unit.id)))
        with counting() as counter:
            rollup = compute(session, ids, REPORTED_WEEK, today=CURRENT_WEEK)
        out["rollup"] = _counts(counter)
        out["rollup_reported"] = rollup.reported
    clock.set_now(datetime(FRIDAY.year, FRIDAY.month, FRIDAY.day, 9, 0))
    with counting() as counter:
        result = weekly_jobs.remind_morning(FRIDAY.isoformat())
    out["remind"] = _counts(counter)
    out["reminders"] = int(re.search(r"\d+", result).group())
    db.dispose_all()
    return out


def test_statement_counts_do_not_grow_with_the_number_of_units(cfg, database_template, fake_server, tmp_path):
    def fresh(units: int) -> str:
        if database_template.startswith("postgresql"):
            _truncate_postgres(database_template)
            return database_template
        path = tmp_path / f"scale{units}.sqlite3"
        shutil.copy(database_template, path)
        return f"sqlite:///{path}"

    small = measure(fresh(10), fake_server.base_url, 10)
    big = measure(fresh(30), fake_server.base_url, 30)
    clock.reset()
    # the scenario has work at both sizes: rungs fire, units report, every unit's staff are reminded
    assert small["ladder_first_fired"] > 0 and big["ladder_first_fired"] > small["ladder_first_fired"]
    assert small["rollup_reported"] > 5 and big["rollup_reported"] > 20
    assert small["reminders"] == 100 and big["reminders"] == 300
    postgres = database_template.startswith("postgresql")
    # the bulletin reads every generated table: approvals, registry filings and trainings have figures
    for result in (small, big):
        units = result["bulletin_figures"].units
        assert result["bulletin_figures"].approvals and sum(f.approvals_decided for f in units) > 0
        assert sum(f.rectifications_open for f in units) > 0
        assert 0 < sum(1 for f in units if f.untrained) < len(units)
        assert result["floor"]["posts"] == sum(f.posts for f in units) > 0  # the floor query agrees
    assert sum(f.registry_overdue for f in big["bulletin_figures"].units) > 0  # about 1 % never filed
    for name in ("ladder_first", "ladder_daily", "rollup", "remind", "bulletin"):
        total_small, queries_small = small[name]
        total_big, queries_big = big[name]
        assert queries_small == queries_big, (name, small[name], big[name])
        if postgres:
            assert total_small == total_big, (name, small[name], big[name])
    # The first run after an import marks long-idle accounts dormant, and each of those gets its
    # cancellation request drafted (第15条) — all in the statements compared above, none per account.
    assert 0 < small["ladder_first_drafts"] < big["ladder_first_drafts"]
