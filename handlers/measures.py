"""Bureau measures (第32条): 约谈 / 警告 / 通报 / 责令关闭 against a host unit, and the unit's record."""
from __future__ import annotations

from bot import clock, outbox
from sqlalchemy import select

from bot.choices import confirmed, numbered, pick
from bot.router import END, Context, Reask, Router
from handlers.bulletin import month_of
from handlers.oversight_ask import ask
from handlers.oversight_util import match_units, split_first, unit_hint
from models.account import Account, accounts_of_units
from models.measure import KINDS, ORDER_CLOSE, Measure
from models.org import BUREAU_ADMIN, Unit
from handlers.approvals_oversight import BY_BULLETIN, draft_cancellation, draft_lines
from models.oversight import (CASE_PENDING, FROM_ORDER, DormancyCase, account_label, open_case, unit_heads,
                              unit_people)

WHAT = {"约谈": "约谈", "警告": "警告", "通报": "通报批评", "责令关闭": "责令关闭账号"}
SAID = {"约谈": "约谈", "警告": "警告", "通报": "通报批评|通报", "责令关闭": "责令关闭(?:账号)?"}
MEASURE_ASKED = (r"(?:要|请)?(?:给|对|向)(?P<unit>[^\s，,：:]{{2,20}}?)(?:一个|个|一次|进行|予以|作出|做出|发个|发一个)?"
                 r"(?:{kind})(?:处理|处分|一下)?(?:[，,：:\s]+(?P<reason>.*))?$")


def register(router: Router) -> None:
    router.conversation("measure", title="处置措施",
                        summary=lambda d: f"{d.get('kind', '')} {d.get('unit_name', '')}：{d.get('reason', '')}")

    for kind in KINDS:  # 「给卫健局一个警告」, 「对教育局进行约谈，…」: the measure in a sentence
        router.pattern(MEASURE_ASKED.format(kind=SAID[kind]), roles={BUREAU_ADMIN},
                       refused_as=kind)(_in_sentence(kind, router))
    for kind in KINDS:
        router.command(kind, roles={BUREAU_ADMIN}, help=f"对单位采取「{kind}」措施（第32条）",
                       detail=f"用法：{kind} 单位 原因\n例如「{kind} 教育局 抚松教育公众号三个月未更新，多次提醒未整改」。"
                              "送达前会请您确认；措施送达单位负责人，并记入单位记录。"
                              + ("\n责令关闭会为该账号建立跟进事项：单位须申请注销或作出说明。"
                                 if kind == ORDER_CLOSE else ""))(_starter(kind, router))

    def account_prompt(ctx: Context) -> str:
        return numbered(ctx.data["account_labels"], f"{ctx.data['unit_name']}有多个账号，请选择责令关闭哪一个：")

    @router.state("measure.account", prompt=account_prompt)
    def choose_account(ctx: Context):
        index = pick(ctx.text, ctx.data["account_labels"])
        in_hand = case_in_hand(ctx, ctx.data["account_ids"][index])
        if in_hand:
            raise Reask(f"{in_hand}\n请选择其他账号，或回复「取消」。")
        ctx.data["account_id"] = ctx.data["account_ids"][index]
        ctx.data["account_label"] = ctx.data["account_labels"][index]
        return "measure.confirm"

    def confirm_prompt(ctx: Context) -> str:
        d = ctx.data
        target = f"\n账号：{d['account_label']}" if d.get("account_label") else ""
        return (f"请确认处置措施：\n措施：{WHAT[d['kind']]}\n单位：{d['unit_name']}{target}\n原因：{d['reason']}\n"
                "回复「确认」送达单位负责人并记入单位记录，回复「取消」放弃。")

    @router.state("measure.confirm", prompt=confirm_prompt)
    def confirm(ctx: Context):
        if not confirmed(ctx, "送达", "已放弃，没有采取措施。"):
            return END
        measure = _record(ctx)
        ctx.reply(f"已记录并送达：对{measure.unit.name}{WHAT[measure.kind]}（措施 {measure.id}）。")
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
        if len(reason) < 4:
            ctx.reply("请把原因写具体一些（至少4个字），它会送达单位并记入单位记录。")
            return None
        unit = units[0]
        ctx.data.update(kind=kind, unit_id=unit.id, unit_name=unit.name, reason=reason)
        if kind != ORDER_CLOSE:
            return "measure.confirm"
        accounts = accounts_of_units(ctx.session, [unit.id], active_only=True)
        if not accounts:
            ctx.reply(f"{unit.name}没有在用的账号，无需责令关闭。如需其他措施请用「约谈」「警告」或「通报」。")
            return END
        if len(accounts) == 1:
            in_hand = case_in_hand(ctx, accounts[0].id)
            if in_hand:
                ctx.reply(in_hand)
                return END
            ctx.data.update(account_id=accounts[0].id, account_label=account_label(accounts[0]))
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


def _record(ctx: Context) -> Measure:
    d = ctx.data
    unit = ctx.session.get(Unit, d["unit_id"])
    measure = Measure(unit_id=unit.id, kind=d["kind"], reason=d["reason"], account_id=d.get("account_id"),
                      created_by=ctx.userid, created_at=clock.now())
    ctx.session.add(measure)
    ctx.session.flush()
    ctx.audit("measure.create", "measure", measure.id, None,
              {"unit_id": unit.id, "kind": measure.kind, "account_id": measure.account_id})
    text = (f"【县政数局处置措施：{WHAT[measure.kind]}】{unit.name}\n原因：{measure.reason}\n"
            f"依据：《抚松县政务新媒体管理办法》第32条。")
    if measure.kind == ORDER_CLOSE:
        account = ctx.session.get(Account, measure.account_id)
        case = open_case(ctx.session, unit_id=unit.id, account_id=account.id, source=FROM_ORDER,
                         now=clock.now(), measure_id=measure.id)
        draft = draft_cancellation(ctx.session, case, BY_BULLETIN,
                                   f"县政数局责令关闭（措施 {measure.id}）：{measure.reason}", ctx.userid)
        text += (f"\n账号：{account_label(account)}\n请在以下两项中选择其一（跟进事项 {case.id}）：\n"
                 + draft_lines(draft, case) +
                 f"2. 如有异议，请回复「说明 {case.id} 理由…」向县政数局说明。")
        outbox.push_text(ctx.session, [*unit_heads(ctx.session, unit.id), *unit_people(ctx.session, unit.id)], text)
        return measure
    text += "\n请高度重视，认真整改。"
    outbox.push_text(ctx.session, unit_heads(ctx.session, unit.id), text)
    return measure
