"""统计: the bureau's figures for a period (this month by default) over its part of the tree — accounts, approvals,
weekly reports, idle accounts, rectifications and measures, training. Live figures as of now; the monthly bulletin
(查看通报) is the evaluated record of a finished month."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from bot import clock, config
from bot.router import END, PASS, Context, Router
from handlers.bulletin import month_of
from handlers.oversight_util import account_units, county_asked, county_in, match_units, names_county, place_of
from models import weekly
from models.account import ACTIVE_STATUSES, Account, in_use_on
from models.approval import APPROVED, CANCEL, DRAFT, OPEN, PENDING_STATUSES, REJECTED, RETURNED, SUSPEND, \
    ApprovalRequest
from models.measure import Measure
from models.org import BUREAU_ADMIN, BUREAU_REVIEWER, CITY_BUREAU, CITY_REVIEWER, Unit, counties_of, subtree_ids
from models.rectification import Rectification
from models.training import Training, TrainingAttendee

# 「这个月开了几个号」, 「本月审批了多少」, 「审批统计」, 「本月新开账号」, 「本季度统计」
# (「全县有几个抖音号」, 「有多少个账号」 get the one number: handlers/account_count.py)
STATS_ASKED = (r"(?:这个月|本月|上个?月|本季度|这个季度|今年|本年)?(?:的)?(?:开了|新开了?|新开设了?|注销了|审批了)(?:几个|多少)?(?:号|账号|个号)?"
               r"(?:的账号)?[？?。]*$"
               r"|(?:这个月|本月|上个?月|本季度|这个季度|今年|本年)?(?:的)?(?:审批|账号|周报)?统计(?:一下)?(?:数据)?[？?。]*$")

# 「抚松县的统计」, 「靖宇统计」, 「抚松县政数局的工作概况」: one county's figures (the city bureau), or the asker's own county
PLACE_ASKED = r"(?P<place>[\u4e00-\u9fff]{2,16}?)的?(?:数据统计|工作统计|统计|工作概况|概况)(?:数据)?[？?。]*$"

# 「各县情况」, 「哪个县最差」, 「各县排名」: the city's figures, which end with a line per county
COUNTIES_ASKED = (r"(?:各县|各区县|各个县|各县区|哪个县|哪些县|哪个区县)(?:的)?(?:工作)?(?:情况|统计|数据|怎么样|排名|"
                  r"最差|最好|落后|靠后|表现|做得最差|做得最好|比较差|不行)(?:怎么样|如何|呢|啊)?[？?。]*$")


@dataclass(frozen=True)
class Period:
    label: str
    first: date
    last: date  # inclusive

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, datetime.min.time(), tzinfo=config.get().tz)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), datetime.min.time(), tzinfo=config.get().tz)


def period_of(text: str) -> Period | None:
    """本月 (also empty), 上月, 10月, 2026-10, 本季度, 上季度, 今年, 去年, 2026年 — up to today."""
    said = re.sub(r"(?:的)?(?:统计|数据|情况)$", "", text.strip().rstrip("。.？?")).strip()
    today = clock.today()
    if said in ("", "本月", "这个月", "这月", "当月"):
        first = today.replace(day=1)
        return Period(f"{first.year}年{first.month}月", first, today)
    if said in ("本季度", "这个季度", "上季度", "上个季度"):
        quarter = (today.month - 1) // 3 - (said.startswith("上"))
        year = today.year if quarter >= 0 else today.year - 1
        quarter %= 4
        first = date(year, quarter * 3 + 1, 1)
        end = date(year + (quarter == 3), (quarter * 3 + 3) % 12 + 1, 1) - timedelta(days=1)
        return Period(f"{year}年第{quarter + 1}季度", first, min(end, today))
    if said in ("今年", "本年", "去年"):
        year = today.year - (said == "去年")
        return Period(f"{year}年", date(year, 1, 1), min(date(year, 12, 31), today))
    if re.fullmatch(r"\d{4}\s*年", said):
        year = int(said[:4])
        return Period(f"{year}年", date(year, 1, 1), min(date(year, 12, 31), today)) if year <= today.year else None
    month = month_of(said)
    if month is None or month > today.strftime("%Y-%m"):
        return None
    first = date(int(month[:4]), int(month[5:]), 1)
    last = date(first.year + first.month // 12, first.month % 12 + 1, 1) - timedelta(days=1)
    return Period(f"{first.year}年{first.month}月", first, min(last, today))


def register(router: Router) -> None:
    @router.command("统计", "数据统计", "工作统计", "月度统计", "统计数据", "工作概况", "概况",
                    roles={BUREAU_ADMIN, BUREAU_REVIEWER, CITY_REVIEWER}, help="辖区统计：账号、审批、周报、停更、整改和培训",
                    detail="「统计」看本月到今天，也可以写「统计 上月」「统计 10月」「统计 本季度」「统计 今年」；"
                           "市政数局看一个县写「统计 抚松」「统计 抚松 上月」。"
                           "列出辖区在用账号（按平台）和没有账号的单位，期间新开设、注销、关停的账号，期间提交的申请及结果，"
                           "期间到期的周报按时、迟报、未报，截至今天的停更账号，期间下发的整改通知和处置措施，以及培训。"
                           "月度通报（「查看通报」）是已结束月份的考核结果；这里是实时数字。")
    def statistics(ctx: Context):
        county, said = county_in(ctx, ctx.args)
        period = period_of(said)
        if period is None:
            ctx.reply(f"没能看懂「{ctx.args.strip()[:20]}」。可以写「统计」（本月）、「统计 上月」「统计 10月」「统计 2026-10」"
                      "「统计 本季度」或「统计 今年」" + ("；看一个县写「统计 抚松」「统计 抚松 上月」。"
                                                   if ctx.person.unit.kind == CITY_BUREAU else "。"))
            return END
        ctx.reply(report(ctx, period, county, said.strip()))
        return END

    @router.pattern(STATS_ASKED, roles={BUREAU_ADMIN, BUREAU_REVIEWER, CITY_REVIEWER}, refused_as="统计")
    def statistics_asked(ctx: Context):
        said = re.match(r"本季度|这个季度|上个?月|今年|本年", ctx.text)
        ctx.args = said.group(0) if said else ""
        return statistics(ctx)

    @router.pattern(COUNTIES_ASKED, roles={BUREAU_ADMIN, BUREAU_REVIEWER, CITY_REVIEWER}, refused_as="统计")
    def counties_asked(ctx: Context):
        ctx.args = ""
        return statistics(ctx)

    @router.pattern(PLACE_ASKED, roles={BUREAU_ADMIN, BUREAU_REVIEWER, CITY_REVIEWER}, guess=True)
    def place_asked(ctx: Context):
        place = ctx.match["place"]
        county = county_asked(ctx.session, ctx.person, place)
        if county is not None or names_county(ctx.person.unit, place):
            ctx.reply(report(ctx, period_of(""), county))
            return END
        if not match_units(ctx, place):  # 「培训统计」: not a place at all
            return PASS
        ctx.reply(f"「统计」给出{ctx.person.unit.name}辖区的数字" + (
            "，也可以看一个县：「统计 抚松」" if ctx.person.unit.kind == CITY_BUREAU else "")
            + f"。一个单位的情况请看「单位记录 {place[:12]}」或「台账 {place[:12]}」。")
        return END


def report(ctx: Context, period: Period, county: Unit | None = None, period_said: str = "") -> str:
    """The figures of the period; `period_said` (「上月」) is carried into each county's 「统计 抚松 上月」."""
    units, scope = account_units(ctx), ctx.person.unit.name
    if county is not None:  # the city bureau looking at one county
        below = set(subtree_ids(ctx.session, county.id))
        units, scope = [u for u in units if u.id in below], county.name
    ids = [u.id for u in units]
    lines = [f"{scope}辖区统计（{period.label}，{period.first.month}月{period.first.day}日—"
             f"{period.last.month}月{period.last.day}日）："]
    lines += [_accounts(ctx, units, period), _approvals(ctx, ids, period), _reports(ctx, ids, period),
              _idle(ctx, ids), _oversight(ctx, ids, period), _training(ctx, ids, period)]
    lines.append("明细：「台账」「申请列表」「周报情况」「停更账号」「整改清单」「单位记录 单位名」。")
    if county is None and ctx.person.unit.kind == CITY_BUREAU:
        lines += _by_county(ctx, units, period, period_said)
    return "\n".join(lines)


