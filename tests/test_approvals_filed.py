"""已报送 (第11条): whoever records the national-registry filing, the applicant and those reminded to file it hear
that it is done, in the same transaction as the record (through the outbox)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot import clock
from jobs import approvals as jobs
from tests.approvals_helpers import approve_all, submit_open, submit_open_for

FILED = "【已报送】"


def filed_news(bot, userid: str) -> list[str]:
    return [t for t in bot.texts(userid) if t.startswith(FILED)]


def test_a_colleague_records_it_and_the_applicant_hears_the_account_is_in_the_national_registry(bot):
    number = submit_open(bot)  # 张伟 (jy_zhang) applies
    approve_all(bot, number)
    assert "已记录" in bot.send("jy_li", f"已报送 {number}")
    assert filed_news(bot, "jy_zhang") == [
        f"【已报送】第{number}号开设申请（抚松教育，微博）：李娜已在全国政务新媒体信息报送系统完成报送（第11条），"
        "该账号已在全国系统登记备案，无需再报送。"]
    assert filed_news(bot, "jy_li") == []  # she recorded it: her reply says so
    assert filed_news(bot, "jy_wang") == [] and filed_news(bot, "zsj_admin") == []  # not reminded, not told


def test_the_applicant_who_records_it_himself_is_not_told_but_his_colleagues_are(bot):
    number = submit_open(bot)
    approve_all(bot, number)
    bot.send("jy_zhang", f"已报送 {number}")
    assert filed_news(bot, "jy_zhang") == []
    assert filed_news(bot, "jy_li") == [  # reminded every day until now: she need not file it a second time
        f"【已报送】第{number}号开设申请（抚松教育，微博）：张伟已在全国政务新媒体信息报送系统完成报送（第11条），"
        "该账号已在全国系统登记备案，无需再报送。"]


def test_the_bureau_that_filed_for_the_unit_hears_it_as_applicant(bot):
    number = submit_open_for(bot, "zsj_admin", "抚松县教育局")
    approve_all(bot, number)
    bot.send("jy_li", f"已报送 {number}")
    assert filed_news(bot, "zsj_admin") == [
        f"【已报送】第{number}号开设申请（抚松教育，微博）：抚松县教育局的李娜已在全国政务新媒体信息报送系统完成报送"
        "（第11条），该账号已在全国系统登记备案，无需再报送。"]


def test_after_the_deadline_the_bureau_admins_told_of_it_hear_it_was_filed(bot):
    clock.set_now(datetime(2026, 11, 9, 10, 0))  # a Monday: due Thu 11-12
    number = submit_open(bot)
    approve_all(bot, number)
    clock.set_now(datetime(2026, 11, 12, 9, 0))
    jobs.registry_countdown("2026-11-12")
    assert any(t.startswith("报送到期") for t in bot.texts("zsj_admin"))
    clock.set_now(datetime(2026, 11, 13, 10, 0))
    bot.send("jy_li", f"已报送 {number}")
    assert len(filed_news(bot, "zsj_admin")) == 1 and len(filed_news(bot, "jy_zhang")) == 1


def test_a_cancellation_filed_says_the_account_is_cancelled_there(bot):
    from tests.approvals_helpers import latest_request_id, seed_accounts
    seed_accounts(bot)
    bot.say("jy_zhang", "注销 抚松教育 抖音", "1", "确认")
    number = latest_request_id(bot)
    approve_all(bot, number)
    bot.send("jy_li", f"已报送 {number}")
    assert filed_news(bot, "jy_zhang") == [
        f"【已报送】第{number}号注销申请（抚松教育，抖音）：李娜已在全国政务新媒体信息报送系统完成报送（第11条），"
        "该账号已在全国系统注销，无需再报送。"]


def test_the_news_is_written_with_the_record_and_not_without_it(bot):
    """The push is an outbox row of the callback's transaction: a second 已报送 records nothing and tells no one."""
    number = submit_open(bot)
    approve_all(bot, number)
    bot.send("jy_li", f"已报送 {number}")
    assert "无需再报" in bot.send("jy_li", f"已报送 {number}")
    assert len(filed_news(bot, "jy_zhang")) == 1
    from sqlalchemy import select

    from models.outbox import OutboxMessage
    with bot.db() as s:
        rows = [r for r in s.scalars(select(OutboxMessage).where(OutboxMessage.userid == "jy_zhang"))
                if r.payload.get("content", "").startswith(FILED)]
    assert len(rows) == 1


