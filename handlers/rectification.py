"""Rectification items (整改, 第29条): the bureau notifies, the unit answers, the bureau accepts or reopens."""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from sqlalchemy.orm import Session

from bot import clock, outbox, workdays
from bot.choices import confirmed, number_said
from bot.router import END, PASS, Context, Router, dialogue_only
from handlers.oversight_ask import ask
from handlers.oversight_util import (DAY_SAID, by_number, day_said, match_units, parse_ref, split_first,
                                     text_then_confirm, the_only_awaiting, unit_hint, unit_in_scope, units_named,
                                     verdict_then_confirm)
from handlers.screenshots import SCREENSHOT_MINUTES, Kind
from handlers.weekly_parse import chinese_number
from models import org
from models.org import BUREAU_ADMIN, BUREAU_REVIEWER, STAFF, UNIT_HEAD, Unit, names_of, shown_name
from models.oversight import bureau_admins, unit_people
from models.rectification import (ACCEPTED, DEFAULT_WORKDAYS, REOPENED, SUBMITTED, TO_FIX, Rectification,
                                  RectificationAnswer, create_item, describe, items_of_units)
from models.screenshot import Screenshot

BUREAU = {BUREAU_ADMIN, BUREAU_REVIEWER}


# 已整改 said in a sentence: 「整改好了」, 「我们已经整改了，已补发本周内容」
FIXED_SAID = (r"(?:我们?|本单位)?(?:已经?|都)?整改(?:好了|完了|完成了?|到位了?|结束了?|了)[！!。]?"
              r"(?:[，,。；;：:\s]+(?P<text>.+))?$")
# What was done, said without 已整改 (「视频号今天已经发了三条了，以后每周更新」): offered, with 确认, as the
# unit's only item's 整改情况 — a sentence of at least 6 characters telling something done
DONE_SAID = (r"(?=.{6,}$)(?=.*(?:已|了))"
             r"(?=.*(?:更新|发布|发了|发文|补发|整改|恢复|删除|删了|修改|改正|改好|处理|完善|下架|撤下|撤回)).*")
# 「我们有整改吗」, 「还有要整改的吗」, 「有没有整改事项」: 整改清单
ITEMS_ASKED = (r"(?:我们|本单位|单位)?(?:有|还有|有没有)(?:什么|哪些)?(?:要|需要)?(?:整改|整改的|整改事项|整改任务)"
               r"(?:事项)?(?:吗|么|没有?|呢)?[？?。]*$")
# A deadline said after the problem (「…，3个工作日内完成」, 「… 期限12月1日」, 「…，请于12月1日前整改」)
_WHEN = r"(?:\d+|[一二三四五六七八九十]+)个?工作日|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}月\d{1,2}[日号]?|\d{1,2}-\d{1,2}"
DEADLINE_SAID = re.compile(rf"[，,；;。\s]*(?:期限|截止|限期|请于|请在|须在|须于)?(?:为|到|至|是)?\s*(?P<when>{_WHEN})"
                           r"(?:内|前|之前|以前)?(?:完成|整改|整改完毕|整改到位|完成整改)?[。.]?$")
DEADLINE_CHANGED = re.compile(rf"(?:修改|改)?期限(?:改为|改成|改到|为|到)?\s*(?P<when>{_WHEN})(?:内|前)?")


def split_deadline(problem: str) -> tuple[str, str | None]:
    """(the problem, the deadline said at its end or None)."""
    m = DEADLINE_SAID.search(problem)
    if not m or m.start() == 0:
        return problem, None
    return problem[:m.start()].strip(" ，,；;"), m["when"]


def parse_deadline(said: str, today: date, session) -> date | None:
    said = unicodedata.normalize("NFKC", said)
    m = re.fullmatch(r"(\d+|[一二三四五六七八九十]+)个?工作日", said)
    if m:
        count = int(m[1]) if m[1].isdigit() else chinese_number(m[1])
        return workdays.add_workdays(today, count, session) if count and count <= 60 else None
    m = re.fullmatch(DAY_SAID, said)
    return day_said(m, today) if m else None


