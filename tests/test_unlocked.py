"""Messages answered from the dialogue alone go without the row lock on PostgreSQL (bot/dispatch.py
`_unlocked`): what they commit must be what processing them one after another would commit."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, func, select

from bot import claim, db
from bot.dispatch import ERROR_REPLY
from bot.router import dialogue_only
from models.platform import Conversation, InboundCallback
from models.weekly import WeeklyReportVersion
from tests.conftest import TEST_DATABASE_URL
from tests.weekly_support import EDU, at, report_of, seed

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"),
                                reason="the unlocked attempt is PostgreSQL's (SQLite's write lock is taken at BEGIN)")

USER = "jy_zhang"


@pytest.fixture
def begins():
    """How many transactions the callback's engine began (the unlocked attempt begins none)."""
    engine = db.get_engine(callback=True)
    counted = []

    def count(_connection):
        counted.append(1)
    event.listen(engine, "begin", count)
    yield counted
    event.remove(engine, "begin", count)


def known(bot, begins=None) -> None:
    """The user's first message ever makes his conversation row, under the lock: then the unlocked attempt can run."""
    bot.send(USER, "帮助")
    if begins is not None:
        begins.clear()


def between_read_and_write(monkeypatch, meanwhile) -> None:
    """Run `meanwhile` once, after the unlocked read and before its write: what another worker might do."""
    real = claim.record_if_unchanged
    done = []

    def record_if_unchanged(*args, **kwargs):
        if not done:
            done.append(1)
            meanwhile()
        return real(*args, **kwargs)
    monkeypatch.setattr(claim, "record_if_unchanged", record_if_unchanged)


def recorded(key: str) -> list[InboundCallback]:
    with db.transaction() as session:
        return list(session.scalars(select(InboundCallback).where(InboundCallback.dedupe_key == key)))


def test_help_and_suggestions_are_answered_without_a_transaction_and_recorded_once(bot, begins):
    known(bot)  # the first message ever makes the conversation row, under the lock
    assert len(begins) == 1
    begins.clear()
    assert "可以使用" in bot.send(USER, "帮助", msg_id="8100001")
    assert bot.send(USER, "明天开会吗").startswith("没有理解")
    assert begins == []
    [row] = recorded("msg:8100001")
    assert row.handler == "help" and "可以使用" in row.reply["content"]
    assert "可以使用" in bot.send(USER, "帮助", msg_id="8100001")  # a retry: the same answer, nothing again
    assert len(recorded("msg:8100001")) == 1
    with bot.db() as s:
        conv = s.get(Conversation, USER)
        assert conv.updated_at is not None and conv.state is None


def test_other_handlers_and_the_database_take_the_locked_path(bot, begins):
    known(bot, begins)
    assert "台账" in bot.send(USER, "台账")
    assert len(begins) == 1


def test_a_message_committed_in_between_is_seen_the_message_is_processed_again(tbot, monkeypatch):
    # 帮助 read the user outside any dialogue; before it is recorded, his 测试登记 commits
    known(tbot)
    between_read_and_write(monkeypatch, lambda: tbot.send(USER, "测试登记"))
    reply = tbot.send(USER, "帮助")
    assert "（当前对话仍在进行）\n请输入名称" in reply  # answered as it stands after 测试登记, not before
    assert "联系电话" in tbot.send(USER, "抚松教育")  # and the dialogue went on


def test_a_copy_recorded_in_between_gives_its_answer(bot, monkeypatch):
    first = {"kind": "text", "content": "第一次投递的回复"}

    def copy_recorded():
        with db.transaction() as session:
            session.add(InboundCallback(dedupe_key="msg:8100002", userid=USER, msg_type="text", handler="help",
                                        reply=first, outcome="ok", received_at=func.now()))
    known(bot)
    between_read_and_write(monkeypatch, copy_recorded)
    assert bot.send(USER, "帮助", msg_id="8100002") == "第一次投递的回复"
    assert len(recorded("msg:8100002")) == 1


def test_a_failing_handler_is_answered_by_the_locked_path(tbot, begins):
    router = tbot.app.extensions["router"]

    @router.command("坏帮助", help=None)
    @dialogue_only
    def broken(ctx):
        raise RuntimeError("bug")
    known(tbot, begins)
    assert tbot.send(USER, "坏帮助", msg_id="8100003") == ERROR_REPLY
    [row] = recorded("msg:8100003")
    assert row.outcome == "error" and len(begins) == 2  # run again under the lock (rolled back), failure recorded


def test_a_handler_marked_dialogue_only_that_reaches_the_database_is_run_under_the_lock(tbot, begins):
    router = tbot.app.extensions["router"]
    runs = []

    @router.command("查名字", help=None)
    @dialogue_only
    def wrongly_marked(ctx):
        runs.append(1)
        ctx.reply(ctx.person.unit.name)  # ctx.person needs the session
    known(tbot, begins)
    assert tbot.send(USER, "查名字") == "抚松县教育局"
    assert len(runs) == 2 and len(begins) == 1  # stopped at the session, then run once under the lock


