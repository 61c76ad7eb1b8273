"""The problems a bulletin names for a unit (存在的问题), each with what the unit must do about it.

Each problem is one Chinese sentence: the finding, then the required fix. The rectification items
(整改) are made from these sentences, with the bulletin's `rectify_by` as their deadline.
"""
from __future__ import annotations

import re

from bot.bulletin import fmt
from bot.bulletin.figures import NATIONAL_FAIL_DAYS, UnitFigures
from bot.bulletin.settings import DEFAULTS, BulletinSettings

ZOMBIE_DAYS = 90       # 第15条: more than three months without update
NEAR_ZOMBIE_DAYS = 60
# Findings the bulletin names but that are no rectification item: a late report is past mending (the next ones must
# be on time), and training is the bureau's to organise (第28条: 主管单位要组织…开展业务培训).
LATE = "迟报周报"
UNTRAINED = "本年度尚无人员参加政务新媒体培训"
# Overdue items are open items already, with their own numbers: a new item for them would be a second item for one
# fix, itself overdue the month after (and counted again, "2项整改逾期" → a third item, month after month).
OVERDUE = re.compile(r"\d+项整改逾期未完成")
# Findings that last until fixed (idle accounts, a registry filing not made): found again while an earlier bulletin's
# item for the same finding is still open, they are named under that item rather than made a second one — which
# would be overdue the month after and counted again, one more item every month for one account.
LASTING = re.compile(r"\d+(个账号\d+天以上未更新|个账号审批后未在3个工作日内报送)")
NAMED_ITEM = re.compile(r"（整改事项 \d+）$")


def rectifiable(problem: str) -> bool:
    """Whether publishing opens a rectification item for this problem (one the unit fixes and answers)."""
    return not problem.startswith((LATE, UNTRAINED)) and not names_items(problem)


def names_items(problem: str) -> bool:
    """Whether the problem is about open rectification items, which the unit answers under their own numbers."""
    return OVERDUE.match(problem) is not None or NAMED_ITEM.search(problem) is not None


def lasting_key(problem: str) -> str | None:
    """What makes a lasting finding the same next month: its words without the leading count; None for the others."""
    return problem.lstrip("0123456789") if LASTING.match(problem) else None


def _under_open_item(problem: str, fig: UnitFigures) -> str:
    item = fig.open_items.get(lasting_key(problem) or "")
    return f"{problem}（整改事项 {item}）" if item else problem


def rectifiable_count(units: list[UnitFigures]) -> int:
    """How many rectification items publishing opens: the problems that are `rectifiable`."""
    return sum(1 for fig in units for problem in fig.problems if rectifiable(problem))


def items_sentence(units: list[UnitFigures], workdays: int, within: bool = False) -> str:
    """What publishing makes of the problems, e.g. "为8个问题建立整改事项（5个工作日）；另有3个问题（迟报、本年度无人参加培训）
    只在通报中指出，不建立整改事项" — as many items as publishing will open, not one per problem."""
    problems = [problem for fig in units for problem in fig.problems]
    items = rectifiable_count(units)
    named = sum(1 for problem in problems if names_items(problem))  # overdue items, lasting findings
    pointed = len(problems) - items - named
    rest = f"{pointed}个问题（迟报、本年度无人参加培训）只在通报中指出"
    said = [f"为{items}个问题建立整改事项（{workdays}个工作日{'内整改' if within else ''}）"] if items else []
    if pointed:
        said.append(f"另有{rest}，不建立整改事项" if items else f"不建立整改事项：{rest}")
    if named:
        said.append(f"{named}个问题已有整改事项，按原编号整改，不另建")
    return "；".join(said) or "没有需要整改的问题"


def _idle(days: int, n: int) -> str:
    if days >= ZOMBIE_DAYS:
        return f"{n}个账号{days}天以上未更新，已成为“僵尸”账号，须按第15条关停注销或说明情况"
    if days >= NEAR_ZOMBIE_DAYS:
        return f"{n}个账号{days}天以上未更新，即将成为“僵尸”账号，须立即恢复更新"
    if days >= NATIONAL_FAIL_DAYS:
        return f"{n}个账号{days}天以上未更新（国家检查中两周未更新即单项否决），须立即恢复更新"
    return f"{n}个账号{days}天以上未更新，须立即恢复更新"


def problems_of(fig: UnitFigures, settings: BulletinSettings = DEFAULTS) -> list[str]:
    """The unit's problems, the most serious first; an empty list when there is nothing to fix."""
    found: list[str] = []
    idle = sorted(((d, n) for d, n in fig.dormancy.items() if n and d >= settings.idle_problem_days), reverse=True)
    found += [_idle(d, n) for d, n in idle if d >= NEAR_ZOMBIE_DAYS]
    if fig.rectifications_overdue:
        numbers = f"（整改事项 {'、'.join(map(str, sorted(fig.overdue_item_ids)))}）" if fig.overdue_item_ids else ""
        found.append(f"{fig.rectifications_overdue}项整改逾期未完成{numbers}，须立即整改并回复整改情况")
    if fig.reports_missing:
        found.append(f"缺报周报{fig.reports_missing}次（本月应报{fig.reports_due}次），"
                     "须按第30条每周报送账号更新维护情况")
    if fig.registry_overdue:
        found.append(f"{fig.registry_overdue}个账号审批后未在3个工作日内报送全国政务新媒体信息报送系统（第11条），须立即报送")
    found += [_idle(d, n) for d, n in idle if d < NEAR_ZOMBIE_DAYS]
    if fig.reports_late:
        found.append(f"{LATE}{fig.reports_late}次，须在每周规定时间内报送")
    reply = fig.reply_rate
    if reply is not None and reply < settings.reply_rate_min:
        found.append(f"留言回复率{fmt.pct(reply)}（收到{fig.messages_received}条，回复{fig.messages_answered}条），"
                     f"低于{fmt.pct(settings.reply_rate_min)}，须及时回复群众留言")
    share = fig.original_share
    if share is not None and fig.posts >= settings.original_min_posts and share < settings.original_share_min:
        found.append(f"原创率{fmt.pct(share)}（发布{fig.posts}条，原创{fig.originals}条），"
                     f"低于{fmt.pct(settings.original_share_min)}，须提高原创内容比例")
    if fig.untrained:
        found.append(f"{UNTRAINED}，请派员参加主管单位组织的培训（第28条）")
    return [_under_open_item(problem, fig) for problem in found]
