"""Bureau measures (第32条): 约谈 / 警告 / 通报 / 责令关闭 against a host unit, and the unit's record.

A measure reaches the unit's heads and the responsible persons (第21条) of the accounts it concerns: the account
ordered closed, or those its reason names (「抚松教育公众号三个月未更新」). A 约谈 carries its time and place, written
after the reason or given at the confirmation (either may be 待定). The confirmation of 责令关闭 says when the account
was last updated and by which record, and warns plainly when that is too recent for a "zombie" account (第15条).
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import clock, outbox
from bot.choices import confirmed, numbered, pick
from bot.router import END, Context, Reask, Router
from handlers.approvals_oversight import BY_BULLETIN, draft_cancellation, draft_lines, responsible_of
from handlers.bulletin import month_of
from handlers.oversight_ask import ask
from handlers.oversight_util import DAY_SAID, day_said, match_units, split_first, unit_hint
from jobs.dormancy import baseline, rungs
from models.account import PLATFORM_WORDS, Account, accounts_of_units
from models.measure import INTERVIEW, KINDS, NOTICE, ORDER_CLOSE, Measure
from models.org import BUREAU_ADMIN, Unit, level_name, reachable
from models.oversight import (CASE_PENDING, DORMANT, FROM_ORDER, DormancyCase, account_label, bureau_admins,
                              last_update, open_case, unit_heads, unit_people)

WHAT = {"约谈": "约谈", "警告": "警告", "通报": "通报批评", "责令关闭": "责令关闭账号"}
SAID = {"约谈": "约谈", "警告": "警告", "通报": "通报批评|通报", "责令关闭": "责令关闭(?:账号)?"}
MEASURE_ASKED = (r"(?:要|请)?(?:给|对|向)(?P<unit>[^\s，,：:]{{2,20}}?)(?:一个|个|一次|进行|予以|作出|做出|发个|发一个)?"
                 r"(?:{kind})(?:处理|处分|一下)?(?:[，,：:\s]+(?P<reason>.*))?$")
# 约谈's time and place: after the reason (「…，时间：11月20日下午3点，地点：县政数局302会议室」) or at the confirmation
# (「时间 11月20日下午3点」, 「约谈地点改为302会议室」, 「时间待定」). A bare 时间/地点 needs a separator after it, so that
# a reason's own words (「，时间紧迫」 aside) are not read as one.
MEETING_SAID = re.compile(r"(?:^|(?<=[，,；;。\s]))(?:约谈(时间|地点)[：:\s]*(?:改为|改成|改到|为|是|定于|定在)?"
                          r"|(时间|地点)(?:[：:\s]+|改为|改成|改到|为|是|定于|定在))")
UNSETTLED = "待定"
MEETING_LIMITS = {"时间": 60, "地点": 120}  # the columns' sizes
# 通报批评 is meant to be read by others (第29条 及时通报存在的突出问题): sent to the unit now, and listed in the
# month's bulletin (月度通报) that every unit receives when it is published
NOT_CIRCULATED = ("通报批评现在送达被通报单位并记入单位记录；本月的月度通报发布时列入「本月通报批评」"
                  "（单位名称和原因），各单位都会看到。")
DETAILS = {  # what the help says besides the usage
    INTERVIEW: "\n约谈的时间、地点可以写在原因后面：「约谈 教育局 抚松教育三个月未更新，时间：11月20日下午3点，"
               f"地点：县政数局302会议室」，也可以在确认时补充；还没定的写「{UNSETTLED}」。",
    NOTICE: f"\n{NOT_CIRCULATED}",
    ORDER_CLOSE: "\n确认时写明账号最近一次更新的日期和依据（哪一份周报）。"
                 "责令关闭会为该账号建立跟进事项：单位须申请注销或作出说明。",
}


def register(router: Router) -> None:
    router.conversation("measure", title="处置措施",
                        summary=lambda d: f"{d.get('kind', '')} {d.get('unit_name', '')}：{d.get('reason', '')}")

    for kind in KINDS:  # 「给卫健局一个警告」, 「对教育局进行约谈，…」: the measure in a sentence
        router.pattern(MEASURE_ASKED.format(kind=SAID[kind]), roles={BUREAU_ADMIN},
                       refused_as=kind)(_in_sentence(kind, router))
    for kind in KINDS:
        router.command(kind, roles={BUREAU_ADMIN}, help=f"对单位采取「{kind}」措施（第32条）",
                       detail=f"用法：{kind} 单位 原因\n例如「{kind} 教育局 抚松教育公众号三个月未更新，多次提醒未整改」。"
                              "送达前会请您确认；措施送达单位负责人"
                              + ("、工作人员和所选账号的负责人" if kind == ORDER_CLOSE else "和原因中写到的账号的负责人")
                              + "，并记入单位记录。" + DETAILS.get(kind, ""))(_starter(kind, router))

    def account_prompt(ctx: Context) -> str:
        accounts = _accounts(ctx.session, ctx.data["account_ids"])
        return numbered([f"{label}，{_updated(a)}" for label, a in zip(ctx.data["account_labels"], accounts)],
                        f"{ctx.data['unit_name']}有多个账号，请选择责令关闭哪一个：")

    @router.state("measure.account", prompt=account_prompt)
    def choose_account(ctx: Context):
        index = pick(ctx.text, ctx.data["account_labels"])
        in_hand = case_in_hand(ctx, ctx.data["account_ids"][index])
        if in_hand:
            raise Reask(f"{in_hand}\n请选择其他账号，或回复「取消」。")
        ctx.data["concerned"] = [ctx.data["account_ids"][index]]
        return "measure.confirm"

    def confirm_prompt(ctx: Context) -> str:
        d = ctx.data
        accounts = _accounts(ctx.session, _concerned(d))
        lines = ["请确认处置措施：", f"措施：{WHAT[d['kind']]}", f"单位：{d['unit_name']}",
                 *(f"账号：{account_label(a)}" for a in accounts), f"原因：{d['reason']}"]
        if d["kind"] == INTERVIEW:
            lines += [f"约谈{label}：{d.get('meeting', {}).get(label, UNSETTLED)}" for label in MEETING_LIMITS]
        if d["kind"] == ORDER_CLOSE:
            lines.append(update_note(ctx.session, accounts[0], clock.today()))
        lines.append(f"送达：{_audience_names(ctx.session, d, accounts)}")
        if d["kind"] == NOTICE:
            lines.append(f"（{NOT_CIRCULATED}）")
        lines.append("回复「确认」送达并记入单位记录，回复「取消」放弃。")
        if d["kind"] == INTERVIEW:
            lines.append("约谈的时间、地点请回复「时间 11月20日下午3点」「地点 县政数局302会议室」（可以一起写），"
                         f"没有写的在通知中写「{UNSETTLED}」。")
        return "\n".join(lines)

    @router.state("measure.confirm", prompt=confirm_prompt)
    def confirm(ctx: Context):
        if ctx.data["kind"] == INTERVIEW:
            said = meeting_said(ctx.text)
            if said:
                ctx.data["meeting"] = {**ctx.data.get("meeting", {}), **said}
                return "measure.confirm"
        if not confirmed(ctx, "送达", "已放弃，没有采取措施。"):
            return END
        measure, told = _record(ctx)
        if told:
            ctx.reply(f"已记录并送达：对{measure.unit.name}{WHAT[measure.kind]}（措施 {measure.id}）。")
        else:  # the confirmation said so too: nobody in the directory to deliver it to
            ctx.reply(f"已记录：对{measure.unit.name}{WHAT[measure.kind]}（措施 {measure.id}）。该单位在通讯录中没有"
                      "可送达的人员，没有送达任何人，请另行通知，并请该单位在通讯录中补充人员。")
        return END


def _in_sentence(kind: str, router: Router):
    def asked(ctx: Context):
        ctx.args = f"{ctx.match['unit']} {ctx.match['reason'] or ''}".strip()
        return _starter(kind, router)(ctx)
    asked.__name__ = f"measure_{kind}_asked"
    return asked


def _starter(kind: str, router: Router):
    def start(ctx: Context):
        name, reason = split_first(ctx.args)
        if kind == "通报" and name and not reason and month_of(name):  # 「通报 11月」: the monthly bulletin
            ctx.reply("（「通报 单位 原因」是通报批评；月度通报请回复「查看通报 月份」，如下。）")
            ctx.args = name
            return router.find_command("查看通报")[0].handler(ctx)
        if not name or not reason:  # asked for, one question at a time
            return ask(ctx, kind, "原因", "抚松教育公众号三个月未更新，多次提醒未整改", name)
        units = match_units(ctx, name)
        if len(units) != 1:
            ctx.reply(unit_hint(ctx, name, units))
            return None
        meeting, problem = {}, None
        if kind == INTERVIEW:  # 「…，时间：11月20日下午3点，地点：302会议室」
            reason, meeting = split_meeting(reason)
            problem = meeting_problem(meeting)  # the unusable one is left out and asked again at the confirmation
            meeting = {label: value for label, value in meeting.items() if not meeting_problem({label: value})}
        if len(reason) < 4:
            ctx.reply("请把原因写具体一些（至少4个字），它会送达单位并记入单位记录。")
            return None
        if problem:
            ctx.reply(problem)
        unit = units[0]
        accounts = accounts_of_units(ctx.session, [unit.id], active_only=True)
        ctx.data.update(kind=kind, unit_id=unit.id, unit_name=unit.name, reason=reason, meeting=meeting,
                        concerned=[a.id for a in accounts_named(accounts, reason)] if kind != ORDER_CLOSE else [])
        if kind != ORDER_CLOSE:
            return "measure.confirm"
        if not accounts:
            ctx.reply(f"{unit.name}没有在用的账号，无需责令关闭。如需其他措施请用「约谈」「警告」或「通报」。")
            return END
        if len(accounts) == 1:
            in_hand = case_in_hand(ctx, accounts[0].id)
            if in_hand:
                ctx.reply(in_hand)
                return END
            ctx.data.update(concerned=[accounts[0].id])
            return "measure.confirm"
        ctx.data.update(account_ids=[a.id for a in accounts], account_labels=[account_label(a) for a in accounts])
        return "measure.account"
    start.__name__ = f"measure_{kind}"
    return start


def case_in_hand(ctx: Context, account_id: int) -> str | None:
    """Why the account needs no second closure order: its pending follow-up case (停更90天 or an earlier order)."""
    case = ctx.session.scalar(select(DormancyCase).where(DormancyCase.account_id == account_id,
                                                         DormancyCase.status.in_(CASE_PENDING))
                              .order_by(DormancyCase.id).limit(1))
    if case is None:
        return None
    return (f"{case.account_label}已有待处理的跟进事项 {case.id}（{case.source}，{case.status}），"
            "单位须申请注销或作出说明，无需再次责令关闭。如需督促，可用「约谈」「警告」或「通报」。")


def _record(ctx: Context) -> tuple[Measure, list]:
    """The measure kept and delivered, and the people it was delivered to."""
    d = ctx.data
    unit = ctx.session.get(Unit, d["unit_id"])
    accounts = _accounts(ctx.session, _concerned(d))
    meeting = {label: d.get("meeting", {}).get(label, UNSETTLED) for label in MEETING_LIMITS} \
        if d["kind"] == INTERVIEW else {}
    measure = Measure(unit_id=unit.id, kind=d["kind"], reason=d["reason"],
                      account_id=accounts[0].id if len(accounts) == 1 else None,
                      meeting_time=meeting.get("时间"), meeting_place=meeting.get("地点"),
                      created_by=ctx.userid, created_at=clock.now())
    ctx.session.add(measure)
    ctx.session.flush()
    people, _ = _audience(ctx.session, d, accounts)
    ctx.audit("measure.create", "measure", measure.id, None,
              {"unit_id": unit.id, "kind": measure.kind, "account_ids": [a.id for a in accounts],
               "meeting_time": measure.meeting_time, "meeting_place": measure.meeting_place,
               "told": [p.userid for p in people]})
    bureau = level_name(ctx.person.unit)
    lines = [f"【{bureau}处置措施：{WHAT[measure.kind]}】{unit.name}"]
    lines += [f"账号：{account_label(a)}" + (f"，负责人：{p.name}" if (p := responsible_of(a)) else "")
              for a in accounts]
    lines += [f"原因：{measure.reason}", *(f"约谈{label}：{value}" for label, value in meeting.items()),
              "依据：《办法》第32条。"]
    if measure.kind == ORDER_CLOSE:
        account = accounts[0]
        case = open_case(ctx.session, unit_id=unit.id, account_id=account.id, source=FROM_ORDER,
                         now=clock.now(), measure_id=measure.id)
        draft = draft_cancellation(ctx.session, case, BY_BULLETIN,
                                   f"{bureau}责令关闭（措施 {measure.id}）：{measure.reason}", ctx.userid)
        lines.append(f"请在以下两项中选择其一（跟进事项 {case.id}）：\n" + draft_lines(draft, case) +
                     f"2. 如有异议，请回复「说明 {case.id} 理由…」向{bureau}说明。")
    elif measure.kind == INTERVIEW:
        later = f"；时间、地点{UNSETTLED}的，{bureau}将另行通知" if UNSETTLED in meeting.values() else ""
        lines.append(f"请单位负责人{'和账号负责人' if accounts else ''}按时参加约谈{later}。")
    else:
        lines.append("请高度重视，认真整改。")
    outbox.push_text(ctx.session, people, "\n".join(lines))
    _copy_supervisor(ctx, measure, unit)
    return measure, people


def _copy_supervisor(ctx: Context, measure: Measure, unit: Unit) -> None:
    """A measure the city bureau took: the county bureau supervising the unit is copied (as for the city's
    rectification items), or it learns of it only by reading the unit's record."""
    supervisor = unit.supervising_bureau()
    if supervisor is None or supervisor.id == ctx.person.unit_id:
        return
    outbox.push_text(ctx.session, bureau_admins(ctx.session, unit),
                     f"【处置措施 {measure.id}（抄送）】{ctx.person.unit.name}（{ctx.person.name}）对{unit.name}"
                     f"{WHAT[measure.kind]}\n原因：{measure.reason}\n"
                     f"这是{level_name(ctx.person.unit)}采取的措施（第32条），已送达该单位，供知悉，无需处理。")


