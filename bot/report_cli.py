"""`flask --app bot report assessment --year 2026 [--bureau NAME] [--out FILE]`: the year-end assessment
(年度考核, 第30–31条) as an .xlsx workbook, one per county bureau."""
from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from bot import db
from bot.cli_error import Commands, Refused
from models.org import COUNTY_BUREAU, Unit

cli = Commands("report", help="报表")


@cli.command("assessment", cancelled="已中断：考核表可能没有全部生成，最后写入的文件可能不完整，请重新运行。")
@click.option("--year", type=int, required=True, help="考核年度，例如 2026")
@click.option("--bureau", "bureau_name", help="县政数局名称（或其中几个字）；默认全部县政数局")
@click.option("--out", "out", type=click.Path(dir_okay=False), help="输出文件；多个县政数局时在文件名后加局名")
def assessment_cmd(year, bureau_name, out):
    """生成年度考核表（.xlsx，第30–31条）：各单位得分，每一项扣分附依据。"""
    from bot.bulletin.assessment import assess, assessment_xlsx
    with db.transaction() as session:
        bureaus = list(session.scalars(select(Unit).where(Unit.kind == COUNTY_BUREAU, Unit.active).order_by(Unit.id)))
        if bureau_name:
            bureaus = [b for b in bureaus if bureau_name in b.name]
            if not bureaus:
                raise Refused(f"没有名称包含「{bureau_name}」的县政数局。")
        written = 0
        for bureau in bureaus:
            result = assess(session, bureau.id, year)
            if not result.units:
                click.echo(f"{bureau.name}：{year}年没有可用于考核的月度通报数据，跳过。")
                continue
            path = Path(out) if out and len(bureaus) == 1 else \
                (Path(out).with_name(f"{Path(out).stem}-{bureau.name}{Path(out).suffix or '.xlsx'}") if out
                 else Path(f"{bureau.name}{year}年政务新媒体年度考核.xlsx"))
            path.write_bytes(assessment_xlsx(result))
            months = "、".join(f"{m}月" for m in result.months)
            click.echo(f"{bureau.name}：{len(result.units)}个单位，{months}，已写入 {path}")
            written += 1
    if not written:
        raise Refused(f"{year}年没有生成任何考核表。")
