"""Small helpers shared by the oversight handlers (not a feature: no `register`)."""
from __future__ import annotations

import re
from datetime import date
from typing import Callable

from sqlalchemy import select

from bot.choices import confirmed, number_said, yes
from bot.router import END, Context, Reask, answers_typed, cancel_offer, dialogue_only
from models import org
from models.base import MAX_ID
from models.org import CITY_BUREAU, HOST_UNIT, Person, Unit

# What a unit's own people call their unit instead of its name (「整改清单 本单位」).
OWN_UNIT_WORDS = ("本单位", "我单位", "本局", "我局", "我们单位", "我们", "咱们单位", "咱单位")
_REF = re.compile(r"^\s*[#＃第]?\s*(\d+)\s*[号项]?\s*[：:，,、]?\s*(.*)$", re.S)
_SPLIT = re.compile(r"[\s，,：:]+")
# How a county is named after its place name: 「靖宇」, 「靖宇县」, 「靖宇县政数局」, 「靖宇县全县」
COUNTY_ENDINGS = re.compile(r"(?:县|区|市)?(?:政数局|政务服务和数字化建设管理局|主管单位)?(?:全县|全区|辖区|各单位)?的?$")


def parse_ref(args: str) -> tuple[int | None, str]:
    """'12 说明文字' → (12, '说明文字'); no number → (None, args)."""
    match = _REF.match(args or "")
    if not match:
        return None, (args or "").strip()
    return int(match.group(1)), match.group(2).strip()


def text_then_confirm(router, prefix: str, *, command: str, ask: Callable[[Context], str], noun: str, minimum: int,
                      hint: str, submit: Callable[[Context, int, str], None]) -> None:
    """The two questions of 「已整改 5」 or 「说明 3」 typed without their text: `<prefix>.text` asks for it (the
    command typed out again is taken as its text), `<prefix>.confirm` shows it; 确认 calls submit(ctx, number,
    text), which checks the item again and answers. ctx.data holds the item's number as "number"."""
    @router.state(f"{prefix}.text", prompt=ask)
    @dialogue_only
    def text(ctx: Context):
        answer = retyped(ctx.text, command, ctx.data["number"])
        if len(answer) < minimum:
            raise Reask(hint)
        ctx.data["text"] = answer
        return f"{prefix}.confirm"

    @router.state(f"{prefix}.confirm", prompt=lambda ctx: (
        f"请确认提交{ctx.data['what']}的{noun}：\n{ctx.data['text']}\n回复「确认」提交，「上一步」重写，{cancel_offer(ctx)}。"))
    def confirm(ctx: Context):
        typed = answers_typed(ctx.conv)
        if yes(ctx.text) is False and typed:  # 「不」, as 「取消」: the text typed is kept for 「继续」, not lost
            router.keep_draft(ctx.conv)
            ctx.kept_draft = True
            ctx.reply(f"好的，{noun}没有提交。已填写的内容已保存为草稿，回复「继续」可接着修改后提交（不需要就不用理会）。")
            return END
        if confirmed(ctx, "提交", f"已放弃，{noun}没有提交。", hint=f"请回复「确认」提交，或{cancel_offer(ctx)}。"):
            submit(ctx, ctx.data["number"], ctx.data["text"])
        return END


def the_only_awaiting(ctx: Context, items: list, command: str, shown: Callable[[object], str], none: str,
                      what: str):
    """「通过整改」 without a number: the one item awaiting the asker's review, shown (then confirmed); with none or
    several, None after saying so (several are listed to take one by its number)."""
    if len(items) == 1:
        ctx.reply(shown(items[0]))
        return items[0]
    if not items:
        ctx.reply(none)
    else:
        ctx.reply("\n".join([f"有{len(items)}项{what}等待审核，请带上编号，例如「{command} {items[0].id}」：",
                             *(shown(item) for item in items)]))
    return None


