"""A step nobody can decide: told at submission, when the only approver leaves or loses the role, by the
reminder job; and the cards that follow when org import / org sync gives the step a holder again."""
from __future__ import annotations

from datetime import datetime

from bot import clock
from models.org import find_person
from tests.approvals_helpers import request, submit_open


def set_roles(bot, userid: str, *roles: str) -> None:
    with bot.db() as s:
        find_person(s, userid).set_roles(set(roles))


def test_a_request_filed_without_a_unit_head_tells_the_applicant_who_was_told(bot):
    set_roles(bot, "jy_wang", "staff")
    number = submit_open(bot)
    [admin] = [t for t in bot.texts("zsj_admin") if "找不到审批人" in t]
    assert f"第{number}号开设申请（抚松教育，抚松县教育局）在「开设单位意见」环节找不到审批人" in admin
    assert "通讯录中没有在职的抚松县教育局的「单位负责人」" in admin
    [told] = [t for t in bot.texts("jy_zhang") if "暂时没有审批人" in t]
    assert told.startswith(f"您的第{number}号开设申请（抚松教育）已提交，但「开设单位意见」环节暂时没有审批人")
    assert "已通知县政数局管理员（马管理）在通讯录中指定" in told and "您无需重新提交" in told
    assert request(bot, number)["status"] == "待单位审核"


def test_the_reminder_job_says_nobody_can_be_reminded_and_whom_to_appoint(bot):
    from jobs import approvals as jobs
    set_roles(bot, "jy_wang", "staff")
    clock.set_now(datetime(2026, 12, 7, 10, 0))  # a Monday
    number = submit_open(bot)
    for day in ("2026-12-08", "2026-12-09", "2026-12-10"):
        clock.set_now(datetime.fromisoformat(day + "T09:30"))
        jobs.approval_reminders(day)
    [chase] = [t for t in bot.texts("zsj_admin") if t.startswith("督办") and f"第{number}号" in t]
    assert "已等待1个工作日，没有可以提醒的审批人：通讯录中没有在职的抚松县教育局的「单位负责人」" in chase, chase
    assert "已提醒" not in chase and "（无审批人）" not in chase


def test_a_holder_wecom_refuses_is_nobody_to_remind(bot):
    """WeCom said 王局长's userid is invalid (left, not yet synced): his reminders would reach no one, so the
    bureau hears it instead of the job believing it reminded him."""
    from jobs import approvals as jobs
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    number = submit_open(bot)
    with bot.db() as s:
        find_person(s, "jy_wang").wecom_invalid = True
    for day in ("2026-12-08", "2026-12-09"):
        clock.set_now(datetime.fromisoformat(day + "T09:30"))
        assert jobs.approval_reminders(day) == 0
    [chase] = [t for t in bot.texts("zsj_admin") if t.startswith("督办") and f"第{number}号" in t]
    assert "审批人王局长在企业微信中已无效（可能已离职），提醒发不到" in chase, chase
