"""The bulletin's score: start at `base`, take off points per finding, each with its reason; then rank.

    evaluate(bulletin, settings)   # fills problems, deductions, score and rank of every unit

The formula is documented for users in docs/bulletin.md (评分办法).
"""
from __future__ import annotations

from bot.bulletin import fmt
from bot.bulletin.figures import Bulletin, Deduction, UnitFigures
from bot.bulletin.problems import problems_of
from bot.bulletin.settings import DEFAULTS, BulletinSettings


def _per(kind: str, what: str, unit: str, count: int, weight: float) -> list[Deduction]:
    if not count or not weight:
        return []
    return [Deduction(f"{what}（每{unit}扣{fmt.number(weight)}分）", round(count * weight, 2), count, kind)]


def _dormancy(fig: UnitFigures, weights: dict[int, float]) -> list[Deduction]:
    """Each account is weighed at the highest configured rung it has reached."""
    by_rung: dict[int, int] = {}
    for days, n in fig.dormancy.items():
        reached = [r for r in weights if r <= days]
        if n and reached:
            rung = max(reached)
            by_rung[rung] = by_rung.get(rung, 0) + n
    out: list[Deduction] = []
    for rung in sorted(by_rung, reverse=True):
        n = by_rung[rung]
        out += _per(f"dormancy_{rung}", f"{n}个账号{rung}天以上未更新", "个", n, weights[rung])
    return out


def deductions_of(fig: UnitFigures, settings: BulletinSettings = DEFAULTS) -> list[Deduction]:
    """Every deduction with its reason, in the order of the formula."""
    s = settings
    out = _per("missing_report", f"缺报周报{fig.reports_missing}次", "次", fig.reports_missing, s.missing_report)
    out += _per("late_report", f"迟报周报{fig.reports_late}次", "次", fig.reports_late, s.late_report)
    out += _dormancy(fig, s.dormancy)
    out += _per("registry_overdue", f"{fig.registry_overdue}个账号逾期未报送全国政务新媒体信息报送系统", "个",
                fig.registry_overdue, s.registry_overdue)
    out += _per("rectification_overdue", f"{fig.rectifications_overdue}项整改逾期未完成", "项",
                fig.rectifications_overdue, s.rectification_overdue)
    share = fig.original_share
    if s.low_original and share is not None and fig.posts >= s.original_min_posts and share < s.original_share_min:
        out.append(Deduction(f"原创率{fmt.pct(share)}低于{fmt.pct(s.original_share_min)}（扣{fmt.number(s.low_original)}分）",
                             s.low_original, 1, "low_original"))
    reply = fig.reply_rate
    if s.low_reply and reply is not None and reply < s.reply_rate_min:
        out.append(Deduction(f"留言回复率{fmt.pct(reply)}低于{fmt.pct(s.reply_rate_min)}（扣{fmt.number(s.low_reply)}分）",
                             s.low_reply, 1, "low_reply"))
    if s.untrained and fig.untrained:
        out.append(Deduction(f"本年度无人参加培训（扣{fmt.number(s.untrained)}分）", s.untrained, 1, "untrained"))
    return out


def score_of(deductions: list[Deduction], settings: BulletinSettings = DEFAULTS) -> float:
    return max(settings.floor, round(settings.base - sum(d.points for d in deductions), 2))


def rank(units: list[UnitFigures]) -> None:
    """Competition ranking by score, highest first: equal scores share a rank (1, 2, 2, 4)."""
    ordered = sorted(units, key=lambda f: -(f.score or 0))
    previous, place = None, 0
    for n, fig in enumerate(ordered, 1):
        if fig.score != previous:
            place, previous = n, fig.score
        fig.rank = place


def evaluate(bulletin: Bulletin, settings: BulletinSettings = DEFAULTS) -> Bulletin:
    """Fill each unit's problems, deductions, score and rank (in place); returns the bulletin."""
    for fig in bulletin.units:
        fig.problems = problems_of(fig, settings)
        fig.deductions = deductions_of(fig, settings)
        fig.score = score_of(fig.deductions, settings)
    rank(bulletin.units)
    return bulletin
