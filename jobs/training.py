"""Training reminders (第28条): from October, on the first working day of each month at 09:00,
units with no trained person this year are reminded and the bureau admins get the list."""
from __future__ import annotations

from datetime import date

from bot import db, outbox, workdays
from jobs.schedule import daily_at, scheduled
from models import org
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
        reminded, unreached = 0, set()
        for unit in units:
            heads = reachable_heads(session, unit.id)
            if not heads:
                unreached.add(unit.id)
                continue
            reminded += bool(outbox.push_text(session, heads,
                             f"【培训提醒·{month}月】{year}年{unit.name}还没有人员参加过政务新媒体业务培训的记录。"
                             "按《办法》第28条，每年至少要组织一次培训，请联系县政数局安排培训；"
                             "已参加的请告知县政数局登记。", dedupe_key=f"{key}:{unit.id}"))
        for admin in org.people_with_role(session, org.BUREAU_ADMIN):
            if not admin.is_bureau_user:
                continue
            scope = set(org.visible_unit_ids(session, admin))
            mine = [u for u in units if u.id in scope]
            if mine:
                outbox.push_text(session, admin, bureau_list(year, month, mine, unreached),
                                 dedupe_key=f"{key}:bureau:{admin.id}")
    return f"提醒{reminded}个单位（尚无参训记录的共{len(units)}个）"


def reachable_heads(session, unit_id: int) -> list:
    """The unit's heads a push reaches; its staff if none (models.oversight.unit_heads, less those WeCom refused)."""
    return org.reachable(org.people_with_role(session, org.UNIT_HEAD, [unit_id])) or org.reachable(
        org.people_with_role(session, org.STAFF, [unit_id]))


def bureau_list(year: int, month: int, units: list, unreached: set[int]) -> str:
    """The admin's list of units still needing training, and which of them could not be reminded (nobody in the
    directory a push reaches): 「已提醒这些单位」 must not be said of those."""
    names = "、".join(u.name for u in units)
    told = "、".join(u.name for u in units if u.id not in unreached)
    missed = "、".join(u.name for u in units if u.id in unreached)
    if not missed:
        said = "已提醒这些单位。"
    else:
        said = (f"已提醒{told}。" if told else "") + \
            f"{missed}在通讯录中没有能收到提醒的单位负责人或工作人员，未能提醒，请联系该单位。"
    return f"【培训台账·{month}月】{year}年尚无参训记录的单位（{len(units)}个）：\n{names}\n{said}培训后请用「培训登记」记录。"
