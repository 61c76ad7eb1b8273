"""The dormancy ladder (停更预警, 第15条): daily at 09:00 on working days.

Days idle count from the account's latest known update (weekly reports), or — for an account
never reported — from when it opened or was imported, whichever is later. Each rung fires once
per idle spell; if several rungs are reached at once (catch-up, a fresh import) only the highest
is announced and the lower ones are recorded as passed over.
"""
from __future__ import annotations

import logging
import os
from datetime import date

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.orm import Session, lazyload

from bot import clock, db, outbox
from bot.config import dormancy_rung_days
from jobs import dormancy_notices as notices
from jobs.schedule import daily_at, scheduled
from models import audit
from models.account import ACTIVE_STATUSES, Account
from models.approval import CANCEL, PENDING_STATUSES, RETURNED, SUSPEND, ApprovalRequest
from models.org import BUREAU_ADMIN, STAFF, UNIT_HEAD, Person, PersonRole, Unit, people_with_role, reachable
from models.oversight import (BUREAU, CASE_OPEN, CASE_PENDING, DORMANT, FROM_DORMANCY, NUDGE, RUNG_KINDS, WARNING,
                              ZOMBIE, DormancyCase, DormancyRung, DormancyWatch, bureau_admins,
                              settle_closed_accounts)

log = logging.getLogger("bot.dormancy")

DEFAULT_RUNGS = "7,10,14,60,90"
ACTOR = "system:dormancy_ladder"
LOCK_KEY = 715_001  # pg_advisory_xact_lock key: one ladder run at a time
RUNG_COLUMNS = ("account_id", "unit_id", "spell_start", "kind", "days", "fired_on", "notified")
RESUMED = "resumed"  # 停更解除: told with the rungs, after them
URGENCY = (RESUMED, *RUNG_KINDS)  # a person's texts of the day, the highest rung first
IN_CHUNK = 20000  # ids per IN (…) list (SQLite allows 32,766 parameters)


def rungs() -> list[tuple[str, int]]:
    """(kind, days) in ladder order, from BOT_DORMANCY_RUNGS (five increasing day counts)."""
    raw = os.environ.get("BOT_DORMANCY_RUNGS", "").strip() or DEFAULT_RUNGS
    return list(zip(RUNG_KINDS, dormancy_rung_days(raw, len(RUNG_KINDS))))


def baseline(account: Account) -> date | None:
    """The start of the current idle spell."""
    if account.last_update_on:
        return account.last_update_on
    known = [d for d in (account.opened_on, account.imported_at and clock.localize(account.imported_at).date()) if d]
    return max(known) if known else None


def watched_accounts(session: Session, day: date) -> list:
    """Open accounts only: not applying, suspended, cancelled, nor opening in the future. Plain rows
    with what the scan needs (20,000 ORM objects would cost more than the scan itself)."""
    rows = session.execute(select(Account.id, Account.unit_id, Account.opened_on, Account.imported_at,
                                  Account.last_update_on).where(Account.status.in_(ACTIVE_STATUSES))
                           .order_by(Account.id))
    return [a for a in rows if not (a.opened_on and a.opened_on > day)]


@scheduled("dormancy_ladder", daily_at(9, 0),
           title="停更预警阶梯（第15条）")
def dormancy_ladder(period: str) -> str:
    day = date.fromisoformat(period)
    with db.transaction() as session:
        fired = run_ladder(session, day)
    return f"{len(fired)}个账号发出停更通知"