def test_cancel_and_back_move_the_dialogue_without_a_transaction(tbot, begins):
    assert "请输入名称" in tbot.send(USER, "测试登记")
    assert "联系电话" in tbot.send(USER, "抚松教育")
    begins.clear()
    assert tbot.send(USER, "上一步").startswith("好的，回到上一步。\n请输入名称")
    assert len(begins) == 1  # under the lock at once: the step before needed it (_LOCK_FIRST)
    begins.clear()
    assert tbot.send(USER, "取消") == "已取消「测试登记」，没有提交任何内容。"
    assert begins == []
    assert "当前没有等待您确认的操作" in tbot.send(USER, "确认")  # the dialogue really ended


def test_after_a_message_that_needed_the_lock_the_next_one_takes_it_at_once(bot, begins):
    """A clerk filling a form: each step needs the lock, so the unlocked read would be wasted."""
    from tests.test_dispatch_queries import statements
    known(bot, begins)
    assert "台账" in bot.send(USER, "台账")  # read unlocked, then stopped: a query
    with statements() as seen:
        assert "台账" in bot.send(USER, "台账")
    assert seen[0] == "WITH", seen  # straight to the lock: no unlocked read first
    with statements() as seen:
        assert "可以使用" in bot.send(USER, "帮助")  # (under the lock, having needed nothing of it)
    with statements() as seen:
        assert "可以使用" in bot.send(USER, "帮助")
    assert seen == ["SELECT", "WITH"], seen  # tried without the lock again


def test_a_weekly_report_is_filled_in_without_a_transaction_and_submitted_under_the_lock(bot, begins):
    """A clerk's answers to the 周报 questions only move the dialogue: after the first, none begins a
    transaction; 确认 reaches the database and is run, once, under the lock."""
    seed(bot)
    at(2026, 11, 25, 10, 0)
    assert "【1/3】抚松教育（微信公众号）" in bot.send(USER, "周报")
    assert "原创几条" in bot.send(USER, "五条")  # (under the lock at once: 周报 needed it)
    begins.clear()
    assert "原创条数（6）不能多于本周发布条数（5）" in bot.send(USER, "6")  # a hint, too, goes without one
    bot.say(USER, "3", "昨天", "4/4")
    assert "【2/3】抚松教育（抖音）" in bot.send(USER, "无")
    assert "【3/3】抚松教育（微博）" in bot.say(USER, "2", "1", "今天", "同上", "无")[-1]
    summary = bot.say(USER, "没有更新", "11月10日", "同上", "无")[-1]
    assert "3. 抚松教育（微博）：本周无更新，最近11-10，留言4/4，问题：无" in summary
    assert begins == []
    assert "已提交抚松县教育局11月23日—11月29日的周报，共3个账号" in bot.send(USER, "确认")
    assert len(begins) == 1
    with bot.db() as s:
        report = report_of(s, EDU, date(2026, 11, 23))
        assert report.version == 1 and len(report.entries) == 3
        assert len(s.scalars(select(WeeklyReportVersion)).all()) == 1


def test_a_weekly_answer_overtaken_by_the_users_other_message_is_taken_as_if_it_came_after(bot, monkeypatch):
    """「3」 (原创几条) read the dialogue; before it is recorded, the user's 上一步 commits: 「3」 is then the
    answer to the question 上一步 went back to (发布几条), as if the two had come one after the other."""
    seed(bot)
    at(2026, 11, 25, 10, 0)
    bot.say(USER, "周报", "五条")
    between_read_and_write(monkeypatch, lambda: bot.send(USER, "上一步"))
    reply = bot.send(USER, "3")
    assert "原创几条" in reply
    with bot.db() as s:
        conv = s.get(Conversation, USER)
        assert conv.state == "weekly.originals"
        assert conv.data["draft"][str(conv.data["cur"])]["posts"] == 3  # not 5 posts with 3 originals


def test_the_opening_forms_own_words_go_without_a_transaction(bot, begins):
    """开设's questions answered in the clerk's own words (function, link, phone, operator, reason) only move
    the dialogue; choosing from the database's lists (platform, name check, responsible person) takes the lock."""
    def transactions(text: str) -> int:
        begins.clear()
        bot.send(USER, text)
        return len(begins)
    bot.say(USER, "开设", "抖音", "抚松教育", "发布教育政策和通知")
    assert transactions("https://www.douyin.com/user/abc") == 0
    assert transactions("fsjy_2024") == 1  # the next question lists the unit's people
    assert transactions("李娜") == 1
    assert transactions("12345") == 1  # (under the lock at once: 李娜 needed it)
    assert transactions("0439-1234567") == 0
    assert transactions("无") == 0
    assert transactions("需要") == 0  # 「至少写5个字」: a hint, too
    assert transactions("短视频宣传教育政策") == 0
    assert "请核对开设申请" in bot.send(USER, "是")
    with bot.db() as s:
        data = s.get(Conversation, USER).data
        assert (data["url"], data["contact"], data["operator"], data["reason"]) == (
            "https://www.douyin.com/user/abc", "0439-1234567", None, "短视频宣传教育政策")


@pytest.mark.parametrize("text, answer", [
    ("第15条是什么", "第15条："), ("什么是僵尸账号？", "僵尸"), ("审批要多久", "审批没有固定天数"),
    ("怎么整改", "「已整改」"), ("怎么添加人员", "单位和人员由县政数局统一维护。")])
def test_questions_about_the_rules_are_answered_without_a_transaction(bot, begins, text, answer):
    known(bot, begins)
    assert answer in bot.send(USER, text)
    assert begins == []
