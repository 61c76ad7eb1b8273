"""单位记录: one unit's measures, rectification items, dormancy cases and training this year."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, selectinload

from bot import clock
from bot.choices import numbered
from bot.router import END, Context, Router
from handlers.approvals_after import due_text, pending_filings
from handlers.approvals_oversight import request_note
from handlers.oversight_util import OWN_UNIT_WORDS, account_units, match_units, picked_unit, unit_hint
from handlers.screenshots import evidence
from models.account import Account
from models.approval import ApprovalRequest
from models.measure import measures_of_unit
from models.org import STAFF, UNIT_HEAD, Unit, names_of, shown_name
from models.oversight import DormancyWatch, account_label, cases_of_units
from models.rectification import describe, items_of_units
from models.training import Training, TrainingAttendee

# A unit's record asked for in words: a name that reads as a unit's (…局, …中心, …镇), then 情况/怎么样/记录
UNIT_ASKED = (r"(?:我想|我要|我们想)?(?:看看|查查|看一下|查一下|查看|了解一下)?(?P<unit>本单位|我们单位|[^\s，,：:]{1,20}?"
              r"(?:局|中心|政府|镇|乡|街道|办公室|委员会|院|队|所|站|馆))的?(?:最近|近期|近来|这段时间|目前|现在)?的?"
              r"(?:情况|怎么样|表现|记录|近况|单位记录)(?:怎么样|如何)?[？?。]*$")


# What the record holds, asked about one's own unit: 「我们单位被约谈过吗」, 「今年参加培训了吗」, 「培训记录」
OWN_RECORD_ASKED = (r"(?:我们|本单位|我们单位|咱们)?(?:有没有)?(?:被)?(?:约谈|警告|通报批评|处分|处理)(?:过)?(?:吗|没有?)?[？?。]*$"
                    r"|(?:我们|本单位|我们单位|咱们)?(?:今年)?(?:参加|参训|有|搞|办)?(?:过)?(?:业务)?培训"
                    r"(?:了?(?:吗|没有?)|记录|情况)?[？?。]*$")  # 「参加过培训了」 is news (notice_replies)

# A unit's sentence about a measure taken on it (「警告我们了」, 「听说我们要被约谈」), when nothing else reads it
MEASURE_MENTIONED = r".*(?:约谈|警告|通报批评|处分|责令关闭)"


def register(router: Router) -> None:
    @router.command("单位记录", help="查看单位的处置措施、整改、停更跟进和培训记录",
                    detail="县政数局：「单位记录 单位名称」，例如「单位记录 教育局」。单位人员：「单位记录」查看本单位。")
    def record(ctx: Context):
        if ctx.person.is_bureau_user:
            if not ctx.args:  # which unit, from the list (as 整改通知 and 约谈 ask)
                return "record.unit" if account_units(ctx) else _no_units(ctx)
            units = match_units(ctx, ctx.args)
            if len(units) != 1:
                ctx.reply(unit_hint(ctx, ctx.args, units))
                return None
            unit = units[0]
        else:
            unit = ctx.person.unit
            asked = ctx.args.strip()
            if asked and asked not in OWN_UNIT_WORDS and not unit.name.endswith(asked):  # another unit
                ctx.reply(f"单位人员只能查看本单位的记录（没有查「{asked[:20]}」），下面是{unit.name}的记录。")
        ctx.reply(unit_record(ctx, unit))
        return None

    router.conversation("record", title="单位记录")

    @router.state("record.unit", prompt=lambda ctx: numbered(
        [u.name for u in account_units(ctx)], "查看哪个单位的记录？")
        .replace("（回复序号）", "（回复序号或单位名称）"))
    def record_unit(ctx: Context):
        ctx.reply(unit_record(ctx, picked_unit(ctx)))
        return END

    @router.pattern(OWN_RECORD_ASKED, roles={STAFF, UNIT_HEAD})
    def own_record_asked(ctx: Context):
        """Measures and trainings are in the unit's record."""
        ctx.args = ""
        return record(ctx)

    @router.pattern(MEASURE_MENTIONED, roles={STAFF, UNIT_HEAD}, guess=True)
    def measure_mentioned(ctx: Context):
        """The measures taken on the unit are in its record (the measures themselves are the bureau's)."""
        ctx.args = ""
        return record(ctx)

    @router.pattern(UNIT_ASKED)
    def record_asked(ctx: Context):
        """「看看教育局的情况」, 「卫健局怎么样」: the unit's record."""
        ctx.args = ctx.match["unit"]
        return record(ctx)