# 「查看整改 3」, 「整改 3」, 「整改事项3」
ITEM_ASKED = r"(?:查看|看看|看一下)?整改(?:事项)?\s*(?P<number>\d+)[？?。]*$"
# The account's last update is what its weekly report says: without it the dormancy notices go on counting
UPDATE_IN_REPORT = ("\n账号恢复更新后，请在周报中填报最近一次发布的日期（回复「周报」，本周已报的回复「修改周报」），"
                    "助手据此停止停更提醒。")
HOW_TO_FIX = r"(?:要|该|应该)?(?:怎么|咋|如何|怎样)(?:提交)?整改(?:呢|啊)?[？?]*$|整改(?:怎么|咋|如何)(?:弄|办|做|提交|填)[？?]*$"
# 整改通知 said in a sentence: to (给/向/对) a unit, or asking (要求/让/通知) a unit to 整改
RECTIFY_ASKED = (r"(?:给|向|对)(?P<unit>[^\s，,：:]{2,20}?)(?:发|下发|开|出)(?:个|一个|一份|份)?整改通知[，,：:\s]*(?P<problem>.*)$"
                 r"|(?:要求|让|请|通知|责成)(?P<unit2>[^\s，,：:]{2,20}?)(?:限期)?整改[，,：:\s]*(?P<problem2>.*)$")


OPEN_ITEMS_SHOWN = 5


def open_items_note(session: Session, unit_id: int, unit_name: str) -> str:
    """Before a 整改通知 is issued: the unit's unfinished items, so the same problem is not issued twice (the 14-day
    notice invites one; another admin, or the bulletin, may have issued it already). Empty when there are none."""
    items = items_of_units(session, [unit_id])
    if not items:
        return ""
    lines = [f"· {i.id}「{i.problem}」（{i.status}，期限 {i.deadline.isoformat()}）" for i in items[:OPEN_ITEMS_SHOWN]]
    more = [f"……另有{len(items) - OPEN_ITEMS_SHOWN}项（「整改清单 {unit_name}」）"] if len(items) > OPEN_ITEMS_SHOWN else []
    return "\n".join([f"注意：{unit_name}还有未完成的整改事项（{len(items)}项）：", *lines, *more,
                      "同一问题不必重复下发（回复「取消」）；不同的问题请回复「确认」下发。"]) + "\n"


