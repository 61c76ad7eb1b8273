"""重新生成通报: a draft computed again from the data as it is now, after a diff and 确认; published
bulletins are never recomputed; running it again, cancelling, or stale cards send nothing twice."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.bulletin import serial
from models.audit import AuditLog
from models.bulletin import PUBLISHED, StoredBulletin
from tests.bulletin_job_seed import EDU, WEEKS, at
from tests.test_bulletin_job_publish import generated
from tests.weekly_support import file_report

ADMINS = ("zsj_admin", "zsj_review")




def edu_reports_late(bot) -> None:
    """教育局 files the missing last week of November after the draft was made: missing → late (92 → 93)."""
    at(2026, 12, 1, 10, 0)
    file_report(bot, EDU, "jy_zhang", WEEKS[3], {"抚松教育（微信公众号）": (5, 2, date(2026, 11, 27), 0, 0)})


def inboxes(bot) -> dict[str, int]:
    return {u: len(bot.inbox(u)) for u in ADMINS + ("jy_zhang", "jy_wang", "ga_wu")}


def stored(bot) -> StoredBulletin:
    with bot.db() as s:
        row = s.scalar(select(StoredBulletin))
        s.expunge(row)
        return row


def bulletin_cards(bot, userid: str) -> list[dict]:
    return [c for c in bot.cards(userid) if c["task_id"].startswith("bulletin-")]


def scores(row: StoredBulletin) -> dict[str, float]:
    return {f.unit_name: f.score for f in serial.from_json(row.data).units}


def test_a_late_report_is_shown_confirmed_and_sent_again_once(bot):
    generated(bot, second_admin=True)
    old_card = bulletin_cards(bot, "zsj_admin")[-1]["task_id"]
    edu_reports_late(bot)
    before = inboxes(bot)
    at(2026, 12, 1, 11, 0)
    prompt = bot.send("zsj_admin", "重新生成通报")
    assert "与现有草稿（第1版）相比" in prompt
    assert "抚松县教育局 92→93分" in prompt
    assert "全县：" in prompt and "迟报1→2次" in prompt and "缺报6→5次" in prompt
    assert "回复「确认」用新数据替换草稿" in prompt
    assert inboxes(bot) == before and stored(bot).revision == 1  # nothing before confirming
    assert "请回复「确认」替换草稿" in bot.send("zsj_admin", "嗯？")
    answer = bot.send("zsj_admin", "确认")
    assert "已按最新数据重新生成2026年11月月度通报草稿（第2版）" in answer
    row = stored(bot)
    assert row.revision == 2 and scores(row)[EDU] == 93 and row.status == "草稿"
    for userid in ADMINS:  # the job's six messages again, each once; the other admin is told why first
        kinds = [m["msgtype"] for m in bot.inbox(userid)[before[userid]:]]
        assert kinds[-6:] == ["markdown", "image", "file", "file", "template_card", "text"], (userid, kinds)
        assert len(kinds) == (7 if userid == "zsj_review" else 6), (userid, kinds)
    for userid in ADMINS:  # the hint says which draft it came with (the card's title does too)
        assert bot.texts(userid)[-1] == "如果卡片按钮无法使用，也可以回复「发布通报 2026-11」发布第2版草稿。"
    notice = [t for t in bot.texts("zsj_review") if t.startswith("【通报草稿已更新】")]
    assert len(notice) == 1 and "马管理" in notice[0] and "抚松县教育局 92→93分" in notice[0]
    assert {u: n for u, n in inboxes(bot).items() if u.startswith(("jy_", "ga_"))} == \
        {u: n for u, n in before.items() if u.startswith(("jy_", "ga_"))}  # units get nothing
    assert old_card in [u["task_id"] for u in bot.fake.state.card_updates]
    with bot.db() as s:
        audit = s.scalar(select(AuditLog).where(AuditLog.action == "bulletin.regenerate"))
        assert audit.actor == "zsj_admin" and audit.before["revision"] == 1 and audit.after["revision"] == 2
        assert audit.before["scores"][EDU] == 92 and audit.after["scores"][EDU] == 93

    after = inboxes(bot)
    assert "无需重新生成" in bot.send("zsj_admin", "更新通报 2026-11")  # again: nothing changed, nothing sent
    assert inboxes(bot) == after

    # the old card is stale; the new one publishes the new figures
    stale = bot.click("zsj_admin", old_card, "publish")
    assert stale.button_label == "已重新生成" and "旧版草稿" in bot.texts("zsj_admin")[-1]
    assert stored(bot).status == "草稿"
    bot.click("zsj_admin", bulletin_cards(bot, "zsj_admin")[-1]["task_id"], "publish")
    assert stored(bot).status == PUBLISHED
    part = [t for t in bot.texts("jy_zhang") if t.startswith("【2026年11月政务新媒体检查通报】")]
    assert len(part) == 1 and "本月得分93分" in part[0]


def test_cancel_keeps_the_draft_and_sends_nothing(bot):
    generated(bot)
    edu_reports_late(bot)
    before = inboxes(bot)
    bot.send("zsj_admin", "刷新通报")
    assert "已取消「重新生成通报」" in bot.send("zsj_admin", "取消")
    assert inboxes(bot) == before
    row = stored(bot)
    assert row.revision == 1 and scores(row)[EDU] == 92


def test_nothing_changed_needs_no_confirmation(bot):
    generated(bot)
    at(2026, 12, 1, 11, 0)
    before = inboxes(bot)
    reply = bot.send("zsj_admin", "重新生成通报")
    assert "与现有草稿（第1版，12-01 09:00生成）相同，无需重新生成" in reply
    assert inboxes(bot) == before
    assert "当前没有等待您确认的操作" in bot.send("zsj_admin", "确认")  # no dialogue was opened


def test_a_published_bulletin_is_never_regenerated(bot):
    generated(bot)
    at(2026, 12, 2, 10, 0)
    bot.click("zsj_admin", bulletin_cards(bot, "zsj_admin")[-1]["task_id"], "publish")
    edu_reports_late(bot)
    before = inboxes(bot)
    for command in ("重新生成通报", "重新生成通报 2026-11"):
        reply = bot.send("zsj_admin", command)
        assert "已于12-02 10:00发布（马管理）" in reply and "不能重新生成" in reply
        assert "更正说明" in reply and "通过整改" in reply
    assert inboxes(bot) == before
    assert stored(bot).revision == 1 and scores(stored(bot))[EDU] == 92


def test_only_bureau_admins_and_only_existing_months(bot):
    generated(bot)
    assert "仅限主管单位管理员使用" in bot.send("jy_wang", "重新生成通报")
    assert "仅限主管单位管理员使用" in bot.send("zsj_review", "重新生成通报")  # a reviewer does not publish either
    # before the county's first report through the bot: said why there is none (it said only when one comes)
    assert bot.send("zsj_admin", "重新生成通报 2026-10") == ("2026-10的月度通报还没有生成，无需重新生成。"
                                                            "本县第一份经助手报送的周报在2026-11，之前的月份没有数据，不生成通报。")
    assert bot.send("zsj_admin", "重新生成通报 2026-12").endswith("2026-12还没有结束，下月第一个工作日9:00自动生成。")
    assert "「2026-13」不是月份。请写明年份和月份，例如「重新生成通报 2026-11」" in \
        bot.send("zsj_admin", "重新生成通报 2026-13")
    assert "「13月」不是月份。请写明年份和月份，例如「发布通报 2026-11」" in bot.send("zsj_admin", "发布通报 13月")
    # 12-01: 上个月 is November, the month of the draft
    assert "与现有草稿（第1版，12-01 09:00生成）相同，无需重新生成" in bot.send("zsj_admin", "重新生成通报 上个月")
    assert "请确认发布2026年11月月度通报" in bot.send("zsj_admin", "发布通报 上月")


def test_a_second_admin_confirming_late_is_told_and_sends_nothing(bot):
    generated(bot, second_admin=True)
    edu_reports_late(bot)
    bot.send("zsj_review", "重新生成通报")
    bot.send("zsj_admin", "重新生成通报")
    assert "第2版" in bot.send("zsj_admin", "确认")
    before = inboxes(bot)
    reply = bot.send("zsj_review", "确认")
    assert "其他管理员已重新生成" in reply and "第2版" in reply
    assert inboxes(bot) == before and stored(bot).revision == 2


def test_data_moving_while_reading_asks_again(bot):
    generated(bot)
    edu_reports_late(bot)
    bot.send("zsj_admin", "重新生成通报")
    with bot.db() as s:  # 公安局's idle 微博 was in fact updated in November: the 台账 is corrected
        from models.account import Account
        s.scalar(select(Account).where(Account.name == "抚松公安")).last_update_on = date(2026, 11, 25)
    reply = bot.send("zsj_admin", "确认")
    assert "数据又有变化" in reply and "抚松县公安局 80→" in reply and "回复「确认」" in reply
    assert stored(bot).revision == 1
    assert "第2版" in bot.send("zsj_admin", "确认")
    assert scores(stored(bot))["抚松县公安局"] > 80


def test_publishing_a_draft_replaced_after_the_prompt_is_refused(bot):
    generated(bot, second_admin=True)
    edu_reports_late(bot)
    assert "请确认发布" in bot.send("zsj_review", "发布通报")
    bot.send("zsj_admin", "重新生成通报")
    bot.send("zsj_admin", "确认")
    reply = bot.send("zsj_review", "确认")
    assert "已重新生成（第2版）" in reply and "重新回复「发布通报」" in reply
    assert stored(bot).status == "草稿"


def test_the_old_card_does_not_publish_while_a_regeneration_awaits_confirmation(bot):
    generated(bot)
    old_card = bulletin_cards(bot, "zsj_admin")[-1]["task_id"]
    edu_reports_late(bot)
    assert "与现有草稿（第1版）相比" in bot.send("zsj_admin", "重新生成通报")
    bot.click("zsj_admin", old_card, "publish")
    said = bot.texts("zsj_admin")[-1]
    assert "第1版" in said and "重新生成" in said and "「确认」" in said and "「取消」" in said, said
    assert stored(bot).status == "草稿"
    assert "第2版" in bot.send("zsj_admin", "确认")  # the confirmation is still open
    assert stored(bot).status == "草稿" and scores(stored(bot))[EDU] == 93


def test_a_card_publishes_only_the_revision_it_showed(bot):
    """Even if the old card was somehow left open, its button names its revision: it never publishes a newer one."""
    generated(bot)
    old = bulletin_cards(bot, "zsj_admin")[-1]
    assert old["button_list"][0]["key"] == "publish:r1"
    edu_reports_late(bot)
    bot.send("zsj_admin", "重新生成通报")
    bot.send("zsj_admin", "确认")
    new = bulletin_cards(bot, "zsj_admin")[-1]
    assert new["button_list"][0]["key"] == "publish:r2"
    from models.platform import Card
    with bot.db() as s:  # e.g. a card update lost, or a card row not closed by an older release
        s.get(Card, old["task_id"]).status = "open"
    stale = bot.click("zsj_admin", old["task_id"], "publish:r1")
    assert stale.button_label and "旧版草稿" in bot.texts("zsj_admin")[-1]
    assert stored(bot).status == "草稿"
    bot.click("zsj_admin", new["task_id"], "publish:r2")
    assert stored(bot).status == PUBLISHED and scores(stored(bot))[EDU] == 93
