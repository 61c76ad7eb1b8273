"""The change summary of 重新生成通报 (bot/bulletin/changes.py): pure functions on two bulletins."""
from __future__ import annotations

import copy
import dataclasses
from datetime import datetime, timedelta

from bot.bulletin import evaluate
from bot.bulletin.changes import fingerprint, same, summary_lines
from bot.bulletin.settings import DEFAULTS
from tests.bulletin_sample import CULTURE, EDU, NAMES, bulletin, large


def evaluated(b):
    return evaluate(b, DEFAULTS)


def test_computed_again_with_the_same_figures_is_the_same():
    old = evaluated(bulletin())
    new = copy.deepcopy(old)
    new.generated_at += timedelta(hours=3)
    new.rectify_by += timedelta(days=1)
    assert same(old, new) and fingerprint(old) == fingerprint(new)


def test_a_late_report_moves_score_problems_and_totals():
    old = evaluated(bulletin())
    new = bulletin()
    edu = next(f for f in new.units if f.unit_id == EDU)
    edu.reports_missing, edu.reports_late = 0, 1
    new = evaluated(new)
    assert not same(old, new) and fingerprint(old) != fingerprint(new)
    lines = summary_lines(old, new)
    assert lines[0] == "得分变化（1）："
    assert lines[1].startswith(f"· {NAMES[EDU]} ") and "→" in lines[1]
    assert any(line.startswith("新增问题（1）") for line in lines)
    assert any(line.startswith("不再列出的问题（1）") for line in lines)
    assert lines[-1] == "全县：迟报1→2次、缺报2→1次"


def test_units_in_and_out_and_details_only():
    old = evaluated(bulletin())
    new = bulletin([f for f in bulletin().units if f.unit_id != CULTURE])
    assert f"不再列入：{NAMES[CULTURE]}" in summary_lines(old, evaluated(new))
    assert any(line.startswith(f"新列入：{NAMES[CULTURE]}") for line in summary_lines(evaluated(new), old))
    detail = copy.deepcopy(old)
    detail.accounts[0] = dataclasses.replace(detail.accounts[0], days_idle=3)
    assert not same(old, detail)
    assert summary_lines(old, detail) == ["得分、问题和全县主要数据没有变化，只有明细有更新（如账号最近更新日期、审批用时）。"]


def test_long_lists_are_cut_and_fit_one_message():
    old = evaluated(large(60))
    new = large(60)
    for fig in new.units:
        fig.reports_missing, fig.reports_on_time = fig.reports_missing + 1, max(fig.reports_on_time - 1, 0)
    new.generated_at = datetime(2026, 12, 2, 9, 0)
    lines = summary_lines(old, evaluated(new))
    assert lines[:7] == ["得分变化（60）："] + lines[1:6] + ["……另有55项"]
    assert all(len(line) <= 60 for line in lines)
    assert len("\n".join(lines).encode()) <= 1400 and lines[-1] == "……更多变化见新版通报表。"


def test_a_public_notice_not_in_the_draft_is_named_as_a_change():
    # a draft kept before 通报批评 were listed (or without one) is remade with it: not 「只有明细有更新」
    from datetime import date
    from bot.bulletin.figures import NoticeRow
    old = evaluated(bulletin())
    new = copy.deepcopy(old)
    new.notices = [NoticeRow(EDU, NAMES[EDU], "抚松教育发布内容出现严重表述错误", date(2026, 11, 20),
                             "抚松县政务服务和数字化建设管理局")]
    assert not same(old, new)
    assert summary_lines(old, new) == ["新增通报批评（1）：", f"· {NAMES[EDU]}：抚松教育发布内容出现严重表述错误"]
    assert summary_lines(new, old) == ["不再列出的通报批评（1）：", f"· {NAMES[EDU]}：抚松教育发布内容出现严重表述错误"]