def _by_county(ctx: Context, units, period: Period, period_said: str = "") -> list[str]:
    """The city bureau's figures side by side, one line per county (which is behind, at a glance)."""
    lines = ["【各县】"]
    for county in counties_of(ctx.session, ctx.person.unit):
        below = set(subtree_ids(ctx.session, county.id))
        ids = [u.id for u in units if u.id in below]
        live = ctx.session.scalar(select(func.count(Account.id)).where(
            Account.unit_id.in_(ids), _in_use(period))) if ids else 0
        counts = _report_counts(ctx, ids, period) if ids else None
        due = sum(counts) if counts else 0
        weekly_part = (f"周报按时率{counts[0] * 100 // due}%（未报{counts[2]}份）" if due
                       else "还没有经助手报送的周报" if counts is None else "周报期间没有到期的")
        two_weeks = _ladder()[2][1]
        idle = len(_idle_accounts(ctx, ids, two_weeks)) if ids else 0
        lines.append(f"· {place_of(county)}：{_in_use_word(period)}账号{live}个，{weekly_part}，{two_weeks}天以上未更新{idle}个"
                     f"（「{' '.join(filter(None, ('统计', place_of(county), period_said)))}」看详情）")
    return lines


def _counted(counter: Counter, order=None) -> str:
    keys = order or sorted(counter, key=lambda k: -counter[k])
    return "、".join(f"{k}{counter[k]}" for k in keys if counter[k])


