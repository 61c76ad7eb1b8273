"""The training ledger (培训台账, models/training.py, 第28条) — a step of bench/generate.py.

Every county bureau holds four trainings a year (March, June, September, November, on a working
day) and the top bureau two (April, October); only those inside the generated period and before NOW
are recorded (the ones before the first report week as 导入, imported with the ledger). Each year about
90 % of the host units send one or two of their staff to one or two of their county's trainings
(the top bureau's count too); the others have nobody trained that year — the bulletin's untrained
units (from October, 第28条), together with those whose only training is in November.
"""
from __future__ import annotations

from datetime import date, timedelta

from bench.dataset_time import NOW, office_hours, to_utc, workday_between

COUNTY_MONTHS = (3, 6, 9, 11)
TOP_MONTHS = (4, 10)
TRAINED_SHARE = 0.9
TOPICS = ("政务新媒体内容安全与信息发布规范", "账号运维与网民留言办理", "政务新媒体管理办法解读",
          "舆情应对与突发事件信息发布", "全国政务新媒体检查指标与常见问题整改", "原创内容策划与短视频制作")


def gen_trainings(ctx, w) -> int:
    rng = ctx.rng_for("trainings")
    trainings, attendees = [], []
    held: dict[tuple[int, int], list[int]] = {}  # (bureau, year) → training ids
    for year in range(ctx.first_week.year, NOW.year + 1):
        for bureau in sorted(ctx.bureau_people):
            for month in TOP_MONTHS if bureau == 1 else COUNTY_MONTHS:
                first = date(year, month, 1)
                day = workday_between(rng, first, date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1))
                if day >= NOW.date():
                    continue
                tid = len(trainings) + 1
                imported = day < ctx.first_week
                created = to_utc(office_hours(rng, ctx.first_week if imported else day + timedelta(days=1)))
                trainings.append((tid, day, rng.choice(TOPICS), ctx.unit_name[bureau], "导入" if imported else "登记",
                                  ctx.userid_of[ctx.bureau_people[bureau][0]], created))
                held.setdefault((bureau, year), []).append(tid)
        for unit in ctx.host_ids:
            offered = held.get((ctx.county_of[unit], year), []) + held.get((1, year), [])
            if not offered or rng.random() >= TRAINED_SHARE:
                continue
            staff = ctx.staff_of[unit]
            for tid in rng.sample(offered, min(len(offered), rng.randint(1, 2))):
                for person in rng.sample(staff, min(len(staff), rng.randint(1, 2))):
                    attendees.append((len(attendees) + 1, tid, person, unit))
    n = w.write("training", ("id", "held_on", "topic", "organiser", "source", "created_by", "created_at"), trainings)
    w.write("training_attendee", ("id", "training_id", "person_id", "unit_id"), attendees)
    return n
