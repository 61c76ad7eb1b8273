"""A unit head passing the weekly report on to one of his clerks: 「让张伟把周报交了」, 「提醒李娜交周报」.

The bureau's 催报 reminds whole units; a head knows who files his unit's report and asks that person, by name.
The reminder is pushed at once (it changes no record) and said back to the head; a week already reported is said
instead, and a clerk is reminded at most once a day for a week."""
from __future__ import annotations

from sqlalchemy import select

from bot import clock, outbox
from bot.router import Context, Router
from handlers.weekly_urge import urged_week
from jobs.weekly import how_to_file_overdue, missing_units
from models import weekly
from models.org import UNIT_HEAD, Person, userid_is

HEAD_URGE = (r"(?:请|麻烦|帮我)?(?:让|叫|提醒|催促|催|通知)(?:一下)?(?P<name>[\u4e00-\u9fff]{2,4}?|[A-Za-z][\w.-]*)"
             r"(?:一下)?(?:赶紧|尽快|快点?|马上)?(?:把)?(?:周报)?(?:交|报|填|提交|报送|填报)(?:一下)?(?:周报)?(?:了|吧|啊)?[。！!]*$")


def register(router: Router) -> None:
    @router.pattern(HEAD_URGE, roles={UNIT_HEAD})
    def head_urge(ctx: Context):
        name, unit = ctx.match["name"], ctx.person.unit
        people = list(ctx.session.scalars(select(Person).where(
            Person.unit_id == unit.id, Person.active, (Person.name == name) | userid_is(Person.userid, name))
            .order_by(Person.id)))
        if not people:
            ctx.reply(f"{unit.name}的通讯录中没有「{name}」。请写本单位人员的姓名，例如「让{_a_clerk(ctx)}把周报交了」。")
            return
        week, late = urged_week(clock.today())
        label = weekly.week_label(week)
        if unit.id not in {u.id for u in missing_units(ctx.session, week)}:
            ctx.reply(f"{unit.name}{label}的周报已经报送（或这一周不需要报送），不用提醒。回复「周报情况」查看。")
            return
        state = "已逾期" if late else f"截止{weekly.deadline_label(week)}"
        how = how_to_file_overdue(week, clock.today()) if late else "回复「周报」填报"
        person = people[0]
        sent = outbox.push_text(
            ctx.session, person, f"【周报提醒】{ctx.person.name}提醒您：{unit.name}{label}的周报还没有报送（{state}），请{how}。",
            dedupe_key=f"weekly:head-urge:{week}:{person.id}:{clock.today()}", once=True)
        ctx.reply(f"已提醒{person.name}报送{label}的周报（{state}）。" if sent
                  else f"今天已经提醒过{person.name}报送{label}的周报，报送后您会在「周报情况」里看到。")


def _a_clerk(ctx: Context) -> str:
    from models.org import STAFF, people_with_role
    staff = people_with_role(ctx.session, STAFF, [ctx.person.unit_id])
    return staff[0].name if staff else "张伟"