def _accounts(session: Session, ids: list[int]) -> list[Account]:
    return [session.get(Account, i) for i in ids]


def _concerned(d: dict) -> list[int]:
    """The ids of the accounts a measure concerns (a dialogue begun before they were kept names the ordered one)."""
    return d.get("concerned", [d["account_id"]] if d.get("account_id") else [])


def accounts_named(accounts: list[Account], reason: str) -> list[Account]:
    """The unit's accounts a measure's reason is about: those it names (「抚松教育」), narrowed to the platforms it
    names (「抚松教育公众号」); with no name, the one account on the platform it names (「公众号三个月未更新」)."""
    platforms = {platform for word, platform in PLATFORM_WORDS.items() if word in reason}
    named = [a for a in accounts if a.name in reason]
    on_platform = [a for a in (named or accounts) if a.platform in platforms]
    if named:
        return on_platform or named
    return on_platform if len(on_platform) == 1 else []


def _audience(session: Session, d: dict, accounts: list[Account]):
    """(who is told, the responsible persons among them): the unit's heads (for 责令关闭, which the unit's people
    act on, its staff too) and the responsible person of each account concerned."""
    unit_side = (unit_people if d["kind"] == ORDER_CLOSE else unit_heads)(session, d["unit_id"])
    responsible = [p for a in accounts if (p := responsible_of(a)) is not None]
    return reachable({p.id: p for p in [*unit_side, *responsible]}.values()), responsible