def test_my_requests_read_their_filings_in_one_statement_however_many_were_approved(bot):
    """我的申请 looked up each approved request's filing on its own: one statement more per approved request."""
    from bench.scale_common import counting
    from models.account import Account
    from models.approval import ApprovalRequest, RegistryFiling
    from models.org import Person
    from tests.approvals_helpers import seed_accounts
    seed_accounts(bot)
    number = submit_open(bot)
    approve_all(bot, number)

    def said_and_counted() -> tuple[str, int]:
        with counting() as counter:
            reply = bot.send("jy_zhang", "我的申请")
        return reply, counter.count

    first, one = said_and_counted()
    assert f"第{number}号 开设「抚松教育」（微博） — 已通过，待报送全国系统，完成后回复「已报送 {number}」" in first
    with bot.db() as s:  # ten more of his changes approved, half of them filed already
        zhang = s.scalar(select(Person).where(Person.userid == "jy_zhang"))
        account = s.scalar(select(Account).where(Account.name == "抚松教育", Account.platform == "抖音"))
        now, today = clock.now(), clock.today()
        for n in range(10):
            req = ApprovalRequest(kind="变更", unit_id=zhang.unit_id, applicant_id=zhang.id, account_id=account.id,
                                  form={"name": "抚松教育", "platform": "抖音"}, changes={"contact": [None, "1"]},
                                  status="已通过", created_at=now, submitted_at=now, decided_at=now)
            s.add(req)
            s.flush()
            s.add(RegistryFiling(request_id=req.id, account_id=account.id, unit_id=zhang.unit_id, approved_on=today,
                                 deadline=today, filed_at=now if n % 2 else None, filed_by="jy_zhang"))
    many, eleven = said_and_counted()
    assert many.count("待报送全国系统") == 6 and many.count("— 已通过\n") == 5, many
    assert eleven == one, (one, eleven)


def test_two_numbers_in_one_message_record_both(bot):
    """「已报送 2、3」 recorded the first number only and said nothing of the second: its countdown went on."""
    from models.approval import RegistryFiling
    from tests.approvals_helpers import latest_request_id, seed_accounts
    seed_accounts(bot)
    opened = submit_open(bot)
    bot.say("jy_zhang", "注销 抚松教育 抖音", "1", "确认")
    cancelled = latest_request_id(bot)
    approve_all(bot, opened)
    approve_all(bot, cancelled)
    reply = bot.send("jy_zhang", f"已报送{opened}，{cancelled}")
    assert reply == (f"已记录：第{opened}号申请已在全国政务新媒体信息报送系统报送。\n"
                     f"已记录：第{cancelled}号申请已在全国政务新媒体信息报送系统报送。\n"
                     "如需留存报送截图，请回复「补截图」逐件发送。"), reply
    with bot.db() as s:
        assert all(f.filed_at is not None for f in s.scalars(select(RegistryFiling)))
    again = bot.send("jy_zhang", f"已报送 第{opened}号和第{cancelled}号")
    assert again.count("无需再报") == 2 and "补截图" not in again, again
    assert bot.send("jy_zhang", "已报送 99、98") == "没有找到您可以查看的第99号申请。\n没有找到您可以查看的第98号申请。"


def test_asking_when_the_filing_is_due_gets_each_deadline(bot):
    """「报送截止是哪天」 was 「没有理解」 (with 「已报送」 suggested — a word that records it as done)."""
    assert bot.send("jy_li", "报送截止是哪天").startswith("现在没有待报送全国政务新媒体信息报送系统的申请。")
    number = submit_open(bot)
    approve_all(bot, number)
    for said in ("报送截止是哪天", "全国系统报送期限是什么时候", "什么时候之前要报送？"):
        reply = bot.send("jy_li", said)
        assert reply.startswith(f"待报送全国政务新媒体信息报送系统的申请（第11条）：\n· 第{number}号 "), (said, reply)
        assert "截止" in reply and f"报送后回复「已报送 {number}」" in reply, reply
    with bot.db() as s:
        from models.approval import RegistryFiling
        assert s.scalar(select(RegistryFiling.filed_at).where(RegistryFiling.request_id == number)) is None
