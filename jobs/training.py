"""Training reminders (第28条): from October, on the first working day of each month at 09:00,
units with no trained person this year are reminded and the bureau admins get the list."""
from __future__ import annotations

from datetime import date

from bot import db, outbox, workdays
from jobs.schedule import daily_at, scheduled
from models import org
from models.oversight import unit_heads
from models.training import units_needing_training

FIRST_MONTH = 10


def _due(day: date) -> bool:
    return day.month >= FIRST_MONTH and day == workdays.first_workday_of_month(day.year, day.month)


@scheduled("training_reminder", daily_at(9, 0, when=_due, lookback_days=31),
           title="10月起每月提醒今年尚未参加培训的单位（第28条）")
def training_reminder(period: str) -> str:
    """`period` is a day (scheduled) or a month "YYYY-MM" (by hand)."""
    year, month = int(period[:4]), int(period[5:7])
    if month < FIRST_MONTH:
        return f"未到时间：每年{FIRST_MONTH}月起才提醒"
    key = f"training-remind:{year}-{month:02d}"
    with db.transaction() as session:
        units = units_needing_training(session, year)
        reminded = 0
        for unit in units:
            reminded += bool(outbox.push_text(session, unit_heads(session, unit.id),
                             f"【培训提醒·{month}月】{year}年{unit.name}还没有人员参加过政务新媒体业务培训的记录。"
                             "按《办法》第28条，每年至少要组织一次培训，请联系县政数局安排培训；"
                             "已参加的请告知县政数局登记。", dedupe_key=f"{key}:{unit.id}"))
        for admin in org.people_with_role(session, org.BUREAU_ADMIN):
            if not admin.is_bureau_user:
                continue
            scope = set(org.visible_unit_ids(session, admin))
            mine = [u.name for u in units if u.id in scope]
            if mine:
                outbox.push_text(session, admin, f"【培训台账·{month}月】{year}年尚无参训记录的单位（{len(mine)}个）：\n"
                                 + "、".join(mine) + "\n已提醒这些单位。培训后请用「培训登记」记录。",
                                 dedupe_key=f"{key}:bureau:{admin.id}")
    return f"提醒{reminded}个单位（尚无参训记录的共{len(units)}个）"
