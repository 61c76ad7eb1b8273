"""周报情况 (the roll-up for the bureau, a unit's own history for its staff)."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot import clock, phrasing, workdays
from bot.router import PASS, Context, Router
from handlers.oversight_util import county_in, match_units, place_of, unit_hint
from handlers.weekly_flow import last_week_note
from handlers.weekly_parse import describe_entry
from models import weekly
from models.account import accounts_of_units
from models.org import CITY_BUREAU, STAFF, UNIT_HEAD, counties_of, subtree_ids, visible_unit_ids
from models.weekly import WeeklyReport
from models.weekly_rollup import compute, render

HISTORY_WEEKS = 8
THIS_OR_LAST = ("", "本周", "这周", "上周")  # what may follow 周报情况
# 「周报交了吗」, 「上周的周报报了没有」: asked as a question, answered as 周报情况
# 「周报交了」, 「周报已报」, 「我们上周交过了」: said without asking, answered the same way (whether the bot has it)
ASKED = (r"(?:(?:已经|早就|都)?(?:交|报|填|提交|报送|填报)(?:上|过)?(?:了?(?:吗|么|没|没有|了没|了没有|没呢)|了)"
         r"|已(?:交|报|填|提交|报送|填报))[？?。！!]*")
STATUS_QUESTION = (r"(?:我们?|本单位|单位|咱们?)?的?(?P<week>本周|这周|上周)?的?周报" + ASKED
                   # 「我们单位这周报了吗」: the week, no 周报
                   + r"|(?:我们?|本单位|咱们?)(?:单位)?的?(?P<week2>本周|这周|上周)(?:的周报)?" + ASKED)
# 「周报审核了吗」, 「我们的周报审核通过了没有」: nobody reviews a weekly report — said, with where it stands
REVIEWED = r"(?:要|需要|用|得)?(?:审核|审批|批)(?:了|过)?(?:通过)?(?:了)?(?:吗|么|没|没有|了没|了没有|没呢)?[？?。！!]*"
REVIEW_QUESTION = r"(?:我们?|本单位|单位|咱们?)?的?(?P<week>本周|这周|上周)?的?周报" + REVIEWED
NOT_REVIEWED = ("周报不需要审核：按时报送就完成了（第30条）。县政数局汇总各单位的周报、每月通报，"
                "填错了可以回复「修改周报」更正。")
# 「谁没交周报」, 「有哪些单位没报」, 「没交周报的单位」: the roll-up names them
WHO_MISSED = (r"(?:周报)?(?:有|还有)?(?:哪些|哪个|几个|谁|什么)(?:单位)?(?:的)?(?:周报)?还?(?:没有?|未)(?:交|报|填|提交|报送|填报)"
              r"(?:周报)?的?(?:单位)?(?:呢|啊)?[？?。]*$"
              r"|(?:还)?(?:没有?|未)(?:交|报|提交|报送)周报的(?:单位|有哪些|是哪些|是谁|有谁)?(?:单位)?[？?。]*$"
              # 「周报没交的有哪些」, 「周报没交的单位有哪些」
              r"|周报(?:还)?(?:没有?|未)(?:交|报|提交|报送)的?(?:单位)?(?:有哪些|是哪些|有谁|是谁|哪些)(?:单位)?[？?。]*$")

# 「提醒我交周报」, 「到时候提醒一下我们报周报」: a clerk asking to be reminded (the bureau's 催报 reminds units)
REMIND_ME = (r"(?:请|麻烦|帮我|记得|到时候?|每周)*(?:提醒|通知)(?:一下)?(?:我|我们|本单位|咱们)(?:一下)?(?:按时)?"
             r"(?:交|报|填|写|提交|报送|填报)?(?:一下)?周报(?:吧|呀|啊|哦)?[。！!～~]*$")

# 「这周发了5条」, 「本周更新了3篇文章」: a week's posts told in passing, when nothing else read it — how to report them
POSTS_TOLD = (r"(?:我们?|本单位)?(?:本周|这周|这星期|这个星期|上周)?(?:一共|共|总共)?(?:发了|发布了|更新了|推送了|发)"
              r"(?:\d+|[一二三四五六七八九十两]+)(?:条|篇|个)(?:文章|视频|内容|微博|信息|推文)?[了。！!]*$")


def asks_status(text: str) -> bool:
    """What follows 周报 (and its week) asks whether the report was filed (「交了吗」), or who has not (「谁没交」)."""
    return re.fullmatch(ASKED, text) is not None or re.match(WHO_MISSED, text) is not None


def register(router: Router) -> None:
    @router.command("周报情况", "周报汇总", "周报统计", questions=True, help="查看周报报送情况（「周报情况 上周」看上周）",
                    detail="主管单位：本县（或所辖范围）各单位的报送情况、未报单位、长期未更新账号和本周合计。\n"
                           "「周报情况」看本周，「周报情况 上周」看上周。\n"
                           "主办单位：本单位最近8周的报送记录。")
    def status(ctx: Context):
        show_status(ctx)

    @router.pattern(REVIEW_QUESTION, roles={STAFF, UNIT_HEAD})
    def review_question(ctx: Context):
        ctx.reply(NOT_REVIEWED)
        ctx.args = ctx.match.group("week") or ""
        show_status(ctx)

    @router.pattern(STATUS_QUESTION)
    def status_question(ctx: Context):
        ctx.args = ctx.match.group("week") or ctx.match.group("week2") or ""
        show_status(ctx)

    @router.pattern(WHO_MISSED)
    def who_missed(ctx: Context):
        ctx.args = ""
        show_status(ctx)

    @router.pattern(POSTS_TOLD, roles={STAFF, UNIT_HEAD}, guess=True)
    def posts_told(ctx: Context):
        week = weekly.previous_due_week(workdays.week_monday(clock.today())) if ctx.text.startswith("上周") \
            else workdays.week_monday(clock.today())
        word = "上周" if ctx.text.startswith("上周") else "本周"
        if weekly.due_day(week) is None:  # 春节: 「周报」 would refuse this week
            ctx.reply(f"本周（{weekly.week_label(week)}）没有工作日，不需要报送周报。"
                      + last_week_note(ctx, ctx.person.unit))
            return None
        report = weekly.find_report(ctx.session, ctx.person.unit_id, week)
        if report is not None:
            ctx.reply(f"{word}（{weekly.week_label(week)}）的周报已报送：{_week_state(week, report)}。"
                      f"要更正发布条数请回复「修改周报{' 上周' if word == '上周' else ''}」。")
            return None
        accounts = accounts_of_units(ctx.session, [ctx.person.unit_id], active_only=True)
        if not accounts:
            return PASS
        example = f"周报{' 上周' if word == '上周' else ''} {accounts[0].name}{accounts[0].platform} 5"
        ctx.reply(f"发布条数请在周报里报送。回复「周报{' 上周' if word == '上周' else ''}」按账号逐项填写；"
                  f"也可以一条消息报完，例如「{example}」（原创条数、最近发布日期、留言可接着写，见「帮助 周报」）。")
        return None

    @router.pattern(REMIND_ME, roles={STAFF, UNIT_HEAD})
    def remind_me(ctx: Context):
        """Reminders come by themselves on the due day; and where this week's report stands."""
        week = workdays.week_monday(clock.today())
        report = weekly.find_report(ctx.session, ctx.person.unit_id, week)
        ctx.reply("周报提醒会自动发送：每周的截止日（本周最后一个工作日，一般是周五；遇节假日提前，遇调休上班的周末顺延）9:00和15:00，"
                  "本单位还没有报送的，会提醒本单位的工作人员。\n"
                  f"本周（{weekly.week_label(week)}）：{_week_state(week, report)}。"
                  + ("" if report else "\n现在填报请回复「周报」。"))


