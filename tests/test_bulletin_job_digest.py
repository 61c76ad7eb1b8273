"""Digest sections for approvals (new, pending more than a working day) and national-registry filings."""
from __future__ import annotations

from jobs import digest
from tests.approvals_helpers import approve_all, submit_open
from tests.bulletin_job_seed import at


def latest_digest(bot, userid: str = "zsj_admin") -> str:
    texts = [t for t in bot.texts(userid) if t.startswith("【每日摘要】")]
    return texts[-1] if texts else ""


def reminder_then_digest(bot, job, day: str, userid: str, number: int) -> tuple[str, str]:
    """Run a reminder job at 09:00-ish of `day`, then the bureau's digest: (the user's newest reminder about
    request `number`, the digest) — the two must word a wait or a lateness alike."""
    year, month, dom = map(int, day.split("-"))
    at(year, month, dom, 9, 0)
    job(day)
    reminder = [t for t in bot.texts(userid) if t.startswith("提醒：") and f"第{number}号" in t][-1]
    at(year, month, dom, 9, 35)
    digest.bureau_digest(day)
    return reminder, latest_digest(bot)


def test_new_and_pending_requests(bot):
    at(2026, 11, 10, 10, 0)
    number = submit_open(bot)
    at(2026, 11, 11, 9, 30)
    assert digest.bureau_digest("2026-11-11") == "发出每日摘要2份"  # the county bureau's admin and the city's
    text = latest_digest(bot)
    assert "新提交的申请（1件）" in text and f"第{number}号 抚松县教育局开设「抚松教育」（微博）" in text
    assert "11-10 10:00提交，待单位审核" in text
    # one working day, as the approver's reminder the same morning says
    assert "超过一个工作日未审批的申请（1件）" in text and "待单位审核，已等待1个工作日" in text
    at(2026, 11, 12, 9, 30)
    digest.bureau_digest("2026-11-12")
    text = latest_digest(bot)
    assert "新提交的申请" not in text
    assert "超过一个工作日未审批的申请（1件）" in text and "待单位审核，已等待2个工作日" in text
    assert bot.texts("jy_admin") == []  # the other county's admin sees nothing of ours


def test_pending_wait_in_working_days_across_national_day(bot):
    """Filed Mon 9-28 08:00; on Thu 10-8 the approver is told 「已等待3个工作日」 (9-29, 9-30, 10-8):
    the bureau's digest that morning says the same, not 「已等待10天」."""
    from jobs import approvals as approval_jobs
    from tests.bulletin_job_seed import OPEN_HEALTH_WEIBO
    at(2026, 9, 28, 8, 0)
    number = submit_open(bot, "wj_liu", OPEN_HEALTH_WEIBO)
    reminder, text = reminder_then_digest(bot, approval_jobs.approval_reminders, "2026-10-08", "wj_chen", number)
    assert "已等待3个工作日" in reminder, reminder
    assert "超过一个工作日未审批的申请（1件）" in text and f"第{number}号" in text, text
    assert "已等待3个工作日" in text and "已等待10天" not in text, text


def test_submissions_over_a_weekend_are_new_on_monday(bot):
    at(2026, 11, 13, 16, 0)  # Friday afternoon, after the digest
    submit_open(bot)
    at(2026, 11, 16, 9, 30)  # Monday: the window starts at Friday's digest
    digest.bureau_digest("2026-11-16")
    assert "新提交的申请（1件）" in latest_digest(bot)


def test_registry_filings_due_then_overdue(bot):
    at(2026, 11, 10, 10, 0)
    number = submit_open(bot)
    approve_all(bot, number)  # approved 11-10: to be filed by 11-13 (3 working days)
    at(2026, 11, 12, 9, 30)
    digest.bureau_digest("2026-11-12")
    text = latest_digest(bot)
    assert "待报送全国政务新媒体信息报送系统（1个，其中逾期0个）" in text
    assert (f"抚松县教育局「抚松教育（微博）」第{number}号开设审批后待报送全国系统："
            "截止11月13日（周五），还剩1个工作日（不含今天）") in text
    at(2026, 11, 13, 9, 30)
    digest.bureau_digest("2026-11-13")
    assert "截止11月13日（周五），今天是最后一天" in latest_digest(bot)
    at(2026, 11, 16, 9, 30)
    digest.bureau_digest("2026-11-16")
    # Friday's deadline, Monday's digest: one working day late (第11条 counts working days), as the unit is told
    assert "（1个，其中逾期1个）" in latest_digest(bot) and "已逾期1个工作日" in latest_digest(bot)


def test_registry_lateness_in_working_days_across_a_holiday(bot):
    """Approved Mon 9-28, due Wed 9-30 (the last working day before 国庆): on Thu 10-8 it is one working day
    late, in the digest as in the staff's own reminder — not 「已逾期8天」."""
    from jobs import approvals as approval_jobs
    at(2026, 9, 24, 10, 0)
    number = submit_open(bot)
    at(2026, 9, 25, 10, 0)
    approve_all(bot, number)
    staff, text = reminder_then_digest(bot, approval_jobs.registry_countdown, "2026-10-08", "jy_li", number)
    assert "已逾期1个工作日" in staff and "已逾期1个工作日" in text, (staff, text)


def test_nothing_pending_sends_nothing(bot):
    at(2026, 11, 16, 9, 30)
    assert digest.bureau_digest("2026-11-16") == "发出每日摘要0份"
