"""Failed pushes reach the bureau admins as one summary a day, each admin about their own part of the tree."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select

from bot import clock, outbox
from models.delivery_failures import INVALID_USER, IP_REFUSED, OTHER, OUTAGE, cause_lines, summary_text
from models.outbox import FAILED, OutboxMessage
from tests.test_outbox_delivery import REFUSED, all_rows, move, push

SUMMARY = "【推送失败提醒】"


def at(moment: datetime, bot) -> None:
    clock.set_now(moment)
    bot.fake.state.offset = clock.offset_seconds()


def fail_once(bot, code: int, to, content: str) -> None:
    """One push that WeCom refuses for good with `code`; then run the jobs (the summary goes through)."""
    bot.fake.inject("message/send", errcode=code)
    push(outbox.push_text, to, content)
    bot.deliver()


def summaries(bot, userid: str) -> list[str]:
    return [t for t in bot.texts(userid) if t.startswith(SUMMARY)]


def test_each_county_hears_once_a_day_about_its_own_failures(bot):
    at(datetime(2026, 12, 1, 10, 0), bot)
    fail_once(bot, REFUSED, ["jy_zhang", "jy_li"], "抚松的通知")  # one call for both: two rows fail
    fail_once(bot, REFUSED, "jyx_staff", "靖宇的通知")
    move(bot, 3600)
    fail_once(bot, REFUSED, "wj_liu", "又一条抚松的通知")  # the same day: no second summary
    [fusong] = summaries(bot, "zsj_admin")
    [jingyu] = summaries(bot, "jy_admin")
    assert "有 2 条未能送达" in fusong and "1. 其他错误：2 条。" in fusong
    assert "有 1 条未能送达" in jingyu and "截至 10:00" in jingyu
    for text in (fusong, jingyu):
        assert "回复「重发失败推送」" in text and "flask --app bot outbox resend" in text
        assert "今天再有推送失败不再另行提醒" in text
    assert not summaries(bot, "zsj_review") and not summaries(bot, "city_zhao")  # admins only

    at(datetime(2026, 12, 2, 9, 0), bot)  # the next day: today's failures only
    fail_once(bot, REFUSED, "jy_wang", "第二天的通知")
    assert len(summaries(bot, "zsj_admin")) == 2 and "有 1 条未能送达" in summaries(bot, "zsj_admin")[1]
    assert len(summaries(bot, "jy_admin")) == 1


def test_60020_says_plainly_that_the_deployment_is_misconfigured(bot):
    at(datetime(2026, 12, 1, 10, 0), bot)
    fail_once(bot, 60020, "jy_zhang", "IP 不在白名单")
    [text] = summaries(bot, "zsj_admin")
    assert "企业微信拒绝了助手服务器的 IP（错误码 60020）：1 条" in text
    assert "部署配置有误" in text and "所有人的推送都发不出去，不是个别人员的问题" in text
    assert "企业可信IP" in text and "系统运维人员" in text


def test_invalid_recipients_are_counted_as_such(bot):
    at(datetime(2026, 12, 1, 10, 0), bot)
    bot.fake.state.known_users = {"jy_zhang", "zsj_admin"}
    push(outbox.push_text, ["jy_zhang", "jy_li"], "大家好")
    bot.deliver()
    [text] = summaries(bot, "zsj_admin")
    assert "收件人在企业微信中无效（已离职、已禁用或不在应用可见范围）：1 条" in text
    assert "不会重发，除非该人员在通讯录中重新启用" in text


def test_recipients_outside_the_directory_tell_nobody(bot):
    fail_once(bot, REFUSED, "not_in_directory", "无人认领")
    assert [(r.userid, r.status) for r in all_rows()] == [("not_in_directory", FAILED)]


def test_a_summary_that_fails_itself_causes_no_other(bot):
    """WeCom refuses everything: the summary fails too, and that failure is not summarised again."""
    at(datetime(2026, 12, 1, 10, 0), bot)
    bot.fake.inject("message/send", errcode=60020, times=-1)
    for i in range(3):
        push(outbox.push_text, "jy_zhang", f"通知{i}")
        bot.deliver()
    rows = all_rows()
    assert [r.userid for r in rows] == ["jy_zhang", "zsj_admin", "jy_zhang", "jy_zhang"]
    assert {r.status for r in rows} == {FAILED} and rows[1].payload["content"].startswith(SUMMARY)


def test_the_summary_is_queued_with_the_failure(bot):
    """The failing job writes the summary row in its own transaction: no summary without a failure."""
    at(datetime(2026, 12, 1, 10, 0), bot)
    bot.fake.inject("message/send", errcode=REFUSED)
    push(outbox.push_text, "jy_zhang", "一")
    from jobs import delivery
    delivery.deliver([all_rows()[0].id])  # run the job by hand: the summary is written, not yet sent
    failed, summary = all_rows()
    assert failed.status == FAILED and summary.userid == "zsj_admin" and summary.status == "pending"
    assert abs(summary.created_at - failed.failed_at) < timedelta(seconds=1)
    assert summary.dedupe_key.startswith("delivery-failed:2026-12-01:zsj_admin:")


def test_the_causes_are_listed_most_urgent_first(cfg):
    lines = cause_lines(Counter({OTHER: 1, INVALID_USER: 2, OUTAGE: 3, IP_REFUSED: 4}))
    assert [line[:2] for line in lines] == ["1.", "2.", "3.", "4."]
    assert "60020" in lines[0] and "重试 48 小时仍未成功：3 条" in lines[1]
    assert "无效" in lines[2] and lines[3] == "4. 其他错误：1 条。"
    text = summary_text(Counter({OUTAGE: 5}))
    assert "有 5 条未能送达" in text and "60020" not in text


def test_the_summary_dedupe_key_is_one_per_admin_and_day(bot):
    at(datetime(2026, 12, 1, 10, 0), bot)
    fail_once(bot, REFUSED, "jy_zhang", "一")
    fail_once(bot, REFUSED, "jy_li", "二")
    with bot.db() as s:
        keys = list(s.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.is_not(None))))
    assert len(keys) == 1 and keys[0].startswith("delivery-failed:2026-12-01:zsj_admin:")


def test_a_card_update_that_cannot_be_made_tells_nobody(bot):
    """Greying a card's buttons needs the person's latest ResponseCode: without one it fails, quietly."""
    from bot import db
    from models.platform import Card
    with db.transaction() as s:
        [card] = outbox.push_card(s, "jy_zhang", kind="tcard", ref_id=1, card={
            "card_type": "button_interaction", "main_title": {"title": "请审核"},
            "button_list": [{"text": "同意", "key": "yes"}]})
        task_id = card.task_id
    bot.deliver()
    for label in ("已同意", "已撤回"):  # the second update has no code left (each is single-use)
        with db.transaction() as s:
            outbox.push_card_update(s, s.get(Card, task_id), button_label=label)
        bot.deliver()
    rows = all_rows()
    assert [(r.msgtype, r.status) for r in rows] == [("template_card", "sent"), ("card_update", "sent"),
                                                     ("card_update", FAILED)]
    assert not summaries(bot, "zsj_admin")


def test_an_admin_whose_userid_was_respelled_hears_once_a_day_all_the_same(bot):
    """WeCom ignores case in userids and org sync may respell one: the summary that went to 「zsj_admin」 today
    counts for 「ZSJ_Admin」, who is not told a second time."""
    from models.org import find_person
    at(datetime(2026, 12, 1, 10, 0), bot)
    fail_once(bot, REFUSED, "jy_zhang", "一")
    with bot.db() as s:
        find_person(s, "zsj_admin").userid = "ZSJ_Admin"
    fail_once(bot, REFUSED, "jy_li", "二")
    with bot.db() as s:
        keys = list(s.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like("delivery-failed:%"))))
    assert len(keys) == 1 and keys[0].startswith("delivery-failed:2026-12-01:zsj_admin:"), keys
