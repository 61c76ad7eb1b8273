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

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import clock, db, outbox
from bot.config import ConfigError
from jobs.schedule import daily_at, scheduled
from models import audit
from models.account import ACTIVE_STATUSES, Account
from models.oversight import (BUREAU, DORMANT, FROM_DORMANCY, NUDGE, RUNG_KINDS, WARNING, ZOMBIE, DormancyRung,
                              DormancyWatch, account_label, bureau_admins, open_case, settle_closed_accounts,
                              unit_heads, unit_people)

log = logging.getLogger("bot.dormancy")

DEFAULT_RUNGS = "7,10,14,60,90"
ACTOR = "system:dormancy_ladder"


def rungs() -> list[tuple[str, int]]:
    """(kind, days) in ladder order, from BOT_DORMANCY_RUNGS (five increasing day counts)."""
    raw = os.environ.get("BOT_DORMANCY_RUNGS", "").strip() or DEFAULT_RUNGS
    try:
        days = [int(part) for part in raw.replace("，", ",").split(",")]
    except ValueError:
        raise ConfigError(f"配置错误: BOT_DORMANCY_RUNGS 必须是五个逗号分隔的整数 (got {raw!r})") from None
    if len(days) != len(RUNG_KINDS) or any(b <= a for a, b in zip(days, days[1:])) or days[0] < 1:
        raise ConfigError(f"配置错误: BOT_DORMANCY_RUNGS 必须是五个递增的正整数天数 (got {raw!r})")
    return list(zip(RUNG_KINDS, days))


def baseline(account: Account) -> date | None:
    """The start of the current idle spell."""
    if account.last_update_on:
        return account.last_update_on
    known = [d for d in (account.opened_on, account.imported_at and clock.localize(account.imported_at).date()) if d]
    return max(known) if known else None


def watched_accounts(session: Session, day: date) -> list[Account]:
    """Open accounts only: not applying, suspended, cancelled, nor opening in the future."""
    accounts = session.scalars(select(Account).where(Account.status.in_(ACTIVE_STATUSES)).order_by(Account.id))
    return [a for a in accounts if not (a.opened_on and a.opened_on > day)]


@scheduled("dormancy_ladder", daily_at(9, 0))
def dormancy_ladder(period: str) -> str:
    day = date.fromisoformat(period)
    with db.transaction() as session:
        fired = run_ladder(session, day)
    return f"{len(fired)} rung(s) announced"


def run_ladder(session: Session, day: date) -> list[DormancyRung]:
    ladder = rungs()
    announced = []
    settle_closed_accounts(session, clock.now(), ACTOR)
    for account in watched_accounts(session, day):
        start = baseline(account)
        if start is None or start > day:
            continue
        try:
            with session.begin_nested():  # a concurrent run (by hand) that got there first: skip the account
                row = _climb(session, account, ladder, start, day)
        except IntegrityError:
            log.info("dormancy account=%s already handled by a concurrent run", account.id)
            continue
        if row is not None:
            announced.append(row)
    return announced


def _climb(session: Session, account: Account, ladder, start: date, day: date) -> DormancyRung | None:
    """Record the rungs newly reached in this spell and announce the highest."""
    _follow_spell(session, account, start)
    idle = (day - start).days
    done = set(session.scalars(select(DormancyRung.kind).where(
        DormancyRung.account_id == account.id, DormancyRung.spell_start == start)))
    new = [kind for kind, n in ladder if idle >= n and kind not in done]
    if not new:
        return None
    top = None
    for kind in new:
        row = DormancyRung(account_id=account.id, unit_id=account.unit_id, spell_start=start, kind=kind,
                           days=idle, fired_on=day, notified=kind == new[-1])
        session.add(row)
        top = row
    session.flush()
    _announce(session, account, top.kind, idle, start)
    return top


def _follow_spell(session: Session, account: Account, start: date) -> None:
    """Start a new spell (clearing the dormant mark) when the account has updated."""
    watch = session.get(DormancyWatch, account.id)
    if watch is None:
        session.add(DormancyWatch(account_id=account.id, spell_start=start))
        return
    if watch.spell_start == start:
        return
    before = {"spell_start": watch.spell_start.isoformat(), "dormant": watch.dormant}
    was_dormant = watch.dormant
    watch.spell_start, watch.dormant, watch.dormant_since = start, False, None
    audit.record(session, actor=ACTOR, action="dormancy.reset", entity="account", entity_id=account.id,
                 before=before, after={"spell_start": start.isoformat(), "dormant": False})
    if was_dormant:
        outbox.push_text(session, bureau_admins(session, account.unit),
                         f"【停更解除】{account.unit.name}的「{account_label(account)}」已恢复更新"
                         f"（最近更新：{start.isoformat()}），停更认定已解除。",
                         dedupe_key=f"dormancy:{account.id}:{start}:resumed")


