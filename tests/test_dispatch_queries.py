"""The callback's transaction stays lean: a fixed, small number of statements per message."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, func, select

from bot import clock, db
from models.platform import Conversation, InboundCallback


@contextmanager
def statements():
    """The first word of every statement the callback sends. On PostgreSQL counted at the driver's
    cursor, which both SQLAlchemy and the hot statements (bot/hot_sql.py) go through; on SQLite
    through SQLAlchemy's event."""
    seen: list[str] = []
    engine = db.get_engine(callback=True)  # the callback's engine
    if engine.dialect.name == "postgresql":
        import psycopg
        original = psycopg.Cursor.execute

        def spy(cursor, query, *args, **kwargs):
            seen.append(str(query).split(None, 1)[0].upper())
            return original(cursor, query, *args, **kwargs)
        psycopg.Cursor.execute = spy
        try:
            yield seen
        finally:
            psycopg.Cursor.execute = original
        return

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement.split(None, 1)[0].upper())
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
        # read the conversation with its version, look for an earlier delivery and read the person
        # with unit and roles (one statement); then lock the conversation if unchanged, record the
        # callback with its reply and write the conversation's time (one statement, in autocommit:
        # no BEGIN or COMMIT — bot/dispatch.py `_unlocked`); no liveness ping
        assert seen == ["SELECT", "WITH"], seen
    else:  # SQLite: BEGIN IMMEDIATE, read the conversation, look for a prior delivery, person,
        # the conversation's time, record
        assert seen == ["BEGIN", "SELECT", "SELECT", "SELECT", "UPDATE", "INSERT"], seen


def test_a_command_outside_a_dialogue_saves_no_conversation_on_postgresql(bot):
    """A command that leaves the dialogue as it was writes the callback's record and the message's time."""
    bot.send("jy_zhang", "帮助")
    with statements() as seen:
        assert "可以使用" in bot.send("jy_zhang", "功能")
    if db.get_engine().dialect.name == "postgresql":
        assert seen == ["SELECT", "WITH"], seen


def test_a_changed_conversation_is_saved_with_the_reply_in_one_statement_on_postgresql(bot):
    bot.send("jy_zhang", "帮助")
    with statements() as seen:
        bot.send("jy_zhang", "开设")  # starts a dialogue: not answered from the dialogue alone
    if db.get_engine().dialect.name == "postgresql":
        # the unlocked read, then under the lock: WITH conv AS (INSERT … ON CONFLICT …) SELECT …, the
        # handler's own queries, WITH saved AS (UPDATE conversation …) INSERT …
        assert seen[:2] == ["SELECT", "WITH"] and seen[-1] == "WITH", seen
    with bot.db() as s:
        assert s.get(Conversation, "jy_zhang").state is not None


def test_every_message_moves_the_conversations_time(bot):
    """updated_at is the time of the user's last message, whatever the message did."""
    bot.send("jy_zhang", "帮助")
    with bot.db() as s:
        first = s.get(Conversation, "jy_zhang").updated_at
    for text in ("帮助", "功能", "明天开会吗"):
        clock.advance(timedelta(minutes=1))
        bot.send("jy_zhang", text)
        with bot.db() as s:
            now = s.get(Conversation, "jy_zhang").updated_at
        assert now > first, text
        first = now


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


def test_help_and_a_suggestion_build_no_orm_objects_on_postgresql(bot):
    """The common messages are answered from the sender's plain values and the dialogue: no ORM
    object is made or loaded (ctx.person and ctx.session are made only when a handler uses them)."""
    from models.base import Base
    bot.send("jy_zhang", "帮助")
    made: list[str] = []

    def seen(target, *_args):
        made.append(type(target).__name__)
    event.listen(Base, "init", seen, propagate=True)
    event.listen(Base, "load", seen, propagate=True)
    try:
        assert "可以使用" in bot.send("jy_zhang", "帮助")
        assert "没有理解" in bot.send("jy_zhang", "明天开会吗")
        assert "可以使用" in bot.send("jy_zhang", "功能")
    finally:
        event.remove(Base, "init", seen)
        event.remove(Base, "load", seen)
    if db.get_engine().dialect.name == "postgresql":
        assert made == [], made
    else:  # SQLite reads the sender with an ORM query (`models.org.find_person`)
        assert set(made) <= {"Person", "Unit", "PersonRole"}, made


def test_a_handler_that_uses_the_person_gets_it_in_its_session(bot):
    """ctx.person, made on first use, behaves as a loaded person: relationships load, changes
    are written with the callback's transaction."""
    router = bot.app.extensions["router"]

    @router.command("改名测试", help=None)
    def rename(ctx):
        person = ctx.person
        assert person in ctx.session and person.unit.name == "抚松县教育局" and person.roles == {"staff"}
        person.prefers_text = True
        ctx.reply(f"{len(person.unit.people)}")

    assert int(bot.send("jy_zhang", "改名测试")) > 1
    with bot.db() as s:
        from models.org import Person
        assert s.scalar(select(Person.prefers_text).where(Person.userid == "jy_zhang")) is True


def test_json_columns_hold_chinese_as_utf8_not_escapes(bot):
    """A reply is stored as the text it is (bot/db.py's json_serializer): half the bytes of \\uXXXX."""
    from sqlalchemy import text
    assert "可以使用" in bot.send("jy_zhang", "帮助", msg_id="999001")
    with bot.db() as s:
        stored = s.scalar(text("SELECT CAST(reply AS TEXT) FROM inbound_callback WHERE dedupe_key = :key"),
                          {"key": "msg:999001"})
    assert "可以使用" in stored and "\\u" not in stored, stored[:80]


def test_a_retry_leaves_the_conversations_time_as_it_was(bot):
    """The lock writes the message's time; a copy of an answered callback rolls that back: a
    duplicate changes nothing."""
    first = bot.send("jy_zhang", "帮助", msg_id="778001")
    with bot.db() as s:
        before = s.get(Conversation, "jy_zhang").updated_at
    clock.advance(timedelta(minutes=1))
    assert bot.send("jy_zhang", "帮助", msg_id="778001") == first
    with bot.db() as s:
        assert s.get(Conversation, "jy_zhang").updated_at == before
