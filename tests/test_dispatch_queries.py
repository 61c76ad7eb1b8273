"""The callback's transaction stays lean: a fixed, small number of statements per message."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, func, select

from bot import db
from models.platform import Conversation, InboundCallback


@contextmanager
def statements():
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement.split(None, 1)[0].upper())

    engine = db.get_engine(pre_ping=False)  # the callback's engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_text_message_takes_three_statements_on_postgresql(bot):
    bot.send("jy_zhang", "帮助")  # the conversation row exists from now on
    with statements() as seen:
        assert "可以使用" in bot.send("jy_zhang", "帮助")
    if db.get_engine().dialect.name == "postgresql":
        # lock the conversation, claim the callback and read the person with unit and roles (one
        # statement), store the reply; no liveness ping (BEGIN/COMMIT are not cursor calls)
        assert seen == ["WITH", "UPDATE"], seen
    else:  # SQLite: BEGIN IMMEDIATE, read the conversation, look for a prior delivery, person, record
        assert seen == ["BEGIN", "SELECT", "SELECT", "SELECT", "INSERT"], seen


def test_a_changed_conversation_is_saved_with_the_reply_in_one_statement_on_postgresql(bot):
    bot.send("jy_zhang", "帮助")
    with statements() as seen:
        assert "可以使用" in bot.send("jy_zhang", "功能")  # a command: the conversation's updated_at changes
    if db.get_engine().dialect.name == "postgresql":
        assert seen == ["WITH", "WITH"], seen  # WITH saved AS (UPDATE conversation …) UPDATE …
    with bot.db() as s:
        assert s.get(Conversation, "jy_zhang").updated_at is not None


def test_first_message_creates_the_conversation_and_a_retry_has_no_second_effect(bot):
    first = bot.send("wj_liu", "明天开会吗", msg_id="777001")
    again = bot.send("wj_liu", "明天开会吗", msg_id="777001")
    assert first == again and "没有理解" in first
    with bot.db() as s:
        assert s.get(Conversation, "wj_liu") is not None
        assert s.scalar(select(func.count()).select_from(InboundCallback)
                        .where(InboundCallback.dedupe_key == "msg:777001")) == 1


def test_menu_command_lists_the_functions(bot):
    reply = bot.send("jy_zhang", "功能")
    assert "张伟（抚松县教育局，单位工作人员）可以使用：" in reply
