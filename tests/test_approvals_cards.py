"""Approval cards after someone else (or the card's holder by text) decided the request: greyed, and a tap on a
stale one is answered with what became of the request, in Chinese."""
from __future__ import annotations

from datetime import timedelta

from bot import clock
from tests.approvals_helpers import card_for, click, request, submit_open


def greyed(bot, userid: str, task_id: str) -> list[str]:
    bot.deliver()
    return [u["button"]["replace_name"] for u in bot.fake.state.card_updates if u["task_id"] == task_id]


def tap(bot, userid: str, task_id: str, key: str = "approve"):
    """A tap on a card WeCom still shows with buttons (its update got lost): the bot's passive answer greys it."""
    clock.advance(timedelta(seconds=5))
    reply = bot.click(userid, task_id, key)
    return reply, bot.texts(userid)[-1]


def test_a_card_tapped_by_another_approver_greys_the_others_and_a_stale_tap_says_who_and_where_it_is(bot):
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    review = card_for(bot, "zsj_review", number)["task_id"]
    click(bot, "zsj_admin", number, "approve")
    assert greyed(bot, "zsj_review", review) == ["马管理已同意"]
    reply, said = tap(bot, "zsj_review", review)
    assert reply.button_label == "马管理已同意"
    assert said == (f"这张卡片已经处理过了。第{number}号申请的「主管单位意见」环节已由马管理同意，"
                    "现在在「市级审批意见」环节，无需您重复操作。")
    assert [d[0] for d in request(bot, number)["decisions"]] == ["unit", "bureau"]


def test_a_stale_tap_after_a_send_back_says_who_sent_it_back(bot):
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    review = card_for(bot, "zsj_review", number)["task_id"]
    bot.send("zsj_admin", f"退回 {number} 请补充账号ID")  # by text
    assert greyed(bot, "zsj_review", review) == ["马管理已退回修改"]
    _reply, said = tap(bot, "zsj_review", review, "reject")
    assert said == (f"这张卡片已经处理过了。第{number}号申请已经处理完毕（已退回：「主管单位意见」环节由马管理退回修改），"
                    "无需重复操作。")


def test_the_holder_deciding_by_text_greys_his_own_card(bot):
    number = submit_open(bot)
    head = card_for(bot, "jy_wang", number)["task_id"]
    bot.send("jy_wang", f"同意 {number}")
    assert greyed(bot, "jy_wang", head) == ["王局长已同意"]
    _reply, said = tap(bot, "jy_wang", head)
    assert said.startswith(f"这张卡片已经处理过了。第{number}号申请的「开设单位意见」环节您已于") and "同意" in said


def test_the_reason_asked_after_a_tap_is_not_wanted_once_another_approver_decided(bot):
    """杨审核 tapped 驳回 and was asked the reason; 马管理 agreed meanwhile. What 杨审核 sends next is not taken for a
    reason, nor refused as 「一条命令，不是原因……还没有作出处理」: he is told who decided, and the question ends."""
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    review = card_for(bot, "zsj_review", number)["task_id"]
    click(bot, "zsj_review", number, "reject")
    click(bot, "zsj_admin", number, "approve")
    assert greyed(bot, "zsj_review", review) == ["马管理已同意"]
    said = bot.send("zsj_review", "待办")
    assert said == (f"第{number}号申请的「主管单位意见」环节已由马管理同意，现在在「市级审批意见」环节，无需您重复操作。"
                    "不再需要输入原因；「待办」没有执行，请再发一次。"), said
    assert bot.send("zsj_review", "待办").startswith("目前没有等待您审批的申请")
    click(bot, "zsj_review", number, "return")  # (a stale tap: nothing asked)
    assert bot.send("zsj_review", "好") != "请至少写2个字，让申请人知道原因。"


def test_a_reason_typed_after_the_request_was_decided_is_not_sent(bot):
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    click(bot, "zsj_review", number, "return")
    bot.send("zsj_admin", f"同意 {number}")
    said = bot.send("zsj_review", "材料不全")
    assert said == (f"第{number}号申请的「主管单位意见」环节已由马管理同意，现在在「市级审批意见」环节，无需您重复操作。"
                    "不再需要输入原因；「材料不全」没有发给申请人。"), said
    assert not any("材料不全" in t for t in bot.texts("jy_zhang"))


