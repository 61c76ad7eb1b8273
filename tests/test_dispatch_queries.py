"""The callback's transaction stays lean: a fixed, small number of statements per message."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, func, select

from bot import db
from models.platform import Conversation, InboundCallback


@contextmanager
def statements():
    """What the callback sends the database, one entry per round trip. On PostgreSQL counted in
    psycopg: every cursor execution (SQLAlchemy's and the hot statements' of bot/hot_sql.py) by
    its first words, and psycopg's own BEGIN/COMMIT/ROLLBACK commands; on SQLite through
    SQLAlchemy's event (BEGIN IMMEDIATE included, the commit not)."""
    seen: list[str] = []
    engine = db.get_engine(pre_ping=False)  # the callback's engine
    if engine.dialect.name == "postgresql":
        import psycopg
        from psycopg._connection_base import BaseConnection
        execute, command = psycopg.Cursor.execute, BaseConnection._exec_command

        def spy_execute(cursor, query, *args, **kwargs):
            seen.append(" ".join(str(query).split()[:3]).split("(")[0])
            return execute(cursor, query, *args, **kwargs)

        def spy_command(connection, sql, *args, **kwargs):
            seen.append(bytes(sql).decode())
            return (yield from command(connection, sql, *args, **kwargs))
        psycopg.Cursor.execute, BaseConnection._exec_command = spy_execute, spy_command
        try:
            yield seen
        finally:
            psycopg.Cursor.execute, BaseConnection._exec_command = execute, command
        return

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement.split(None, 1)[0].upper())
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_text_message_takes_two_round_trips_on_postgresql(bot):
    bot.send("jy_zhang", "帮助")  # the conversation row exists and the statements are prepared from now on
    with statements() as seen:
        assert "可以使用" in bot.send("jy_zhang", "帮助")
    if db.get_engine().dialect.name == "postgresql":
        # BEGIN with the statement that locks the conversation, claims the callback and reads
        # the person with unit and roles; the reply stored with the COMMIT. No liveness ping.
        assert seen == ["BEGIN; EXECUTE zwxmt_lock_and_claim", "EXECUTE zwxmt_complete"], seen
    else:  # SQLite: BEGIN IMMEDIATE, read the conversation, look for a prior delivery, person, record
        assert seen == ["BEGIN", "SELECT", "SELECT", "SELECT", "INSERT"], seen


def test_a_changed_conversation_is_saved_with_the_reply_in_one_statement_on_postgresql(bot):
    bot.send("jy_zhang", "帮助")
    with statements() as seen:
        assert "可以使用" in bot.send("jy_zhang", "功能")  # a command: the conversation's updated_at changes
    if db.get_engine().dialect.name == "postgresql":
        # zwxmt_save_and_complete: WITH saved AS (UPDATE conversation …) UPDATE inbound_callback …; COMMIT
        assert seen == ["BEGIN; EXECUTE zwxmt_lock_and_claim", "EXECUTE zwxmt_save_and_complete"], seen
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


def _pooled_driver_connection():
    """The callback pool's one connection (the test emptied the pool before its first message)."""
    engine = db.get_engine(pre_ping=False)
    assert engine.pool.checkedin() == 1
    return engine.raw_connection()


def _our_prepared_statements() -> set[str]:
    raw = _pooled_driver_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'zwxmt_%'")
        names = {name for (name,) in cursor.fetchall()}
        raw.rollback()
        return names
    finally:
        raw.close()


def test_a_failed_callback_leaves_its_connection_in_working_order_on_postgresql(bot):
    """psycopg prepares a statement it has run five times, and after a ROLLBACK deallocates every
    prepared statement of the connection, ours included: the next message prepares them again.
    The connection goes back to the pool with psycopg's own transaction handling on."""
    if db.get_engine().dialect.name != "postgresql":
        return
    router = bot.app.extensions["router"]

    @router.command("查六次然后出错", help=None)
    def fails(ctx):
        for _ in range(6):
            ctx.session.execute(select(func.count()).select_from(Conversation))
        raise RuntimeError("a handler bug")

    db.get_engine(pre_ping=False).dispose()
    assert "可以使用" in bot.send("jy_zhang", "帮助")
    assert _our_prepared_statements() == {"zwxmt_lock_and_claim", "zwxmt_complete", "zwxmt_save_and_complete"}
    assert "出了点问题" in bot.send("jy_zhang", "查六次然后出错", msg_id="888001")
    assert _our_prepared_statements() == set()  # psycopg's DEALLOCATE ALL after the rollback
    raw = _pooled_driver_connection()
    try:
        assert raw.driver_connection.autocommit is False
    finally:
        raw.close()
    with statements() as seen:
        assert "没有理解" in bot.send("jy_zhang", "明天开会吗", msg_id="888002")
    assert seen[0] == "BEGIN; EXECUTE zwxmt_lock_and_claim" and seen[1] == "ROLLBACK", seen
    assert seen[-2:] == ["BEGIN; EXECUTE zwxmt_lock_and_claim", "EXECUTE zwxmt_complete"], seen
    assert "没有理解" in bot.send("jy_zhang", "明天开会吗", msg_id="888002")  # a retry: the same answer
    with bot.db() as s:
        keys = s.scalars(select(InboundCallback.dedupe_key).where(InboundCallback.userid == "jy_zhang")).all()
        outcomes = dict(s.execute(select(InboundCallback.dedupe_key, InboundCallback.outcome)
                                  .where(InboundCallback.dedupe_key.in_(["msg:888001", "msg:888002"]))).all())
    assert sorted(keys).count("msg:888002") == 1
    assert outcomes == {"msg:888001": "error", "msg:888002": "ok"}
