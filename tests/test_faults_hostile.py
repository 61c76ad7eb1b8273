"""Hostile text in every free-text field of every dialogue, through the encrypted callback: never a 5xx,
never a stack trace, and what is stored is what was typed (after the one documented clean-up:
control characters other than line breaks and tabs are dropped, see docs/faults.md).

A field is one line of FIELDS: how to reach it, what to type, and where the value is stored.
Adding a dialogue (e.g. the approvals) is one more line."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

import pytest
from sqlalchemy import select

from bot.text_clean import clean_text
from bot import clock
from models.org import Unit
from models.measure import Measure
from models.oversight import CASE_OPEN, FROM_DORMANCY, DormancyCase
from models.rectification import Rectification, RectificationAnswer
from models.training import Training
from models.weekly import WeeklyReportEntry
from tests.oversight_helpers import add_account, at
from tests.weekly_support import seed as seed_weekly

pytestmark = pytest.mark.faults

HOSTILE = {
    "emoji": "抚松👍🏽👨‍👩‍👧‍👦🇨🇳教育号更新了",
    "control": "控制\x01\x07\x1b[31m字符\x1f与\u202e反向覆盖，第二行\n还在",
    "long": "很长的说明" * 400,  # 2,000 characters
    "xml": "]]><xml><ToUserName>x</ToUserName></xml><![CDATA[y]]> &amp; <b>粗</b>",
    "sql": "'); DROP TABLE rectification; -- \" OR '1'='1",
    "formula": "=cmd|' /C calc'!A0 以及 +SUM(1)",
}
LEAKS = ("Traceback", "File \"", "Error", "Exception", "sqlalchemy", "psycopg")


@dataclass
class Field:
    name: str
    setup: Callable  # (bot) -> dict of refs
    steps: Callable  # (refs, text) -> list of messages, the hostile text among them
    stored: Callable  # (session, refs) -> the stored value
    limit: int | None = None  # longer text is refused with a hint naming the limit, never cut silently


def _weekly_setup(bot):
    seed_weekly(bot)
    at(date(2026, 11, 25))
    return {}


def _weekly_steps(refs, text):
    # three accounts; the first gets the hostile 问题
    other = ["2", "1", "今天", "收到3回复2", "无"]
    return ["周报", "5", "3", "昨天", "留言4/4", text, *other, *other, "确认"]


def _first_problem(s, refs):
    return s.scalars(select(WeeklyReportEntry.problems).order_by(WeeklyReportEntry.id)).first()


def _rect_setup(bot):
    from sim import demo
    with bot.db() as s:
        demo.seed_accounts(s)
    at(date(2026, 11, 25))
    return {}


def _item_setup(bot):
    refs = _rect_setup(bot)
    bot.send("zsj_admin", "整改通知 抚松县教育局 公众号两周未更新")
    bot.send("zsj_admin", "确认")
    with bot.db() as s:
        refs["item"] = s.scalar(select(Rectification.id))
    return refs


def _case_setup(bot):
    at(date(2026, 11, 25))
    account = add_account(bot, last_update_on=date(2026, 8, 1))
    with bot.db() as s:
        unit = s.scalar(select(Unit).where(Unit.name == "抚松县教育局"))
        case = DormancyCase(unit_id=unit.id, account_id=account, source=FROM_DORMANCY, status=CASE_OPEN,
                            opened_at=clock.now())
        s.add(case)
        s.flush()
        return {"case": case.id}


def _explained_setup(bot):
    refs = _case_setup(bot)
    bot.say("jy_zhang", f"说明 {refs['case']} 账号已恢复更新，今后专人发布", "确认")
    return refs


def _submitted_setup(bot):
    refs = _item_setup(bot)
    bot.say("jy_zhang", f"已整改 {refs['item']} 已补发本周内容", "确认")
    return refs


FIELDS = [
    Field("周报·问题或整改", _weekly_setup, _weekly_steps, _first_problem, limit=500),
    Field("整改通知·问题描述", _rect_setup, lambda r, t: [f"整改通知 抚松县教育局 {t}", "确认"],
          lambda s, r: s.scalar(select(Rectification.problem))),
    Field("已整改·整改说明", _item_setup, lambda r, t: [f"已整改 {r['item']} {t}", "确认"],
          lambda s, r: s.scalar(select(RectificationAnswer.text))),
    Field("说明·理由", _case_setup, lambda r, t: [f"说明 {r['case']} {t}", "确认"],
          lambda s, r: s.get(DormancyCase, r["case"]).explanation),
    Field("驳回说明·原因", _explained_setup, lambda r, t: [f"驳回说明 {r['case']} {t}"],
          lambda s, r: s.get(DormancyCase, r["case"]).decision_note),
    Field("重新整改·原因", _submitted_setup, lambda r, t: [f"重新整改 {r['item']} {t}"],
          lambda s, r: s.scalar(select(RectificationAnswer.verdict_note))),
    Field("约谈·原因", _rect_setup, lambda r, t: [f"约谈 抚松县教育局 {t}", "确认"],
          lambda s, r: s.scalar(select(Measure.reason))),
    Field("培训登记·主题", lambda b: {}, lambda r, t: ["培训登记", "今天", t, "本局", "张伟", "确认"],
          lambda s, r: s.scalar(select(Training.topic)), limit=200),
    Field("培训登记·组织单位", lambda b: {}, lambda r, t: ["培训登记", "今天", "信息发布培训", t, "张伟", "确认"],
          lambda s, r: s.scalar(select(Training.organiser)), limit=120),
]
WHO = {"整改通知·问题描述": "zsj_admin", "驳回说明·原因": "zsj_admin", "重新整改·原因": "zsj_admin", "约谈·原因": "zsj_admin",
       "培训登记·主题": "zsj_admin", "培训登记·组织单位": "zsj_admin"}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("field", FIELDS, ids=[f.name for f in FIELDS])
def test_hostile_text_in_a_free_text_field(bot, field, kind):
    refs = field.setup(bot)
    text = HOSTILE[kind]
    userid = WHO.get(field.name, "jy_zhang")
    too_long = field.limit is not None and len(text) > field.limit
    replies = []
    for message in field.steps(refs, text):
        reply = bot.raw(userid, message)
        assert reply.status == 200, (message[:40], reply)
        assert reply.text, f"no answer to {message[:40]!r}"
        assert not any(leak in reply.text for leak in LEAKS), reply.text
        replies.append(reply.text)
        if too_long and text in message:
            assert f"{field.limit}字以内" in reply.text, reply.text
            break
    with bot.db() as s:
        stored = field.stored(s, refs)
    assert stored == (None if too_long else clean_text(text)), f"{field.name}: {replies[-3:]}"


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_text_outside_a_dialogue_and_as_search_words(bot, kind):
    """Unknown text (echoed in the suggestion), a unit search (台账/单位记录), a cancelled dialogue."""
    text = HOSTILE[kind]
    for userid, message in (("jy_zhang", text), ("zsj_admin", f"台账 {text}"), ("zsj_admin", f"单位记录 {text}"),
                            ("stranger9", text), ("zsj_admin", f"帮助 {text}")):
        reply = bot.raw(userid, message)
        assert reply.status == 200 and reply.text, (message[:40], reply)
        assert not any(leak in reply.text for leak in LEAKS), reply.text
        assert "\x01" not in reply.text and "\u202e" not in reply.text