def test_an_old_card_after_a_resubmission_points_to_the_new_one(bot):
    number = submit_open(bot)
    old = card_for(bot, "jy_wang", number)["task_id"]
    click(bot, "jy_wang", number, "return")
    bot.send("jy_wang", "名称要体现教育局")
    bot.say("jy_zhang", f"修改 {number}", "确认")
    new = card_for(bot, "jy_wang", number)["task_id"]
    assert new != old
    reply, said = tap(bot, "jy_wang", old)
    assert reply.button_label == "王局长已退回修改"
    assert said == (f"这张卡片已失效（王局长已退回修改）。第{number}号申请现在又在等待您审批，请在新收到的审批卡片上处理，"
                    f"或回复「同意 {number}」「驳回 {number} 原因」「退回 {number} 原因」。")
    assert request(bot, number)["status"] == "待单位审核" and request(bot, number)["round"] == 2
    clock.advance(timedelta(seconds=5))
    assert bot.click("jy_wang", new, "approve").button_label == "王局长已同意"
    assert request(bot, number)["status"] == "待主管单位审核"


def test_an_old_card_after_taking_back_an_agreement_points_to_the_new_one(bot):
    number = submit_open(bot)
    old = card_for(bot, "jy_wang", number)["task_id"]
    click(bot, "jy_wang", number, "approve")
    bot.say("jy_wang", f"收回 {number}", "确认")
    assert request(bot, number)["status"] == "待单位审核"
    _reply, said = tap(bot, "jy_wang", old)
    assert said.startswith(f"这张卡片已失效（王局长已同意）。第{number}号申请现在又在等待您审批"), said
    assert request(bot, number)["status"] == "待单位审核"


def test_the_text_with_a_card_names_the_request_so_it_stands_alone(bot):
    """One message with each card, that says which request waits at which step — for a reader who cannot see the
    card (WeChat) and in the chat history — not a list of commands about a number it does not explain."""
    number = submit_open(bot)
    [said] = [t for t in bot.texts("jy_wang") if f"「查看 {number}」" in t]
    assert said == (f"第{number}号开设申请（抚松教育，微博，抚松县教育局）在「开设单位意见」环节待您审批。"
                    f"卡片按钮无法使用时，也可以回复「同意 {number}」（可加意见）、「驳回 {number} 原因」或"
                    f"「退回 {number} 需要修改的地方」；回复「查看 {number}」看完整审批表。"), said


def test_a_card_too_old_to_grey_is_replaced_by_one_text_to_its_approver(bot):
    """WeCom takes a card's ResponseCode once and for 72 hours: a card that waited over a weekend cannot be
    greyed when another approver of its step decides. Its approver, who would hear of the decision from nothing
    else, gets one text instead (the decider none); a tap on the card still with buttons changes nothing."""
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    review = card_for(bot, "zsj_review", number)["task_id"]
    before = len(bot.texts("zsj_review"))
    bot.fake.state.offset += 73 * 3600
    clock.advance(timedelta(hours=73))
    click(bot, "zsj_admin", number, "approve")
    assert greyed(bot, "zsj_review", review) == []
    told = (f"第{number}号开设申请（抚松教育，微博，抚松县教育局）的「主管单位意见」环节已由马管理同意，无需您审批。"
            "这件申请的审批卡片已失效，卡片上如果仍显示按钮，也不用再点。")
    assert bot.texts("zsj_review")[before:] == [told]
    assert not any("卡片已失效" in t for t in bot.texts("zsj_admin"))
    bot.deliver()  # a second delivery run (the sweeper) sends nothing more
    assert bot.texts("zsj_review")[before:] == [told]
    reply, said = tap(bot, "zsj_review", review, "reject")
    assert reply.button_label == "马管理已同意"
    assert said.startswith(f"这张卡片已经处理过了。第{number}号申请的「主管单位意见」环节已由马管理同意")
    assert [d[0] for d in request(bot, number)["decisions"]] == ["unit", "bureau"]


def test_a_card_greyed_in_time_comes_with_no_text(bot):
    """Within the 72 hours the grey is the news: no text besides it for one decision."""
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    review = card_for(bot, "zsj_review", number)["task_id"]
    before = len(bot.texts("zsj_review"))
    bot.send("zsj_admin", f"退回 {number} 请补充账号ID")
    assert greyed(bot, "zsj_review", review) == ["马管理已退回修改"]
    assert bot.texts("zsj_review")[before:] == []
