"""停更账号: the open accounts in the asker's part of the tree not updated for a week or more (第15条).

Counted as the dormancy ladder counts them (jobs/dormancy.py: from the latest update the weekly
reports give, or for an account never reported from when it opened or was imported), grouped by
the ladder's rungs, each account with its open follow-up (跟进事项) if it has one. The bureau sees
its part of the tree; a unit its own accounts.
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot import clock
from bot.router import Context, Router, dialogue_only
from handlers.oversight_util import units_named
from jobs.dormancy import baseline, rungs
from models.account import ACTIVE_STATUSES, Account
from models.org import Person, visible_host_units
from models.oversight import BUREAU, CASE_OPEN, CASE_PENDING, DORMANT, RUNG_NAMES, DormancyCase

SHOWN = 40  # accounts listed; the rest are counted
# 「哪些账号很久没更新了」, 「有没有停更的号」, 「我们的号多久没发了」
IDLE_ASKED = (r"(?=.*(?:哪|有没有|很久|好久|长期|长时间|一直|多久|几周|几个月|吗|呢|号))(?:请问)?(?:哪些|有没有|有哪些|还有哪些|查一下|看看|看一下)?(?:我们?|本单位|单位)?的?"
              r"(?:账号|帐号|号|公众号)?(?:有)?(?:很久|好久|长期|长时间|一直|多久|几周|几个月)?(?:都)?(?:没有?|未|不)(?:有)?"
              r"(?:更新|发布|发文|发)(?:过)?(?:内容)?(?:的)?(?:账号|帐号|号)?(?:了)?(?:吗|呢|没有)?[？?。！!]*$"
              r"|(?:请问)?(?:哪些|有没有|有哪些)?停更(?:了)?的?(?:账号|帐号|号)(?:有哪些|吗|呢)?[？?。！!]*$")
IDLE_ASKED_WORDS = re.compile(r"全部|所有|全县|辖区|[？?。！!]*")  # what after 停更账号 names no unit
NOTES = {BUREAU: "全国检查中连续两周未更新即单项否决", DORMANT: "超过三个月不更新的必须关停（第15条）"}

# The rule asked: 「僵尸账号是什么」, 「什么是僵尸账号」, 「账号多久不更新算僵尸号」, 「多久要更新一次」,
# 「公众号多长时间必须更新一次？」, 「几天不更新会被通报」
RULE_ASKED = (r"(?:什么是|啥是)(?:僵尸|停更)(?:账号|号)[？?。]*$"
              r"|(?:僵尸|停更)(?:账号|号)(?:是|指)(?:什么|啥)(?:意思)?(?:呀|啊|呢)?[？?。]*$"
              r"|.{0,8}?(?:多久|多长时间|几天|多少天|几个月)(?:要|必须|得|需要|应该)?(?:不)?(?:更新|发布|发)(?:一次|一条)?"
              r"(?:才行|就|会|算)?.{0,10}?[？?。]*$")


RULES_SHORT = ("僵尸账号：长期不更新（超过三个月）的账号，按《办法》第15条必须关停；"
               "全国政务新媒体检查中，连续两周未更新即单项否决。")


def rules_text() -> str:
    """The update rules as the bot applies them: the dormancy ladder's days and what each means."""
    ladder = dict(rungs())
    steps = "、".join(f"{days}天{RUNG_NAMES[kind]}" for kind, days in ladder.items())
    return ("政务新媒体账号要保持经常更新：\n"
            f"· 全国政务新媒体检查中，账号连续两周未更新即单项否决；本县的周报和月度通报也按这个要求检查。\n"
            f"· 《办法》第15条：长期不更新（超过三个月）成为“僵尸”账号的，必须关停。\n"
            f"· 助手按周报填报的最近发布日期提醒：{steps}（认定停更后由县政数局跟进，单位须申请注销或作出说明）。\n"
            "回复「停更账号」查看哪些账号已经很久没有更新。")


def register(router: Router) -> None:
    @router.pattern(RULE_ASKED)
    @dialogue_only
    def rule_asked(ctx: Context):
        ctx.reply(rules_text())

    @router.command("停更账号", "僵尸账号", "停更预警", "长期未更新", "未更新账号", questions=True,
                    help="查看一周以上没有更新的账号（第15条）",
                    detail=RULES_SHORT + "\n按周报填报的最近更新日期，列出一周以上没有更新的账号，按停更提醒、停更警告、两周未更新、"
                           "僵尸账号预警、认定停更分组，并注明已有的跟进事项。\n"
                           "主管单位用户看辖区内的账号（「停更账号 教育局」只看一个单位，市政数局「停更账号 抚松」只看一个县），单位用户看本单位的账号。")
    def idle(ctx: Context):
        name = (ctx.args or "").strip()
        if name and ctx.person.is_bureau_user and not IDLE_ASKED_WORDS.fullmatch(name):  # 「停更账号 教育局」
            named = units_named(ctx, name)
            if named is not None:
                ctx.reply(listing(ctx.session, ctx.person, clock.today(), named))
            return
        ctx.reply(listing(ctx.session, ctx.person, clock.today()))

    @router.pattern(IDLE_ASKED)
    def idle_asked(ctx: Context):
        return idle(ctx)