def run_ladder(session: Session, day: date) -> list[DormancyRung]:
    """One pass over every watched account in a constant number of SQL statements: accounts, watches
    and fired rungs are read once as plain rows; watches and rungs are written with executemany; only
    the accounts announced are loaded as objects, with the people told (Pushes), and the pushes go
    out as one batch (outbox.push_texts)."""
    _serialise(session)
    ladder = rungs()
    settle_closed_accounts(session, clock.now(), ACTOR)
    spells = [(a, start) for a in watched_accounts(session, day)
              if (start := baseline(a)) is not None and start <= day]
    watches = {w.account_id: w for w in session.execute(
        select(DormancyWatch.account_id, DormancyWatch.spell_start, DormancyWatch.dormant))}
    done = _fired(session, [a.id for a, start in spells if (day - start).days >= ladder[0][1]])
    new_watches, resets, resumed, climbs, fired = [], [], [], [], []
    for account, start in spells:
        watch = watches.get(account.id)
        if watch is None:
            new_watches.append({"account_id": account.id, "spell_start": start, "dormant": False})
        elif watch.spell_start != start:  # the account has updated: a new spell, the dormant mark cleared
            resets.append({"aid": account.id, "start": start})
            audit.record(session, actor=ACTOR, action="dormancy.reset", entity="account", entity_id=account.id,
                         before={"spell_start": watch.spell_start.isoformat(), "dormant": watch.dormant},
                         after={"spell_start": start.isoformat(), "dormant": False})
            if watch.dormant:
                resumed.append((account.id, start))
        idle = (day - start).days
        new = [kind for kind, n in ladder if idle >= n and kind not in done.get((account.id, start), ())]
        if not new:
            continue
        rows = [DormancyRung(account_id=account.id, unit_id=account.unit_id, spell_start=start, kind=kind,
                             days=idle, fired_on=day, notified=kind == new[-1]) for kind in new]
        fired += rows
        climbs.append((account.id, rows[-1], idle, start))
    _write(session, new_watches, resets, fired)
    accounts = _accounts(session, [aid for aid, *_ in climbs] + [aid for aid, _ in resumed])
    pushes = Pushes(session, day)
    pushes.load(list(accounts.values()))
    pending = _pending_cases(session, [aid for aid, _ in resumed])
    for aid, start in resumed:
        account = accounts[aid]
        for to, content in notices.resumed(pushes.audience(account), account, start, pending.get(aid),
                                           pushes.closings.get(aid)):
            pushes.text(to, content, RESUMED)
    marked = [(accounts[aid], start) for aid, row, idle, start in climbs if row.kind == DORMANT]
    cases = _open_cases(session, marked)
    drafts = _draft_cancellations(session, cases, {aid: idle for aid, _, idle, _ in climbs})
    for aid, row, idle, start in climbs:
        _announce(pushes, accounts[aid], row.kind, idle, start, cases.get(aid), drafts.get(aid))
    pushes.send()
    return [row for _, row, _, _ in climbs]  # the announced rungs (as inserted; not in the session)


def _write(session: Session, new_watches: list[dict], resets: list[dict], fired: list[DormancyRung]) -> None:
    """executemany: one statement each, whatever the number of rows (the ORM would insert rungs one
    by one on SQLite to fetch ids nobody needs)."""
    if new_watches:
        session.execute(insert(DormancyWatch), new_watches)
    if resets:
        session.connection().execute(
            update(DormancyWatch).where(DormancyWatch.account_id == bindparam("aid"))
            .values(spell_start=bindparam("start"), dormant=False, dormant_since=None), resets)
    if fired:
        session.execute(insert(DormancyRung), [{c: getattr(r, c) for c in RUNG_COLUMNS} for r in fired])


def _accounts(session: Session, ids: list[int]) -> dict[int, Account]:
    """The accounts announced, as objects (held by the returned dict while the texts are written)."""
    ids = sorted(set(ids))
    return {a.id: a for start in range(0, len(ids), IN_CHUNK) for a in session.scalars(
        select(Account).where(Account.id.in_(ids[start:start + IN_CHUNK])))} if ids else {}


def _pending_cases(session: Session, ids: list[int]) -> dict[int, DormancyCase]:
    """The follow-up case still open (待处理 or 说明待审) of each account resuming after 停更认定."""
    if not ids:
        return {}
    return {c.account_id: c for c in session.scalars(select(DormancyCase).where(
        DormancyCase.account_id.in_(ids), DormancyCase.status.in_(CASE_PENDING)).order_by(DormancyCase.id))}


def _open_cases(session: Session, marked: list[tuple[Account, date]]) -> dict[int, DormancyCase]:
    """The dormant mark and the follow-up case (cancel or explain) for each account reaching 90 days."""
    if not marked:
        return {}
    session.connection().execute(
        update(DormancyWatch).where(DormancyWatch.account_id == bindparam("aid"))
        .values(dormant=True, dormant_since=clock.today()), [{"aid": a.id} for a, _ in marked])
    cases = {a.id: DormancyCase(unit_id=a.unit_id, account_id=a.id, source=FROM_DORMANCY, spell_start=start,
                                status=CASE_OPEN, opened_at=clock.now()) for a, start in marked}
    session.add_all(cases.values())
    session.flush()  # the case numbers go into the texts
    return cases