def _accounts(ctx: Context, units, period: Period) -> str:
    ids = [u.id for u in units]
    live = list(ctx.session.execute(select(Account.unit_id, Account.platform).where(
        Account.unit_id.in_(ids), _in_use(period))))
    by_platform = Counter(platform for _unit, platform in live)
    done = Counter(kind for (kind,) in ctx.session.execute(select(ApprovalRequest.kind).where(
        ApprovalRequest.unit_id.in_(ids), ApprovalRequest.status == APPROVED,
        ApprovalRequest.decided_at >= period.start, ApprovalRequest.decided_at < period.end)))
    without = [u.name for u in units if u.id not in {unit for unit, _platform in live}]
    word = _in_use_word(period)
    none = f"；没有{word}账号的单位{len(without)}个：{'、'.join(without[:10])}{'等' if len(without) > 10 else ''}" \
        if without else ""
    return (f"【账号】{word}{len(live)}个" + (f"（{_counted(by_platform)}）" if live else "")
            + f"；期间新开设{done[OPEN]}个、注销{done[CANCEL]}个、关停{done[SUSPEND]}个{none}")


def _in_use(period: Period):
    """Accounts in use now; for a period that has ended, those in use on its last day (「统计 上月」 was today's)."""
    return Account.status.in_(ACTIVE_STATUSES) if period.last >= clock.today() else in_use_on(period.last)


def _in_use_word(period: Period) -> str:
    return "在用" if period.last >= clock.today() else f"{period.last.month}月{period.last.day}日在用"


def _approvals(ctx: Context, ids, period: Period) -> str:
    rows = list(ctx.session.execute(select(ApprovalRequest.kind, ApprovalRequest.status).where(
        ApprovalRequest.unit_id.in_(ids), ApprovalRequest.status != DRAFT,
        ApprovalRequest.submitted_at >= period.start, ApprovalRequest.submitted_at < period.end)))
    if not rows:
        return "【审批】期间没有提交的申请"
    kinds, states = Counter(k for k, _s in rows), Counter(s for _k, s in rows)
    pending = sum(states[s] for s in PENDING_STATUSES)
    return (f"【审批】期间提交{len(rows)}件（{_counted(kinds)}）：已通过{states[APPROVED]}、驳回{states[REJECTED]}、"
            f"退回修改{states[RETURNED]}、审批中{pending}" + (f"、撤回{states['已撤回']}" if states["已撤回"] else ""))


