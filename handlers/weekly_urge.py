"""催报: the county bureau urges units that have not filed the weekly report (第30条), by hand, between the
scheduled reminders. The units are listed and confirmed first; each unit is urged once a day at most.

The week is the one being reported on: this week from its due day on, before that the last week that was due.
The staff a push reaches are urged (the heads when there are none), as the scheduled reminders do.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot import clock, outbox, workdays
from bot.choices import confirmed
from bot.router import END, Context, Router
from handlers.oversight_util import match_units, unit_hint
from jobs.weekly import heads_by_unit, how_to_file_overdue, missing_units, reachable_by_unit, staff_by_unit
from models import org, weekly
from models.org import BUREAU_ADMIN, BUREAU_REVIEWER, Unit

# 「提醒教育局交周报」, 「催一下教育局」, 「催教育局报周报」, 「催一下没交周报的单位」
URGE_ASKED = (r"(?:请|帮我)?(?:提醒|催促|催)(?:一下|下)?(?!我|咱)(?P<unit>[^\s，,。？?]{2,20}?)?"
              r"(?:(?:赶紧|尽快|快)?(?:交|报|填|提交|报送)(?:一下)?周报)?[。！!]*$"
              # 「给教育局发个催报」, 「给没交的单位发一下提醒」
              r"|(?:请|帮我)?给(?P<unit2>[^\s，,。？?]{2,20}?)发(?:个|一个|一下|条|一条)?(?:催报通知|催报|周报提醒|提醒)(?:吧)?[。！!]*$")
EVERYONE_WORDS = ("所有单位", "没交周报的单位", "没交的单位", "没报的单位", "未报单位", "未报的单位", "大家", "各单位")


def urged_week(today: date) -> tuple[date, bool]:
    """(the week being reported on, whether its deadline has passed)."""
    week = workdays.week_monday(today)
    due = weekly.due_day(week)
    if due is None or today < due:
        week = weekly.previous_due_week(week)
    deadline = weekly.due_at(week)
    return week, deadline is not None and clock.now() > deadline


def register(router: Router) -> None:
    router.conversation("urge", title="催报周报", summary=lambda d: "、".join(d.get("names", [])))

    @router.command("催报", "催交周报", "周报催报", roles={BUREAU_ADMIN, BUREAU_REVIEWER},
                    help="提醒没交周报的单位报送（「催报 教育局」只提醒一个单位）",
                    detail="列出辖区内本周（周报截止日之前是上周）还没有报送周报的单位，确认后给这些单位的工作人员"
                           "（没有工作人员的给单位负责人）发送提醒。「催报 教育局」只提醒这个单位。每个单位每天最多提醒一次；"
                           "定时提醒照常发送。")
    def urge(ctx: Context):
        week, late = urged_week(clock.today())
        scope = set(org.visible_unit_ids(ctx.session, ctx.person))
        name, said = (ctx.args or "").strip(), None
        for word in ("上周", "本周", "这周"):  # 「催报 上周」, 「催报 教育局 上周」
            if name.startswith(word) or name.endswith(word):
                rest = name.removeprefix(word) if name.startswith(word) else name.removesuffix(word)
                said, name = word, rest.strip()
        if said:
            this = workdays.week_monday(clock.today())
            week = weekly.previous_due_week(this) if said == "上周" else this
            late = weekly.due_at(week) is not None and clock.now() > weekly.due_at(week)
        missing = [u for u in missing_units(ctx.session, week) if u.id in scope]
        if name and name not in EVERYONE_WORDS:
            units = match_units(ctx, name)
            if len(units) != 1:
                ctx.reply(unit_hint(ctx, name, units))
                return END
            if units[0].id not in {u.id for u in missing}:
                earlier = weekly.previous_due_week(week)
                if said or units[0].id not in {u.id for u in missing_units(ctx.session, earlier)}:
                    ctx.reply(f"{units[0].name}{weekly.week_label(week)}的周报已经报送（或这一周不需要报送），无需提醒。")
                    return END
                ctx.reply(f"（{units[0].name}{weekly.week_label(week)}的周报已报送，{weekly.week_label(earlier)}的还没有报送。）")
                week, late = earlier, True  # 「催一下教育局」: the week it still owes
            missing = units
        if not missing:
            ctx.reply(f"辖区内各单位{weekly.week_label(week)}的周报都已报送（或不需要报送），无需提醒。")
            return END
        ctx.data = {"week": week.isoformat(), "late": late, "unit_ids": [u.id for u in missing],
                    "names": [u.name for u in missing]}
        return "urge.confirm"

    def confirm_prompt(ctx: Context) -> str:
        d = ctx.data
        week = weekly.week_label(date.fromisoformat(d["week"]))
        state = "已逾期" if d["late"] else f"截止{weekly.deadline_label(date.fromisoformat(d['week']))}"
        return (f"{week}还没有报送周报的单位（{len(d['names'])}个，{state}）：\n" + "\n".join(f"· {n}" for n in d["names"])
                + "\n回复「确认」给这些单位发送提醒，回复「取消」不发送。")

    @router.state("urge.confirm", prompt=confirm_prompt)
    def confirm(ctx: Context):
        if not confirmed(ctx, "发送提醒", "没有发送提醒。"):
            return END
        ctx.reply(send(ctx, date.fromisoformat(ctx.data["week"]), ctx.data["unit_ids"]))
        return END

    @router.pattern(URGE_ASKED, roles={BUREAU_ADMIN, BUREAU_REVIEWER}, refused_as="催报")
    def urge_asked(ctx: Context):
        ctx.args = ctx.match["unit"] or ctx.match["unit2"] or ""
        return urge(ctx)


def send(ctx: Context, week: date, unit_ids: list[int]) -> str:
    """Urge the units still missing `week` now (one may have filed since the list was shown)."""
    session = ctx.session
    still = {u.id for u in missing_units(session, week)}
    units = [u for u in session.scalars(select(Unit).where(Unit.id.in_(unit_ids)).order_by(Unit.id)) if u.id in still]
    staff = reachable_by_unit(staff_by_unit(session, units))
    heads = reachable_by_unit(heads_by_unit(session, [u for u in units if not staff[u.id]]))
    today, late = clock.today(), clock.now() > weekly.due_at(week)
    how = how_to_file_overdue(week, today) if week < workdays.week_monday(today) else "回复「周报」填报"
    urged, again, nobody = [], [], []
    for unit in units:
        people = staff[unit.id] or heads[unit.id]
        if not people:
            nobody.append(unit.name)
            continue
        text = (f"【周报催报】{ctx.person.unit.name}提醒：{unit.name}{weekly.week_label(week)}的周报还没有报送"
                f"（截止{weekly.deadline_label(week)}{'，已逾期' if late else ''}），请{how}。")
        rows = outbox.push_text(session, people, text, dedupe_key=f"weekly:urge:{week}:{today}:{unit.id}")
        (urged if rows else again).append(unit.name)
    copy_to_counties(ctx, week, [u for u in units if u.name in urged])
    lines = [f"已提醒{len(urged)}个单位：{'、'.join(urged)}。" if urged else "没有发出新的提醒。"]
    if again:
        lines.append(f"今天已经提醒过：{'、'.join(again)}（每个单位每天最多提醒一次）。")
    if nobody:
        lines.append(f"在通讯录中没有能收到提醒的人员：{'、'.join(nobody)}，请联系这些单位补充人员。")
    if len(units) < len(unit_ids):
        lines.append("其余单位在此期间已经报送。")
    return "\n".join(lines)


def copy_to_counties(ctx: Context, week: date, units: list[Unit]) -> None:
    """The city bureau urged a county's units: the county's admins learn of it (as of its 整改通知 and 处置措施),
    so they do not urge the same units again or wonder why they filed."""
    if ctx.person.unit.kind != org.CITY_BUREAU:
        return
    by_county: dict[int, list[Unit]] = {}
    for unit in units:
        county = unit.supervising_bureau()
        if county is not None and county.id != ctx.person.unit_id:
            by_county.setdefault(county.id, []).append(unit)
    today = clock.today()
    for county_id, urged in by_county.items():
        names = "、".join(u.name for u in urged)
        text = (f"【周报催报（抄送）】{ctx.person.unit.name}（{ctx.person.name}）提醒了本县{len(urged)}个单位报送"
                f"{weekly.week_label(week)}的周报：{names}。供知悉，无需处理；回复「周报情况」查看本县报送情况。")
        outbox.push_text(ctx.session, org.bureau_people(ctx.session, urged[0], BUREAU_ADMIN), text,
                         dedupe_key=f"weekly:urge-copy:{week}:{today}:{county_id}")  # the text tells the units apart
