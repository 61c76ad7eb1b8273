"""A leaver's unfinished approval requests: the 【人员停用】 notice lists them (org sync against the fake
WeCom contacts API), and the unit or the bureau finishes them (修改 / 撤回 through the real callback)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models.approval import ApprovalRequest
from models.audit import AuditLog
from tests.approvals_helpers import OPEN_WEIBO, audit_actions, latest_request_id, request, submit_open

OPEN_KUAISHOU = ["开设", "快手", "抚松教育", "发布教育政策和通知", "https://www.kuaishou.com/profile/fsjy", "fsjy2024", "1",
                  "13912345678", "无", "及时发布教育政策，服务群众", "是"]


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
    output = leave("jy_zhang", "wj_liu", "wj_chen").output
    assert (f"张伟 jy_zhang（抚松县教育局）负责账号：抚松教育（微信公众号），"
            f"未办结申请：第{returned}号（已退回）、第{pending}号（待单位审核）") in output
    assert "陈局长 wj_chen（抚松县卫生健康局）负责账号：无\n" in output
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


def test_a_colleague_takes_over_a_returned_request_and_resubmits_it(bot, leave):
    number = returned_request(bot)
    leave("jy_zhang")
    assert "退回意见：请补充开设理由" in bot.send("jy_li", f"修改 {number}")
    *_, form, done = bot.say("jy_li", "修改", "开设理由", "全县学生家长需要一个及时的教育政策发布渠道", "确认")
    assert "开设理由：全县学生家长需要一个及时的教育政策发布渠道" in form and "已提交第" in done
    assert (request(bot, number)["status"], request(bot, number)["round"]) == ("待单位审核", 2)
    with bot.db() as s:
        assert s.get(ApprovalRequest, number).applicant.userid == "jy_li"
    assert audit_actions(bot, number)[-2:] == ["approval.takeover", "approval.submit"]
    assert any(t.startswith(f"【接手申请】李娜接手了张伟（已停用）提交的第{number}号申请") for t in bot.texts("jy_wang"))
    assert "已同意" in bot.send("jy_wang", f"同意 {number}")  # the chain goes on with 李娜 as the applicant
    assert any(f"您的第{number}号开设申请" in t for t in bot.texts("jy_li"))


def test_a_leavers_returned_request_is_on_his_colleagues_to_do_list(bot, leave):
    """Nobody else would see it in 待办: a request sent back waits for its applicant, who has left."""
    number = returned_request(bot)
    with bot.db() as s:
        title = s.get(ApprovalRequest, number).title
    leave("jy_zhang")
    assert (f"· 第{number}号 {title}：已退回修改，申请人张伟已停用，需本单位接手 → 回复「修改 {number}」修改后重新提交，"
            f"或「撤回 {number}」") in bot.send("jy_li", "待办").splitlines()
    assert "修改后重新提交" in bot.send("jy_wang", "待办")  # the head as well


def test_an_active_applicants_request_stays_his_alone(bot):
    number = returned_request(bot)
    assert bot.send("jy_li", f"修改 {number}") == f"只有申请人张伟可以修改第{number}号申请。"
    assert bot.send("jy_li", f"撤回 {number}") == f"只有申请人张伟可以撤回第{number}号申请。"
    assert bot.send("zsj_admin", f"撤回 {number} 单位不再开设") == f"只有申请人张伟可以撤回第{number}号申请。"
    assert request(bot, number)["status"] == "已退回"


def test_a_leavers_request_is_not_for_other_units(bot, leave):
    number = returned_request(bot)
    leave("jy_zhang")
    assert "没有找到您可以查看的" in bot.send("wj_liu", f"撤回 {number}")
    assert "没有找到您可以查看的" in bot.send("jy_admin", f"撤回 {number} 邻县")  # the neighbouring county
    assert request(bot, number)["status"] == "已退回"


def test_a_bureau_admin_withdraws_a_leavers_returned_request_with_a_reason(bot, leave):
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    bot.send("zsj_review", f"同意 {number}")
    leave("jy_zhang")
    assert f"已退回修改第{number}号申请，已通知申请单位（申请人已停用）。" == bot.send("city_zhao", f"退回 {number} 请补充账号ID")
    returned = [t for t in bot.texts("jy_li") if t.startswith("【申请人已停用】")]
    assert returned == [f"【申请人已停用】张伟提交的第{number}号开设申请（抚松教育）：市级审批意见由赵审批退回修改，"
                        f"意见：请补充账号ID。\n请回复「修改 {number}」按意见修改后重新提交，或回复「撤回 {number}」。"]
    assert sum("请补充账号ID" in t for t in bot.texts("jy_wang")) == 1  # as a colleague, not twice as an approver

    asked = bot.send("zsj_admin", f"撤回 {number}")
    assert "请写明原因" in asked and f"撤回 {number} 申请人已调离" in asked
    assert request(bot, number)["status"] == "已退回"
    reply = bot.send("zsj_admin", f"撤回 {number} 申请人已调离，单位暂不开设")
    assert reply == f"已撤回第{number}号申请（申请人张伟已停用），已通知李娜。"
    assert request(bot, number)["status"] == "已撤回"
    [news] = [t for t in bot.texts("jy_li") if t.startswith("【申请撤回】")]
    assert news == (f"【申请撤回】张伟（已停用）提交的第{number}号申请：开设「抚松教育」（微博），"
                    "已由抚松县政务服务和数字化建设管理局的马管理撤回，原因：申请人已调离，单位暂不开设。")
    for approver in ("jy_wang", "zsj_review"):  # who agreed, as the applicant's own 撤回 tells them
        assert any("马管理已撤回这件申请（原因：申请人已调离，单位暂不开设），不再需要审批" in t
                   for t in bot.texts(approver)), approver
    assert audit_actions(bot, number)[-1] == "approval.withdraw"
    with bot.db() as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "approval.withdraw")).one()
        assert (row.actor, row.after) == ("zsj_admin", {"status": "已撤回", "applicant": "jy_zhang",
                                                        "why": "申请人已调离，单位暂不开设"})


def test_a_colleague_withdraws_a_leavers_pending_request(bot, leave):
    number = submit_open(bot)
    leave("jy_zhang")
    assert bot.send("jy_li", f"撤回 {number}") == f"已撤回第{number}号申请（申请人张伟已停用），已通知王局长。"
    assert any(f"第{number}号申请（开设「抚松教育」（微博））已由李娜撤回，无需再审批" in t for t in bot.texts("jy_wang"))
    assert request(bot, number)["status"] == "已撤回"


def test_registry_reminders_skip_an_applicant_who_has_left(bot, leave):
    number = submit_open(bot, "wj_liu", ["开设", "微博", "健康抚松", *OPEN_WEIBO[3:]])
    leave("wj_liu")
    for approver in ("wj_chen", "zsj_review", "city_zhao"):
        assert "已同意" in bot.send(approver, f"同意 {number}")
    assert any(f"第{number}号开设申请（健康抚松）已审批通过。按《办法》第11条" in t for t in bot.texts("wj_chen"))


def test_the_head_takes_over_a_leavers_returned_change(bot, leave):
    bot.say("jy_zhang", "变更 抚松教育 抖音", "2", "发布教育短视频", "整改", "确认")
    number = latest_request_id(bot)
    assert "已退回修改" in bot.send("jy_wang", f"退回 {number} 请写明整改依据")
    leave("jy_zhang")
    assert "账号功能：政务信息发布 → 发布教育短视频" in bot.send("jy_wang", f"修改 {number}")
    assert "已提交第" in bot.send("jy_wang", "确认")
    assert request(bot, number)["status"] == "待主管单位审核"  # the head filed it: his filing is the unit's opinion
    assert audit_actions(bot, number)[-2:] == ["approval.takeover", "approval.submit"]
    assert any(t.startswith(f"【接手申请】王局长接手了张伟（已停用）提交的第{number}号申请") for t in bot.texts("jy_li"))


def test_my_requests_lists_what_the_unit_took_over_from_a_leaver(bot, leave):
    returned = returned_request(bot)
    pending = submit_open(bot, "jy_zhang", OPEN_KUAISHOU)
    leave("jy_zhang")
    mine = bot.send("jy_li", "我的申请")
    assert "申请人已停用或调离、由本单位接手的申请：" in mine
    assert (f"· 第{returned}号 开设「抚松教育」（微博） — 已退回（申请人张伟已停用），回复「修改 {returned}」接手修改后重新提交，"
            f"「撤回 {returned}」撤回") in mine
    assert f"· 第{pending}号 开设「抚松教育」（快手） — 待单位审核（申请人张伟已停用），审批照常进行" in mine
    assert "由本单位接手" not in bot.send("wj_liu", "我的申请")  # another unit
