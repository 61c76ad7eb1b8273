"""What a unit answers to a notice: to a weekly-report reminder or chase 「马上交」 from the clerk, 「已督促」 from the head
(each gets the week still owed and how to file it, or that nothing is owed); to a 培训提醒 「我们参加过培训了」 (the
bureau, which keeps the training ledger, is told). Instead of 没有理解."""
from __future__ import annotations

import re
from datetime import date

from bot import clock, outbox, workdays
from bot.router import PASS, Context, Router
from models import weekly
from models.org import STAFF, UNIT_HEAD
from models.oversight import bureau_admins
from models.training import trained_unit_ids

_SOON = r"(?:马上|立刻|立即|这就|今天|现在|一会儿?|等下|等会儿?|稍后|下午|尽快|抓紧)"
_FILE = r"(?:交|报|补|补报|补交|报送|提交|填|填报)"
_ACK = r"(?:(?:好的?|收到了?|嗯嗯?|行|知道了|明白)[，,。！!\s]*)?"
# 「马上交」, 「收到，马上补报」, 「好的今天就报」 — the clerk promising the report
PROMISE = _ACK + r"(?:我们?)?" + _SOON + r"就?" + _FILE + r"(?:周报)?(?:了|哈|吧|哦)?[。！!～~]*$"
# 「已督促」, 「收到，我让刘洋马上补」, 「已经催了」 — the unit head answering the chase
URGED = (_ACK + r"(?:(?:已经?|刚)(?:督促|催|提醒|通知)(?:过)?了?(?:他们?|她|经办人|负责人)?"
         r"|我?(?:已经?)?(?:让|叫|安排|催|通知)[\u4e00-\u9fff]{1,4}?" + _SOON + r"?" + _FILE + r"(?:周报)?)"
         r"(?:了|哈|吧)?[。！!～~]*$")

# 「我们10月份参加过县里组织的培训了」, 「培训参加过了」 — the answer to a 培训提醒 (第28条)
TRAINED = (r"(?!.*(?:没|未|不|吗|么|[？?]))(?:我们?|本单位|单位)?(?:已经?|早就)?(?:在?\S{0,8}?)?"
           r"(?:参加|参训|培训|组织|举办|开展|办)过?了?\S{0,12}?培训(?:了|过了)?[。！!～~]*$"
           r"|培训(?:已经?|早就|都)?(?:参加|参训)过?了[。！!～~]*$")

# 「培训登记」, 「我们单位自己组织了一次培训，怎么登记」, 「培训怎么登记」 — a unit wanting its training on the ledger,
# which only the county bureau keeps (第28条); said with the news of a training (「组织了」), that is passed on as well
REGISTER_ASKED = r"(?=.*培训)(?=.*登记).{2,60}$"
HELD = re.compile(r"(?:参加|参训|组织|举办|开展|办)(?:过|了)")

# 「通报有误怎么办」, 「对通报有异议」, 「扣分不对」 — a unit disputing the monthly bulletin (第30条)
OBJECTED = (r"(?=.*(?:通报|扣分|扣了分|得分|分数|排名|考核))"
            r"(?=.*(?:有误|不对|错了|有错|搞错|算错|弄错|异议|不服|不合理|申诉|不准确|不符|冤枉))(?!.*通报批评).{2,60}$")
# 「我们还没参加培训怎么办」, 「培训什么时候」, 「去哪里参加培训」 — a unit asking how to get its training (第28条);
# 「我们还没参加培训」, 「我们没参加过培训」 — saying it has had none, which wants the same answer
TRAINING_ASKED = (r"(?=.*培训)(?=.*(?:怎么办|什么时候|啥时候|哪天|几号|在哪|哪里|怎么参加|如何参加|怎么报名|报名|安排"
                  r"|没有?(?:参加|参训)))(?!.*(?<!没)(?<!没有)(?:参加过|参训过|培训过)).{2,40}$")


def _pass_on(ctx: Context, tag: str, ask: str, key: str) -> str:
    """The unit's words passed to its county bureau's admins (once a day per unit and `key`); 「（their names）」."""
    unit = ctx.person.unit
    admins = bureau_admins(ctx.session, unit)
    outbox.push_text(ctx.session, admins, f"【{tag}】{unit.name}{ctx.person.name}说：「{ctx.text[:60]}」。{ask}",
                     dedupe_key=f"{key}:{unit.id}:{clock.today().isoformat()}", once=True)
    return _who(admins)


def _trained_this_year(ctx: Context, unit) -> tuple[int, bool]:
    """(this year, whether the unit has anyone in this year's training ledger)."""
    year = clock.today().year
    return year, unit.id in trained_unit_ids(ctx.session, year)


def _who(admins) -> str:
    return f"（{'、'.join(p.name for p in admins)}）" if admins else ""


