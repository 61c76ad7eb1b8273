"""培训台账 (第28条): this year's trainings that people of the asker's units attended, and the units that still need
one (an account in use and nobody trained this year)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from bot import clock
from bot.router import Context, Router
from handlers.bulletin import year_of
from handlers.oversight_util import county_in
from models import org
from models.org import BUREAU_ADMIN, BUREAU_REVIEWER, CITY_REVIEWER
from models.training import Training, TrainingAttendee, units_needing_training

SHOWN = 20
# 「培训情况」, 「今年哪些单位没培训」, 「培训记录」; at the year's end 「去年培训情况」, 「2026年哪些单位没有培训」
_YEAR = r"(?P<year>今年|本年|去年|上一年|\d{4}\s*年度?)?"
TRAINING_ASKED = (_YEAR + r"(?:的)?培训(?:情况|记录|台账)[？?。]*$"
                  r"|" + _YEAR.replace("year", "year2") +
                  r"(?:有)?(?:哪些|哪个|几个)单位(?:还)?(?:没有?|未)(?:参加|参训|搞|办)?(?:过)?培训(?:的)?[？?。]*$")


def register(router: Router) -> None:
    @router.command("培训台账", "培训记录", "培训情况", roles={BUREAU_ADMIN, BUREAU_REVIEWER, CITY_REVIEWER},
                    help="查看今年的培训和还没有培训的单位（第28条）",
                    detail="列出今年登记的培训（日期、主题、组织单位、辖区参训人数），以及有在用账号、今年还没有人参加培训的单位"
                           "（第28条要求每年至少一次）。「培训台账 2025」看那一年的。登记培训请回复「培训登记」。")
    def trainings(ctx: Context):
        county, said = county_in(ctx, ctx.args.strip())  # 「培训台账 抚松」 from the city bureau
        year = year_of(said) if said else clock.today().year
        if year is None:
            ctx.reply(f"「{said[:20]}」不是年份。回复「培训台账」看今年的，「培训台账 2025」看那一年的；"
                      f"一个单位的参训人员请回复「单位记录 单位名称」。")
            return
        scope = county or ctx.person.unit
        ids = org.subtree_ids(ctx.session, county.id) if county else org.visible_unit_ids(ctx.session, ctx.person)
        rows = ctx.session.execute(
            select(Training.id, Training.held_on, Training.topic, Training.organiser, func.count(TrainingAttendee.id))
            .join(TrainingAttendee, TrainingAttendee.training_id == Training.id)
            .where(TrainingAttendee.unit_id.in_(ids), Training.held_on >= date(year, 1, 1),
                   Training.held_on <= date(year, 12, 31))
            .group_by(Training.id, Training.held_on, Training.topic, Training.organiser)
            .order_by(Training.held_on.desc(), Training.id.desc())).all()
        lines = [f"{year}年培训台账（{scope.name}辖区）："]
        if rows:
            lines += [f"· {held:%m-%d} {topic}（{organiser}），辖区参训{count}人" for _id, held, topic, organiser, count
                      in rows[:SHOWN]]
            if len(rows) > SHOWN:
                lines.append(f"……共{len(rows)}次")
        else:
            lines.append("· 暂无培训记录")
        missing = [u.name for u in units_needing_training(ctx.session, year, ids)]
        still = "还" if year >= clock.today().year else ""  # a year gone by is not 「还没有」: it is the year's result
        lines.append(f"有在用账号、{year}年{still}没有人参加培训的单位（{len(missing)}个，第28条要求每年至少一次）："
                     + "、".join(missing) if missing else f"有在用账号的单位{year}年都已参加培训。")
        if year == clock.today().year and clock.today().month == 1:  # the new year's ledger is empty: last year's
            lines.append(f"{year - 1}年全年的培训台账请回复「培训台账 去年」。")
        if ctx.person.has_role(BUREAU_ADMIN, BUREAU_REVIEWER):  # the city reviewer cannot: the county registers
            lines.append("登记培训请回复「培训登记」。")
        ctx.reply("\n".join(lines))

    @router.pattern(TRAINING_ASKED, roles={BUREAU_ADMIN, BUREAU_REVIEWER, CITY_REVIEWER})
    def trainings_asked(ctx: Context):
        ctx.args = ctx.match["year"] or ctx.match["year2"] or ""
        trainings(ctx)
