"""收回: an approver takes back his own 同意 (one tap on the card decides) while the next step has not decided."""
from __future__ import annotations

from tests.approvals_helpers import audit_actions, card_for, click, request, submit_open


def test_an_agreement_tapped_by_mistake_is_taken_back_before_the_next_step_decides(bot):
    number = submit_open(bot)
    click(bot, "jy_wang", number, "approve")
    assert any(f"可回复「收回 {number}」" in t for t in bot.texts("jy_wang"))  # said where the mistake is made
    bureau_card = card_for(bot, "zsj_review", number)["task_id"]
    shown = bot.send("jy_wang", "收回")  # the only one that fits
    assert shown.startswith(f"第{number}号 开设申请") and shown.endswith(
        f"确认收回您在「开设单位意见」环节对第{number}号申请的同意吗？收回后申请回到「开设单位意见」环节，"
        "由您重新审批。回复「确认」收回，回复「取消」不收回。"), shown
    assert request(bot, number)["status"] == "待主管单位审核"  # nothing yet
    reply = bot.send("jy_wang", "确认")
    assert reply.startswith(f"已收回您对第{number}号申请的同意，申请回到「开设单位意见」环节。审批卡片已重新发给您"), reply
    assert request(bot, number) | {"account_id": None} == {
        "status": "待单位审核", "step": "unit", "round": 1, "account_id": None, "decisions": []}
    bot.deliver()
    assert [u["button"]["replace_name"] for u in bot.fake.state.card_updates
            if u["task_id"] == bureau_card] == ["王局长已收回同意"]
    assert any("王局长收回了在「开设单位意见」环节的同意，暂不需要您审批" in t for t in bot.texts("zsj_review"))
    assert any(f"您的第{number}号开设申请（抚松教育）：王局长收回了「开设单位意见」环节的同意，将重新审批。" in t
               for t in bot.texts("jy_zhang"))
    assert card_for(bot, "jy_wang", number)["task_id"] != bot.cards("jy_wang")[0]["task_id"]  # a fresh card
    assert bot.send("zsj_review", f"同意 {number}").startswith(f"第{number}号申请当前")  # not at the bureau now
    click(bot, "jy_wang", number, "return")  # decided again, on the fresh card
    bot.send("jy_wang", "名称要改")
    assert request(bot, number)["status"] == "已退回"
    assert audit_actions(bot, number) == ["approval.submit", "approval.approve", "approval.retract", "approval.return"]


def test_no_taking_back_once_the_next_step_decided_or_without_having_agreed(bot):
    number = submit_open(bot)
    assert bot.send("jy_wang", "收回") == "您没有可以收回的同意：只有您同意后、下一环节还没有审批的申请可以收回。"
    assert bot.send("jy_wang", f"收回 {number}") == f"您没有同意过第{number}号申请，无需收回。"
    bot.send("jy_wang", f"同意 {number}")
    assert bot.send("zsj_review", f"收回 {number}") == f"您没有同意过第{number}号申请，无需收回。"
    bot.send("jy_wang", f"收回 {number}")
    assert bot.send("jy_wang", "取消").startswith("已取消「收回同意」")
    assert request(bot, number)["status"] == "待主管单位审核"
    bot.send("zsj_review", f"同意 {number}")
    assert bot.send("jy_wang", f"收回 {number}").startswith(
        f"第{number}号申请当前是「待市级审批」，下一环节已经审批，不能再收回您的同意。")
    assert bot.send("zsj_review", f"收回 {number}").endswith("回复「确认」收回，回复「取消」不收回。")  # 确认 first
    assert bot.send("zsj_review", "确认").startswith(f"已收回您对第{number}号申请的同意，申请回到「主管单位意见」环节")
    assert request(bot, number)["decisions"] == [("unit", "jy_wang", "同意", None)]  # the unit's opinion stands
    assert bot.send("jy_zhang", "收回").startswith("「收回」仅限")  # an applicant withdraws (撤回) instead


def test_the_next_step_deciding_while_he_confirms_leaves_nothing_taken_back(bot):
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    bot.send("jy_wang", f"收回 {number}")
    bot.send("zsj_review", f"同意 {number}")
    reply = bot.send("jy_wang", "确认")
    assert reply.startswith(f"第{number}号申请当前是「待市级审批」，下一环节已经审批"), reply
    assert request(bot, number)["status"] == "待市级审批"


