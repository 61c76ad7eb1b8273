"""The one-message quick form of the weekly report (no bot, no database).

    周报 [上周] 抚松发布视频号 5 3 11-25 留言4/4 问题：无
    <账号> <发布条数> [<原创条数>] [<最近发布日期>] [留言<收到>/<回复>] [问题：<文字>]

One line per account (or lines separated by ；). Accounts are plain dicts
{"id", "name", "platform", "label", "opened_on"}.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from handlers.weekly_parse import (NONE_WORDS, Unclear, check_entry, check_problems, no_problem, parse_count,
                                   parse_date, parse_interaction)

PLATFORM_ALIASES = {
    "微信公众号": "微信公众号", "公众号": "微信公众号", "微信": "微信公众号", "视频号": "视频号", "微博": "微博",
    "抖音": "抖音", "快手": "快手", "今日头条": "今日头条", "头条": "今日头条", "小程序": "小程序",
    "移动客户端": "移动客户端", "客户端": "移动客户端", "app": "移动客户端", "APP": "移动客户端", "其他": "其他",
}
INTERACTION_WORDS = ("留言", "评论", "互动", "收到", "留言评论")

GRAMMAR = """快捷填报（一条消息报完）：
周报 账号 发布条数 原创条数 最近发布日期 留言收到/回复 问题：文字
例：周报 抚松发布公众号 5 3 11-25 留言4/4
· 每个账号一行，也可以用「；」隔开，一条消息可报多个账号；
· 同名账号在名称后写平台：公众号、视频号、微博、抖音、快手、头条等（可加空格或括号）；
· 本周没有更新：周报 抚松教育抖音 无 11-10（日期可省略）；
· 原创可写「原创3」，省略则按0计；日期可写 今天、昨天、周三、11月25日、11-25、2026-11-25；
· 留言可写 留言4/4、4/4、收到4回复3，省略则按 0/0 计；问题可省略（按「无」计）；
· 报上周：周报 上周 抚松发布公众号 5 3 11-20 留言2/2；
· 没写到的账号会接着逐个询问；提交前会列出识别结果请您「确认」。"""


@dataclass
class QuickResult:
    entries: dict[int, dict] = field(default_factory=dict)  # account id → entry
    understood: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in re.split(r"[\n；;]+", text) if line.strip()]


def _norm(text: str) -> str:
    return re.sub(r"[（）()\[\]【】「」\s]", "", text)


def match_account(tokens: list[str], accounts: list[dict]) -> tuple[dict | None, int, str | None]:
    """(account, tokens consumed, error) for the start of a quick-form line."""
    first = _norm(tokens[0])
    second = _norm(tokens[1]) if len(tokens) > 1 else ""
    if second in PLATFORM_ALIASES:
        hits = [a for a in accounts if a["name"] == first and a["platform"] == PLATFORM_ALIASES[second]]
        if len(hits) == 1:
            return hits[0], 2, None
    for alias, platform in PLATFORM_ALIASES.items():
        if first.endswith(alias) and len(first) > len(alias):
            hits = [a for a in accounts if a["name"] == first[:-len(alias)] and a["platform"] == platform]
            if len(hits) == 1:
                return hits[0], 1, None
    hits = [a for a in accounts if a["name"] == first]
    if not hits and first in PLATFORM_ALIASES:
        hits = [a for a in accounts if a["platform"] == PLATFORM_ALIASES[first]]
    if not hits:
        hits = [a for a in accounts if first and (first in a["name"] or a["name"] in first)]
    if len(hits) == 1:
        return hits[0], 1, None
    if len(hits) > 1:
        names = "、".join(a["label"] for a in hits)
        example = f"{hits[-1]['name']}{_short_platform(hits[-1]['platform'])}"
        return None, 1, f"「{tokens[0]}」对应多个账号：{names}。请在名称后写明平台，例如「{example} 5 3 11-25」。"
    names = "、".join(a["label"] for a in accounts)
    return None, 1, f"本单位没有名为「{tokens[0]}」的在用账号。本单位的账号有：{names}。"


def _short_platform(platform: str) -> str:
    return "公众号" if platform == "微信公众号" else platform


def parse_line(line: str, accounts: list[dict], *, week: date, today: date) -> tuple[dict | None, str]:
    """One line → (entry with account_id, '') or (None, error text)."""
    problems = None
    found = re.search(r"(问题|整改|备注)[:：]?", line)
    if found:
        problems = line[found.end():].strip() or None
        line = line[:found.start()]
    tokens = [t for t in re.split(r"[\s，,、]+", line) if t]
    if not tokens:
        return None, "只有问题说明，没有写账号名称。"
    account, used, error = match_account(tokens, accounts)
    if error:
        return None, error
    entry = {"account_id": account["id"], "posts": None, "originals": None, "latest_post_on": None,
             "messages_received": 0, "messages_answered": 0,
             "problems": None if problems is None or no_problem(problems) else problems}
    for token in tokens[used:]:
        error = _take(token, entry, week=week, today=today)
        if error:
            return None, f"{account['label']}：{error}"
    if entry["posts"] is None:
        return None, f"{account['label']}：没有写本周发布条数（没有更新请写「无」）。"
    entry["originals"] = entry["originals"] or 0
    try:
        check_entry(entry, week=week, today=today, opened_on=_opened(account))
        if entry["problems"] is not None:
            check_problems(entry["problems"])
    except Unclear as wrong:
        return None, f"{account['label']}：{wrong.hint}"
    if entry["latest_post_on"]:
        entry["latest_post_on"] = entry["latest_post_on"].isoformat()
    return entry, ""


def _opened(account: dict) -> date | None:
    return date.fromisoformat(account["opened_on"]) if account.get("opened_on") else None


def _take(token: str, entry: dict, *, week: date, today: date) -> str | None:
    """Fill one field from `token`; an error text if the token fits nothing."""
    try:
        if "/" in token or token.startswith(INTERACTION_WORDS):
            entry["messages_received"], entry["messages_answered"] = parse_interaction(token)
            return None
        m = re.fullmatch(r"原创(.+)|(.+?)原创", token)
        if m:
            entry["originals"] = parse_count(m.group(1) or m.group(2), "原创条数")
            return None
        if token in NONE_WORDS or re.fullmatch(r"(发布|发了)?[\d零一二两三四五六七八九十]+(条|篇)?", token):
            value = parse_count(token)
            if entry["posts"] is None:
                entry["posts"] = value
            elif entry["originals"] is None:
                entry["originals"] = value
            else:
                return f"多了一个数字「{token}」（发布、原创都已写过）。"
            return None
        entry["latest_post_on"] = parse_date(token, today=today, week=week)
        return None
    except Unclear as wrong:
        return wrong.hint


def parse_quick(text: str, accounts: list[dict], *, week: date, today: date) -> QuickResult:
    result = QuickResult()
    lines = split_lines(text)
    for number, line in enumerate(lines, 1):
        entry, error = parse_line(line, accounts, week=week, today=today)
        where = f"第{number}行" if len(lines) > 1 else "这一行"
        if error:
            result.errors.append(f"{where}「{line[:30]}」：{error}")
            continue
        if entry["account_id"] in result.entries:
            result.errors.append(f"{where}：{_label(accounts, entry['account_id'])} 重复填写了。")
            continue
        result.entries[entry["account_id"]] = entry
    return result


def _label(accounts: list[dict], account_id: int) -> str:
    return next(a["label"] for a in accounts if a["id"] == account_id)