def show_status(ctx: Context) -> None:
    """周报情况 [上周]: the roll-up for a bureau user, the unit's last weeks for its staff."""
    week = workdays.week_monday(clock.today())
    county, which = county_in(ctx, ctx.args.strip().rstrip("。."))  # 「周报情况 靖宇 上周」 from the city bureau
    if which not in THIS_OR_LAST and phrasing.asks_about(which):  # 「周报情况呢」, 「上周的呢」
        which = "上周" if "上周" in which else ""
    if which == "上周":
        week = weekly.previous_due_week(week)  # as 「周报 上周」: skips a week without a working day (春节)
    unknown = which not in THIS_OR_LAST
    if ctx.person.is_bureau_user:
        if unknown:
            units = match_units(ctx, which)
            if len(units) == 1:  # 「周报情况 教育局」: one unit's weeks, and what its latest report says
                ctx.reply(unit_history(ctx, units[0], workdays.week_monday(clock.today()), by_bureau=True))
                return
            if units:  # 「周报情况 教育局」 from the city: 抚松县教育局 or 靖宇县教育局
                ctx.reply(unit_hint(ctx, which, units) + f"例如「周报情况 {units[0].name}」。")
                return
            # a roll-up of another week than the one asked for would mislead
            ctx.reply(f"没能看懂「{which[:20]}」：「周报情况」看本周的报送情况，「周报情况 上周」看上周的，"
                      "「周报情况 教育局」看一个单位最近各周的周报。"
                      "更早各周每个单位的报送情况见月度通报的通报表（「周报」表）。")
            return
        scope = county or ctx.person.unit
        ids = subtree_ids(ctx.session, county.id) if county else visible_unit_ids(ctx.session, ctx.person)
        text = render(compute(ctx.session, ids, week), scope.name, markdown=False)
        if county is None and ctx.person.unit.kind == CITY_BUREAU:
            text += "\n分县查看：" + "、".join(f"「周报情况 {place_of(c)}」" for c in counties_of(ctx.session, scope)) + "。"
        ctx.reply(text)
    else:
        note = f"没能看懂「{which[:20]}」，下面是本单位最近{HISTORY_WEEKS}周的周报（「周报情况 上周」从上周往前列）。\n" \
            if unknown else ""
        ctx.reply(note + unit_history(ctx, ctx.person.unit, week))


