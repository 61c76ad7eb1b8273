"""Warn the bureau admins, once per year, when the working-day calendar of a year is not known."""
from __future__ import annotations

from datetime import date

from bot import db, outbox, workdays
from jobs.schedule import daily_at, scheduled
from models import org

WARNING = ("提醒：助手的工作日历还没有 {year} 年的法定节假日和调休安排，目前只能按周一至周五计算工作日，"
           "审批时限、催办和周报提醒可能算错。\n"
           "国务院办公厅发布 {year} 年节假日安排后，请由系统管理员逐日登记，例如：\n"
           "flask --app bot calendar set {year}-10-01 休息 国庆节\n"
           "flask --app bot calendar set {year}-10-10 上班 国庆调休\n"
           "登记后用「flask --app bot calendar show {year}」核对。")


def years_to_check(today: date) -> list[int]:
    """The current year always; from December also the coming year."""
    return [today.year, today.year + 1] if today.month == 12 else [today.year]


def _due(day: date) -> bool:
    return day.month == 12 or not workdays.covered(day.year)


@scheduled("calendar_check_0900", daily_at(9, 0, workdays_only=True, when=_due),
           title="检查工作日历是否包含今年（12月起含明年）")
def calendar_check(period: str) -> list[int]:
    """Returns the years found uncovered; each year's warning is sent once (outbox dedupe)."""
    workdays.forget_cache()  # a year entered a minute ago by the CLI counts
    missing = [y for y in years_to_check(date.fromisoformat(period[:10])) if not workdays.covered(y)]
    if not missing:
        return []
    with db.transaction() as session:
        admins = org.people_with_role(session, org.BUREAU_ADMIN)
        for year in missing:
            outbox.push_text(session, admins, WARNING.format(year=year), dedupe_key=f"calendar-uncovered:{year}")
    return missing