def _audience_names(session: Session, d: dict, accounts: list[Account]) -> str:
    people, responsible = _audience(session, d, accounts)
    return "、".join(f"{p.name}（账号负责人）" if p in responsible else p.name for p in people) or \
        "该单位在通讯录中没有可送达的人员"


def split_meeting(text: str) -> tuple[str, dict[str, str]]:
    """(the text before the first 时间/地点 label, {"时间": …, "地点": …} as written after the labels)."""
    marks = list(MEETING_SAID.finditer(text))
    said = {}
    for mark, following in zip(marks, [*marks[1:], None]):
        value = text[mark.end():following.start() if following else len(text)].strip(" ，,；;。")
        if value:
            said[mark[1] or mark[2]] = value
    return (text[:marks[0].start()] if marks else text).strip(" ，,；;。"), said


def meeting_said(answer: str) -> dict[str, str]:
    """At the 约谈 confirmation: the time and/or place an answer gives (「时间待定」, 「地点：302会议室」), or {} when the
    answer is something else (「确认」); an unusable one is asked again, saying why."""
    text = answer.strip()
    if not re.match(r"(?:约谈)?(?:时间|地点)", text):
        return {}
    rest, said = split_meeting(text if text.startswith("约谈") else f"约谈{text}")
    if rest or not said:
        raise Reask("请这样写约谈的时间、地点：「时间 11月20日下午3点」「地点 县政数局302会议室」，"
                    f"还没定的写「{UNSETTLED}」。")
    problem = meeting_problem(said)
    if problem:
        raise Reask(problem)
    return said


