"""`flask --app bot accounts import FILE.xlsx | template [FILE]`: bring existing accounts into the registry."""
from __future__ import annotations

from pathlib import Path

import click

from bot import config, db
from bot.account_import import ImportFileError, import_accounts
from bot.cli_error import Commands, Refused, writing
from bot.org_cli import refuse_to_overwrite
from bot.registry_xlsx import template_workbook

cli = Commands("accounts", help="账号台账：导入已有账号、生成导入模板")

TEMPLATE = config.PROJECT_ROOT / "templates" / "accounts_template.xlsx"  # the shipped copy; the command never writes it
DEFAULT_TEMPLATE = Path("账号导入模板.xlsx")  # in the current directory
ACTOR = "cli:accounts-import"


@cli.command("template")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path), metavar="[文件]")
@click.option("--force", is_flag=True, help="文件已存在时覆盖它")
def template_cmd(path, force):
    """写出导入模板（默认写到当前目录的「账号导入模板.xlsx」；文件已存在时不覆盖，除非加 --force）。"""
    target = path or DEFAULT_TEMPLATE
    refuse_to_overwrite(target, force)
    with writing(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(template_workbook())
    click.echo(f"模板已写入 {target}")


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="文件")
@click.option("--dry-run", is_flag=True, help="只检查，不写入")
@click.option("--skip-bad", is_flag=True, help="跳过有错误的行，导入其余的行")
def import_cmd(path, dry_run, skip_bad):
    """从 .xlsx 导入已有账号：状态为正常，标记需补办备案（第33条）；重复导入只更新，不会重复建账号。"""
    session = db.new_session()
    try:
        try:
            result = import_accounts(session, path.read_bytes(), actor=ACTOR, skip_bad=skip_bad)
        except ImportFileError as exc:
            raise Refused(str(exc)) from None
        for number, reason in result.errors:
            click.echo(f"第{number}行：{reason}", err=True)
        for number, reason in result.warnings:
            click.echo(f"第{number}行（提示）：{reason}")
        blocked = bool(result.errors) and not skip_bad
        if blocked or dry_run:
            session.rollback()
        else:
            session.commit()  # one transaction for the whole file
    finally:
        session.close()
    if blocked:
        raise Refused(f"有 {len(result.errors)} 行错误，未导入任何账号。请修改后重新导入，"
                                   "或加 --skip-bad 只导入正确的行。")
    summary = f"新增 {result.created} 个，更新 {result.updated} 个，未变化 {result.unchanged} 个"
    if result.errors:
        summary += f"，跳过 {len(result.errors)} 行错误"
    if result.barred:
        summary += f"；其中 {result.barred} 个属涉密单位、内设机构（第8条），应注销或关停，不能补办备案"
    click.echo(("检查完成（未写入）：" if dry_run else "导入完成：") + summary + "。")
