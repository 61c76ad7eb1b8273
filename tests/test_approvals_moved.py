"""An applicant moved out of the request's unit (org sync against the fake WeCom contacts API; here to the
neighbouring county's 靖宇县教育局) is treated as one who left (停用) as far as that request goes: he no longer
sees, withdraws, edits, exports or urges it, nor hears its news; the unit hears the decisions in his place and
may take it over; his requests of his new unit work as anyone's."""
from __future__ import annotations

from sqlalchemy import select

from models.approval import ApprovalRequest
from models.audit import AuditLog
from tests.approvals_helpers import (account, approve_all, audit_actions, card_for, latest_request_id, request,
                                     submit_open, submit_open_for)
from tests.org_sync_support import move_member

OPEN_KUAISHOU = ["开设", "快手", "抚松教育", "发布教育政策和通知", "https://www.kuaishou.com/profile/fsjy", "fsjy2024", "1",
                 "13912345678", "无", "及时发布教育政策，服务群众", "是"]
JINGYU_OPEN = ["开设", "抖音", "靖宇教育", "短视频发布教育政策", "https://www.douyin.com/user/jyjy", "jyjy2024", "1",
               "13912345678", "无", "及时发布教育政策，服务群众", "是"]


def move_zhang(wecom, sync) -> None:
    """WeCom moves 张伟 from 抚松县教育局 (department 3) to 靖宇县教育局 (11), and `org sync` follows."""
    move_member(wecom, "jy_zhang", 11)
    result = sync()
    assert result.exit_code == 0, result.output
    assert "  张伟 jy_zhang：所在单位 抚松县教育局 → 靖宇县教育局" in result.output, result.output


def returned_request(bot) -> int:
    number = submit_open(bot)
    assert "已退回修改" in bot.send("jy_wang", f"退回 {number} 请补充开设理由")
    return number


def test_a_moved_applicant_no_longer_sees_withdraws_edits_exports_or_urges_it(bot, wecom, sync):
    pending = submit_open(bot)
    returned = submit_open(bot, answers=OPEN_KUAISHOU)
    assert "已退回修改" in bot.send("jy_wang", f"退回 {returned} 请补充开设理由")
    move_zhang(wecom, sync)
    mine = bot.send("jy_zhang", "我的申请")
    assert f"第{pending}号" not in mine and f"第{returned}号" not in mine, mine
    for command in ("查看", "导出", "撤回", "修改"):
        for number in (pending, returned):
            reply = bot.send("jy_zhang", f"{command} {number}")
            assert reply.startswith(f"没有找到您可以查看的第{number}号申请"), (command, reply)
    assert bot.send("jy_zhang", f"催办 {pending}").startswith(f"没有找到您提交的第{pending}号申请")
    assert "没有可以撤回的申请" in bot.send("jy_zhang", "撤回")
    assert (request(bot, pending)["status"], request(bot, returned)["status"]) == ("待单位审核", "已退回")
    assert not any(t == "[file]" for t in bot.texts("jy_zhang"))  # no 审批表 went to him


def test_the_unit_hears_the_decisions_in_a_moved_applicants_place(bot, wecom, sync):
    number = submit_open(bot)
    move_zhang(wecom, sync)
    before = len(bot.texts("jy_zhang"))
    assert bot.send("jy_wang", f"同意 {number}").startswith(f"已同意第{number}号申请")
    assert "张伟（已调离）" in str(card_for(bot, "zsj_review", number))  # the approver's card says so
    assert bot.send("zsj_review", f"退回 {number} 请补充账号ID") == \
        f"已退回修改第{number}号申请，已通知申请单位（申请人已调离）。"
    news = f"张伟提交的第{number}号开设申请（抚松教育）：主管单位意见由杨审核退回修改，意见：请补充账号ID。"
    assert [t for t in bot.texts("jy_li") if t.startswith("【申请人已调离】")][-1] == \
        f"【申请人已调离】{news}\n请回复「修改 {number}」按意见修改后重新提交，或回复「撤回 {number}」。"
    assert any(news in t for t in bot.texts("jy_wang"))
    assert len(bot.texts("jy_zhang")) == before  # nothing of the old unit's request reaches him