def unit_history(ctx: Context, unit, week, by_bureau: bool = False) -> str:
    """A unit's last weeks; for the bureau, also each account's line of its latest report (its problems too)."""
    first = week - timedelta(days=7 * (HISTORY_WEEKS - 1))
    reports = {r.week: r for r in ctx.session.scalars(
        select(WeeklyReport).where(WeeklyReport.unit_id == unit.id, WeeklyReport.week >= first,
                                   WeeklyReport.week <= week))}
    lines = [f"{unit.name}最近{HISTORY_WEEKS}周的周报："]
    began = first_week(ctx, unit)
    mondays = [week - timedelta(days=7 * n) for n in range(HISTORY_WEEKS)]
    due = weekly.reports_due(ctx.session, [unit.id], mondays)  # as the bulletin counts a week owed
    for monday in mondays:
        if monday in reports:
            state = _week_state(monday, reports[monday])
        elif monday < began:  # not 「未报（已逾期）」 for weeks before the bot was used
            state = "无记录（助手启用前）"
        elif monday in due and unit.id not in due[monday][0]:
            state = "无需报送（当时没有在用的账号）"
        else:
            state = _week_state(monday, None)
        lines.append(f"· {weekly.week_label(monday)}：{state}")
    if not by_bureau:
        lines.append("回复「周报」填报本周，「修改周报」修改已报内容。")
        return "\n".join(lines)
    if reports:
        latest = reports[max(reports)]
        lines.append(f"最近一份（{weekly.week_label(latest.week)}）：")
        lines += [f"· {e.account.name}（{e.account.platform}）：{describe_entry(weekly.entry_dict(e))}"
                  for e in latest.entries]
    lines.append(f"回复「催报 {unit.name}」提醒该单位报送。")
    return "\n".join(lines)


def first_week(ctx: Context, unit):
    """The first week reported through the bot in the unit's county (the bulletin counts from there too), or last week
    if earlier: a week that can still be filed is never 「before the bot」."""
    bureau = unit if unit.is_bureau else unit.supervising_bureau()
    first = weekly.first_reported_week(ctx.session, subtree_ids(ctx.session, bureau.id)) if bureau else None
    fileable = weekly.previous_due_week(workdays.week_monday(clock.today()))
    return min(first, fileable) if first else fileable


def _week_state(monday, report: WeeklyReport | None) -> str:
    if report is None:
        if weekly.due_day(monday) is None:
            return "无工作日，无需报送"
        deadline = weekly.due_at(monday)
        return "未报（已逾期）" if clock.now() > deadline else f"未报（{weekly.deadline_label(monday)}截止）"
    at = clock.localize(report.submitted_at)
    state = "迟报" if report.late else "按时"
    posts = sum(e.posts for e in report.entries)
    edited = f"，修改过（第{report.version}版）" if report.edited else ""
    return f"已报（{state}），{report.submitted_by.name} {at:%m-%d %H:%M}，发布{posts}条{edited}"