def register(router: Router) -> None:
    router.conversation("rectify", title="整改通知",
                        summary=lambda d: f"{d.get('unit_name', '')}：{d.get('problem', '')}")
    router.conversation("rectification", title="提交整改情况", summary=lambda d: f"整改事项 {d.get('number')}",
                        kept_on_cancel=True)
    router.conversation("review", title="审核整改情况", summary=lambda d: f"整改事项 {d.get('number')}")

    @router.command("整改通知", roles={BUREAU_ADMIN}, help="向单位下发整改通知",
                    detail="用法：整改通知 单位 问题描述\n例如「整改通知 教育局 抚松教育公众号两周未更新」。"
                           f"整改期限默认为{DEFAULT_WORKDAYS}个工作日，下发前会请您确认。")
    def notify(ctx: Context):
        name, problem = split_first(ctx.args)
        if not name or not problem:  # asked for, one question at a time
            return ask(ctx, "整改通知", "问题", "抚松教育公众号两周未更新", name)
        units = match_units(ctx, name)
        if len(units) != 1:
            ctx.reply(unit_hint(ctx, name, units))
            return None
        problem, said = split_deadline(problem)  # 「…，3个工作日内完成」, 「… 期限12月1日」
        if len(problem) < 4:
            ctx.reply("请把问题写具体一些（至少4个字），单位才知道要整改什么。")
            return None
        deadline = deadline_of(ctx, said) if said else \
            workdays.add_workdays(clock.today(), DEFAULT_WORKDAYS, ctx.session)
        if deadline is None:
            return None
        ctx.data.update(unit_id=units[0].id, unit_name=units[0].name, problem=problem,
                        deadline=deadline.isoformat())
        return "rectify.confirm"

    def deadline_of(ctx: Context, said: str):
        """「3个工作日」, 「12月1日」, 「2026-12-01」 → the deadline, or None after saying why not."""
        day = parse_deadline(said, clock.today(), ctx.session)
        if day is None or day <= clock.today():
            ctx.reply(f"没能看懂期限「{said[:20]}」，或它不在今天之后。请写「3个工作日」或「12月1日」这样的期限。")
            return None
        return day

    @router.pattern(RECTIFY_ASKED, roles={BUREAU_ADMIN}, refused_as="整改通知")
    def notify_asked(ctx: Context):
        """「给教育局发个整改通知：公众号两周未更新」, 「要求教育局整改公众号更新不及时」: 整改通知 in a sentence."""
        unit, problem = (ctx.match["unit"], ctx.match["problem"]) if ctx.match["unit"] else \
            (ctx.match["unit2"], ctx.match["problem2"])
        ctx.args = f"{unit} {problem.strip()}".strip()
        return notify(ctx)

    def confirm_prompt(ctx: Context) -> str:
        d = ctx.data
        days = workdays.workdays_between(clock.today(), date.fromisoformat(d["deadline"]))
        return (f"请确认整改通知：\n单位：{d['unit_name']}\n问题：{d['problem']}\n整改期限：{d['deadline']}"
                f"（{days}个工作日）\n" + open_items_note(ctx.session, d["unit_id"], d["unit_name"])
                + "回复「确认」下发给该单位，回复「取消」放弃；要改期限请回复「期限 12月1日」或「期限 3个工作日」。")

    @router.state("rectify.confirm", prompt=confirm_prompt)
    def confirm(ctx: Context):
        new = DEADLINE_CHANGED.fullmatch(ctx.text.strip().rstrip("。.！!"))
        if new:  # 「期限改为12月2日」, 「期限 3个工作日」
            day = deadline_of(ctx, new["when"])
            if day is not None:
                ctx.data["deadline"] = day.isoformat()
            return "rectify.confirm"
        if not confirmed(ctx, "下发", "已放弃，没有下发整改通知。",
                         hint="请回复「确认」下发，或「取消」放弃；要改期限请回复「期限 12月1日」或「期限 3个工作日」。"):
            return END
        unit = ctx.session.get(Unit, ctx.data["unit_id"])
        item = create_item(ctx.session, unit=unit, problem=ctx.data["problem"], by=ctx.userid,
                           deadline=date.fromisoformat(ctx.data["deadline"]))
        ctx.reply(f"已下发整改通知 {item.id} 给{unit.name}，期限 {item.deadline.isoformat()}。")
        return END

    @router.command("已整改", roles={STAFF, UNIT_HEAD}, help="提交整改情况",
                    detail="用法：已整改 编号 整改说明\n例如「已整改 5 已补发本周内容并安排专人值守」。")
    def answer(ctx: Context):
        number, text = parse_ref(ctx.args)
        if number is None:  # the unit's only item to fix is meant; with several, the clerk is shown them
            number = _only_item_to_fix(ctx)
            if number is None:
                return None
        item = _item(ctx, number, "已整改 编号 整改说明")
        if item is None:
            return None
        if item.status not in TO_FIX:
            ctx.reply(f"整改事项 {item.id} 当前状态为「{item.shown_status}」，{_not_again(item, text)}")
            return None
        ctx.data = {"number": item.id, "what": f"整改事项 {item.id} ", "problem": item.problem}
        if len(text) < 4:  # asked for, then confirmed, rather than the whole command typed again
            return "rectification.text"
        return _to_confirm(ctx, text)

    @router.pattern(FIXED_SAID, roles={STAFF, UNIT_HEAD}, refused_as="已整改")
    def answer_said(ctx: Context):
        """「整改好了」, 「我们已经整改了，已补发本周内容」: 已整改 for the unit's only item, its text asked for (or taken
        from the sentence) and confirmed before it goes."""
        number = _only_item_to_fix(ctx)
        item = _item(ctx, number, "已整改 编号 整改说明") if number is not None else None
        if item is None:
            return None
        ctx.data = {"number": item.id, "what": f"整改事项 {item.id} ", "problem": item.problem}
        said = (ctx.match["text"] or "").strip()
        if len(said) < 4:
            return "rectification.text"
        return _to_confirm(ctx, said)

    @router.pattern(DONE_SAID, roles={STAFF, UNIT_HEAD}, guess=True)
    def done_said(ctx: Context):
        """With one item to fix, a sentence telling what was done is offered as its 整改情况 (confirmed before it
        goes); otherwise another reading is tried."""
        items = [item for item in items_of_units(ctx.session, [ctx.person.unit_id]) if item.status in TO_FIX]
        if len(items) != 1 or len(ctx.text) > 500:
            return PASS
        item = items[0]
        ctx.reply(f"（这是整改事项 {item.id}「{item.problem}」的整改情况吗？）")
        ctx.data = {"number": item.id, "what": f"整改事项 {item.id} ", "problem": item.problem}
        return _to_confirm(ctx, ctx.text.strip())

    @router.pattern(HOW_TO_FIX)
    @dialogue_only
    def how_to_fix(ctx: Context):
        ctx.text = ("帮助 已整改" if ctx.sender.has_role(STAFF, UNIT_HEAD)
                    else "帮助 整改通知" if ctx.sender.has_role(BUREAU_ADMIN) else "帮助 整改清单")
        return router.fallbacks["help"](ctx)

    def submit_later(ctx: Context, number: int, text: str) -> None:
        item = ctx.session.get(Rectification, number)
        if item.status not in TO_FIX:  # answered by a colleague, or written off, meanwhile
            ctx.reply(f"整改事项 {item.id} 当前状态为「{item.shown_status}」，{_not_again(item, text)}")
        else:
            _submit_answer(ctx, item, text)

    text_then_confirm(router, "rectification", command="已整改", noun="整改情况", minimum=4, ask=lambda ctx: (
        f"整改事项 {ctx.data['number']}（{ctx.data['problem']}）：请简要说明整改情况，"
        "例如「已补发本周内容，并安排专人每周更新」："),
        hint="整改情况会作为正式记录交主管单位审核，请写明做了什么（至少4个字）。", submit=submit_later)

    def _submit_answer(ctx: Context, item: Rectification, text: str) -> None:
        item.answers.append(RectificationAnswer(text=text, answered_by=ctx.userid, answered_at=ctx.now))
        before = {"status": item.status}
        item.status = SUBMITTED
        ctx.audit("rectification.answer", "rectification", item.id, before, {"status": SUBMITTED})
        answered = f"{item.unit.name}\n问题：{item.problem}\n整改说明：{text}\n——{ctx.person.name}\n"
        outbox.push_text(ctx.session, _reviewers(ctx.session, item), f"【整改情况 {item.id}】{answered}"
                         f"回复「通过整改 {item.id}」或「重新整改 {item.id} 原因」。")
        if item.issued_from_above:
            outbox.push_text(ctx.session, bureau_admins(ctx.session, item.unit),
                             f"【整改情况 {item.id}（抄送）】{answered}"
                             f"这是{item.bureau.name}下发的整改事项，由{item.reviewer}审核，无需您处理。")
        idle = "未更新" in item.problem or "停更" in item.problem
        ctx.reply(f"已提交整改事项 {item.id} 的整改情况，{item.reviewer}审核后会通知您。"
                  f"\n如需附上整改截图，请在{SCREENSHOT_MINUTES}分钟内直接发送图片；之后要补发，请回复「补截图」。"
                  + (UPDATE_IN_REPORT if idle else ""))

    @router.command("通过整改", roles=BUREAU, help="确认单位整改到位",
                    detail="用法：通过整改 编号 [备注]，例如「通过整改 5」。"
                           "单位尚未提交、但不需要整改的事项（例如通报有误），写明说明即可核销：「通过整改 5 通报有误，已印发更正说明」。")
    def accept(ctx: Context):
        number, note = parse_ref(ctx.args)
        if number is None:  # the one answer awaiting review in the asker's scope, shown and confirmed first
            return _confirm_only_submitted(ctx, "accept", note)
        item = _item_to_decide(ctx, number, "通过整改 编号")
        if item is not None and item.status in TO_FIX:
            return _ask_write_off(ctx, item, note)
        if item is None or not _awaits_review(ctx, item):
            return None
        return _accept(ctx, item, note)

    def _accept(ctx: Context, item: Rectification, note: str):
        _verdict(ctx, item, ACCEPTED, note)
        item.closed_at = ctx.now
        _tell_unit(ctx, item, f"【整改事项 {item.id}】{decider(ctx)}确认整改到位：{item.problem}" +
                   (f"\n备注：{note}" if note else ""))
        _tell_issuer(ctx, item, "确认整改到位" + (f"（备注：{note}）" if note else ""))
        ctx.reply(f"整改事项 {item.id} 已通过，已通知{item.unit.name}。")
        return END

    @router.command("重新整改", roles=BUREAU, help="要求单位重新整改",
                    detail="用法：重新整改 编号 原因，例如「重新整改 5 仍未恢复更新」。"
                           f"新的期限从今天起算{DEFAULT_WORKDAYS}个工作日；也可以写在原因后面，"
                           "例如「重新整改 5 仍未恢复更新，3个工作日内完成」「… 期限12月1日」（须在今天之后）。")
    def reopen(ctx: Context):
        number, words = parse_ref(ctx.args)
        reason, said = split_deadline(words)  # 「…，3个工作日内完成」: the new deadline, checked before anything
        if said and deadline_of(ctx, said) is None:
            return None
        if number is None:
            if len(reason) < 2:
                ctx.reply("请写明需要重新整改的原因，例如「重新整改 仍未恢复更新」（有几项待审核时带上编号）。")
                return None
            return _confirm_only_submitted(ctx, "reopen", words)
        item = _submitted(ctx, number, "重新整改 编号 原因")
        if item is None:
            return None
        if len(reason) < 2:
            ctx.reply(f"请写明需要重新整改的原因，例如「重新整改 {item.id} 仍未恢复更新」。")
            return None
        return _reopen(ctx, item, words)

    def _reopen(ctx: Context, item: Rectification, words: str):
        """The answer sent back with a deadline counted afresh from today (the one said after the reason, or
        DEFAULT_WORKDAYS working days): the old one may be near or past."""
        reason, said = split_deadline(words)
        deadline = deadline_of(ctx, said) if said else \
            workdays.add_workdays(clock.today(), DEFAULT_WORKDAYS, ctx.session)
        if deadline is None:  # said on an earlier day, and no longer after today
            return END
        _verdict(ctx, item, REOPENED, reason)
        before, item.deadline = item.deadline, deadline
        ctx.audit("rectification.deadline", "rectification", item.id, {"deadline": before.isoformat()},
                  {"deadline": deadline.isoformat()})
        days = workdays.workdays_between(clock.today(), deadline)
        _tell_issuer(ctx, item, f"要求重新整改（原因：{reason}；新的期限 {deadline.isoformat()}）")
        _tell_unit(ctx, item, f"【整改事项 {item.id}】{decider(ctx)}要求重新整改：{item.problem}\n原因：{reason}\n"
                              f"新的期限：{deadline.isoformat()}（{days}个工作日内）。"
                              f"整改后请回复「已整改 {item.id} 整改说明」。")
        ctx.reply(f"已要求{item.unit.name}重新整改事项 {item.id}，新的期限 {deadline.isoformat()}（{days}个工作日）。")
        return END

    def _confirm_only_submitted(ctx: Context, verdict: str, words: str):
        items = [item for item in items_of_units(ctx.session, org.visible_unit_ids(ctx.session, ctx.person))
                 if item.status == SUBMITTED and item.reviewed_by(ctx.person)]
        item = the_only_awaiting(ctx, items, "通过整改" if verdict == "accept" else "重新整改", lambda item: (
            f"{describe(item, clock.today())}\n整改说明：{item.answers[-1].text if item.answers else ''}"),
            "没有等待审核的整改情况。回复「整改清单」查看整改事项。", "整改情况")
        if item is None:
            return None
        ctx.data = {"number": item.id, "verdict": verdict, "words": words}
        return "review.verdict"

    verdict_then_confirm(router, "review.verdict", noun="整改事项", again=lambda ctx, number: _submitted(
        ctx, number, "通过整改 编号"), verdicts={"accept": ("通过整改事项 {n}", _accept), "reopen": ("要求重新整改事项 {n}", _reopen)})

    @router.state("review.write_off", prompt=lambda ctx: (
        f"确认核销整改事项 {ctx.data['number']}？核销后单位无需整改，不能恢复。回复「确认」核销，回复「取消」不处理。"))
    def write_off_confirmed(ctx: Context):
        number = ctx.data["number"]
        if not confirmed(ctx, "核销", f"没有核销，整改事项 {number} 仍待单位整改。"):
            return END
        item = _item_to_decide(ctx, number, "通过整改 编号 说明")
        if item is not None and item.status not in TO_FIX:  # answered or decided meanwhile
            ctx.reply(f"整改事项 {item.id} 当前状态为「{item.shown_status}」，没有核销。")
        elif item is not None:
            _write_off(ctx, item, ctx.data["note"])
        return END

    @router.pattern(ITEMS_ASKED)
    def items_asked(ctx: Context):
        ctx.args = ""
        return listing(ctx)

    @router.pattern(ITEM_ASKED)
    def item_asked(ctx: Context):
        return show_item(ctx, int(ctx.match["number"]))

    def show_item(ctx: Context, number: int):
        item = by_number(ctx.session, Rectification, number)
        if item is None or item.unit_id not in org.visible_unit_ids(ctx.session, ctx.person):
            ctx.reply(f"没有找到您可以查看的整改事项 {number}。回复「整改清单」查看编号。")
            return None
        ctx.reply(item_text(ctx, item))
        return None

    @router.command("整改清单", "整改列表", "整改情况", help="查看整改事项",
                    detail="「整改清单」列出未完成的整改事项；「整改清单 全部」包括已通过、已核销的；"
                           "「整改清单 3」（或「查看整改 3」）看一项的全部经过：单位每次提交的整改情况、截图和县政数局的审核意见。\n"
                           "县政数局可加单位名称只看一个单位，例如「整改清单 教育局」「整改清单 教育局 全部」；"
                           "市政数局可加县名只看一个县，例如「整改清单 抚松」。")
    def listing(ctx: Context):
        number = number_said(ctx.args) if ctx.args.strip() else None
        if number is not None:  # 「整改清单 3」: one item and what the unit answered
            return show_item(ctx, number)
        everything = "全部" in ctx.args
        name = ctx.args.replace("全部", " ").strip(" ，,、")
        unit_ids, whose = org.visible_unit_ids(ctx.session, ctx.person), ""
        if name:
            if not ctx.person.is_bureau_user and not match_units(ctx, name):  # another unit's name: not 「没有找到」
                ctx.reply(f"您只能查看本单位（{ctx.person.unit.name}）的整改清单。请回复「整改清单」查看未完成的整改事项，"
                          "「整改清单 全部」查看全部。")
                return None
            named = units_named(ctx, name)
            if named is None:
                return None
            unit_ids, whose = named
        items = items_of_units(ctx.session, unit_ids, pending_only=not everything)
        if not items:
            ctx.reply(f"{whose}没有未完成的整改事项。" if not everything else f"{whose}还没有整改事项。")
            return None
        today = clock.today()
        bureau = ctx.person.is_bureau_user
        lines = [f"{whose}{'全部' if everything else '未完成的'}整改事项（{len(items)}项）："]
        lines += [describe(item, today, with_unit=bureau and len(unit_ids) != 1) for item in items]
        lines.append(bureau_footer(items) if bureau else "整改完成后回复「已整改 编号 整改说明」。")
        ctx.reply("\n".join(lines))
        return None


