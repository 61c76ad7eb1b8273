"""WeCom treats userids case-insensitively: so does the directory lookup, exact spelling first."""
from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event, select

from bot import clock, db
from models.org import Person, Unit, find_person


@contextmanager
def statements():
    """The queries on the person table sent inside the block (not BEGIN, not the roles' load)."""
    seen: list[str] = []
    engine = db.get_engine()

    def note(_conn, _cursor, statement, *_args):
        if re.search(r"FROM person\b", statement):
            seen.append(statement)
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_userids_are_found_whatever_their_case(bot):
    with bot.db() as s:
        assert find_person(s, "jy_zhang").name == "张伟"
        assert find_person(s, "JY_Zhang").name == "张伟"
        assert find_person(s, "ZSJ_ADMIN").name == "马管理"
        assert find_person(s, "nobody") is None and find_person(s, "") is None


def test_an_exact_hit_asks_only_the_unique_index(bot):
    with bot.db() as s, statements() as sent:
        assert find_person(s, "jy_zhang") is not None
    assert len(sent) == 1 and "lower(" not in sent[0].lower()
    with bot.db() as s, statements() as sent:
        assert find_person(s, "Jy_Zhang") is not None
    assert len(sent) == 2 and "lower(" in sent[1].lower()  # the fallback only after a miss


def test_the_exact_spelling_wins_then_an_active_person(bot):
    with bot.db() as s:
        edu = s.scalar(select(Unit).where(Unit.name == "抚松县教育局"))
        s.add(Person(userid="Jy_Zhang", name="旧账号", unit=edu, active=False))
        s.add(Person(userid="JY_ZHANG", name="另一拼写", unit=edu))
        s.scalar(select(Person).where(Person.userid == "jy_zhang")).active = False
    with bot.db() as s:
        assert find_person(s, "Jy_Zhang").name == "旧账号"
        assert find_person(s, "jY_zHANG").name == "另一拼写"  # the active one of the two spellings left


def test_a_callback_in_another_case_is_answered_as_the_person(bot):
    reply = bot.send("JY_ZHANG", "帮助")
    assert "张伟" in reply and "抚松县教育局" in reply


def test_account_import_finds_the_responsible_person_in_any_case(app, directory, tmp_path):
    from tests.test_accounts_import import GOOD, make_file, run
    from models.account import Account
    row = dict(GOOD[0], 负责人UserID="JY_Zhang")
    result = run(app, "import", str(make_file(tmp_path, [row])))
    assert result.exit_code == 0 and "新增 1 个" in result.output, result.output
    with db.transaction() as s:
        account = s.scalar(select(Account))
        assert account.responsible.userid == "jy_zhang"


def test_the_sender_read_with_the_claim_behaves_as_if_loaded(bot):
    """On PostgreSQL the sender arrives with the lock-and-read statement and is put into the
    session by hand: it must look exactly like a loaded person (unit, roles, the unit's other
    people) and writing nothing at commit."""
    from bot import claim as claims
    from bot.wecom_crypto import Inbound
    from sim.demo import COUNTY
    inbound = Inbound(userid="jy_zhang", msg_type="text", create_time=1, content="帮助", msg_id="990001")
    with bot.db() as s:
        claim = claims.lock_and_read(s.connection(), inbound, clock.now())
        assert (claim.sender.name, claim.sender.unit_name, claim.sender.roles) == ("张伟", "抚松县教育局", {"staff"})
        person = claim.sender.person(s)
        assert person.name == "张伟" and person.unit.name == "抚松县教育局" and person.roles == {"staff"}
        colleagues = {p.userid for p in person.unit.people}
        assert "jy_zhang" in colleagues and len(colleagues) > 1  # the whole unit, not just the sender
        assert person.unit.supervising_bureau().name == COUNTY
        s.flush()
        assert not s.dirty and not s.new
        stored = s.execute(select(Person.mobile, Person.deactivated_at).where(Person.userid == "jy_zhang")).one()
        assert (person.mobile, person.deactivated_at) == tuple(stored)  # left out of the claim: loaded on access
    with bot.db() as s:  # nothing about the person was written
        assert find_person(s, "jy_zhang").roles == {"staff"}