def _announce(session: Session, account: Account, kind: str, idle: int, start: date) -> None:
    label = account_label(account)
    unit = account.unit
    since = f"（最近更新：{start.isoformat()}）"
    key = f"dormancy:{account.id}:{start}:{kind}"
    responsible = [account.responsible] if account.responsible and account.responsible.active else []
    heads = unit_heads(session, unit.id)
    admins = bureau_admins(session, unit)
    if kind == NUDGE:
        outbox.push_text(session, responsible or heads,
                         f"【停更提醒】您单位的政务新媒体账号「{label}」已{idle}天未更新{since}。"
                         "请尽快发布内容，并在周报中如实填报更新情况。", dedupe_key=key)
    elif kind == WARNING:
        outbox.push_text(session, responsible + heads,
                         f"【停更警告】{unit.name}的「{label}」已{idle}天未更新{since}。"
                         "连续两周未更新的账号在全国政务新媒体检查中将被单项否决，请单位负责人督促尽快更新。",
                         dedupe_key=key)
    elif kind == BUREAU:
        outbox.push_text(session, responsible + heads,
                         f"【停更通报】{unit.name}的「{label}」已{idle}天未更新{since}，两周未更新，国检单项否决。"
                         "县政数局已收到通知，请立即更新。", dedupe_key=key)
        outbox.push_text(session, admins, f"【停更通报】{unit.name}的「{label}」已{idle}天未更新{since}："
                         "两周未更新，国检单项否决。", dedupe_key=key)
    elif kind == ZOMBIE:
        text = (f"【僵尸账号预警】{unit.name}的「{label}」已{idle}天未更新{since}。超过三个月不更新的账号"
                "将被认定为“僵尸”账号，必须关停（第15条）。请立即恢复更新，确属无力维护的请申请注销。")
        outbox.push_text(session, responsible + heads, text, dedupe_key=key)
        outbox.push_text(session, admins, text, dedupe_key=key)
    elif kind == DORMANT:
        _mark_dormant(session, account, idle, start, since, responsible + heads, admins, key)


def _mark_dormant(session, account, idle, start, since, unit_side, admins, key) -> None:
    watch = session.get(DormancyWatch, account.id)
    watch.dormant, watch.dormant_since = True, clock.today()
    case = open_case(session, unit_id=account.unit_id, account_id=account.id, source=FROM_DORMANCY,
                     now=clock.now(), spell_start=start)
    audit.record(session, actor=ACTOR, action="dormancy.mark", entity="account", entity_id=account.id,
                 after={"dormant": True, "idle_days": idle, "case_id": case.id})
    from handlers.approvals_oversight import NO_UPKEEP, draft_cancellation, draft_lines
    from models.approval import DRAFT
    draft = draft_cancellation(session, case, NO_UPKEEP, f"停更{idle}天，认定为长期停更账号（第15条）", ACTOR)
    label = account_label(account)
    outbox.push_text(session, [*unit_side, *unit_people(session, account.unit_id)],
                     f"【停更认定】{account.unit.name}的「{label}」已{idle}天未更新{since}，已认定为长期停更"
                     f"（“僵尸”）账号（第15条）。请在以下两项中选择其一（跟进事项 {case.id}）：\n"
                     + draft_lines(draft, case) +
                     f"2. 回复「说明 {case.id} 理由…」向县政数局说明情况，由县政数局决定是否接受"
                     + (f"（不注销的，可回复「撤回 {draft.id}」撤回草稿）。" if draft and draft.status == DRAFT else "。"),
                     dedupe_key=key)
    outbox.push_text(session, admins,
                     f"【停更认定】{account.unit.name}的「{label}」已{idle}天未更新{since}，已标记为停更账号，"
                     f"并建立跟进事项 {case.id}：单位须申请注销或作出说明。", dedupe_key=key)