def test_a_colleague_takes_over_a_moved_applicants_returned_request_and_it_is_approved(bot, wecom, sync):
    number = returned_request(bot)
    move_zhang(wecom, sync)
    mine = bot.send("jy_li", "我的申请")
    assert "申请人已停用或调离、由本单位接手的申请：" in mine
    assert (f"· 第{number}号 开设「抚松教育」（微博） — 已退回（申请人张伟已调离），回复「修改 {number}」接手修改后重新提交，"
            f"「撤回 {number}」撤回") in mine
    listed = bot.send("zsj_admin", "申请列表")
    assert f"第{number}号 抚松县教育局 开设「抚松教育」（微博） — 已退回，申请人张伟已调离，由单位接手" in listed, listed
    assert "申请人：张伟（已调离）" in bot.send("zsj_admin", f"查看 {number}")

    assert "退回意见：请补充开设理由" in bot.send("jy_li", f"修改 {number}")
    assert "已提交第" in bot.say("jy_li", "修改", "开设理由", "全县学生家长需要一个及时的教育政策发布渠道", "确认")[-1]
    with bot.db() as s:
        assert s.get(ApprovalRequest, number).applicant.userid == "jy_li"
        row = s.scalars(select(AuditLog).where(AuditLog.action == "approval.takeover")).one()
        assert row.after == {"applicant": "jy_li", "why": "申请人已调离"}
    assert audit_actions(bot, number)[-2:] == ["approval.takeover", "approval.submit"]
    assert any(t.startswith(f"【接手申请】李娜接手了张伟（已调离）提交的第{number}号申请") for t in bot.texts("jy_wang"))
    before = len(bot.texts("jy_zhang"))
    approve_all(bot, number)
    assert request(bot, number)["status"] == "已通过"
    assert any(f"您的第{number}号开设申请（抚松教育）" in t and "审批已全部通过" in t for t in bot.texts("jy_li"))
    assert "[file]" in bot.texts("jy_li")  # the 审批表 goes to the new applicant
    assert len(bot.texts("jy_zhang")) == before


def test_a_colleague_withdraws_a_moved_applicants_pending_request(bot, wecom, sync):
    number = submit_open(bot)
    move_zhang(wecom, sync)
    assert bot.send("jy_li", f"撤回 {number}") == f"已撤回第{number}号申请（申请人张伟已调离），已通知王局长。"
    assert [t for t in bot.texts("jy_wang") if t.startswith("【申请撤回】")] == [
        f"【申请撤回】张伟（已调离）提交的第{number}号申请：开设「抚松教育」（微博），已由抚松县教育局的李娜撤回。"]
    assert request(bot, number)["status"] == "已撤回"


def test_the_approved_request_of_a_moved_applicant_sends_him_neither_news_nor_form(bot, wecom, sync):
    number = submit_open(bot)
    move_zhang(wecom, sync)
    before = len(bot.texts("jy_zhang"))
    approve_all(bot, number)
    assert request(bot, number)["status"] == "已通过"
    assert len(bot.texts("jy_zhang")) == before
    assert any(f"【申请人已调离】张伟提交的第{number}号开设申请（抚松教育）" in t and "审批已全部通过" in t
               for t in bot.texts("jy_li"))
    assert "[file]" in bot.texts("zsj_admin")  # the bureau still files the form