def _reports(ctx: Context, ids, period: Period) -> str:
    """Weeks whose due moment fell in the period and has passed: on time, late, missing (as 周报情况 counts)."""
    counts = _report_counts(ctx, ids, period)
    if counts is None:
        return "【周报】还没有单位通过助手报送过周报"
    on_time, late, missing = counts
    due_count = on_time + late + missing
    if not due_count:
        return "【周报】期间还没有到期的周报"
    return (f"【周报】期间到期{due_count}份：按时{on_time}、迟报{late}、未报{missing}"
            f"（按时率{on_time * 100 // due_count}%）")


def _report_counts(ctx: Context, ids, period: Period) -> tuple[int, int, int] | None:
    """(on time, late, missing) of the weeks due in the period; None before any report through the bot."""
    began = weekly.first_reported_week(ctx.session, ids)
    if began is None:
        return None
    # weeks before the first report through the bot are not counted (everyone would be missing them), as the bulletin
    monday, mondays, now = max(period.first - timedelta(days=period.first.weekday()), began), [], clock.now()
    while monday <= period.last:
        due = weekly.due_at(monday)
        if due is not None and period.start <= due < period.end and due <= now:
            mondays.append(monday)
        monday += timedelta(days=7)
    on_time = late = missing = 0
    for due_units, filed in weekly.reports_due(ctx.session, ids, mondays).values():
        late += sum(1 for was_late in filed.values() if was_late)
        on_time += sum(1 for was_late in filed.values() if not was_late)
        missing += len(due_units - set(filed))
    return on_time, late, missing


def _ladder() -> list[tuple[str, int]]:
    """The dormancy rungs (kind, days idle), lowest first."""
    from jobs.dormancy import rungs
    return rungs()


def _idle_accounts(ctx: Context, ids, least: int) -> list:
    from handlers.dormancy_list import idle_accounts
    return idle_accounts(ctx.session, ids, clock.today(), least)


def _idle(ctx: Context, ids) -> str:
    from models.oversight import RUNG_NAMES
    ladder = _ladder()
    idle = [days for _account, days in _idle_accounts(ctx, ids, ladder[2][1])]
    if not idle:
        return f"【停更】截至今天没有{ladder[2][1]}天以上未更新的账号"
    counts = [(RUNG_NAMES[kind], sum(1 for d in idle if days <= d < upper))
              for (kind, days), upper in zip(ladder[2:], [*(days for _k, days in ladder[3:]), 10**6])]
    return "【停更】截至今天" + "、".join(f"{name}{n}个" for name, n in counts if n) + "（按周报填报的最近更新日期）"


def _oversight(ctx: Context, ids, period: Period) -> str:
    items = list(ctx.session.scalars(select(Rectification).where(
        Rectification.unit_id.in_(ids), Rectification.created_at >= period.start,
        Rectification.created_at < period.end)))
    states = Counter(item.shown_status for item in items)
    overdue = sum(1 for item in items if item.overdue_on(clock.today()))
    measures = Counter(kind for (kind,) in ctx.session.execute(select(Measure.kind).where(
        Measure.unit_id.in_(ids), Measure.created_at >= period.start, Measure.created_at < period.end)))
    late = f"，其中逾期{overdue}项" if overdue else ""
    fixes = f"期间下发整改事项{len(items)}项（{_counted(states)}{late}）" if items else "期间没有下发整改事项"
    taken = f"；处置措施{sum(measures.values())}次（{_counted(measures)}）" if measures else "；期间没有处置措施"
    return f"【整改与措施】{fixes}{taken}"


def _training(ctx: Context, ids, period: Period) -> str:
    held, people = ctx.session.execute(
        select(func.count(func.distinct(Training.id)), func.count(TrainingAttendee.id))
        .join(TrainingAttendee, TrainingAttendee.training_id == Training.id)
        .where(TrainingAttendee.unit_id.in_(ids), Training.held_on >= period.first,
               Training.held_on <= period.last)).one()
    return f"【培训】期间{held}次、{people}人次" if held else "【培训】期间没有登记培训"
