"""单位记录 reads a fixed number of statements, however long the unit's history."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot import clock
from models.account import NORMAL, Account
from models.approval import APPROVED, OPEN, ApprovalRequest, RegistryFiling
from models.measure import Measure
from models.org import Person
from models.oversight import FROM_ORDER, DormancyCase, DormancyWatch
from models.rectification import ACCEPTED, RectificationAnswer, Rectification
from models.training import Training, TrainingAttendee
from tests.oversight_helpers import EDU, at, person_id, unit_id
from tests.test_dispatch_queries import statements


def add_history(bot, n: int, start: int) -> None:
    """`n` of everything 单位记录 shows for 教育局, each pointing at rows of its own (account, request, person)."""
    people = ("jy_zhang", "jy_li", "jy_wang", "zsj_admin", "zsj_review")
    with bot.db() as s:
        unit, now = unit_id(s, EDU), clock.now()
        for i in range(start, start + n):
            account = Account(name=f"抚松教育{i}", platform="微博", unit_id=unit, status=NORMAL,
                              opened_on=date(2020, 1, 1))
            s.add(account)
            s.flush()
            request = ApprovalRequest(kind=OPEN, unit_id=unit, applicant_id=person_id(s, people[i % 3]),
                                      account_id=account.id, status=APPROVED, created_at=now, form={})
            s.add(request)
            s.flush()
            s.add(RegistryFiling(request_id=request.id, account_id=account.id, unit_id=unit,
                                 approved_on=date(2026, 11, 20), deadline=date(2026, 11, 25)))
            s.add(Measure(unit_id=unit, kind="警告", reason=f"原因{i}", created_by=people[i % len(people)],
                          created_at=now))
            item = Rectification(unit_id=unit, problem=f"问题{i}", deadline=date(2026, 11, 20), status=ACCEPTED,
                                 created_at=now)
            s.add(item)
            s.flush()
            s.add(RectificationAnswer(item_id=item.id, text="已整改", answered_by="jy_zhang", answered_at=now,
                                      verdict=ACCEPTED))
            s.add(DormancyCase(unit_id=unit, account_id=account.id, source=FROM_ORDER, opened_at=now,
                               approval_request_id=request.id))
            s.add(DormancyWatch(account_id=account.id, spell_start=date(2026, 1, 1), dormant=True,
                                dormant_since=date(2026, 4, 1)))
            training = Training(held_on=date(2026, 3, 1 + i), topic=f"培训{i}", organiser="县政数局",
                                created_at=now)
            s.add(training)
            s.flush()
            trainee = s.scalar(select(Person).where(Person.userid == people[i % 3]))
            s.add(TrainingAttendee(training_id=training.id, person_id=trainee.id, unit_id=unit))


def record_statements(bot) -> tuple[str, int]:
    """The whole record (a long one comes in parts: the rest is pushed) and the number of reads it took."""
    bot.send("zsj_admin", "单位记录 教育局")  # the conversation row exists, the working-day calendar is read
    pushed = len(bot.texts("zsj_admin"))
    with statements() as seen:
        reply = bot.send("zsj_admin", "单位记录 教育局")
    reads = [s for s in seen if s in ("SELECT", "WITH")]  # not the pushes of a long record's further parts
    return "\n".join([reply, *bot.texts("zsj_admin")[pushed:]]), len(reads)


def test_the_unit_record_takes_as_many_statements_for_many_filings_as_for_one(bot):
    at(date(2026, 11, 27))
    add_history(bot, 1, 0)
    reply, few = record_statements(bot)
    assert "警告（张伟）：原因0" in reply, reply
    add_history(bot, 9, 1)
    reply, many = record_statements(bot)
    assert "处置措施（10项）" in reply and "警告（马管理）：原因3" in reply
    assert "整改事项（10项）" in reply and "[已通过]" in reply
    assert "停更跟进（10项）" in reply and "抚松教育9（微博）｜责令关闭" in reply and "开设申请第10号：已通过" in reply
    assert "抚松教育9（微博）（2026-04-01起）" in reply
    assert "培训（10人次）" in reply and "培训9：张伟" in reply
    assert "全国系统待报送（10项" in reply and "第10号开设「抚松教育9（微博）」" in reply
    assert many == few, (few, many)


def test_a_unit_clerk_asking_for_another_units_record_is_told_it_is_their_own(bot):
    reply = bot.send("wj_liu", "单位记录 教育局")
    assert reply.startswith("单位人员只能查看本单位的记录（没有查「教育局」），下面是抚松县卫生健康局的记录。"), reply
    assert "【单位记录】抚松县卫生健康局" in reply and "抚松县教育局" not in reply
    assert bot.send("wj_liu", "单位记录 卫生健康局").startswith("【单位记录】抚松县卫生健康局")
    for own in ("本单位", "我单位", "本局"):
        assert bot.send("wj_liu", f"单位记录 {own}").startswith("【单位记录】抚松县卫生健康局")
    assert bot.send("zsj_admin", "单位记录 我单位").startswith("「我单位」是您所在的抚松县政务服务和数字化建设管理局（主管单位）")


def test_a_bureau_naming_another_countys_unit_is_told_it_is_outside_its_scope(bot):
    """单位记录 and the measures find units as 整改通知 does: another county's unit is not 「没有找到」."""
    for text in ("单位记录 靖宇县教育局", "约谈 靖宇县教育局 公众号三个月未更新", "整改通知 靖宇 公众号两周未更新"):
        reply = bot.send("zsj_admin", text)
        assert reply.startswith("「") and "」不在您的管辖范围内：您只能查看和处理抚松县政务服务和数字化建设管理局所辖的单位。" in reply, reply
        assert "没有找到" not in reply and "靖宇县教育局" not in reply.replace("「靖宇县教育局」", ""), reply
    assert "没有找到名称包含「林业局」的单位" in bot.send("zsj_admin", "单位记录 林业局")


def test_the_record_without_a_unit_asks_which_from_the_list(bot):
    """「单位记录」 alone said 「请带上单位名称…」: a dead end where 整改通知 and 约谈 offer the list."""
    asked = bot.send("zsj_admin", "单位记录")
    assert asked.startswith("查看哪个单位的记录？\n1. 抚松县教育局") and asked.endswith("（回复序号或单位名称）"), asked
    assert "靖宇" not in asked  # the neighbour's units are not offered
    # nor those that may hold no account (第8条): the classified unit, the internal department
    assert "保密局" not in asked and "教育局办公室" not in asked, asked
    bot.send("zsj_admin", "取消")
    notice = bot.send("zsj_admin", "整改通知")
    assert notice.startswith("「整改通知」哪个单位？\n1. 抚松县教育局") and "保密局" not in notice, notice
    bot.send("zsj_admin", "取消")
    bot.send("zsj_admin", "单位记录")
    assert bot.send("zsj_admin", "卫健局").startswith("【单位记录】抚松县卫生健康局")
    bot.send("zsj_admin", "单位记录")
    assert bot.send("zsj_admin", "1").startswith("【单位记录】抚松县教育局")
