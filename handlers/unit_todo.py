"""What a unit still has to do, for 待办 asked by its staff or head: the weekly report (第30条), requests sent back
or drafted, the national registry filing (第11条), rectifications and follow-ups (第36条, 第28条), and accounts idle
long enough to fail the national inspection (第15条).

Each line says what is due and the reply that does it; the modules that own each thing do the work.
"""
from __future__ import annotations

from bot import clock
from bot.router import Context
from handlers import approvals_after as after
from handlers import approvals_takeover as takeover
from handlers.approvals_mine import amendable, unfiled
from handlers.dormancy_list import idle_accounts
from handlers.weekly_flow import last_week, this_week
from jobs.dormancy import rungs
from jobs.dormancy_notices import VETO
from models import org, weekly
from models.account import accounts_of_units
from models.approval import DRAFT, RETURNED
from models.org import BUREAU_ADMIN, BUREAU_REVIEWER, STAFF, UNIT_HEAD
from models.oversight import BUREAU, CASE_EXPLAINED, CASE_OPEN, cases_of_units
from models.rectification import SUBMITTED, TO_FIX, describe, items_of_units


def weekly_lines(ctx: Context) -> list[str]:
    """This week's and last week's reports not filed yet (a week without a working day has none due)."""
    unit = ctx.person.unit
    opened = [a.opened_on for a in accounts_of_units(ctx.session, [unit.id], active_only=True)]
    lines, now = [], clock.now()
    for week in sorted({last_week(), this_week()}):
        due = weekly.due_at(week)
        if due is None or weekly.find_report(ctx.session, unit.id, week) is not None:
            continue
        if not any(weekly.opened_by_due(day, week) for day in opened):
            continue  # no account yet by its due day (opened since): not due, as the bulletin counts it
        late = "，已逾期" if now > due else ""
        word = "上周" if week < this_week() else "本周"
        lines.append(f"· 周报 {weekly.week_label(week)}：未报，截止{weekly.deadline_label(week)}{late}"
                     f" → 回复「周报{' 上周' if word == '上周' else ''}」填报")
    return lines


def request_lines(ctx: Context) -> list[str]:
    lines = []
    for req in amendable(ctx):
        if req.status == DRAFT:
            lines.append(f"· 第{req.id}号 {req.title}：助手起草的草稿，待核对提交 → 回复「修改 {req.id}」")
        else:
            lines.append(f"· 第{req.id}号 {req.title}：已退回修改 → 回复「修改 {req.id}」")
    for req in takeover.left_behind(ctx.session, ctx.person):  # only the applicant could; he has left
        if req.status == RETURNED:
            lines.append(f"· 第{req.id}号 {req.title}：已退回修改，申请人{req.applicant.name}{req.applicant_gone}，"
                         f"需本单位接手 → 回复「修改 {req.id}」修改后重新提交，或「撤回 {req.id}」")
    today = clock.today()
    for req in unfiled(ctx):
        filing = after.open_filing(ctx.session, req.id)
        lines.append(f"· 第{req.id}号 {req.title}：待报送全国政务新媒体信息报送系统，"
                     f"{after.due_text(filing.deadline, today, ctx.session)} → 报送后回复「已报送 {req.id}」")
    return lines


def oversight_lines(ctx: Context) -> list[str]:
    today, unit_ids = clock.today(), [ctx.person.unit_id]
    lines = [f"· 整改事项 {describe(item, today, with_unit=False)} → 整改后回复「已整改 {item.id} 整改说明」"
             for item in items_of_units(ctx.session, unit_ids) if item.status in TO_FIX]
    cases = cases_of_units(ctx.session, unit_ids, pending_only=True)
    lines += [f"· 跟进事项 {case.id}：{case.account_label}｜{case.source} → 申请注销，或回复「说明 {case.id} 理由」"
              for case in cases if case.status == CASE_OPEN]
    followed = {case.account_id for case in cases}
    lines += [f"· 账号 {account.name}（{account.platform}）已{days}天未更新（{VETO}）→ 请尽快发布，并在周报中如实填报"
              for account, days in idle_accounts(ctx.session, unit_ids, today, veto_days())
              if account.id not in followed]
    return lines


def review_lines(ctx: Context) -> list[str]:
    """For the county bureau: the units' answers awaiting its review — 整改情况 and follow-up explanations."""
    person = ctx.person
    if not (person.is_bureau_user and person.has_role(BUREAU_ADMIN, BUREAU_REVIEWER)):
        return []
    today, unit_ids = clock.today(), org.visible_unit_ids(ctx.session, person)
    lines = [f"· 整改事项 {describe(item, today)} → 回复「通过整改 {item.id}」或「重新整改 {item.id} 原因」"
             for item in items_of_units(ctx.session, unit_ids) if item.status == SUBMITTED and item.reviewed_by(person)]
    lines += [f"· 跟进事项 {case.id}：{case.unit.name}｜{case.account_label}｜{case.source}，单位已作说明"
              f" → 回复「接受说明 {case.id}」或「驳回说明 {case.id} 原因」"
              for case in cases_of_units(ctx.session, unit_ids, pending_only=True) if case.status == CASE_EXPLAINED]
    return lines


def veto_days() -> int:
    """The ladder's rung at which the national inspection fails an idle account (两周未更新)."""
    return dict(rungs())[BUREAU]


def lines(ctx: Context) -> list[str]:
    """The unit's to-do lines, most pressing kinds first ([] when there is nothing to do)."""
    return weekly_lines(ctx) + request_lines(ctx) + oversight_lines(ctx)


def waiting_line(ctx: Context) -> str:
    """「2件申请等您审批，本单位有3项待办，回复「待办」查看。」 for the greeting ("" when nothing waits); for the
    county bureau also the answers awaiting its review."""
    from handlers import approvals_chain as chain
    from handlers.approvals_decide import APPROVER_ROLES
    person, said = ctx.person, []
    if person.has_role(*APPROVER_ROLES) and (count := len(chain.pending_for(ctx.session, person))):
        said.append(f"{count}件申请等您审批")
    if person.has_role(STAFF, UNIT_HEAD) and not person.unit.is_bureau and (count := len(lines(ctx))):
        said.append(f"本单位有{count}项待办")
    if count := len(review_lines(ctx)):
        said.append(f"{count}项整改情况或说明等您审核")
    return "，".join(said) + "，回复「待办」查看。" if said else ""
