"""Resending failed pushes: `flask --app bot outbox resend` and the bureau admin's 「重发失败推送」."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot import clock, db, outbox
from models.audit import AuditLog
from models.org import Person
from models.outbox import FAILED, PENDING, SENT
from models.outbox_resend import id_ranges
from sim.contacts import contacts_from_directory
from models.platform import Card
from tests.test_outbox_delivery import CARD, REFUSED, all_rows, deliver_for_minutes, greyed, push

NOW = datetime(2026, 12, 1, 10, 0)


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def at(moment: datetime, bot) -> None:
    clock.set_now(moment)
    bot.fake.state.offset = clock.offset_seconds()


def ip_refused_for(bot, pushes: list[tuple[str, str]]) -> None:
    """WeCom refuses this server (60020) while these pushes go out; then the IP is added."""
    bot.fake.inject("message/send", errcode=60020, times=-1)
    for to, content in pushes:
        push(outbox.push_text, to, content)
    bot.deliver()
    bot.fake.clear_faults()


def statuses() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in all_rows():
        out.setdefault(row.userid, []).append(row.status)
    return out


def resend_audits(bot) -> list[AuditLog]:
    with bot.db() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == "outbox.resend").order_by(AuditLog.id)))


def contents(bot, userid: str) -> list[str]:
    return [m["content"]["content"] for m in bot.inbox(userid)]


# --- the command line ------------------------------------------------------------------------------

def test_cli_dry_run_then_resend_to_one_person_then_everyone(bot, cli):
    at(NOW, bot)
    ip_refused_for(bot, [("jy_zhang", "甲"), ("jy_li", "乙"), ("jyx_staff", "丙")])
    # three pushes and each county's summary, all refused
    assert statuses() == {"jy_zhang": [FAILED], "zsj_admin": [FAILED], "jy_li": [FAILED],
                          "jyx_staff": [FAILED], "jy_admin": [FAILED]}

    dry = cli("outbox", "resend", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "发送失败的推送：5 条" in dry.output and "可以重发：5 条（5 人）" in dry.output
    assert "60020" in dry.output and "没有做任何修改" in dry.output
    assert {s for v in statuses().values() for s in v} == {FAILED} and not resend_audits(bot)

    one = cli("outbox", "resend", "--to", "JY_ZHANG")  # WeCom userids ignore case
    assert one.exit_code == 0, one.output
    assert "发给 JY_ZHANG 的发送失败的推送：1 条" in one.output and "已重新排队 1 条" in one.output
    assert statuses()["jy_zhang"] == [PENDING]
    assert contents(bot, "jy_zhang") == ["甲"]
    assert statuses()["jy_zhang"] == [SENT] and statuses()["jy_li"] == [FAILED]

    rest = cli("outbox", "resend")
    assert "已重新排队 4 条" in rest.output
    assert contents(bot, "jy_li") == ["乙"] and contents(bot, "jyx_staff") == ["丙"]
    [summary] = contents(bot, "zsj_admin")  # the day's summary, late but once
    assert summary.startswith("【推送失败提醒】")
    assert {s for v in statuses().values() for s in v} == {SENT}

    again = cli("outbox", "resend")
    assert "没有需要重发的推送" in again.output and contents(bot, "jy_zhang") == ["甲"]  # nothing twice

    first, second = resend_audits(bot)
    assert first.actor.startswith("cli:") and first.after["count"] == 1 and first.after["ids"] == "1"
    assert "to=JY_ZHANG" in first.after["scope"] and first.before == {"status": FAILED}
    assert second.after["count"] == 4 and second.after["ids"] == "2-5"


def test_a_resent_row_gets_a_fresh_retry_window(bot, cli):
    at(NOW, bot)
    ip_refused_for(bot, [("jy_zhang", "迟到的通知")])
    at(NOW + timedelta(days=3), bot)
    bot.fake.inject("message/send", errcode=-1)  # busy once after the resend: retried, not failed at once
    assert "已重新排队 2 条" in cli("outbox", "resend").output
    bot.deliver()
    row = all_rows()[0]
    assert row.status == PENDING and row.attempts == 1 and row.resent_at is not None and row.failed_at is None


def test_a_resent_card_closed_before_it_arrives_is_greyed_once_it_does(bot, cli):
    """The resend puts the card's own row back, so the card stays linked to it: an update queued while
    the resent card is still retrying waits for it, days after the card was made."""
    at(NOW, bot)
    bot.fake.inject("message/send", errcode=60020, times=-1)
    [task_id] = push(outbox.push_card, "jy_zhang", kind="tcard", ref_id=7, card=CARD)
    bot.deliver()
    bot.fake.clear_faults()
    at(NOW + timedelta(days=3), bot)
    bot.fake.inject("message/send", errcode=-1)  # the resent card is retried once
    assert "已重新排队 1 条" in cli("outbox", "resend", "--to", "jy_zhang").output
    bot.deliver()
    with db.transaction() as s:
        outbox.push_card_update(s, s.get(Card, task_id), button_label="已撤回")
    bot.deliver()
    deliver_for_minutes(bot, 2)
    assert [c["task_id"] for c in bot.cards("jy_zhang")] == [task_id]
    assert greyed(bot) == [(task_id, "已撤回")]
    assert [(r.msgtype, r.status) for r in all_rows() if r.userid == "jy_zhang"] == [
        ("template_card", SENT), ("card_update", SENT)]


def test_a_card_whose_matter_was_settled_after_its_send_failed_is_not_resent(bot, cli):
    """Resent, it would arrive with live buttons for something already decided (its greying failed as
    「card never delivered」 while the card itself had failed)."""
    at(NOW, bot)
    bot.fake.inject("message/send", errcode=60020, times=-1)
    [settled, open_] = [push(outbox.push_card, "jy_zhang", kind="tcard", ref_id=ref, card=CARD)[0]
                        for ref in (7, 8)]
    with db.transaction() as s:
        outbox.push_card_update(s, s.get(Card, settled), button_label="已撤回")
    bot.deliver()
    bot.fake.clear_faults()
    assert [(r.msgtype, r.status) for r in all_rows() if r.userid == "jy_zhang"] == [
        ("template_card", FAILED), ("template_card", FAILED), ("card_update", FAILED)]
    out = cli("outbox", "resend", "--to", "jy_zhang").output
    assert "已重新排队 1 条" in out, out
    assert "卡片上的事项已经处理完毕（重发只会送去一张过时的、还能点的卡片）：1 条" in out, out
    bot.deliver()
    assert [c["task_id"] for c in bot.cards("jy_zhang")] == [open_]
    [audit] = resend_audits(bot)
    assert audit.after["skipped"] == {"卡片上的事项已经处理完毕（重发只会送去一张过时的、还能点的卡片）": 1}


def test_since_narrows_or_widens_the_rows(bot, cli):
    at(NOW - timedelta(days=10), bot)
    ip_refused_for(bot, [("jy_zhang", "十天前")])
    at(NOW, bot)
    ip_refused_for(bot, [("jy_li", "今天")])
    # each day: the push and that day's summary to the bureau admin
    assert "发送失败的推送：2 条" in cli("outbox", "resend", "--dry-run").output  # the last 7 days by default
    assert "发送失败的推送：4 条" in cli("outbox", "resend", "--dry-run", "--since", "14d").output
    assert "发送失败的推送：4 条" in cli("outbox", "resend", "--dry-run", "--since", "2026-11-20").output
    assert "发送失败的推送：2 条" in cli("outbox", "resend", "--dry-run", "--since", "2026-12-01 09:00").output
    assert "发送失败的推送：0 条" in cli("outbox", "resend", "--dry-run", "--since", "2026-12-01 10:30").output
    wrong = cli("outbox", "resend", "--since", "上周")
    assert wrong.exit_code == 2 and "请写成 2026-11-20" in wrong.output


def test_invalid_and_departed_people_are_skipped_until_reactivated(bot, cli):
    at(NOW, bot)
    bot.fake.state.known_users = {"jy_zhang", "zsj_admin", "wj_liu"}
    push(outbox.push_text, ["jy_zhang", "jy_li"], "大家好")  # jy_li: WeCom says invalid
    bot.deliver()
    bot.fake.inject("message/send", errcode=REFUSED)
    push(outbox.push_text, "wj_liu", "离职前的通知")
    bot.deliver()
    with bot.db() as s:
        from models.directory import deactivate
        deactivate(s, s.scalar(select(Person).where(Person.userid == "wj_liu")), "test", "离职")
    out = cli("outbox", "resend").output
    assert "没有需要重发的推送" in out
    assert "跳过：收件人在企业微信中无效（已离职、已禁用或不在应用可见范围），且之后没有在通讯录中重新启用：1 条" in out
    assert "跳过：收件人已在通讯录中停用：1 条" in out

    bot.fake.state.known_users = None  # jy_li is back in WeCom: a directory sync sees her active
    with bot.db() as s:
        bot.fake.state.departments, bot.fake.state.users = contacts_from_directory(s)
    assert cli("org", "sync").exit_code == 0
    with bot.db() as s:
        assert s.scalar(select(Person.wecom_invalid).where(Person.userid == "jy_li")) is False
        assert s.scalar(select(AuditLog.after).where(AuditLog.action == "org.person.revalidate"))
    out = cli("outbox", "resend").output
    assert "已重新排队 1 条" in out and "已在通讯录中停用：1 条" in out
    assert contents(bot, "jy_li") == ["大家好"]


def test_id_ranges():
    assert id_ranges([]) == "" and id_ranges([4]) == "4"
    assert id_ranges([9, 1, 2, 3, 7, 10]) == "1-3,7,9-10"


# --- the chat command -------------------------------------------------------------------------------

def test_admin_resends_the_failures_of_their_county_after_confirming(bot):
    at(NOW, bot)
    for to, content in (("jy_zhang", "抚松甲"), ("jyx_staff", "靖宇乙")):
        bot.fake.inject("message/send", errcode=REFUSED)
        push(outbox.push_text, to, content)
        bot.deliver()
    bot.fake.state.known_users = {"jy_zhang", "jy_wang", "zsj_admin", "jy_admin", "jyx_staff"}
    push(outbox.push_text, ["jy_wang", "jy_li"], "抚松丙")  # jy_li invalid
    bot.deliver()
    bot.fake.state.known_users = None

    prompt = bot.send("zsj_admin", "重发失败推送")
    assert "有 2 条推送发送失败" in prompt and "可以重发 1 条（发给 1 人）" in prompt
    assert "1. 其他错误：1 条。" in prompt and "不会重发：收件人在企业微信中无效" in prompt
    assert "回复「确认」重发这 1 条" in prompt and "靖宇" not in prompt
    hint = bot.send("zsj_admin", "嗯")
    assert "请回复「确认」重发，或「取消」放弃。" in hint and "回复「确认」重发这 1 条" in hint
    assert statuses()["jy_zhang"] == [FAILED]
    done = bot.send("zsj_admin", "确认")
    assert "已重新排队 1 条推送" in done and "未重发：收件人在企业微信中无效" in done
    assert contents(bot, "jy_zhang") == ["抚松甲"]
    assert statuses()["jyx_staff"] == [FAILED]  # the other county's failure is theirs to resend
    [audit] = resend_audits(bot)
    assert audit.actor == "zsj_admin" and audit.source_msg and audit.after["count"] == 1
    assert audit.after["scope"] == "chat:抚松县政务服务和数字化建设管理局"

    assert "可以重发 1 条" in bot.send("jy_admin", "重发失败推送")
    assert "已取消「重发失败推送」" in bot.send("jy_admin", "取消")
    assert statuses()["jyx_staff"] == [FAILED]


def test_admin_declines_or_has_nothing_to_resend(bot):
    at(NOW, bot)
    assert "最近7天没有发送失败的推送" in bot.send("zsj_admin", "重发失败推送")
    bot.fake.inject("message/send", errcode=REFUSED)
    push(outbox.push_text, "jy_zhang", "甲")
    bot.deliver()
    bot.send("zsj_admin", "重发失败推送")
    assert "已放弃，没有重发任何推送" in bot.send("zsj_admin", "否")
    assert statuses()["jy_zhang"] == [FAILED] and not resend_audits(bot)


def test_rows_resent_meanwhile_are_not_counted_twice(bot, cli):
    at(NOW, bot)
    bot.fake.inject("message/send", errcode=REFUSED)
    push(outbox.push_text, "jy_zhang", "甲")
    bot.deliver()
    assert "可以重发 1 条" in bot.send("zsj_admin", "重发失败推送")
    cli("outbox", "resend")  # the operator was quicker
    assert "已经不在失败状态" in bot.send("zsj_admin", "确认")
    assert contents(bot, "jy_zhang") == ["甲"] and len(resend_audits(bot)) == 2


def test_staff_may_not_resend(bot):
    assert "您没有这个权限" in bot.send("jy_zhang", "重发失败推送")
