"""Numbered choices (回复序号): show a list, read back a number or the option's own text."""
from __future__ import annotations

import re
import unicodedata
from typing import Mapping, Sequence

from bot.router import Reask

CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
CIRCLED = re.compile(r"[\u2460-\u2473]")  # ①…⑳
# 「2」「２」「②」「第2个」「第二项」「选3」「3号」: a number said as clerks say it, the words around it taken off
NUMBER_SAID = re.compile(r"(?:我?选(?:择)?)?第?(?P<n>\d+|[一二两三四五六七八九十]{1,3})(?:个|项|条|号|位|种)?")


def numbered(options: Sequence[str], intro: str = "") -> str:
    lines = [intro] if intro else []
    lines += [f"{i}. {option}" for i, option in enumerate(options, 1)]
    lines.append("（回复序号）")
    return "\n".join(lines)


def pick(answer: str, options: Sequence[str], loose: bool = False) -> int:
    """Index of the chosen option; raises Reask with a specific hint otherwise.

    `loose`, for fixed lists of things (platforms, reasons) — never for people, where a near name is
    another person: the one option the answer contains (「抖音号」 → 抖音), or the one option sharing a
    two-character word with it (「没人维护了」 → 无力维护)."""
    text = answer.strip().rstrip("。.、")
    number = number_said(text)
    if number is not None:
        if 1 <= number <= len(options):
            return number - 1
        raise Reask(f"没有第{number}项，请回复 1 到 {len(options)} 之间的序号。")
    exact = [i for i, option in enumerate(options) if option == text]
    if exact:
        return exact[0]
    partial = [i for i, option in enumerate(options) if text and text in option]
    if len(partial) == 1:
        return partial[0]
    if loose and not partial:
        near = _near(text, options)
        if near is not None:
            return near
    raise Reask(f"没能识别「{text[:20]}」，请回复 1 到 {len(options)} 之间的序号。")


def number_said(answer: str) -> int | None:
    """The number a reply to a numbered list names (see NUMBER_SAID), or None. Full-width and circled digits are
    read as digits (NFKC); spaces inside 「第 2 个」 do not matter, but 「2 3」 is two numbers, not 23."""
    text = re.sub(r"\s+", " ", digits_apart(answer)).strip()
    text = re.sub(r"(?<!\d) | (?!\d)", "", text).rstrip("。.、!！")
    found = NUMBER_SAID.fullmatch(text)
    if found is None:
        return None
    said = found["n"]
    return int(said) if said.isdecimal() else _chinese_number(said)


def digits_apart(answer: str) -> str:
    """NFKC (「２」 is 2), each circled digit a number of its own: 「①③」 is 「1 3」, not 13."""
    return unicodedata.normalize("NFKC", CIRCLED.sub(lambda m: f" {m[0]} ", answer))


def _chinese_number(said: str) -> int | None:
    """一 … 九十九 (and 两); None for anything else (「十十」)."""
    tens, ten, ones = said.partition("十")
    if not ten:
        return CHINESE_DIGITS.get(said) if len(said) == 1 else None
    if len(tens) > 1 or len(ones) > 1 or "十" in ones or tens == "十":
        return None
    high = CHINESE_DIGITS.get(tens, 0) if tens else 1
    low = CHINESE_DIGITS.get(ones, 0) if ones else 0
    return None if (tens and not high) or (ones and not low) else high * 10 + low


def _near(text: str, options: Sequence[str]) -> int | None:
    inside = [i for i, option in enumerate(options) if option in text]
    if len(inside) == 1:
        return inside[0]
    words = {text[i:i + 2] for i in range(len(text) - 1)}
    sharing = [i for i, option in enumerate(options) if any(option[j:j + 2] in words for j in range(len(option) - 1))]
    return sharing[0] if len(sharing) == 1 and not inside else None


ASSENT = ("都对", "都对的", "全对", "没有问题", "确认无误")
ASSENT_BEFORE_SUBMIT = ("", "确认", "可以", "好", "好的", "没错", "对", "都对", "没问题", "确认无误", "那", "直接")


def yes(answer: str) -> bool | None:
    """确认/是 → True, 否/不 → False, anything else None.

    A bare number is neither: the questions before a submission follow numbered lists (the
    summary's items, the choices just made), so 「1」 there means an item, never 「确认」."""
    text = unicodedata.normalize("NFKC", answer).strip().rstrip("。.!！").lower()  # 「ＯＫ」 typed full-width
    if text in ("确认", "是", "是的", "对", "对的", "好", "好的", "提交", "确定", "y", "yes", "ok", "同意", "可以", "行",
                "没问题", "没错", "确认无误", "发吧", "发送"):
        return True
    # 「确认提交」「可以提交了」「没错，提交吧」「都对」: assent said the way clerks say it
    said = re.sub(r"[\s，,、]", "", text).rstrip("吧了啦呀")
    if said in ASSENT or (said.endswith("提交") and said[:-2].rstrip("就") in ASSENT_BEFORE_SUBMIT):
        return True
    if text in ("否", "不", "不是", "不对", "n", "no", "修改", "不用", "不用了", "不要", "不要了", "不了", "先不", "暂时不",
                "不撤了", "不撤", "不发了", "不发"):
        return False
    return None


def confirmed(ctx, action: str, dropped: str, hint: str | None = None) -> bool:
    """The answer to a 「确认/取消」 question before something is done.

    True: go on. 否/不: says `dropped` (what was not done) and returns False — end the dialogue.
    Anything else: the same question again, with `hint` or 「请回复「确认」<action>，或「取消」放弃。」."""
    answer = yes(ctx.text)
    if answer is None:
        raise Reask(hint or f"请回复「确认」{action}，或「取消」放弃。")
    if not answer:
        ctx.reply(dropped)
    return answer


EDIT_REQUEST = re.compile(r"(?:修改|更改|改一下|改)\s*(.*)")


def edit_request(answer: str) -> str | None:
    """At a form's 「确认/修改」 question: what follows 修改 (「」 for a bare 修改), or None if the answer
    does not start with it."""
    found = EDIT_REQUEST.fullmatch(answer.strip().rstrip("。.！!"))
    return found.group(1).strip() if found else None


def named(answer: str, options: Sequence[str], aliases: Mapping[str, str] | None = None,
          bare: bool = False) -> int | None:
    """The one option a free answer names by its words — 「理由」 or 「开设理由要改」 for 开设理由, or a word of
    `aliases` (「网址」 for 主页URL) — else None. Numbers are not names: see `pick`. `bare`: the answer is not
    introduced by 修改, so it must be little more than the name (「联系电话没问题，确认」 names no item to change)."""
    text = answer.strip().rstrip("。.、")
    if len(text) < 2 or text.isdigit():
        return None
    hits = [i for i, option in enumerate(options)
            if text in option or (option in text and not (bare and len(text) > len(option) + 2))]
    if not hits and not bare:
        hits = [options.index(option) for word, option in (aliases or {}).items() if word in text and option in options]
    return hits[0] if len(set(hits)) == 1 else None