def bureau_footer(items: list[Rectification]) -> str:
    """How the items listed are answered and reviewed: the city's own items are reviewed by the city, not the county."""
    if not any(item.issued_from_above for item in items):
        return "单位回复「已整改 编号 说明」提交；县政数局回复「通过整改 编号」或「重新整改 编号 原因」。"
    return ("单位回复「已整改 编号 说明」提交；审核回复「通过整改 编号」或「重新整改 编号 原因」："
            "县政数局下发的由县政数局审核，注明「市政数局下发」的由市政数局审核。")


def _to_confirm(ctx: Context, text: str) -> str:
    """整改情况 given with the command (「已整改 5 已补发」) or in a sentence: shown for 确认 before it goes; 上一步
    goes back to the question that asks for it, to write it again."""
    ctx.answered = ("rectification.text", dict(ctx.data))
    ctx.data["text"] = text
    return "rectification.confirm"


def item_text(ctx: Context, item: Rectification) -> str:
    """One item: what is asked, by when, where it stands, and each answer with the bureau's verdict."""
    lines = [f"整改事项 {item.id}｜{item.unit.name}｜{item.shown_status}",
             *([f"下发：{item.bureau.name}（由其审核）"] if item.issued_from_above else []),
             f"问题：{item.problem}", f"期限：{item.deadline.isoformat()}"]
    names = names_of(ctx.session, {a.answered_by for a in item.answers} | {a.reviewed_by for a in item.answers})
    for n, answer in enumerate(item.answers, 1):
        at = clock.localize(answer.answered_at)
        shot = "，附截图" if answer.screenshot_id or answer.screenshot_media_id else ""
        lines.append(f"第{n}次整改情况（{shown_name(names, answer.answered_by)} {at:%m-%d %H:%M}{shot}）："
                     f"{answer.text}")
        if answer.verdict:
            note = f"：{answer.verdict_note}" if answer.verdict_note else ""
            lines.append(f"  审核：{answer.verdict}（{shown_name(names, answer.reviewed_by)}）{note}")
    if not item.answers:
        lines.append("单位还没有提交整改情况。")
    return "\n".join(lines)


