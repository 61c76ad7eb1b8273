"""The bulletin's score: hand-computed deductions, problems, ranking with ties, configurable weights."""
from __future__ import annotations

import pytest

from bot.bulletin import Deduction, UnitFigures, deductions_of, evaluate, problems_of, rank, score_of
from bot.bulletin import settings as bulletin_settings
from bot.bulletin.settings import DEFAULTS, SettingsError
from tests.bulletin_sample import CULTURE, EDU, FARM, HEALTH, bulletin, large


def by_id(b):
    return {f.unit_id: f for f in b.units}


def test_deductions_are_hand_computed_with_their_reasons():
    figs = by_id(evaluate(bulletin()))
    assert figs[EDU].deductions == [Deduction("缺报周报1次（每次扣2分）", 2, 1, "missing_report")]
    assert figs[EDU].score == 98
    # 卫健局: 2 (missing) + 1 (late) + 10 (90 days) + 2 (14 days) + 3 (registry) + 5 (rectification)
    #        + 3 (original 20% < 30%) + 3 (reply 75% < 90%) + 2 (untrained) = 31
    health = figs[HEALTH]
    assert [(d.kind, d.points, d.count) for d in health.deductions] == [
        ("missing_report", 2, 1), ("late_report", 1, 1), ("dormancy_90", 10, 1), ("dormancy_14", 2, 1),
        ("registry_overdue", 3, 1), ("rectification_overdue", 5, 1), ("low_original", 3, 1), ("low_reply", 3, 1),
        ("untrained", 2, 1)]
    assert health.deductions[2].reason == "1个账号90天以上未更新（每个扣10分）"
    assert health.deductions[6].reason == "原创率20%低于30%（扣3分）"
    assert health.score == 69
    # 文旅局: 3 posts, none original, but fewer than original_min_posts (5): not judged; no messages: no rate
    assert figs[CULTURE].deductions == [] and figs[CULTURE].score == 100
    assert figs[FARM].score == 100


def test_ranking_shares_a_rank_on_equal_scores():
    figs = by_id(evaluate(bulletin()))
    assert {k: f.rank for k, f in figs.items()} == {CULTURE: 1, FARM: 1, EDU: 3, HEALTH: 4}
    units = [UnitFigures(n, f"单位{n}", score=s) for n, s in enumerate([90, 95, 90, 80, 95], 1)]
    rank(units)
    assert [f.rank for f in units] == [3, 1, 3, 5, 1]


def test_each_account_counts_at_the_highest_configured_rung_it_reached():
    fig = UnitFigures(1, "某局", dormancy={7: 2, 10: 1, 30: 1, 75: 2, 120: 1})
    got = [(d.kind, d.count, d.points) for d in deductions_of(fig)]
    # 7 and 10 are below the first weighted rung; 30 → 14; 75 → 60; 120 → 90
    assert got == [("dormancy_90", 1, 10), ("dormancy_60", 2, 10), ("dormancy_14", 1, 2)]
    assert score_of(deductions_of(fig)) == 78


def test_score_never_goes_below_the_floor():
    fig = UnitFigures(1, "某局", reports_due=4, reports_missing=4, dormancy={90: 20})
    assert sum(d.points for d in deductions_of(fig)) == 208
    assert score_of(deductions_of(fig)) == 0


def test_rates_are_judged_against_their_thresholds():
    fig = UnitFigures(1, "某局", posts=10, originals=3, messages_received=10, messages_answered=9)
    assert deductions_of(fig) == [] and problems_of(fig) == []  # exactly 30% and 90% pass
    fig.originals, fig.messages_answered = 2, 8
    assert [d.kind for d in deductions_of(fig)] == ["low_original", "low_reply"]
    assert problems_of(fig) == ["留言回复率80%（收到10条，回复8条），低于90%，须及时回复群众留言",
                                "原创率20%（发布10条，原创2条），低于30%，须提高原创内容比例"]


def test_problems_name_the_most_serious_first_with_the_required_fix():
    problems = by_id(evaluate(bulletin()))[HEALTH].problems
    assert problems[0] == "1个账号90天以上未更新，已成为“僵尸”账号，须按第15条关停注销或说明情况"
    assert problems[1] == "1项整改逾期未完成，须立即整改并回复整改情况"
    assert problems[2] == "缺报周报1次（本月应报4次），须按第30条每周报送账号更新维护情况"
    assert "1个账号14天以上未更新（国家检查中两周未更新即单项否决），须立即恢复更新" in problems
    assert problems[-1] == "本年度尚无人员参加政务新媒体培训，请派员参加主管单位组织的培训（第28条）"
    assert len(problems) == 9
    assert by_id(evaluate(bulletin()))[EDU].problems == ["缺报周报1次（本月应报4次），须按第30条每周报送账号更新维护情况"]


