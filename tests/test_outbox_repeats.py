"""Two different outbox rows with the same content to one person within WeCom's duplicate window: both
arrive (the later one marked 「（HH:MM 再次发送）」), while a row's own resend is still dropped by WeCom."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from bot import clock, db, outbox
from jobs import delivery
from models.outbox import PENDING, SENT, OutboxMessage
from tests.bulletin_job_seed import at
from tests.test_bulletin_job_publish import generated
from tests.test_outbox_delivery import all_rows, move, push, send_calls


@pytest.fixture(autouse=True)
def start_of_a_minute(bot):
    """The clock ticks with real time: start each test two seconds into a minute, so that the 「HH:MM」 a
    delivery writes and the one the test expects afterwards are the same minute (a test takes seconds)."""
    clock.set_now(clock.local_now().replace(second=2, microsecond=0))


def contents(bot, userid: str) -> list[str]:
    return [m["content"].get("content") or m["content"].get("description") for m in bot.fake.messages_to(userid)]


def hhmm() -> str:
    return clock.local_now().strftime("%H:%M")


def test_the_same_text_twice_a_few_minutes_apart_reaches_the_person_twice(bot):
    push(outbox.push_text, "jy_zhang", "请于今天17:00前报送本周周报。")
    bot.deliver()
    move(bot, 5 * 60)
    [second] = push(outbox.push_text, "jy_zhang", "请于今天17:00前报送本周周报。")
    bot.deliver()
    assert contents(bot, "jy_zhang") == ["请于今天17:00前报送本周周报。",
                                         f"请于今天17:00前报送本周周报。\n（{hhmm()} 再次发送）"]
    assert bot.fake.state.dropped == [] and {r.status for r in all_rows()} == {SENT}
    # the second row's own resend (a worker died after WeCom accepted it) is still dropped by WeCom
    with db.transaction() as s:
        s.get(OutboxMessage, second).status = PENDING
    move(bot, 60)
    delivery.enqueue([second])
    bot.deliver()
    assert len(bot.fake.messages_to("jy_zhang")) == 2
    assert [d["why"] for d in bot.fake.state.dropped] == ["duplicate"]
    assert all_rows()[1].status == SENT


def test_equal_rows_in_one_transaction_and_a_third_in_the_window(bot):
    with db.transaction() as s:
        outbox.push_text(s, "jy_zhang", "同一条")
        outbox.push_text(s, "jy_zhang", "同一条")
    bot.deliver()
    first = hhmm()
    move(bot, 10 * 60)
    push(outbox.push_text, "jy_zhang", "同一条")
    bot.deliver()
    assert contents(bot, "jy_zhang") == ["同一条", f"同一条\n（{first} 再次发送）", f"同一条\n（{hhmm()} 再次发送）"]
    assert bot.fake.state.dropped == []


def test_outside_the_window_nothing_is_marked(bot):
    push(outbox.push_text, "jy_zhang", "每日提醒")
    bot.deliver()
    move(bot, 40 * 60)
    push(outbox.push_text, "jy_zhang", "每日提醒")
    bot.deliver()
    assert contents(bot, "jy_zhang") == ["每日提醒", "每日提醒"] and bot.fake.state.dropped == []


def test_a_batch_marks_only_those_who_had_it_and_stays_batched(bot):
    """The same notice to 3 people, then to those 3 and 2 more: the 3 get it marked (one call), the
    2 unmarked (another call)."""
    three, two = ["jy_zhang", "jy_li", "wj_liu"], ["wl_zhao", "ga_zhou"]
    push(outbox.push_text, three, "关于开展政务新媒体自查的通知")
    bot.deliver()
    calls = send_calls(bot.fake)
    move(bot, 3 * 60)
    push(outbox.push_text, three + two, "关于开展政务新媒体自查的通知")
    bot.deliver()
    assert send_calls(bot.fake) == calls + 2
    for userid in three:
        assert contents(bot, userid) == ["关于开展政务新媒体自查的通知", f"关于开展政务新媒体自查的通知\n（{hhmm()} 再次发送）"]
    for userid in two:
        assert contents(bot, userid) == ["关于开展政务新媒体自查的通知"]
    assert bot.fake.state.dropped == []


def test_markdown_and_textcard_repeats_are_marked(bot):
    for _ in range(2):
        push(outbox.push_markdown, "jy_zhang", "**周报提醒**")
        push(outbox.push_textcard, "jy_zhang", "整改通知", "<div class=\"gray\">12月1日</div>", "https://example.gov.cn/r/1")
        bot.deliver()
        move(bot, 120)
    got = bot.fake.messages_to("jy_zhang")
    assert [m["msgtype"] for m in got] == ["markdown", "textcard", "markdown", "textcard"]
    assert got[2]["content"]["content"].startswith("**周报提醒**\n<font color=\"comment\">（")
    assert got[3]["content"]["description"].endswith("再次发送）</div>") and got[3]["content"]["title"] == "整改通知"
    assert bot.fake.state.dropped == []


def test_a_text_at_the_size_limit_keeps_the_note_within_2048_bytes(bot):
    text = "政" * 682  # 2046 bytes: one message
    for _ in range(2):
        push(outbox.push_text, "jy_zhang", text)
        bot.deliver()
    first, second = contents(bot, "jy_zhang")
    assert first == text and len(second.encode()) <= 2048 and second.endswith("再次发送）")
    assert {r.status for r in all_rows()} == {SENT}


def test_two_workers_sending_equal_rows_to_one_person_at_once(bot):
    with db.transaction() as s:
        ids = [r.id for _ in range(4) for r in outbox.push_text(s, "jy_zhang", "并发的同一条")]
    bot.redis.delete("rq:queue:zwxmt")
    barrier = threading.Barrier(4)

    def worker(row_id):
        barrier.wait()
        delivery.deliver([row_id])

    threads = [threading.Thread(target=worker, args=(i,)) for i in ids]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    got = contents(bot, "jy_zhang")
    assert len(got) == 4 and len(set(got)) == 4 and "并发的同一条" in got
    assert bot.fake.state.dropped == [] and {r.status for r in all_rows()} == {SENT}


def test_a_regenerated_bulletin_whose_summary_did_not_change_still_reaches_the_admins(bot):
    """重新生成通报 ten minutes after the draft, after a correction that changes only details: the summary
    text is the same as the first draft's. WeCom used to drop it as a duplicate, recorded as sent."""
    from models.account import Account
    generated(bot, second_admin=True)
    before = {u: len(bot.inbox(u)) for u in ("zsj_admin", "zsj_review")}
    at(2026, 12, 1, 9, 10)
    with bot.db() as s:
        s.scalar(select(Account).where(Account.name == "抚松公安")).name = "抚松县公安局"
    assert "只有明细有更新" in bot.send("zsj_admin", "重新生成通报")
    assert "第2版" in bot.send("zsj_admin", "确认")
    for userid in ("zsj_admin", "zsj_review"):
        new = bot.inbox(userid)[before[userid]:]
        kinds = [m["msgtype"] for m in new]
        assert kinds[-6:] == ["markdown", "image", "file", "file", "template_card", "text"], (userid, kinds)
        first = [m for m in bot.inbox(userid)[:before[userid]] if m["msgtype"] == "markdown"][-1]
        again = [m for m in new if m["msgtype"] == "markdown"][-1]["content"]["content"]
        assert again.startswith(first["content"]["content"]) and again.endswith("（09:10 再次发送）</font>")
    assert bot.fake.state.dropped == []