def register(router: Router) -> None:
    @router.pattern(OBJECTED, roles={STAFF, UNIT_HEAD})
    def objected(ctx: Context):
        unit = ctx.person.unit
        if unit.is_bureau:
            return PASS
        who = _pass_on(ctx, "通报异议", "请核实；通报中的问题建立的整改事项确属有误的，可回复「通过整改 编号 说明」核销。",
                       "objected-said")
        ctx.reply(f"好的，已把您的话转给县政数局管理员{who}，请他们核实。请把依据（周报记录、发布截图等）直接发给他们。\n"
                  "月度通报由县政数局生成和发布，已发布的通报不能在助手里更改；通报中的问题建立的整改事项，"
                  "县政数局核实有误后可以核销，核销后您单位不必为它提交整改情况。回复「查看通报」看本单位的扣分明细。")
        return None

    @router.pattern(TRAINING_ASKED, roles={STAFF, UNIT_HEAD})
    def training_asked(ctx: Context):
        unit = ctx.person.unit
        if unit.is_bureau:
            return PASS
        year, done = _trained_this_year(ctx, unit)
        who = _who(bureau_admins(ctx.session, unit))
        ctx.reply(f"{unit.name}{year}年" + ("已有人员参加培训，已记入培训台账。" if done else "还没有人员参加培训的记录。")
                  + f"\n培训由县政数局组织（第28条：每年至少参加一次），助手里不能报名；培训的时间、地点请联系县政数局管理员{who}。"
                  "参加后由县政数局登记，回复「单位记录」可以查看本单位的培训记录。")
        return None

    @router.pattern(REGISTER_ASKED, roles={STAFF, UNIT_HEAD})
    def register_asked(ctx: Context):
        unit = ctx.person.unit
        if unit.is_bureau:
            return PASS
        year, done = _trained_this_year(ctx, unit)
        record = f"{unit.name}{year}年" + ("已有参训记录。" if done else "还没有参训记录。")
        if HELD.search(ctx.text):
            who = _pass_on(ctx, "培训登记", "请核实后回复「培训登记」记入培训台账（第28条）。", "trained-said")
            ctx.reply(f"好的。培训台账由县政数局登记，已把您的话转给县政数局管理员{who}，请他们核实登记。"
                      f"请把培训的日期、主题、组织单位和参训人员名单直接发给他们。\n{record}回复「单位记录」可以查看。")
            return None
        who = _who(bureau_admins(ctx.session, unit))
        said = "「培训登记」仅限县政数局使用，您没有这个权限，也不需要开通。" if ctx.text.strip() in ("培训登记", "登记培训") \
            else ""
        ctx.reply(f"{said}培训台账由县政数局登记（第28条）：本单位参加了县里的培训，或自己组织了培训，"
                  f"请把培训的日期、主题、组织单位和参训人员名单发给县政数局管理员{who}，由他们核实登记；"
                  f"也可以直接告诉我，例如「我们11月5日组织了信息发布培训」，我转给他们。\n{record}回复「单位记录」可以查看。")
        return None

    @router.pattern(TRAINED, roles={STAFF, UNIT_HEAD}, guess=True)
    def trained(ctx: Context):
        unit = ctx.person.unit
        if unit.is_bureau:
            return PASS
        who = _pass_on(ctx, "培训登记", "请核实后回复「培训登记」记入培训台账（第28条）；登记后该单位不再收到培训提醒。",
                       "trained-said")
        ctx.reply(f"好的。培训台账由县政数局登记，已把您的话转给县政数局管理员{who}，请他们核实登记；"
                  "登记后不再提醒。如方便，请把培训的时间、名称和参训人员直接告诉他们。")
        return None

    @router.pattern(PROMISE, roles={STAFF, UNIT_HEAD}, guess=True)
    def promise(ctx: Context):
        owed = owed_weeks(ctx)
        if owed is None:
            return PASS
        if not owed:
            ctx.reply("好的。您单位本周和上周的周报都已报送，不用再报了；要改回复「修改周报」。")
            return None
        week = owed[0]
        word = " 上周" if week != this_week() else ""
        late = clock.now() > weekly.due_at(week)  # last week's always; this week's after Friday 17:00
        ctx.reply(f"好的。{weekly.week_label(week)}的周报现在就可以报：回复「周报{word}」逐个账号填写；"
                  f"各账号都没有更新的，回复「周报{word} 都没更新」即可。"
                  + ("（已过截止时间，报送后记为迟报。）" if late else f"截止时间：{weekly.deadline_label(week)}。"))
        return None

    @router.pattern(URGED, roles={UNIT_HEAD}, guess=True)
    def urged(ctx: Context):
        owed = owed_weeks(ctx)
        if owed is None:
            return PASS
        if not owed:
            ctx.reply("好的。您单位本周和上周的周报都已报送。")
            return None
        ctx.reply(f"好的。{'；'.join(week_said(ctx, w) for w in owed)}。回复「周报情况」可以随时查看。")
        return None


def week_said(ctx: Context, week: date) -> str:
    """Where a week owed stands, for the head who urged it: he hears of a late report only if he was chased for it."""
    from jobs.weekly import heads_told_overdue
    label = weekly.week_label(week)
    if clock.now() <= weekly.due_at(week):
        return f"本周（{label}）的周报{weekly.deadline_label(week)}截止"
    if ctx.person in heads_told_overdue(ctx.session, ctx.person.unit_id, week):
        return f"{label}的周报补报后，助手会通知您"
    return f"{label}的周报已过截止时间（{weekly.deadline_label(week)}），还没有报送"


def this_week() -> date:
    return workdays.week_monday(clock.today())


def owed_weeks(ctx: Context) -> list[date] | None:
    """The weeks the sender's unit still owes, last week first (last week while it can still be filed, this week
    once it has a working day); None when the unit has no account to report on (not a host unit's clerk)."""
    unit = ctx.person.unit
    if unit.is_bureau:
        return None
    weeks = [weekly.previous_due_week(this_week()), this_week()]
    due = weekly.reports_due(ctx.session, [unit.id], weeks)
    if not any(unit.id in units for units, _ in due.values()):
        return None
    return [w for w in weeks if w in due and unit.id in due[w][0] and unit.id not in due[w][1]]