def _attach_screenshot(ctx: Context, answer: RectificationAnswer) -> None:
    """The picture is with the answer; the bureau gets it once it is stored (`_forward`)."""
    ctx.audit("rectification.screenshot", "rectification", answer.item_id,
              after={"answer_id": answer.id, "screenshot_id": answer.screenshot_id})
    ctx.reply(f"截图已附在整改事项 {answer.item_id} 的整改情况中，并转给{answer.item.reviewer}，谢谢。")


def _forward(session: Session, answer: RectificationAnswer, shot: Screenshot) -> None:
    """Show the stored picture to the bureau: uploaded from our copy when delivered, however late (WeCom's media
    id of the clerk's picture lasts 3 days)."""
    item = answer.item
    admins = _reviewers(session, item)
    key = f"screenshot:{shot.id}:forward"
    outbox.push_text(session, admins, f"【整改情况 {item.id}】{item.unit.name}附上了整改截图：", dedupe_key=key)
    outbox.push_file(session, admins, shot.filename(f"整改事项{item.id}截图"), shot.content, media_type="image",
                     dedupe_key=key)


def _settled(answer: RectificationAnswer) -> str | None:
    """An answer the bureau has reviewed takes no 补截图: a closed item needs none; after 重新整改 the next
    answer takes the screenshot."""
    if answer.verdict is None:
        return None
    item = answer.item
    if item.status == ACCEPTED:
        return f"整改事项 {item.id} 已办结（{item.shown_status}），不需要再补截图。"
    then = (f"整改后回复「已整改 {item.id} 整改说明」重新提交，再发送截图。" if item.status in TO_FIX
            else "截图请补在重新提交的整改情况中。")
    return f"{item.reviewer}已要求整改事项 {item.id} 重新整改，这次的整改情况不再补截图；{then}"