def listing(session: Session, person: Person, today: date, named: tuple[list[int], str] | None = None) -> str:
    """The idle accounts the person may see, or of the units `named` (a unit or a county, for the bureau)."""
    bureau = person.is_bureau_user
    if named is not None:
        unit_ids, scope = named
    elif bureau:
        unit_ids, scope = [u.id for u in visible_host_units(session, person)], f"{person.unit.name}辖区"
    else:
        unit_ids, scope = [person.unit_id], person.unit.name
    ladder = rungs()
    idle = idle_accounts(session, unit_ids, today, ladder[0][1])
    first = ladder[0][1]
    if not idle:
        return f"{scope}没有{first}天以上未更新的账号（截至{today.month}月{today.day}日，按周报填报的最近更新日期计算）。"
    cases = _pending_cases(session, [a.id for a, _days in idle])
    lines = [f"{scope}{first}天以上未更新的账号（{len(idle)}个，截至{today.month}月{today.day}日，按周报填报的最近更新日期）："]
    shown = 0
    for kind, days, group in _grouped(idle, ladder):
        note = f"，{NOTES[kind]}" if kind in NOTES else ""
        lines.append(f"【{RUNG_NAMES[kind]}：{days}天以上{note}】{len(group)}个")
        for account, idle_days in group:
            if shown < SHOWN:
                lines.append("· " + _line(account, idle_days, cases.get(account.id), bureau))
            shown += 1
    if shown > SHOWN:
        lines.append(f"……另有{shown - SHOWN}个未列出，回复「导出台账」获取完整台账（含最近更新日期）。")
    lines.append("回复「跟进事项」查看停更认定后的跟进，「台账 单位名」查看单位的账号。" if bureau else
                 "请尽快更新，并在周报中如实填报更新情况；确属无力维护的，请回复「注销」申请注销（第15条）。")
    open_cases = sorted(c.id for c in cases.values() if c.status == CASE_OPEN)
    if open_cases and not bureau:  # 停更认定: updating alone does not settle the case (第15条)
        lines.append(f"已有跟进事项（{'、'.join(map(str, open_cases))}）的账号须申请注销（助手已起草注销申请，回复「注销」核对提交），"
                     f"或回复「说明 {open_cases[0]} 理由…」向县政数局说明。")
    return "\n".join(lines)


def idle_accounts(session: Session, unit_ids: list[int], today: date, least: int) -> list[tuple[Account, int]]:
    """Open accounts idle `least` days or more, the longest idle first."""
    accounts = session.scalars(select(Account).where(Account.unit_id.in_(unit_ids), Account.status.in_(ACTIVE_STATUSES))
                               .options(selectinload(Account.unit), selectinload(Account.responsible)))
    idle = []
    for account in accounts:
        start = baseline(account)
        if start is None or (account.opened_on and account.opened_on > today):
            continue
        days = (today - start).days
        if days >= least:
            idle.append((account, days))
    return sorted(idle, key=lambda pair: (-pair[1], pair[0].unit_id, pair[0].id))


def _grouped(idle: list[tuple[Account, int]], ladder: list[tuple[str, int]]):
    """(rung kind, its days, the accounts idle that long but not up to the next rung), the highest rung first."""
    for kind, days in reversed(ladder):
        group = [pair for pair in idle if pair[1] >= days]
        idle = [pair for pair in idle if pair[1] < days]
        if group:
            yield kind, days, group


def _pending_cases(session: Session, account_ids: list[int]) -> dict[int, DormancyCase]:
    rows = session.scalars(select(DormancyCase).where(DormancyCase.account_id.in_(account_ids),
                                                      DormancyCase.status.in_(CASE_PENDING)).order_by(DormancyCase.id))
    return {case.account_id: case for case in rows}


def _line(account: Account, days: int, case: DormancyCase | None, bureau: bool) -> str:
    unit = f"，{account.unit.name}" if bureau else ""
    since = (f"最近更新{account.last_update_on.month}月{account.last_update_on.day}日" if account.last_update_on
             else "还没有周报填报的更新")
    who = account.responsible.name if account.responsible is not None and account.responsible.active else "未指定"
    follow = f"；跟进事项 {case.id}：{case.status}" if case is not None else ""
    return f"{account.name}（{account.platform}{unit}）{days}天未更新（{since}），负责人：{who}{follow}"