def verdict_then_confirm(router, state: str, *, noun: str, again: Callable[[Context, int], object],
                         verdicts: dict[str, tuple[str, Callable]]) -> None:
    """The 确认 question after `the_only_awaiting`: ctx.data holds the item's "number", the "verdict" (a key of
    `verdicts`: what is done, worded with {n} for the number, and fn(ctx, item, words) that does it) and its
    "words" (a note or a reason). `again(ctx, number)` gives the item if it still awaits the verdict (else says
    why not)."""
    def prompt(ctx: Context) -> str:
        d = ctx.data
        why = f"（{'备注' if d['verdict'] == 'accept' else '原因'}：{d['words']}）" if d["words"] else ""
        return f"确认{verdicts[d['verdict']][0].format(n=d['number'])}{why}？回复「确认」，回复「取消」不处理。"

    @router.state(state, prompt=prompt)
    def confirm(ctx: Context):
        d = ctx.data
        if not confirmed(ctx, "办理", f"没有处理，{noun} {d['number']} 仍等待审核。"):
            return END
        item = again(ctx, d["number"])
        return verdicts[d["verdict"]][1](ctx, item, d["words"]) if item is not None else END


def retyped(answer: str, command: str, number: int) -> str:
    """The answer to 「请写明…」 after 「已整改 5」: 「已整改 5 已补发」 typed out in full is 「已补发」."""
    text = answer.strip()
    after = text[len(command):]
    # the command word itself, not a sentence that starts with it (「说明一下：账号已恢复」 keeps its 说明)
    if text.startswith(command) and (not after or after[0].isspace() or after[0].isdigit() or after[0] in "#＃第"):
        typed, rest = parse_ref(after)
        if typed in (None, number):
            return rest
    return text


# A day as the bureau writes it: 「12月1日」, 「12-1」, 「2026-12-01」
DAY_SAID = r"(?:(\d{4})-)?(\d{1,2})(?:月|-)(\d{1,2})[日号]?"


def day_said(match: re.Match, today: date) -> date | None:
    """The day a match of DAY_SAID names, or None (no such day). Without a year, the one nearest ahead: 「1月5日」
    said in December is next year's."""
    try:
        day = date(int(match[1]) if match[1] else today.year, int(match[2]), int(match[3]))
    except ValueError:
        return None
    if not match[1] and (today - day).days > 180:
        return day.replace(year=day.year + 1)
    return day


def by_number(session, model, number: int):
    """The row with this id, or None; a number past the INTEGER ids is no row (PostgreSQL would refuse to even
    compare it: 「已整改 99999999999 …」 was answered with the generic error)."""
    return session.get(model, number) if 0 < number <= MAX_ID else None


FILLER = re.compile(r"^(?:一下|下)(?=\S{2})")  # between a command and the unit it names


def split_first(args: str) -> tuple[str, str]:
    """'教育局 原因…' → ('教育局', '原因…')."""
    parts = _SPLIT.split((args or "").strip(), maxsplit=1)
    head = parts[0] if parts else ""
    return head, parts[1].strip() if len(parts) > 1 else ""


def account_units(ctx: Context) -> list[Unit]:
    """The host units in scope that may hold accounts (not classified units or internal departments, 第8条): the ones
    a list to pick a unit from offers."""
    return [u for u in org.visible_host_units(ctx.session, ctx.person) if not (u.is_classified or u.is_internal)]


def picked_unit(ctx: Context) -> Unit:
    """The answer to a numbered list of `account_units`: its number, or a unit's name; else the same question again
    with a specific hint."""
    units = account_units(ctx)
    answer = ctx.text.strip().rstrip("。.")
    number = number_said(answer)
    if number is not None:
        if not 1 <= number <= len(units):
            raise Reask(f"没有第{number}项，请回复 1 到 {len(units)} 之间的序号，或单位名称。")
        return units[number - 1]
    found = match_units(ctx, answer)
    if len(found) != 1:
        raise Reask(unit_hint(ctx, answer, found))
    return found[0]


def match_units(ctx: Context, name: str) -> list[Unit]:
    """Host units in the person's scope whose name is, ends with or contains `name`; 本单位/我单位 is the person's
    own unit when it is a host unit (a bureau is not: its people name the unit they mean)."""
    name = FILLER.sub("", name.strip())  # 「通报一下教育局」
    if not name:
        return []
    units = org.visible_host_units(ctx.session, ctx.person)
    if name in OWN_UNIT_WORDS:
        return [u for u in units if u.id == ctx.person.unit_id]
    exact = [u for u in units if u.name == name]
    if exact:
        return exact
    ending = [u for u in units if u.name.endswith(name)]  # 「教育局」: the bureau, not 教育局办公室
    if ending:
        return ending
    return [u for u in units if name in u.name] or abbreviated(units, name)