def _only_item_to_fix(ctx: Context) -> int | None:
    """「已整改」 without a number: the one item the sender's unit has to fix, or None after saying why not."""
    pending = items_of_units(ctx.session, org.visible_unit_ids(ctx.session, ctx.person))
    items = [item for item in pending if item.status in TO_FIX]
    if len(items) == 1:
        return items[0].id
    if not items:
        ctx.reply("本单位现在没有待整改的事项。回复「整改清单 全部」查看以往的整改事项。")
        return None
    today = clock.today()
    ctx.reply("\n".join([f"本单位有{len(items)}项待整改，请带上编号，例如「已整改 {items[0].id} 整改说明」：",
                         *(describe(item, today, with_unit=False) for item in items)]))
    return None


def _item(ctx: Context, number: int | None, usage: str) -> Rectification | None:
    if number is None:
        ctx.reply(f"请带上整改事项编号，用法：{usage}。编号见整改通知，也可回复「整改清单」查看。")
        return None
    item = by_number(ctx.session, Rectification, number)
    if item is None or not unit_in_scope(ctx, item.unit_id):
        ctx.reply(f"没有找到您可以处理的整改事项 {number}，请回复「整改清单」核对编号。")
        return None
    return item


def _item_to_decide(ctx: Context, number: int | None, usage: str) -> Rectification | None:
    """The item for 通过整改/重新整改, if the sender's bureau is the one that issued it (and so reviews it)."""
    item = _item(ctx, number, usage)
    if item is None or item.reviewed_by(ctx.person):
        return item
    ctx.reply(f"整改事项 {item.id} 是{item.bureau.name}下发的，由{item.reviewer}审核，您不能通过、核销或要求重新整改。"
              f"回复「查看整改 {item.id}」可了解进展。")
    return None


