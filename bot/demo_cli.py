"""`flask --app bot demo seed`: the demo county directory and a few accounts (idempotent)."""
from __future__ import annotations

import click
from sqlalchemy import func, select

from bot.cli_error import Commands, Refused

cli = Commands("demo", help="演示数据")


@cli.command("seed", cancelled="已中断：演示数据可能只建了一部分，重新运行 flask --app bot demo seed 即可补齐。")
@click.option("--force", is_flag=True, help="配置了真实企业微信应用时也写入（只用于测试环境）")
def seed(force):
    """建立或补齐演示通讯录和账号（只用于演示模式）；可以重复运行。"""
    from bot import config, db
    if config.get().corp_id != config.DEMO["WECOM_CORP_ID"] and not force:
        # invented heads and reviewers would take real approvals, and the demo's dates would overwrite real ones
        raise Refused("已配置真实的企业微信应用（WECOM_CORP_ID），不写入演示数据：演示通讯录会把虚构的人员设为单位负责人、"
                      "审核人，并改动账号的最近更新日期。确实是测试环境的，请加 --force。")
    from models.account import Account
    from models.org import Person, Unit
    from sim import demo
    with db.transaction() as session:
        demo.seed(session)
        demo.link_departments(session)  # so that org sync against the simulator changes nothing
        demo.seed_accounts(session)
        demo.seed_reports(session)
    with db.transaction() as session:
        units = session.scalar(select(func.count()).select_from(Unit))
        people = session.scalar(select(func.count()).select_from(Person))
        accounts = session.scalar(select(func.count()).select_from(Account))
    click.echo(f"演示数据已就绪：{units} 个单位，{people} 名成员，{accounts} 个账号。")
