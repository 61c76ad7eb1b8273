"""`flask --app bot report assessment --year 2026 [--bureau NAME] [--out FILE]`: the year-end assessment
(年度考核, 第30–31条) as an .xlsx workbook, one per county bureau.

`flask --app bot report screenshot (--request N | --rectification N) [--out FILE]`: the stored screenshot of a
registry filing (第11条) or of a rectification item's answers (第29条) as picture files, for inspections."""
from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from bot import db
from bot.cli_error import Commands, Refused, writing
from models.approval import RegistryFiling
from models.org import COUNTY_BUREAU, Unit
from models.rectification import Rectification
from models.screenshot import STORED

cli = Commands("report", help="报表")


@cli.command("assessment", cancelled="已中断：考核表可能没有全部生成，最后写入的文件可能不完整，请重新运行。")
@click.option("--year", type=int, required=True, help="考核年度，例如 2026")
@click.option("--bureau", "bureau_name", help="县政数局名称（或其中几个字）；默认全部县政数局")
@click.option("--out", "out", type=click.Path(dir_okay=False), help="输出文件；多个县政数局时在文件名后加局名")
def assessment_cmd(year, bureau_name, out):
    """生成年度考核表（.xlsx，第30–31条）：各单位得分，每一项扣分附依据。"""
    from bot.bulletin.assessment import assess, assessment_xlsx, unpublished_note
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
            with writing(path):
                path.write_bytes(assessment_xlsx(result))
            months = "、".join(f"{m}月" for m in result.months)
            click.echo(f"{bureau.name}：{len(result.units)}个单位，{months}，已写入 {path}")
            if note := unpublished_note(result):
                click.echo(f"  {note}")
            written += 1
    if not written:
        raise Refused(f"{year}年没有生成任何考核表。")


@cli.command("screenshot", cancelled="已中断：截图可能没有全部导出，最后写入的文件可能不完整，请重新运行。")
@click.option("--request", "request_id", type=int, help="申请编号：导出这件申请的全国系统报送截图")
@click.option("--rectification", "item_id", type=int, help="整改事项编号：导出这项整改每次提交的整改情况所附的截图")
@click.option("--out", "out", type=click.Path(dir_okay=False),
              help="输出文件；有几张截图时在文件名后加序号；默认按事项命名，写在当前目录")
def screenshot_cmd(request_id, item_id, out):
    """导出已存档的截图（全国系统报送截图或整改截图）为图片文件，供检查、考核留档。"""
    if (request_id is None) == (item_id is None):
        raise Refused("请用 --request 申请编号 或 --rectification 整改事项编号 指明导出哪一项（二选一）。")
    from handlers.screenshots import evidence
    with db.transaction() as session:
        if request_id is not None:
            filing = session.scalar(select(RegistryFiling).where(RegistryFiling.request_id == request_id))
            if filing is None:
                raise Refused(f"第{request_id}号申请没有全国系统报送记录（编号不对，或还没有审批通过）。")
            found = [(f"第{request_id}号申请报送截图", filing)]
        else:
            item = session.get(Rectification, item_id)
            if item is None:
                raise Refused(f"没有整改事项 {item_id}，请核对编号（机器人里回复「整改清单 全部」可以查看）。")
            several = len(item.answers) > 1
            found = [(f"整改事项{item_id}截图" + (f"（第{n}次整改情况）" if several else ""), answer)
                     for n, answer in enumerate(item.answers, 1)]
            if not found:
                raise Refused(f"整改事项 {item_id} 的单位还没有提交整改情况，没有截图。")
        written = []
        for stem, row in found:
            shot = row.screenshot
            if shot is None or shot.status != STORED:
                click.echo(f"{stem}：{evidence(row)}，没有可导出的图片。")
                continue
            path = Path(shot.filename(stem))
            if out:
                path = Path(out) if len(found) == 1 else Path(out).with_name(
                    f"{Path(out).stem}-{len(written) + 1}{Path(out).suffix or path.suffix}")
            with writing(path):
                path.write_bytes(shot.content)
            written.append(path)
            click.echo(f"{stem}：已写入 {path}（{shot.size} 字节，SHA-256 {shot.sha256}）")
    if not written:
        raise Refused("没有导出任何截图。")