def test_weights_come_from_the_environment_as_json():
    env = {"BOT_BULLETIN_SETTINGS": '{"missing_report": 5, "dormancy": {"90": 20, "30": 1}, "untrained": 0}'}
    s = bulletin_settings.load(env)
    assert s.missing_report == 5 and s.dormancy == {14: 2, 30: 1, 60: 5, 90: 20} and s.late_report == 1
    figs = by_id(evaluate(bulletin(), s))
    # 卫健局 now: 5 + 1 + 20 + 2 + 3 + 5 + 3 + 3 + 0 = 42; 教育局: 5
    assert figs[HEALTH].score == 58 and figs[EDU].score == 95
    assert "untrained" not in [d.kind for d in figs[HEALTH].deductions]
    assert bulletin_settings.load({}) == DEFAULTS


@pytest.mark.parametrize("raw,message", [
    ("{not json", "不是有效的 JSON"),
    ('{"missing": 1}', "没有 missing 这一项"),
    ('{"late_report": "two"}', "late_report 必须是数字（现在是 'two'）"),
    ('{"late_report": -1}', "late_report 不能为负数"),
    ('{"dormancy": {"ninety": 3}}', "dormancy 的键必须是天数"),
    ('[1, 2]', "必须是 JSON 对象"),
])
def test_malformed_settings_are_refused_naming_the_key(raw, message):
    with pytest.raises(SettingsError) as caught:
        bulletin_settings.load({"BOT_BULLETIN_SETTINGS": raw})
    assert message in str(caught.value) and "BOT_BULLETIN_SETTINGS" in str(caught.value)


def test_fractional_weights_are_kept_exact():
    s = bulletin_settings.from_dict({"late_report": 0.1})
    fig = UnitFigures(1, "某局", reports_due=4, reports_on_time=1, reports_late=3)
    assert deductions_of(fig, s)[0].points == 0.3 and score_of(deductions_of(fig, s), s) == 99.7


def test_a_bulletin_survives_json_for_publishing_later():
    import json

    from bot.bulletin.serial import from_json, to_json
    b = evaluate(bulletin())
    stored = json.loads(json.dumps(to_json(b), ensure_ascii=False))
    back = from_json(stored)
    assert back == b
    assert back.unit(HEALTH).dormancy == {14: 1, 90: 1} and back.unit(HEALTH).deductions[2].points == 10
    assert back.generated_at.utcoffset().total_seconds() == 8 * 3600 and back.rectify_by.isoformat() == "2026-12-08"
    with pytest.raises(ValueError):
        from_json({**stored, "version": 99})


def test_inconsistent_figures_are_pointed_out():
    assert bulletin().inconsistencies() == [] and large(20).inconsistencies() == []
    fig = UnitFigures(1, "某局", {"抖音": 2}, {"正常": 1}, reports_due=4, reports_on_time=2, posts=1, originals=2,
                      messages_received=1, messages_answered=2, rectifications_open=0, rectifications_overdue=1,
                      registry_overdue=-1)
    assert fig.inconsistencies() == ["registry_overdue is negative", "on time + late + missing = 2, but 4 reports due",
                                     "2 originals among 1 posts", "2 messages answered of 1 received",
                                     "1 overdue of 0 open rectifications",
                                     "accounts by status and by platform do not add up to the same total"]
    b = bulletin([fig])
    assert b.inconsistencies()[0] == "某局: registry_overdue is negative"


def test_totals_add_up_the_units():
    t = bulletin().totals
    assert (t.units, t.accounts_total, t.reports_due, t.reports_missing, t.posts, t.originals) == (4, 9, 16, 2, 65, 20)
    assert t.accounts_by_platform == {"微信公众号": 4, "抖音": 2, "微博": 1, "视频号": 1, "快手": 1}
    assert t.dormancy == {7: 1, 14: 1, 90: 1} and t.idle_accounts() == 2 and t.untrained_units == 1
    assert t.approval_median_hours == 17.5  # of the decided requests: 5 h and 30 h
