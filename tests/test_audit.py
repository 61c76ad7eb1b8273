"""The audit log is append-only at the database level and written with the change it records."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from bot import db
from bot.dispatch import ERROR_REPLY
from models import audit
from models.audit import AuditLog
from models.platform import InboundCallback
from tests.conftest import TEST_DATABASE_URL


def _one_row() -> int:
    with db.transaction() as s:
        row = audit.record(s, actor="jy_zhang", action="account.open", entity="account", entity_id=3,
                           before=None, after={"name": "抚松教育"}, source_msg="msg:1")
        s.flush()
        return row.id


def _rows() -> list[tuple]:
    with db.transaction() as s:
        return [(r.id, r.actor, r.action, r.after) for r in s.scalars(select(AuditLog))]


@pytest.mark.parametrize("statement", [
    lambda i: update(AuditLog).where(AuditLog.id == i).values(actor="someone_else"),
    lambda i: delete(AuditLog).where(AuditLog.id == i),
    lambda i: text(f"UPDATE audit_log SET after = NULL WHERE id = {i}"),
    lambda i: text("DELETE FROM audit_log"),
], ids=["orm update", "orm delete", "sql update", "sql delete all"])
def test_update_and_delete_are_refused_by_the_database(cfg, statement):
    row_id = _one_row()
    before = _rows()
    with pytest.raises(DBAPIError) as refused:
        with db.transaction() as s:
            s.execute(statement(row_id))
    assert "append-only" in str(refused.value)
    assert _rows() == before


def test_orm_changes_to_a_loaded_row_are_refused(cfg):
    row_id = _one_row()
    with pytest.raises(DBAPIError):
        with db.transaction() as s:
            s.get(AuditLog, row_id).action = "changed"
    with pytest.raises(DBAPIError):
        with db.transaction() as s:
            s.delete(s.get(AuditLog, row_id))
    assert _rows()[0][2] == "account.open"


@pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"), reason="TRUNCATE: PostgreSQL only")
def test_truncate_is_refused_on_postgresql(cfg):
    _one_row()
    with pytest.raises(DBAPIError):
        with db.transaction() as s:
            s.execute(text("TRUNCATE audit_log"))
    assert len(_rows()) == 1


def test_audit_rows_are_written_with_the_change_and_name_the_source_message(tbot):
    tbot.raw("jy_zhang", "记一笔 审计", msg_id="31415926")
    with tbot.db() as s:
        [row] = s.scalars(select(AuditLog))
        assert (row.actor, row.action, row.entity_id, row.source_msg) == ("jy_zhang", "test.note", "审计",
                                                                         "msg:31415926")
        assert row.at is not None


def test_a_failing_handler_leaves_no_audit_row_and_the_user_a_polite_answer(tbot):
    router = tbot.app.extensions["router"]

    @router.command("出错", help=None)
    def broken(ctx):
        ctx.audit("test.broken", "test", 1, None, {"x": 1})
        raise ValueError("a bug in a handler")

    reply = tbot.raw("jy_zhang", "出错", msg_id="2718")
    assert reply.status == 200 and reply.text == ERROR_REPLY
    assert tbot.raw("jy_zhang", "出错", msg_id="2718").text == ERROR_REPLY  # the retry: same answer, no rerun
    with tbot.db() as s:
        assert s.scalars(select(AuditLog)).all() == []
        assert s.get(InboundCallback, "msg:2718").outcome == "error"


def test_changes_made_in_model_functions_during_a_callback_name_its_message(bot):
    """The account's opening, its registry filing and the approval steps are written by model functions the
    handlers call; each audit row still names the callback (the last approval's message) that caused it."""
    from tests.approvals_helpers import approve_all, submit_open
    number = submit_open(bot)
    approve_all(bot, number)
    with bot.db() as s:
        rows = s.execute(select(AuditLog.action, AuditLog.source_msg).where(
            ~AuditLog.actor.like("system:%"))).all()
    assert ("account.open" in {action for action, _ in rows}), rows
    assert [action for action, source in rows if not source] == []
    opened = {source for action, source in rows if action == "account.open"}
    assert len(opened) == 1 and opened.pop().startswith("msg:")