def respell(wecom, sync, old: str, new: str) -> None:
    """WeCom spells the userid `new`; `org sync` stores that spelling over the roster's `old`."""
    wecom.state.users = {d: [dict(m, userid=new) if m["userid"] == old else m for m in members]
                         for d, members in wecom.state.users.items()}
    assert sync().exit_code == 0


def test_a_userid_respelled_by_sync_is_still_the_same_person(bot, wecom, sync):
    """WeCom ignores a userid's case: the reminder sent to jy_zhang before the sync and the equal one sent to
    JY_Zhang after it reach the same person, so the second is marked rather than dropped as a duplicate."""
    from models.org import find_person
    push(outbox.push_text, "jy_zhang", "请于今天17:00前报送本周周报。")
    bot.deliver()
    respell(wecom, sync, "jy_zhang", "JY_Zhang")
    move(bot, 5 * 60)
    with db.transaction() as s:
        outbox.push_text(s, find_person(s, "jy_zhang"), "请于今天17:00前报送本周周报。")
    bot.deliver()
    assert contents(bot, "jy_zhang") + contents(bot, "JY_Zhang") == [
        "请于今天17:00前报送本周周报。", f"请于今天17:00前报送本周周报。\n（{hhmm()} 再次发送）"]
    assert bot.fake.state.dropped == []