def _draft_cancellations(session: Session, cases: dict[int, DormancyCase], idle: dict[int, int]) -> dict:
    """The cancellation drafted for each new case (第15条), all at once: by account id."""
    from handlers.approvals_oversight import NO_UPKEEP, draft_cancellations
    drafts = draft_cancellations(session, [(case, f"停更{idle[aid]}天，认定为长期停更账号（第15条）")
                                           for aid, case in cases.items()], NO_UPKEEP, ACTOR)
    return {aid: drafts[case.id] for aid, case in cases.items()}


def _serialise(session: Session) -> None:
    """A second run (by hand, overlapping the scheduled one) waits for the first and then finds the
    day done. SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL takes an advisory lock."""
    if db.is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def _fired(session: Session, ids: list[int]) -> dict[tuple[int, date], set[str]]:
    """The rungs already fired, by (account, spell), for the accounts idle long enough to climb."""
    done: dict[tuple[int, date], set[str]] = {}
    for chunk in range(0, len(ids), IN_CHUNK):
        for account_id, start, kind in session.execute(select(
                DormancyRung.account_id, DormancyRung.spell_start, DormancyRung.kind).where(
                DormancyRung.account_id.in_(ids[chunk:chunk + IN_CHUNK]))):
            done.setdefault((account_id, start), set()).add(kind)
    return done


class Pushes:
    """Who is told about which account, loaded once for all the accounts announced in a run."""

    def __init__(self, session: Session, day: date):
        self.session = session
        self.day = day
        self.items: list[tuple[list[Person], str, str]] = []  # (to, text, rung kind)
        self.heads: dict[int, list[Person]] = {}
        self.staff: dict[int, list[Person]] = {}
        self.admins: dict[int | None, list[Person]] = {}
        self.closings: dict[int, ApprovalRequest] = {}  # by account: a 注销/关停 the unit filed and is pending
        self.loaded = False

    def load(self, accounts: list[Account]) -> None:
        """Units (for the bureau above each), responsible persons, unit heads/staff and bureau admins."""
        if self.loaded:
            return
        self.loaded = True
        session = self.session
        # Held here: the identity map keeps objects only while something refers to them.
        self.units = list(session.scalars(select(Unit)))  # the tree: parent walks need no SQL
        responsible = sorted({a.responsible_id for a in accounts if a.responsible_id})
        self.responsible = [p for start in range(0, len(responsible), IN_CHUNK) for p in session.scalars(
            select(Person).where(Person.id.in_(responsible[start:start + IN_CHUNK]))
            .options(lazyload(Person.role_rows)))]
        ids = sorted(a.id for a in accounts)
        self.closings = {r.account_id: r for start in range(0, len(ids), IN_CHUNK) for r in session.scalars(
            select(ApprovalRequest).where(ApprovalRequest.account_id.in_(ids[start:start + IN_CHUNK]),
                                          ApprovalRequest.kind.in_((CANCEL, SUSPEND)),
                                          ApprovalRequest.status.in_((*PENDING_STATUSES, RETURNED))))}
        unit_ids = sorted({a.unit_id for a in accounts})
        by_role = _people_by_unit(session, (UNIT_HEAD, STAFF), unit_ids)
        for unit_id in unit_ids:
            self.heads[unit_id] = by_role[UNIT_HEAD].get(unit_id, [])
            self.staff[unit_id] = by_role[STAFF].get(unit_id, [])
        units = [session.get(Unit, u) for u in unit_ids]
        bureaus = {u.id: (u if u.is_bureau else u.supervising_bureau()) for u in units}
        admins = _people_by_unit(session, (BUREAU_ADMIN,), sorted({b.id for b in bureaus.values() if b}))
        for unit_id, bureau in bureaus.items():
            self.admins[unit_id] = admins[BUREAU_ADMIN].get(bureau.id, []) if bureau else []

    def bureau_admins(self, unit: Unit) -> list[Person]:
        if unit.id not in self.admins:
            self.admins[unit.id] = bureau_admins(self.session, unit)
        return self.admins[unit.id]

    def unit_heads(self, unit: Unit) -> list[Person]:
        """The unit's heads only (no stand-in: staff are not asked to urge anyone)."""
        if unit.id not in self.heads:
            self.heads[unit.id] = people_with_role(self.session, UNIT_HEAD, [unit.id])
        return self.heads[unit.id]

    def unit_staff(self, unit: Unit) -> list[Person]:
        if unit.id not in self.staff:
            self.staff[unit.id] = people_with_role(self.session, STAFF, [unit.id])
        return self.staff[unit.id]

    def audience(self, account: Account) -> notices.Audience:
        """Who can act for `account`, each to be worded for: only people a push reaches (org.reachable), so that
        a unit whose people WeCom refuses is told of through its bureau admins, as one with nobody left."""
        responsible = account.responsible
        if responsible is not None and not (responsible.active and responsible.unit_id == account.unit_id):
            responsible = None  # left, or moved to another unit (perhaps another county): no longer its keeper
        unit = account.unit
        people = [*([responsible] if responsible else []), *self.unit_heads(unit), *self.unit_staff(unit)]
        refused = list({p.id: p for p in people if p.wecom_invalid}.values())
        return notices.Audience(responsible if responsible not in refused else None, reachable(self.unit_heads(unit)),
                                reachable(self.unit_staff(unit)), self.bureau_admins(unit), refused)

    def text(self, to: list[Person], content: str, kind: str) -> None:
        self.items.append((to, content, kind))

    def send(self) -> None:
        """One message per person, whatever the number of accounts he is told about (a clerk answering for three
        idle accounts got three messages): the day's texts for him, the most urgent first, under one outbox key
        for the day (accounts of one rung in the order announced). The rungs written in this transaction keep a
        re-run from sending anything twice."""
        texts: dict[int, tuple[Person, list[tuple[int, str]]]] = {}
        for to, content, kind in self.items:
            for person in to:
                texts.setdefault(person.id, (person, []))[1].append((URGENCY.index(kind), content))
        outbox.push_texts(self.session, [([person], notices.combined([c for _, c in sorted(told, key=lambda t: -t[0])]),
                                          f"dormancy:{self.day.isoformat()}")
                                         for person, told in texts.values()])