def abbreviated(units: list[Unit], name: str) -> list[Unit]:
    """Units named by their usual abbreviation: 「卫健局」 抚松县卫生健康局, 「人社局」 抚松县人力资源和社会保障局."""
    from handlers.approvals_rules import core_words
    short = re.sub(r"(?:局|中心|委|办)$", "", name)
    if len(short) < 2:
        return []
    return [u for u in units if short in core_words(u.name)]


def unit_in_scope(ctx: Context, unit_id: int) -> bool:
    return unit_id in org.visible_unit_ids(ctx.session, ctx.person)


def unit_hint(ctx: Context, name: str, candidates: list[Unit]) -> str:
    if not candidates and name.strip() in OWN_UNIT_WORDS and ctx.person.is_bureau_user:
        return own_unit_hint(ctx, name)
    if not candidates:
        return outside_scope_hint(ctx, name) or \
            f"没有找到名称包含「{name[:20]}」的单位（仅限您管辖范围内的单位），请核对单位名称，例如「教育局」。"
    names = "、".join(u.name for u in candidates[:6])
    return f"「{name}」对应多个单位：{names}。请写得更完整一些。"


def own_unit_hint(ctx: Context, name: str) -> str:
    """本单位 typed by a bureau user: his own unit is the bureau, which hosts no accounts and has no records."""
    return (f"「{name.strip()}」是您所在的{ctx.person.unit.name}（主管单位），这里要写主办单位的名称，"
            "例如「教育局」。")


def outside_scope_hint(ctx: Context, name: str) -> str | None:
    """What to say when `name` finds no unit in the person's scope but does outside it (another county's unit):
    「没有找到」 would be untrue. Says nothing about that unit beyond what was typed."""
    if not ctx.person.is_bureau_user or not named_outside_scope(ctx, name):
        return None
    return (f"「{name.strip()[:20]}」不在您的管辖范围内：您只能查看和处理{ctx.person.unit.name}所辖的单位。"
            "请核对单位名称，例如「教育局」。")


def named_outside_scope(ctx: Context, name: str) -> bool:
    """Whether an active host unit outside the person's scope has `name` in its name (the widest reading
    match_units makes of a name)."""
    name = name.strip()
    if not name:
        return False
    return ctx.session.scalar(
        select(Unit.id).where(Unit.kind == HOST_UNIT, Unit.active, Unit.name.contains(name, autoescape=True),
                              Unit.id.not_in(org.visible_unit_ids(ctx.session, ctx.person))).limit(1)) is not None


def county_asked(session, person: Person, words: str) -> Unit | None:
    """The county bureau a city bureau user names by its place (「靖宇县」, not one of its host units 「靖宇县教育局」);
    None for anyone else, for any other words, and for a place that names no county or several."""
    if person.unit.kind != CITY_BUREAU:
        return None
    named = [county for county in org.counties_of(session, person.unit) if names_county(county, words)]
    return named[0] if len(named) == 1 else None


def names_county(county: Unit, words: str) -> bool:
    """Whether `words` are the county bureau's place name, with or without 县, 政数局, 全县 (「抚松」, 「抚松县政数局」)."""
    place = COUNTY_ENDINGS.sub("", words.strip())
    return (len(place) >= 2 and county.name.startswith(place)
            and COUNTY_ENDINGS.fullmatch(county.name[len(place):]) is not None)


def units_named(ctx: Context, name: str) -> tuple[list[int], str] | None:
    """The units a bureau user's list command names (「申请列表 教育局」): one host unit, or for the city bureau a
    county (「申请列表 抚松」: its whole subtree), with the name the list is headed by. None, after saying why, when
    the name finds no unit or several."""
    county = county_asked(ctx.session, ctx.person, name)
    if county is not None:
        return org.subtree_ids(ctx.session, county.id), county.name
    units = match_units(ctx, name)
    if len(units) != 1:
        ctx.reply(unit_hint(ctx, name, units))
        return None
    return [units[0].id], units[0].name


def county_in(ctx: Context, args: str) -> tuple[Unit | None, str]:
    """A county a city bureau user names among a command's words (「统计 抚松 上月」), and the other words."""
    words = args.split()
    for i, word in enumerate(words):
        county = county_asked(ctx.session, ctx.person, word)
        if county is not None:
            return county, " ".join(words[:i] + words[i + 1:])
    return None, args


def place_of(county: Unit) -> str:
    """A county bureau's place name as people say it: 「抚松」 for 抚松县政务服务和数字化建设管理局."""
    return county.name.split("县", 1)[0] if "县" in county.name else county.name