def _submitted(ctx: Context, number: int | None, usage: str) -> Rectification | None:
    item = _item_to_decide(ctx, number, usage)
    return item if item is not None and _awaits_review(ctx, item) else None


def _awaits_review(ctx: Context, item: Rectification) -> bool:
    if item.status != SUBMITTED:
        ctx.reply(f"整改事项 {item.id} 当前状态为「{item.shown_status}」，没有待审核的整改情况。")
        return False
    return True


def _ask_write_off(ctx: Context, item: Rectification, note: str):
    """通过整改 N 说明 on an item the unit has not answered: closed because no rectification is needed — shown and
    confirmed first, as it cannot be undone (a mistyped number would close another unit's item)."""
    if len(note) < 4:
        ctx.reply(f"整改事项 {item.id} 当前状态为「{item.status}」，没有待审核的整改情况。"
                  f"如不需要整改（例如通报有误），请写明说明核销，例如「通过整改 {item.id} 通报有误，已印发更正说明」。")
        return None
    ctx.data = {"number": item.id, "note": note}
    ctx.reply(f"{describe(item, clock.today())}\n核销说明：{note}")
    return "review.write_off"


def _write_off(ctx: Context, item: Rectification, note: str) -> None:
    before = {"status": item.status}
    item.status, item.closed_at = ACCEPTED, ctx.now
    ctx.audit("rectification.write_off", "rectification", item.id, before, {"status": ACCEPTED, "note": note})
    _tell_unit(ctx, item, f"【整改事项 {item.id}】{decider(ctx)}已核销，无需整改：{item.problem}\n说明：{note}")
    _tell_issuer(ctx, item, f"核销（说明：{note}）")
    ctx.reply(f"整改事项 {item.id} 已核销，已通知{item.unit.name}。")


