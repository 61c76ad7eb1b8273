"""A message from a userid the directory does not know: a polite answer, and the admins of the
topmost bureau level that has any hear about it once a day at most."""
from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import select

from bot import clock, db
from bot.router import Context
from bot.wecom_crypto import Inbound
from handlers.basics import _tell_bureau_once_a_day
from models.org import BUREAU_ADMIN, CITY_REVIEWER, Person
from models.outbox import OutboxMessage
from tests.approvals_helpers import without_city_admin

EVERYONE = ["zsj_admin", "jy_admin", "city_qian", "city_zhao", "zsj_review", "jy_zhang", "jy_wang"]


def notices(bot) -> dict[str, list[str]]:
    return {u: [t for t in bot.texts(u) if "未登记的企业微信成员" in t] for u in EVERYONE}


def test_county_admins_hear_once_a_day_when_the_city_bureau_has_no_admin(bot):
    without_city_admin(bot)
    clock.set_now(datetime(2026, 11, 23, 9, 0))
    assert bot.send("stranger_1", "你好").startswith("您好，您的账号还没有登记")
    heard = notices(bot)
    assert len(heard["zsj_admin"]) == 1 and "stranger_1" in heard["zsj_admin"][0]
    assert len(heard["jy_admin"]) == 1 and "stranger_1" in heard["jy_admin"][0]
    assert all(heard[u] == [] for u in ("city_qian", "city_zhao", "zsj_review", "jy_zhang", "jy_wang"))

    clock.set_now(datetime(2026, 11, 23, 16, 0))  # later the same day: nothing more for anyone
    assert bot.send("stranger_2", "在吗").startswith("您好，您的账号还没有登记")
    bot.send("stranger_1", "在吗")
    assert notices(bot) == heard

    clock.set_now(datetime(2026, 11, 24, 8, 30))  # the next day: once more
    bot.send("stranger_2", "你好")
    again = notices(bot)
    for admin in ("zsj_admin", "jy_admin"):
        assert len(again[admin]) == 2 and "stranger_2" in again[admin][1]
    assert again["city_zhao"] == []


def test_the_city_bureau_admins_hear_instead_when_it_has_some(bot):
    with bot.db() as s:
        s.scalar(select(Person).where(Person.userid == "city_zhao")).set_roles({CITY_REVIEWER, BUREAU_ADMIN})
    bot.send("stranger_1", "你好")
    heard = notices(bot)
    for admin in ("city_qian", "city_zhao"):
        assert len(heard[admin]) == 1 and "stranger_1" in heard[admin][0]
    assert heard["zsj_admin"] == [] and heard["jy_admin"] == []


def test_an_inactive_city_admin_does_not_count(bot):
    with bot.db() as s:
        s.scalar(select(Person).where(Person.userid == "city_qian")).active = False
    bot.send("stranger_1", "你好")
    heard = notices(bot)
    assert len(heard["zsj_admin"]) == 1 and len(heard["jy_admin"]) == 1 and heard["city_qian"] == []


def test_two_unknown_senders_at_once_make_one_notice(bot):
    """The second transaction waits for the first and then sees that the day was already told."""
    without_city_admin(bot)
    def ctx(session, userid):
        inbound = Inbound(userid=userid, msg_type="text", create_time=0, content="你好", msg_id=userid)
        return Context(session=session, person=None, inbound=inbound)

    first = db.new_session()
    first.begin()
    _tell_bureau_once_a_day(ctx(first, "stranger_1"))
    second_done = threading.Event()

    def second():
        with db.transaction() as s:
            _tell_bureau_once_a_day(ctx(s, "stranger_2"))
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not second_done.wait(0.5)  # held back until the first commits
    first.commit()
    first.close()
    thread.join(10)
    assert second_done.is_set()
    with bot.db() as s:
        rows = list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.userid)))
    assert [r.userid for r in rows] == ["jy_admin", "zsj_admin"]
    assert all("stranger_1" in r.payload["content"] for r in rows)


def test_a_deactivated_member_is_told_so_not_that_he_was_never_registered(bot):
    """Someone the roster deactivated (调离、离职) was told 「您的账号还没有登记」 and the bureau heard of an
    「未登记的企业微信成员」: both untrue, and no hint that the admin can restore him."""
    with bot.db() as s:
        s.scalar(select(Person).where(Person.userid == "jy_li")).active = False
    reply = bot.send("jy_li", "你好")
    assert reply.startswith("您好，您在政务新媒体助手的通讯录中已停用"), reply
    assert "还没有登记" not in reply and "请联系县政数局政务新媒体管理员" in reply, reply
    assert not any(notices(bot).values())
