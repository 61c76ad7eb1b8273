"""Overdue rectification reminders (整改逾期提醒): daily at 09:00 on working days, one message per unit."""
from __future__ import annotations

from datetime import date
from itertools import groupby

from bot import db, outbox
from jobs.schedule import daily_at, scheduled
from models.oversight import unit_people
from models.rectification import describe, overdue_items


@scheduled("rectification_overdue", daily_at(9, 0),
           title="提醒整改逾期的单位")
def rectification_overdue(period: str) -> str:
    day = date.fromisoformat(period)
    units = 0
    with db.transaction() as session:
        for unit_id, group in groupby(overdue_items(session, day), key=lambda item: item.unit_id):
            items = list(group)
            lines = [f"【整改逾期提醒】{items[0].unit.name}有{len(items)}项整改已超过期限："]
            lines += [describe(item, day, with_unit=False) for item in items]
            lines.append("请尽快整改，完成后回复「已整改 编号 整改说明」。逾期事项将列入月度通报。")
            units += bool(outbox.push_text(session, unit_people(session, unit_id), "\n".join(lines),
                                           dedupe_key=f"rectification-overdue:{period}:{unit_id}"))
    return f"提醒{units}个单位"