def _people_by_unit(session: Session, roles, unit_ids: list[int]) -> dict[str, dict[int, list[Person]]]:
    """Active holders of `roles` in `unit_ids`, as people_with_role orders them (by id)."""
    out: dict[str, dict[int, list[Person]]] = {role: {} for role in roles}
    if not unit_ids:
        return out
    rows = session.execute(select(Person, PersonRole.role).join(PersonRole).where(
        PersonRole.role.in_(roles), Person.active, Person.unit_id.in_(unit_ids))
        .options(lazyload(Person.role_rows)).order_by(Person.id))
    for person, role in rows:
        out[role].setdefault(person.unit_id, []).append(person)
    return out


def _announce(pushes: Pushes, account: Account, kind: str, idle: int, start: date,
              case: DormancyCase | None, draft=None) -> None:
    """The rung's texts, each worded for its recipients (jobs.dormancy_notices); Pushes.send puts each person's
    texts of the day into one message."""
    audience = pushes.audience(account)
    since = _since(account, start)
    if kind == DORMANT:
        audit.record(pushes.session, actor=ACTOR, action="dormancy.mark", entity="account", entity_id=account.id,
                     after={"dormant": True, "idle_days": idle, "case_id": case.id})
        texts = notices.dormant(audience, account, idle, since, case, draft)
    else:
        texts = {NUDGE: notices.nudge, WARNING: notices.warning, BUREAU: notices.bureau_notice,
                 ZOMBIE: notices.zombie}[kind](audience, account, idle, since)
        closing = pushes.closings.get(account.id)
        if closing is not None:  # the unit is closing it already: the notice says so, and who must act now
            texts = [(to, content + notices.closing_note(closing)) for to, content in texts]
    for to, content in texts:
        pushes.text(to, content, kind)


def _since(account: Account, start: date) -> str:
    """「（最近更新：…）」, or for an account with no update on record, where the count starts from."""
    if account.last_update_on:
        return f"（最近更新：{start.isoformat()}）"
    began = "开设" if account.opened_on == start else "录入助手"
    return f"（尚无更新记录，自{began}之日 {start.isoformat()} 起计算）"