def meeting_problem(said: dict[str, str]) -> str | None:
    """Why a 约谈 time or place cannot be kept: too long, or a day already past."""
    for label, value in said.items():
        if len(value) > MEETING_LIMITS[label]:
            return f"约谈{label}写得太长了（最多{MEETING_LIMITS[label]}个字），请简要写明。"
    today = clock.today()
    found = re.search(DAY_SAID, said.get("时间", ""))
    day = day_said(found, today) if found else None
    if day is not None and day < today:
        return (f"约谈时间「{said['时间']}」已经过去了（今天是{today.month}月{today.day}日），"
                f"请写今天或以后的时间，还没定的写「{UNSETTLED}」。")
    return None


def _updated(account: Account) -> str:
    """「最近更新11月16日」 for a list of accounts to choose from."""
    day = account.last_update_on
    return f"最近更新{day.month}月{day.day}日" if day else "尚无周报填报的更新"


def update_note(session: Session, account: Account, today: date) -> str:
    """For the confirmation of 责令关闭: when the account was last updated and by which record, and a plain warning
    when that is too recent for the closure of an idle account (第15条: more than three months without update)."""
    day, source = last_update(session, account)
    start = day or baseline(account)
    if start is None:
        return f"最近更新：{source}。"
    idle = max((today - start).days, 0)
    if day is not None:
        when = "今天" if idle == 0 else f"{idle}天前"
        note = f"最近更新：{day.isoformat()}（{when}），{source}。"
        recent = f"{when}还有更新"
    else:
        began = "开设" if account.opened_on == start else "录入助手"
        note = f"最近更新：{source}（自{began}之日 {start.isoformat()} 起计算，已{idle}天）。"
        recent = f"{began}才{idle}天"
    dormant = dict(rungs())[DORMANT]
    if idle < dormant:
        note += (f"\n注意：该账号{recent}，不是{dormant}天以上未更新的停更账号（第15条），可能仍在使用。"
                 "请先核实，避免误关；确因其他问题需要关闭的，请在原因中写明，否则请回复「取消」。")
    return note
