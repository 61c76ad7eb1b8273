"""Messages answered from the dialogue alone go without the row lock on PostgreSQL (bot/dispatch.py
`_unlocked`): what they commit must be what processing them one after another would commit."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from bot import claim, db
from bot.dispatch import ERROR_REPLY
from bot.router import dialogue_only
from models.platform import Conversation, InboundCallback
from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"),
                                reason="the unlocked attempt is PostgreSQL's (SQLite's write lock is taken at BEGIN)")

USER = "jy_zhang"


@pytest.fixture
def begins():
    """How many transactions the callback's engine began (the unlocked attempt begins none)."""
    engine = db.get_engine(pre_ping=False)
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
    assert row.outcome == "error" and len(begins) == 1  # run again under the lock, which answers it


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
