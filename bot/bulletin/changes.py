"""What changed between the stored draft of a month's bulletin and the same month computed again
(重新生成通报): a short Chinese summary for the bureau admins, and whether anything changed at all."""
from __future__ import annotations

import hashlib
import json

from bot.bulletin import fmt, serial
from bot.bulletin.figures import NATIONAL_FAIL_DAYS, Bulletin, UnitFigures
from bot.bulletin.text import finding

# Set anew by every computation (and by publishing): not a change in the figures.
MOMENTS = ("generated_at", "rectify_by", "issued_on")
SHOWN = 5          # lines per list; the rest are counted
LINE_CHARS = 44    # a problem line (unit and finding) is cut to this many characters
BUDGET = 1400      # bytes for all the lines: with the question around them, one WeCom message (2048)
TOTALS = [("reports_on_time", "按时报送", "次"), ("reports_late", "迟报", "次"), ("reports_missing", "缺报", "次"),
          ("registry_overdue", "全国系统逾期报送", "个"), ("rectifications_open", "整改未完成", "项"),
          ("rectifications_overdue", "整改逾期", "项")]


def comparable(b: Bulletin) -> dict:
    data = serial.to_json(b)
    for key in MOMENTS:
        data.pop(key, None)
    return data


def fingerprint(b: Bulletin) -> str:
    """A short digest of the figures (not of when they were computed)."""
    raw = json.dumps(comparable(b), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def same(old: Bulletin, new: Bulletin) -> bool:
    return comparable(old) == comparable(new)


def _cut(text: str) -> str:
    return text if len(text) <= LINE_CHARS else text[:LINE_CHARS - 1] + "…"


def _listed(title: str, lines: list[str]) -> list[str]:
    if not lines:
        return []
    more = [f"……另有{len(lines) - SHOWN}项"] if len(lines) > SHOWN else []
    return [f"{title}（{len(lines)}）："] + [f"· {line}" for line in lines[:SHOWN]] + more


def _score_line(before: UnitFigures, after: UnitFigures) -> str:
    rank = f"，第{before.rank}→{after.rank}名" if before.rank != after.rank else ""
    return f"{after.unit_name} {fmt.number(before.score)}→{fmt.number(after.score)}分{rank}"


def _problems(b: Bulletin) -> dict[tuple[int, str], str]:
    return {(f.unit_id, p): f.unit_name for f in b.units for p in f.problems}


def _notices(b: Bulletin) -> list[str]:
    return [f"{n.unit_name}：{n.reason}" for n in b.notices]


def _totals_line(old: Bulletin, new: Bulletin) -> str:
    before, after = old.totals, new.totals
    pairs = [(getattr(before, name), getattr(after, name), label, unit) for name, label, unit in TOTALS]
    pairs.append((before.idle_accounts(NATIONAL_FAIL_DAYS), after.idle_accounts(NATIONAL_FAIL_DAYS),
                  f"{NATIONAL_FAIL_DAYS}天以上未更新", "个"))
    moved = [f"{label}{a}→{b}{unit}" for a, b, label, unit in pairs if a != b]
    return "全县：" + "、".join(moved) if moved else ""


def summary_lines(old: Bulletin, new: Bulletin) -> list[str]:
    """The changes, a few lines each: units in or out, scores, problems found or gone, county totals."""
    before = {f.unit_id: f for f in old.units}
    after = {f.unit_id: f for f in new.units}
    lines = [f"新列入：{f.unit_name}（{fmt.number(f.score)}分）" for uid, f in after.items() if uid not in before]
    lines += [f"不再列入：{f.unit_name}" for uid, f in before.items() if uid not in after]
    moved = sorted((uid for uid in after if uid in before and before[uid].score != after[uid].score),
                   key=lambda uid: -abs((after[uid].score or 0) - (before[uid].score or 0)))
    lines += _listed("得分变化", [_score_line(before[uid], after[uid]) for uid in moved])
    was, now = _problems(old), _problems(new)
    lines += _listed("新增问题", [_cut(f"{now[k]}：{finding(k[1])}") for k in now if k not in was])
    lines += _listed("不再列出的问题", [_cut(f"{was[k]}：{finding(k[1])}") for k in was if k not in now])
    was, now = _notices(old), _notices(new)
    lines += _listed("新增通报批评", [_cut(n) for n in now if n not in was])
    lines += _listed("不再列出的通报批评", [_cut(n) for n in was if n not in now])
    totals = _totals_line(old, new)
    if totals:
        lines.append(totals)
    if not lines:
        lines.append("得分、问题和全县主要数据没有变化，只有明细有更新（如账号最近更新日期、审批用时）。")
    return _within_budget(lines)


def _within_budget(lines: list[str]) -> list[str]:
    if len("\n".join(lines).encode()) <= BUDGET:
        return lines
    tail = "……更多变化见新版通报表。"
    kept, used = [], len(tail.encode())
    for line in lines:
        used += len(line.encode()) + 1
        if used > BUDGET:
            break
        kept.append(line)
    return kept + [tail]