def test_the_units_opinion_given_by_filing_is_not_taken_back(bot):
    number = submit_open(bot, "jy_wang")  # the unit's only head files: filing is the unit's opinion
    assert request(bot, number)["status"] == "待主管单位审核"
    assert bot.send("jy_wang", "收回").startswith("您没有可以收回的同意")
    assert bot.send("jy_wang", f"收回 {number}") == (
        f"第{number}号申请是您作为单位负责人提交的，提交即为开设单位意见，不能收回；如需收回，请撤回申请（「撤回 {number}」）。")


def test_an_approver_who_says_撤回_is_shown_收回(bot):
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    assert bot.send("jy_wang", f"撤回 {number}") == f"只有申请人张伟可以撤回第{number}号申请。您要收回自己的同意，请回复「收回 {number}」。"
    assert bot.send("jy_wang", "撤回").endswith("审批人要收回自己的同意，请回复「收回 编号」。")
    assert "收回" not in bot.send("jy_li", f"撤回 {number}")  # a clerk who agreed nothing


def test_the_record_keeps_an_agreement_taken_back(bot):
    """The decision row goes (so the step can be decided again) but 查看 still shows the 同意 and when it was
    taken back: the applicant and the approvers were told of both, the record must not look as if it never was."""
    from datetime import datetime

    from bot import clock
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number} 同意开设")
    clock.set_now(datetime(2026, 12, 7, 10, 20))
    bot.say("jy_wang", f"收回 {number}", "确认")
    clock.set_now(datetime(2026, 12, 7, 11, 0))
    bot.send("jy_wang", f"退回 {number} 名称要改")
    shown = bot.send("jy_zhang", f"查看 {number}")
    assert shown.endswith("审批记录：\n"
                          "· 开设单位意见 王局长 同意：同意开设（12-07 10:00，已于12-07 10:20收回）\n"
                          "· 开设单位意见 王局长 退回修改：名称要改（12-07 11:00）"), shown
    assert request(bot, number)["decisions"] == [("unit", "jy_wang", "退回修改", "名称要改")]  # the form's opinion


def test_the_next_step_typing_a_reason_when_the_agreement_is_taken_back_hears_it_is_not_his_step_yet(bot):
    """The bureau reviewer tapped 驳回 and is typing his reason when the unit head takes his 同意 back: he is told
    the request is not at his step yet — not that he has no right to decide it."""
    number = submit_open(bot)
    click(bot, "jy_wang", number, "approve")
    click(bot, "zsj_review", number, "reject")
    bot.say("jy_wang", f"收回 {number}", "确认")
    reply = bot.send("zsj_review", "材料不全")
    assert reply.startswith(f"第{number}号申请当前在「开设单位意见」环节，还没有到您审批的「主管单位意见」环节，"
                            "现在不需要您处理；到您的环节时，助手会把审批卡片发给您。"), reply
    assert "审批权限" not in reply and "「材料不全」没有发给申请人" in reply
    assert "还没有到您审批的「主管单位意见」环节" in bot.send("zsj_review", f"同意 {number}")
    assert "还没有到您审批的「市级审批意见」环节" in bot.send("city_zhao", f"同意 {number}")


def test_the_other_approvers_of_the_step_are_told_why_the_request_comes_to_them_again(bot):
    """马管理 agreed for the bureau, then took it back: 杨审核, who saw his card greyed with 「马管理已同意」, gets a
    fresh card — and the text with it says why; 马管理 himself, who asked for it, is not told his own news."""
    number = submit_open(bot)
    click(bot, "jy_wang", number, "approve")
    click(bot, "zsj_admin", number, "approve")
    before = {u: len(bot.texts(u)) for u in ("zsj_review", "zsj_admin")}
    bot.say("zsj_admin", f"收回 {number}", "确认")
    news = [t for t in bot.texts("zsj_review")[before["zsj_review"]:] if f"回复「查看 {number}」" in t]
    assert len(news) == 1 and news[0].startswith(
        "马管理收回了在「主管单位意见」环节的同意，这件申请回到这一环节，需要重新审批。\n"), news
    own = [t for t in bot.texts("zsj_admin")[before["zsj_admin"]:] if f"回复「查看 {number}」" in t]
    assert len(own) == 1 and "收回了" not in own[0], own
