"""Demo mode: the sim process serves the demo directory as WeCom contacts, so `org sync` works
against it over real HTTP and changes nothing on a freshly seeded demo."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot import db
from models.audit import AuditLog
from models.org import Person, Unit
from sim import demo
from sim.server import create_sim_app


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def counts() -> tuple[int, int, int]:
    """(units, active people, audit rows), read in a transaction of its own (SQLite locks)."""
    with db.transaction() as s:
        return (s.scalar(select(func.count()).select_from(Unit)),
                s.scalar(select(func.count()).select_from(Person).where(Person.active)),
                s.scalar(select(func.count()).select_from(AuditLog)))


def test_sync_on_a_freshly_seeded_demo_changes_nothing(cli, fake):
    seeded = cli("demo", "seed")
    assert seeded.exit_code == 0, seeded.output
    create_sim_app(fake=fake)  # the sim process starting up fills the fake's contacts
    units, people, _ = counts()
    assert len(fake.state.departments) == units == len(demo.DEPARTMENT_IDS)
    assert sum(len(u) for u in fake.state.users.values()) == people
    assert {d["name"]: d["id"] for d in fake.state.departments} == demo.DEPARTMENT_IDS

    result = cli("org", "sync")
    assert result.exit_code == 0, result.output
    assert f"人员：新增 0，更新 0，未变 {people}，停用 0，恢复 0" in result.output
    for change in ("按名称对应部门", "未对应单位", "不在企业微信可见范围", "新成员"):
        assert change not in result.output, result.output
    assert counts() == (units, people, 0)  # no audit row: nothing changed
    paths = [r["path"] for r in fake.state.requests]
    assert paths.count("/cgi-bin/user/list") == units  # really asked over HTTP, one call per department


def test_demo_seed_gives_department_ids_once_and_keeps_taken_ones(cli, session):
    assert cli("demo", "seed").exit_code == 0
    session.scalar(select(Unit).where(Unit.name == "抚松县公安局")).wecom_department_id = None
    session.scalar(select(Unit).where(Unit.name == "抚松县教育局")).wecom_department_id = 9001
    session.scalar(select(Unit).where(Unit.name == "抚松县应急管理局")).wecom_department_id = None
    session.scalar(select(Unit).where(Unit.name == "抚松县农业农村局")).wecom_department_id = 207  # 应急's id
    session.commit()
    assert cli("demo", "seed").exit_code == 0
    session.expire_all()
    ids = {u.name: u.wecom_department_id for u in session.scalars(select(Unit))}
    assert ids["抚松县公安局"] == demo.DEPARTMENT_IDS["抚松县公安局"]
    assert ids["抚松县教育局"] == 9001  # a unit linked otherwise keeps its id
    assert ids["抚松县应急管理局"] is None and ids["抚松县农业农村局"] == 207  # the id was taken


def test_the_sim_serves_the_directory_as_it_is_now(cli, fake):
    assert cli("demo", "seed").exit_code == 0
    create_sim_app(fake=fake)
    with db.transaction() as s:
        edu = s.scalar(select(Unit).where(Unit.name == "抚松县教育局"))
        s.add(Person(userid="jy_new", name="新同事", unit=edu))  # e.g. added by an org import
    result = cli("org", "sync")
    assert "新增 0，更新 0" in result.output and "停用 0" in result.output, result.output
    with db.transaction() as s:
        assert s.scalar(select(Person.active).where(Person.userid == "jy_new"))


def test_an_empty_database_serves_no_contacts_until_seeded(cli, fake):
    create_sim_app(fake=fake)
    assert fake.state.departments == []
    assert "企业微信没有返回任何部门" in cli("org", "sync").output
    assert cli("demo", "seed").exit_code == 0
    assert "停用 0" in cli("org", "sync").output  # read afresh: no restart of the sim needed


def test_a_reset_fake_no_longer_serves_the_directory(cli, fake):
    assert cli("demo", "seed").exit_code == 0
    create_sim_app(fake=fake)
    fake.reset()
    assert fake.contacts_source is None and not fake.refresh_contacts()
    assert fake.state.departments == []


def test_sim_serve_says_what_it_serves(app, monkeypatch):
    from werkzeug import serving
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0

    class NoServer:
        def __init__(self, *a, **kw):
            pass

        def serve_forever(self):
            pass
    monkeypatch.setattr(serving, "make_server", NoServer)
    result = app.test_cli_runner().invoke(args=["sim", "serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert f"模拟通讯录：{len(demo.DEPARTMENT_IDS)} 个部门" in result.output


def test_demo_seed_refuses_a_real_wecom_app(app, cfg):
    """With a real corp configured, `demo seed` added 29 invented people — heads and reviewers of the real units —
    and overwrote the real accounts' last-update dates, saying only 「演示数据已就绪」."""
    import dataclasses

    from bot import config
    config.use(dataclasses.replace(cfg, corp_id="ww1234567890abcdef"))
    try:
        before = counts()
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 1 and "已配置真实的企业微信应用（WECOM_CORP_ID），不写入演示数据" in result.output
        assert "请加 --force" in result.output and counts() == before
        assert app.test_cli_runner().invoke(args=["demo", "seed", "--force"]).exit_code == 0
        assert counts()[0] > before[0]
    finally:
        config.use(cfg)