def test_a_moved_applicants_requests_of_his_new_unit_work_as_before(bot, wecom, sync):
    old = submit_open(bot)
    move_zhang(wecom, sync)
    new = submit_open(bot, "jy_zhang", JINGYU_OPEN)
    with bot.db() as s:
        assert s.get(ApprovalRequest, new).unit.name == "靖宇县教育局"
    mine = bot.send("jy_zhang", "我的申请")
    assert f"第{new}号 开设「靖宇教育」（抖音） — 待单位审核" in mine and f"第{old}号" not in mine, mine
    assert "申请人：张伟（靖宇县教育局）" in bot.send("jy_zhang", f"查看 {new}")
    assert bot.send("jyx_head", f"退回 {new} 请补充") == f"已退回修改第{new}号申请，已通知申请人。"
    assert any(t.startswith(f"您的第{new}号开设申请（靖宇教育）：开设单位意见由邻县局长退回修改") for t in bot.texts("jy_zhang"))
    assert "请核对开设申请" in bot.send("jy_zhang", f"修改 {new}")
    assert "已提交第" in bot.send("jy_zhang", "确认")
    assert bot.send("jy_zhang", f"撤回 {new}") == f"已撤回第{new}号申请。"
    assert "由本单位接手" not in bot.send("jyx_staff", "我的申请")  # his new colleagues: nothing to take over


def test_a_bureau_user_who_filed_for_a_unit_still_answers_for_it(bot, wecom, sync):
    """Not of the unit, yet not 调离: the county bureau filed on the unit's behalf (【代为提交】)."""
    number = submit_open_for(bot, "zsj_admin", "抚松县教育局")
    assert f"第{number}号 开设「抚松教育」（微博）" in bot.send("zsj_admin", "我的申请")
    assert bot.send("jy_wang", f"退回 {number} 请补充") == f"已退回修改第{number}号申请，已通知申请人。"
    assert not any(t.startswith("【申请人已") for t in bot.texts("jy_li"))
    assert "由本单位接手" not in bot.send("jy_li", "我的申请")
    assert bot.send("jy_li", f"修改 {number}") == f"只有申请人马管理可以修改第{number}号申请。"


def test_an_account_is_not_given_to_a_responsible_person_who_moved_away(bot, wecom, sync):
    """李娜 named 张伟 the account's responsible person (第21条); he moved to the neighbouring county before the
    approval: the account is left without one and the unit asked to name its own, as for one who left."""
    number = submit_open(bot, "jy_li")
    move_zhang(wecom, sync)
    before = len(bot.texts("jy_zhang"))
    approve_all(bot, number)
    assert account(bot, request(bot, number)["account_id"])["responsible"] is None
    notice = (f"【账号负责人】第{number}号申请指定的账号负责人张伟已调离，「抚松教育（微博）」目前没有账号负责人。"
              "请按《办法》第21条回复「变更 抚松教育 微博」，选择「账号负责人」指定本单位专人。")
    assert notice in bot.texts("jy_li") and notice in bot.texts("jy_wang")
    assert len(bot.texts("jy_zhang")) == before


def test_a_moved_person_cannot_file_his_old_units_draft_and_a_colleague_can(bot):
    """The dormancy ladder drafted a 注销 under 张伟 (the account's responsible person); he moved away before the
    unit filed it: the draft is his old unit's alone."""
    from datetime import date

    from jobs import dormancy
    from models.oversight import DormancyCase
    from models.org import Person, Unit
    from tests.oversight_helpers import add_account, at
    add_account(bot, last_update_on=date(2026, 8, 3))
    at(date(2026, 11, 2))
    dormancy.dormancy_ladder("2026-11-02")
    with bot.db() as s:
        number = s.scalar(select(DormancyCase.approval_request_id))
        zhang = s.scalar(select(Person).where(Person.userid == "jy_zhang"))
        zhang.unit_id = s.scalar(select(Unit.id).where(Unit.name == "靖宇县教育局"))
    assert request(bot, number)["status"] == "草稿"
    for command in ("查看", "修改", "撤回"):
        reply = bot.send("jy_zhang", f"{command} {number}")
        assert reply.startswith(f"没有找到您可以查看的第{number}号申请"), (command, reply)
    assert f"第{number}号" not in bot.send("jy_zhang", "我的申请")
    assert "请核对注销申请" in bot.send("jy_li", f"修改 {number}")
    assert f"已提交第{number}号注销申请" in bot.send("jy_li", "确认")
    with bot.db() as s:
        assert s.get(ApprovalRequest, number).applicant.userid == "jy_li"
    assert latest_request_id(bot) == number
