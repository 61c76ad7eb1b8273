"""The closest commands for a text the router did not understand, made for Chinese.

Chinese has no spaces and people paraphrase (「开个账号」 for 开设, 「周报告」 for 周报), so edit
distance over whole strings finds little. Each command allowed to the user scores the best of:
  - one of its words inside the text (「我要填周报」), or the text inside one of its words (「审批」 in 待审批);
  - the share of characters the text has in common with one of its words (Dice), for paraphrases;
  - the share of the text's character pairs found in its help line (or, weighing less, its detail),
    so a word only the explanation uses (「Excel」) still leads to the command.
Only commands close to the best one are offered. Deterministic: ties keep the registration order.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

TOKEN = re.compile(r"[a-z0-9]+|[\u3400-\u9fff]")  # a Latin word or digits, or one Chinese character
CUTOFF = 0.4  # a command scoring less is never offered
NEAR_BEST = 0.8  # offered only if it scores at least this share of the best one
LIMIT = 3
HELP_WEIGHT, DETAIL_WEIGHT = 0.6, 0.4


def tokens(text: str | None) -> list[str]:
    return TOKEN.findall((text or "").lower())


def _grams(toks: list[str], n: int) -> set[str]:
    return {"".join(toks[i:i + n]) for i in range(len(toks) - n + 1)}


class Query:
    """The unknown text, taken apart once (it is compared with every word of every command)."""

    def __init__(self, text: str) -> None:
        self.toks = tokens(text)
        self.plain = "".join(self.toks)
        self.set = frozenset(self.toks)
        self.n = 2 if len(self.toks) >= 2 else 1
        self.wanted = _grams(self.toks, self.n)


# The commands' words and help texts are fixed: take them apart once, not for every unknown text.
@lru_cache(maxsize=4096)
def _word(word: str) -> tuple[int, str, frozenset[str]]:
    toks = tokens(word)
    return len(toks), "".join(toks), frozenset(toks)


@lru_cache(maxsize=4096)
def _text_grams(text: str | None, n: int) -> frozenset[str]:
    return frozenset(_grams(tokens(text), n))


def word_score(query: Query, word: str) -> float:
    count, wplain, wset = _word(word)
    if count >= 2 and wplain in query.plain:
        return 1.0 + len(wplain) / 100  # the longer word is the more specific one
    if query.plain and query.plain in wplain:
        return 0.8 + 0.1 * len(query.plain) / len(wplain)
    common = query.set & wset
    return 2 * len(common) / (len(query.set) + len(wset)) if common else 0.0


def explained_score(query: Query, help: str | None, detail: str | None) -> float:
    wanted = query.wanted
    if not wanted:
        return 0.0

    def cover(text: str | None) -> float:
        return len(wanted & _text_grams(text, query.n)) / len(wanted)
    return max(HELP_WEIGHT * cover(help), DETAIL_WEIGHT * cover(detail))


def score(text: str, command) -> float:
    return _score(Query(text), command)


def _score(query: Query, command) -> float:
    best = max((word_score(query, w) for w in command.words), default=0.0)
    return max(best, explained_score(query, command.help, command.detail))


def closest(text: str, commands: Iterable) -> list[str]:
    """Names of up to LIMIT commands that the text most likely meant, best first."""
    scored: dict[str, float] = {}
    query = Query(text)
    for command in commands:
        scored[command.name] = max(scored.get(command.name, 0.0), _score(query, command))
    ranked = sorted(scored.items(), key=lambda item: -item[1])  # stable: ties keep their order
    if not ranked or ranked[0][1] < CUTOFF:
        return []
    floor = max(CUTOFF, NEAR_BEST * ranked[0][1])
    return [name for name, value in ranked if value >= floor][:LIMIT]
