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


class Index:
    """A list of commands taken apart once (words, help and detail are fixed), and looked up by
    character: an unknown text is compared only with the words and help lines that share a
    character (or character pair) with it. Any other word scores 0 whatever the rule, so the
    result is that of comparing the text with every word of every command."""

    def __init__(self, commands: Iterable) -> None:
        self.entries = [(c.name, tuple(_word(w) for w in c.words), _text_grams(c.help), _text_grams(c.detail))
                        for c in commands]
        self.first: dict[str, int] = {}  # name → the position of its first entry: ties keep the registration order
        self.words_by_token: dict[str, list[tuple[int, Word]]] = {}
        self.grams: list[list[dict[str, list[int]]]] = [[{}, {}], [{}, {}]]  # [help|detail][single|pair]
        for pos, (name, words, help_grams, detail_grams) in enumerate(self.entries):
            self.first.setdefault(name, pos)
            for word in dict.fromkeys(words):
                for tok in word[2]:
                    self.words_by_token.setdefault(tok, []).append((pos, word))
            for which, grams in enumerate((help_grams, detail_grams)):
                for at in (0, 1):
                    for gram in grams[at]:
                        self.grams[which][at].setdefault(gram, []).append(pos)

    def closest(self, text: str) -> list[str]:
        """Names of up to LIMIT commands that the text most likely meant, best first."""
        query = Query(text)
        values = self._explained(query)
        plain, qset = query.plain, query.set
        for tok in qset:  # a word sharing several characters is scored again: the same score
            for pos, word in self.words_by_token.get(tok, ()):
                count, wplain, wset = word
                if count >= 2 and wplain in plain:
                    score = 1.0 + len(wplain) / 100  # the longer word is the more specific one
                elif plain in wplain:
                    score = 0.8 + 0.1 * len(plain) / len(wplain)
                else:
                    score = 2 * len(qset & wset) / (len(qset) + len(wset))
                if score > values.get(pos, 0.0):
                    values[pos] = score
        scored: dict[str, float] = {}
        for pos, value in values.items():
            name = self.entries[pos][0]
            if value > scored.get(name, 0.0):
                scored[name] = value
        ranked = sorted(scored.items(), key=lambda item: (-item[1], self.first[item[0]]))
        if not ranked or ranked[0][1] < CUTOFF:
            return []
        floor = max(CUTOFF, NEAR_BEST * ranked[0][1])
        return [name for name, value in ranked if value >= floor][:LIMIT]

    def _explained(self, query: Query) -> dict[int, float]:
        """The help-line score of each entry whose help or detail shares a character (pair) with the text: the
        share of the text's pairs found there, weighted (HELP_WEIGHT, DETAIL_WEIGHT). The others score 0."""
        wanted = query.wanted
        at = query.n - 1
        values: dict[int, float] = {}
        for which, weight in ((0, HELP_WEIGHT), (1, DETAIL_WEIGHT)):
            found: dict[int, int] = {}
            postings = self.grams[which][at]
            for gram in wanted:
                for pos in postings.get(gram, ()):
                    found[pos] = found.get(pos, 0) + 1
            for pos, count in found.items():
                score = weight * (count / len(wanted))
                if score > values.get(pos, 0.0):
                    values[pos] = score
        return values
