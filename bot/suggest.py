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


Word = tuple[int, str, frozenset[str]]  # a command's word taken apart: tokens, their text, their set


def _word(word: str) -> Word:
    toks = tokens(word)
    return len(toks), "".join(toks), frozenset(toks)


def _text_grams(text: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """The text's single characters and its character pairs (a query of one token compares the first)."""
    toks = tokens(text)
    return frozenset(_grams(toks, 1)), frozenset(_grams(toks, 2))


def explained_score(query: Query, help_grams, detail_grams) -> float:
    wanted = query.wanted
    if not wanted:
        return 0.0
    at = query.n - 1
    return max(HELP_WEIGHT * (len(wanted & help_grams[at]) / len(wanted)),
               DETAIL_WEIGHT * (len(wanted & detail_grams[at]) / len(wanted)))


class Index:
    """A list of commands taken apart once (words, help and detail are fixed), so that an unknown
    text is compared with every word of every command without taking the commands apart again."""

    def __init__(self, commands: Iterable) -> None:
        self.entries = [(c.name, tuple(_word(w) for w in c.words), _text_grams(c.help), _text_grams(c.detail))
                        for c in commands]

    def closest(self, text: str) -> list[str]:
        """Names of up to LIMIT commands that the text most likely meant, best first."""
        scored: dict[str, float] = {}
        query = Query(text)
        plain, qset = query.plain, query.set
        for name, words, help_grams, detail_grams in self.entries:
            value = explained_score(query, help_grams, detail_grams)
            for count, wplain, wset in words:  # the loop every unknown text runs most: kept flat
                if count >= 2 and wplain in plain:
                    score = 1.0 + len(wplain) / 100  # the longer word is the more specific one
                elif plain and plain in wplain:
                    score = 0.8 + 0.1 * len(plain) / len(wplain)
                else:
                    common = len(qset & wset)
                    score = 2 * common / (len(qset) + len(wset)) if common else 0.0
                if score > value:
                    value = score
            if value > scored.get(name, -1.0):  # every command is ranked, a 0 too
                scored[name] = value
        ranked = sorted(scored.items(), key=lambda item: -item[1])  # stable: ties keep their order
        if not ranked or ranked[0][1] < CUTOFF:
            return []
        floor = max(CUTOFF, NEAR_BEST * ranked[0][1])
        return [name for name, value in ranked if value >= floor][:LIMIT]