def _no_units(ctx: Context) -> None:
    ctx.reply("您管辖的范围内还没有主办单位。")


def _load(session: Session, model, ids) -> list:
    """Read these rows into the session in one query, so that the records pointing at them find them there
    instead of loading each one (单位记录 of a unit with many filings stays a handful of queries). The caller
    keeps the list: the session holds unchanged rows only as long as someone else does."""
    ids = {i for i in ids if i is not None}
    return list(session.scalars(select(model).where(model.id.in_(ids)))) if ids else []


def unit_record(ctx: Context, unit: Unit) -> str:
    session, today = ctx.session, clock.today()
    cases, filings = cases_of_units(session, [unit.id]), pending_filings(session, [unit.id])
    # what the cases and filings point at, read together (and kept referenced while the lines are made)
    kept = (_load(session, Account, [c.account_id for c in cases] + [f.account_id for f in filings]),
            _load(session, ApprovalRequest, [c.approval_request_id for c in cases] + [f.request_id for f in filings]))
    lines = [f"【单位记录】{unit.name}", *_measures(session, unit), *_items(session, unit, today),
             *_cases(session, unit, cases), *_training(session, unit, today)]
    if filings:  # 第11条: worded as the unit's reminder, 台账 and the digest word it
        lines.append(f"五、全国系统待报送（{len(filings)}项，第11条）")
        lines += [f"  第{f.request_id}号{f.request.kind}「{account_label(f.account)}」："
                  f"{due_text(f.deadline, today, session)}"
                  for f in filings]
    del kept
    return "\n".join(lines)


def _measures(session: Session, unit: Unit) -> list[str]:
    measures = measures_of_unit(session, unit.id)
    names = names_of(session, {m.created_by for m in measures})
    return [f"一、处置措施（{len(measures)}项）"] + (
        [f"  {clock.localize(m.created_at).date().isoformat()} {m.kind}（{shown_name(names, m.created_by)}）：{m.reason}"
         + (f"（约谈时间：{m.meeting_time}，地点：{m.meeting_place}）" if m.meeting_time or m.meeting_place else "")
         for m in measures] or ["  无"])


def _items(session: Session, unit: Unit, today) -> list[str]:
    items = items_of_units(session, [unit.id], pending_only=False)
    return [f"二、整改事项（{len(items)}项）"] + ([f"  {describe(item, today, with_unit=False)}{_evidence(item)}"
                                                for item in items] or ["  无"])


def _evidence(item) -> str:
    """The screenshot of the unit's latest answer, if it answered: 「｜截图已存档（96 KB）」."""
    return f"｜{evidence(item.answers[-1])}" if item.answers else ""


def _cases(session: Session, unit: Unit, cases) -> list[str]:
    lines = [f"三、停更跟进（{len(cases)}项）"]
    lines += [f"  {c.id}. [{c.status}] {c.account_label}｜{c.source}｜"
              f"{clock.localize(c.opened_at).date().isoformat()}{request_note(session, c)}" for c in cases] or ["  无"]
    dormant = session.scalars(select(DormancyWatch).join(DormancyWatch.account)
                              .where(DormancyWatch.dormant, Account.unit_id == unit.id)
                              .options(contains_eager(DormancyWatch.account))).all()
    if dormant:
        lines.append("  停更账号：" + "、".join(f"{account_label(w.account)}（{w.dormant_since}起）" for w in dormant))
    return lines


def _training(session: Session, unit: Unit, today) -> list[str]:
    trained = session.execute(
        select(TrainingAttendee, Training).join(Training)
        .where(TrainingAttendee.unit_id == unit.id, Training.held_on >= today.replace(month=1, day=1))
        .options(selectinload(TrainingAttendee.person))
        .order_by(Training.held_on)).all()
    return [f"四、{today.year}年培训（{len(trained)}人次）"] + (
        [f"  {t.held_on.isoformat()} {t.topic}：{a.person.name}" for a, t in trained] or ["  无（第28条要求每年至少一次）"])