def decider(ctx: Context) -> str:
    """The level of the bureau deciding (the city may decide a county's item): the unit hears who did it."""
    return org.level_name(ctx.person.unit)


def _tell_issuer(ctx: Context, item: Rectification, what: str) -> None:
    """A bureau above the issuer decided the item: the issuing bureau's admins, who own it, hear what was done."""
    if item.bureau is None or item.bureau_id == ctx.person.unit_id:
        return
    outbox.push_text(ctx.session, _reviewers(ctx.session, item), f"【整改事项 {item.id}】{item.unit.name}：{item.problem}\n"
                                          f"{decider(ctx)}（{ctx.person.name}）已{what}。这是本局下发的事项，供知悉。")


def _verdict(ctx: Context, item: Rectification, status: str, note: str) -> None:
    latest = item.answers[-1]
    latest.verdict, latest.verdict_note = status, note or None
    latest.reviewed_by, latest.reviewed_at = ctx.userid, ctx.now
    before = {"status": item.status}
    item.status = status
    ctx.audit("rectification.review", "rectification", item.id, before, {"status": status, "note": note})


def _tell_unit(ctx: Context, item: Rectification, text: str) -> None:
    outbox.push_text(ctx.session, unit_people(ctx.session, item.unit_id), text)


def _reviewers(session: Session, item: Rectification):
    """Who is asked to review the unit's answers: the admins of the bureau that issued the item."""
    return bureau_admins(session, item.bureau or item.unit)


def _not_again(item: Rectification, text: str) -> str:
    """Why a second 已整改 is not taken; a supplement sent while the first awaits review is not lost unsaid."""
    if item.status != SUBMITTED:
        return "无需再提交。"
    if not text:
        return f"正在等待{item.reviewer}审核。"
    return (f"正在等待{item.reviewer}审核，这次的说明（「{text[:60]}」）没有保存。需要补充的请直接联系{item.reviewer}；"
            f"{item.reviewer}要求重新整改时，可以再回复「已整改」提交。")


SCREENSHOTS = Kind("rectification", RectificationAnswer.answered_by, RectificationAnswer.answered_at,
                   RectificationAnswer.screenshot_media_id, RectificationAnswer.screenshot_id, _attach_screenshot,
                   label=lambda answer: f"整改事项 {answer.item_id} 的整改情况",
                   detail=lambda answer: answer.item.problem[:20], settled=_settled, on_stored=_forward)
