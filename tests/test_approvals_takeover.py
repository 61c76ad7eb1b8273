"""A leaver's unfinished approval requests: the 【人员停用】 notice lists them (org sync against the fake
WeCom contacts API), and the unit or the bureau finishes them (修改 / 撤回 through the real callback)."""
from __future__ import annotations

import pytest

from tests.approvals_helpers import OPEN_WEIBO, audit_actions, request, submit_open
from tests.test_org_sync import DEPT_IDS, contacts
from sim import demo
from sqlalchemy import select
from models.org import Unit

OPEN_KUAISHOU = ["开设", "快手", "抚松教育", "发布教育政策和通知", "https://www.kuaishou.com/profile/fsjy", "fsjy2024", "1",
               "13912345678", "无", "及时发布教育政策，服务群众", "是"]


@pytest.fixture
def wecom(bot, fake):
    with bot.db() as s:
        demo.seed_accounts(s)
        for name, dept in DEPT_IDS.items():
            s.scalar(select(Unit).where(Unit.name == name)).wecom_department_id = dept
    fake.state.departments, fake.state.users = contacts()
    return fake


@pytest.fixture
def leave(app, wecom):
    """Take people out of WeCom and run `org sync`: they are deactivated and the bureau told."""
    def run(*userids):
        for dept, members in wecom.state.users.items():
            wecom.state.users[dept] = [m for m in members if m["userid"] not in userids]
        result = app.test_cli_runner().invoke(args=["org", "sync"])
        assert result.exit_code == 0, result.output
        return result
    return run


def returned_request(bot, userid: str = "jy_zhang") -> int:
    """An open request of 教育局, agreed by its head and sent back by the county bureau."""
    number = submit_open(bot, userid)
    assert "已同意" in bot.send("jy_wang", f"同意 {number}")
    assert "已退回修改" in bot.send("zsj_review", f"退回 {number} 请补充开设理由")
    return number


def test_the_departure_notice_lists_unfinished_requests_and_what_to_do(bot, leave):
    returned = returned_request(bot)
    pending = submit_open(bot, "jy_zhang", OPEN_KUAISHOU)
    alone = submit_open(bot, "wj_liu", ["开设", "微博", "健康抚松", *OPEN_WEIBO[3:]])
    leave("jy_zhang", "wj_liu", "wj_chen")
    [notice] = [t for t in bot.texts("zsj_admin") if t.startswith("【人员停用】")]
    assert "他们还有未办结的审批申请" in notice
    zhang = notice.split("2. ")[0]
    assert f"未办结申请：第{returned}号 开设「抚松教育」（微博），已退回" in zhang
    assert f"回复「修改 {returned}」修改后重新提交（提交人成为申请人），或回复「撤回 {returned}」撤回" in zhang
    assert f"主管单位也可以回复「撤回 {returned} 原因」撤回" in zhang
    assert f"未办结申请：第{pending}号 开设「抚松教育」（快手），待单位审核" in zhang
    assert "审批照常进行，不需要申请人本人参与" in zhang
    assert "已没有在职的工作人员" not in zhang  # 李娜 and 王局长 are still there
    liu = notice.split("3. ")[0].split("2. ")[1]
    assert f"未办结申请：第{alone}号 开设「健康抚松」（微博），待单位审核" in liu
    assert "抚松县卫生健康局已没有在职的工作人员或单位负责人，请尽快在通讯录中补充" in liu
    assert f"或由主管单位回复「撤回 {alone} 原因」撤回" in liu
    assert "未办结申请" not in notice.split("3. ")[1]  # 陈局长 filed nothing
