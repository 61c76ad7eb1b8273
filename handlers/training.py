"""培训登记 (第28条): a bureau user records a training: date, topic, organiser, attendees."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from bot import clock
from bot.choices import numbered, pick, yes
from bot.router import END, Context, Reask, Router, cancel_offer, dialogue_only
from handlers.oversight_util import match_units
from handlers.weekly_parse import Unclear, parse_date
from models import org
from models.org import BUREAU_ADMIN, BUREAU_REVIEWER, Person, userid_is
from models.training import Training, add_attendees, find_training

_SEPARATORS = re.compile(r"[\s、，,；;]+")
TOPIC_MAX, ORGANISER_MAX = 200, 120  # the columns of models.training.Training
FUTURE_WORDS = ("明天", "明日", "后天")  # a date not yet come: the training has not been held


def register(router: Router) -> None:
    router.conversation("training", title="培训登记",
                        summary=lambda d: f"{d.get('held_on', '')} {d.get('topic', '')}".strip(), kept_on_cancel=True)

    @router.command("培训登记", "登记培训", roles={BUREAU_ADMIN, BUREAU_REVIEWER}, help="登记一次业务培训（培训台账）",
                    detail="依次填写培训日期、主题、组织单位和参训人员（姓名或企业微信账号，可一次输入多人），"
                           "确认后记入培训台账。名单很长的培训可以请系统管理员用 Excel 文件批量导入。「培训台账」查看今年的培训。")
    @dialogue_only
    def start(ctx: Context):
        return "training.date"

    @router.state("training.date", prompt="请输入培训日期，例如「2026-11-20」「11月20日」「上周五」或「今天」（回复「取消」可退出）")
    @dialogue_only
    def held_on(ctx: Context):
        typed = ctx.text.strip()[:20]
        if typed in FUTURE_WORDS:
            raise Reask(f"培训台账记录已经举办的培训，「{typed}」还没到。请输入培训举办的日期。")
        try:
            day = parse_day(ctx.text, clock.today())
        except Unclear as wrong:
            raise Reask(wrong.hint) from None
        if day is None:
            raise Reask(f"没能识别日期「{typed}」，请按「2026-11-20」或「11月20日」的格式输入，也可以回复「今天」「昨天」。")
        if day > clock.today():
            raise Reask(f"培训台账记录已经举办的培训，日期（{day.isoformat()}）不能晚于今天。")
        ctx.data["held_on"] = day.isoformat()
        return "training.topic"

    @router.state("training.topic", prompt="请输入培训主题，例如「政务新媒体信息发布与审核培训」")
    @dialogue_only
    def topic(ctx: Context):
        if len(ctx.text) < 2:
            raise Reask("主题太短，请至少输入2个字。")
        if len(ctx.text) > TOPIC_MAX:
            raise Reask(f"主题太长（{len(ctx.text)}字），请精简到{TOPIC_MAX}字以内。")
        ctx.data["topic"] = ctx.text
        return "training.organiser"

    @router.state("training.organiser",
                  prompt=lambda ctx: f"请输入组织单位（回复「本局」表示{ctx.sender.unit_name}）")
    def organiser(ctx: Context):
        name = ctx.person.unit.name if ctx.text in ("本局", "本单位", "我们") else ctx.text
        if len(name) < 2:
            raise Reask("请输入组织单位全称，或回复「本局」。")
        if len(name) > ORGANISER_MAX:
            raise Reask(f"组织单位名称太长（{len(name)}字），请精简到{ORGANISER_MAX}字以内。")
        ctx.data["organiser"] = name
        return "training.attendees"

    @router.state("training.attendees",
                  prompt="请输入参训人员的姓名或企业微信账号，多人用顿号、逗号或空格分隔，例如「张伟、李娜、wj_liu」；"
                         "也可以写「教育局全体」「各单位信息员」")
    def attendees(ctx: Context):
        tokens = [t for t in _SEPARATORS.split(ctx.text) if t]
        if not tokens:
            raise Reask("请至少输入一位参训人员。")
        scope = org.visible_unit_ids(ctx.session, ctx.person)
        found, pending, unknown = [], [], []
        for token in dict.fromkeys(tokens):
            group = group_of(ctx, token)
            if group:  # 「教育局全体」, 「各单位信息员」: everyone it names, no choosing
                found += [p.id for p in group]
                continue
            people = candidates(ctx.session, token, scope) or unit_and_name(ctx, token)
            if not people:
                unknown.append(token)
            elif len(people) == 1:
                found.append(people[0].id)
            else:
                pending.append([token, [p.id for p in people]])
        if unknown:
            known = f"其余已找到：{'、'.join(t for t in dict.fromkeys(tokens) if t not in unknown)}。" \
                if len(unknown) < len(set(tokens)) else ""
            raise Reask(f"通讯录中没有找到：{'、'.join(unknown)}（仅限您管辖范围内的人员）。{known}"
                        f"请改正后重新输入全部参训人员（您输入的是「{ctx.text.strip()[:200]}」）。")
        ctx.data.update(person_ids=list(dict.fromkeys(found)), pending=pending)  # a name also in a group: once
        return "training.pick" if pending else "training.confirm"

    def pick_prompt(ctx: Context) -> str:
        token, ids = ctx.data["pending"][0]
        return numbered(_labels(ctx, ids), f"通讯录中有多位「{token}」，请选择参训的是哪一位：")

    @router.state("training.pick", prompt=pick_prompt)
    def choose(ctx: Context):
        token, ids = ctx.data["pending"][0]
        index = pick(ctx.text, _labels(ctx, ids))
        ctx.data["person_ids"] = list(dict.fromkeys([*ctx.data["person_ids"], ids[index]]))
        ctx.data["pending"] = ctx.data["pending"][1:]
        return "training.pick" if ctx.data["pending"] else "training.confirm"

    def confirm_prompt(ctx: Context) -> str:
        d = ctx.data
        people = "、".join(_labels(ctx, d["person_ids"]))
        return (f"请确认培训登记：\n日期：{d['held_on']}\n主题：{d['topic']}\n组织单位：{d['organiser']}\n"
                f"参训人员（{len(d['person_ids'])}人）：{people}\n回复「确认」记入培训台账，「上一步」修改，"
                f"{cancel_offer(ctx, '暂不登记')}。")

    @router.state("training.confirm", prompt=confirm_prompt)
    def confirm(ctx: Context):
        answer = yes(ctx.text)
        if answer is None:
            raise Reask(f"请回复「确认」登记，或「上一步」修改、{cancel_offer(ctx, '暂不登记')}。")
        if not answer:
            ctx.reply(f"好的，请回复「上一步」修改，或{cancel_offer(ctx, '暂不登记')}。")
            return None
        d = ctx.data
        held = date.fromisoformat(d["held_on"])
        training = find_training(ctx.session, held, d["topic"], d["organiser"])
        if training is None:
            training = Training(held_on=held, topic=d["topic"], organiser=d["organiser"], source="登记",
                                created_by=ctx.userid, created_at=ctx.now)
            ctx.session.add(training)
            ctx.session.flush()
        people = list(ctx.session.scalars(select(Person).where(Person.id.in_(d["person_ids"]))))
        added = add_attendees(ctx.session, training, people)
        ctx.audit("training.record", "training", training.id, None, {"added": added, "person_ids": d["person_ids"]})
        ctx.reply(f"已登记培训 {training.id}：{held.isoformat()} {training.topic}，新增参训人员{added}人"
                  f"（共{len(training.attendees)}人）。")
        return END


# 「教育局全体」, 「卫健局所有人」: a unit's people; 「各单位信息员」: every host unit's staff in the asker's scope
UNIT_ALL = re.compile(r"(?P<unit>.+?)的?(?:全体|全部|所有|全员)(?:人员|人|同志)?")
EVERY_UNIT = re.compile(r"(?:各|每个|所有|全部|全体)(?:单位|主办单位)?的?(?:信息员|工作人员|账号负责人|管理员|小编)(?P<heads>和?(?:单位)?负责人)?")


def group_of(ctx: Context, token: str) -> list[Person]:
    """The active people a group word names, in the asker's part of the tree ([] when it names none). A unit is
    named as in the other oversight commands (match_units: 「卫健局」, 「教育局」)."""
    every = EVERY_UNIT.fullmatch(token)
    whole = UNIT_ALL.fullmatch(token) if every is None else None
    if whole:
        found = match_units(ctx, whole["unit"])
        return list(ctx.session.scalars(select(Person).where(Person.unit_id == found[0].id, Person.active)
                                        .order_by(Person.id))) if len(found) == 1 else []
    if every is None:
        return []
    unit_ids = [u.id for u in org.visible_host_units(ctx.session, ctx.person)]
    roles = (org.STAFF, org.UNIT_HEAD) if every["heads"] else (org.STAFF,)
    people = [p for role in roles for p in org.people_with_role(ctx.session, role, unit_ids)]
    return list({p.id: p for p in people}.values())


def candidates(session, token: str, scope: list[int]) -> list[Person]:
    stmt = (select(Person).where(Person.active, Person.unit_id.in_(scope),
                                 userid_is(Person.userid, token) | (Person.name == token)).order_by(Person.id))
    return list(session.scalars(stmt))


NAME_IN_BRACKETS = re.compile(r"(?P<name>[^（(]+?)\s*[（(](?P<unit>[^）)]+)[）)]")


def unit_and_name(ctx: Context, token: str) -> list[Person]:
    """「卫健局刘洋」, 「卫健局的刘洋」, 「刘洋（卫健局）」: the person of that name in that unit (as the other oversight
    commands name a unit); [] when no such reading finds anyone."""
    said = NAME_IN_BRACKETS.fullmatch(token)
    readings = [(said["unit"], said["name"])] if said else [
        (token[:-n].removesuffix("的"), token[-n:]) for n in (2, 3, 4) if len(token) - n >= 2]
    for unit_words, name in readings:
        units = match_units(ctx, unit_words.strip())
        if len(units) == 1:
            people = list(ctx.session.scalars(select(Person).where(
                Person.unit_id == units[0].id, Person.active, Person.name == name.strip()).order_by(Person.id)))
            if people:
                return people
    return []


def _labels(ctx: Context, ids: list[int]) -> list[str]:
    people = {p.id: p for p in ctx.session.scalars(select(Person).where(Person.id.in_(ids)))}
    return [f"{people[i].name}（{people[i].unit.name}）" for i in ids]


def parse_day(text: str, today: date) -> date | None:
    """The training's date, read as the weekly report reads one: 今天, 前天, 周三 (this week's), 上周五, 11月20日,
    2026-11-20 (without a year, a date far ahead is last year's: 「12月28日」 typed in January). None for 「不清楚」;
    Unclear for what is not a date, or a day that does not exist (2026-02-30)."""
    return parse_date(text, today=today, week=today - timedelta(days=today.weekday()))
