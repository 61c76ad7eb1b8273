"""Fixtures for tests that run `flask --app bot org sync`: the fake WeCom serving contacts that match the demo
directory (`wecom`) and the command itself (`sync`). Loaded for every test module by tests/conftest.py."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models.org import Unit
from sim import demo
from sim.demo import CITY, COUNTY, NEIGHBOUR

DEPT_IDS = {CITY: 1, COUNTY: 2, "抚松县教育局": 3, "抚松县卫生健康局": 4, NEIGHBOUR: 10, "靖宇县教育局": 11}


def member(userid, name, dept, status=1, **kw):
    return {"userid": userid, "name": name, "department": [dept], "main_department": dept, "status": status, **kw}


def contacts():
    """WeCom's view matching the demo directory for the units that have a department id."""
    departments = [{"id": i, "name": n, "parentid": 0 if i == 1 else 1, "order": i} for n, i in DEPT_IDS.items()]
    users = {1: [member("city_qian", "钱管理", 1), member("city_zhao", "赵审批", 1)],
             2: [member("zsj_admin", "马管理", 2), member("zsj_review", "杨审核", 2)],
             3: [member("jy_zhang", "张伟", 3), member("jy_li", "李娜", 3), member("jy_wang", "王局长", 3)],
             4: [member("wj_liu", "刘洋", 4), member("wj_chen", "陈局长", 4)],
             10: [member("jy_admin", "邻县管理员", 10)],
             11: [member("jyx_staff", "邻县职员", 11), member("jyx_head", "邻县局长", 11)]}
    return departments, users


def move_member(wecom, userid: str, to: int) -> None:
    """The fake WeCom moves member `userid` to department `to` (its main department)."""
    users = wecom.state.users
    [(department, found)] = [(d, m) for d, members in users.items() for m in members if m["userid"] == userid]
    users[department].remove(found)
    users[to].append({**found, "department": [to], "main_department": to})


@pytest.fixture
def wecom(bot, fake):
    with bot.db() as s:
        demo.seed_accounts(s)
        for name, dept in DEPT_IDS.items():
            s.scalar(select(Unit).where(Unit.name == name)).wecom_department_id = dept
    fake.state.departments, fake.state.users = contacts()
    return fake


@pytest.fixture
def sync(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["org", "sync", *args])
