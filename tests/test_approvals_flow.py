"""Send-back and resubmission, rejection, withdrawal, double clicks and retried card events."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot import clock
from tests.approvals_helpers import OPEN_WEIBO, approve_all, audit_actions, card_for, click, request, submit_open


def test_send_back_by_card_then_correct_and_resubmit(bot):
    number = submit_open(bot)
    click(bot, "jy_wang", number, "return")
    assert any("需要申请人修改的地方" in t for t in bot.texts("jy_wang"))
    assert "已退回修改" in bot.send("jy_wang", "账号功能写得太笼统")
    state = request(bot, number)
    assert state["status"] == "已退回" and state["decisions"][0][2:] == ("退回修改", "账号功能写得太笼统")
    assert any(f"修改 {number}" in t for t in bot.texts("jy_zhang"))

    reply = bot.send("jy_zhang", f"修改 {number}")
    assert "退回意见：账号功能写得太笼统" in reply and "请核对开设申请" in reply
    bot.say("jy_zhang", "修改", "账号功能")
    form = bot.send("jy_zhang", "发布全县中小学招生、资助政策和教育通知")
    assert "账号功能：发布全县中小学招生、资助政策和教育通知" in form
    assert "已提交第" in bot.send("jy_zhang", "确认")
    state = request(bot, number)
    assert state["status"] == "待单位审核" and state["round"] == 2

    assert "已同意" in bot.send("jy_wang", f"同意 {number}")
    assert request(bot, number)["status"] == "待主管单位审核"
    history = bot.send("jy_zhang", f"查看 {number}").split("审批记录：\n")[1].split("\n")
    assert history[0] == "第1次提交：" and history[1].startswith("· 开设单位意见 王局长 退回修改：账号功能写得太笼统")
    assert history[2] == "第2次提交：" and history[3].startswith("· 开设单位意见 王局长 同意（")


def test_reject_by_text_needs_a_reason(bot):
    number = submit_open(bot)
    assert "需要写明原因" in bot.send("jy_wang", f"驳回 {number}")
    assert "「不」太短，请至少写2个字说明原因" in bot.send("jy_wang", f"驳回 {number} 不")
    assert "「改」太短，请至少写2个字说明需要修改的地方" in bot.send("jy_wang", f"退回 {number} 改")
    assert request(bot, number)["status"] == "待单位审核"
    shown = bot.send("jy_wang", f"驳回 {number} 本单位已有同类账号")  # final: shown and confirmed first
    assert shown.endswith(f"确认驳回第{number}号申请（原因：本单位已有同类账号）吗？驳回后申请即办结，单位需要重新申请；"
                          "只需修改的请用「退回」。回复「确认」驳回，回复「取消」不作处理。"), shown
    assert request(bot, number)["status"] == "待单位审核"
    assert "已驳回" in bot.send("jy_wang", "确认")
    assert request(bot, number)["status"] == "已驳回"
    assert any("本单位已有同类账号" in t for t in bot.texts("jy_zhang"))
    assert "已经处理完毕" in bot.send("jy_wang", f"同意 {number}")


def test_reject_by_card_asks_for_the_reason(bot):
    number = submit_open(bot)
    click(bot, "jy_wang", number, "reject")
    assert "至少写2个字" in bot.send("jy_wang", "不")
    bot.send("jy_wang", "名称不规范")
    assert request(bot, number)["status"] == "已驳回"
    task_id = card_for(bot, "jy_wang", number)["task_id"]
    assert [u["button"]["replace_name"] for u in bot.fake.state.card_updates if u["task_id"] == task_id] \
        == ["王局长已驳回"]


def test_cancelling_the_reason_says_nothing_was_decided_and_the_card_still_works(bot):
    """取消 at the reason after tapping 退回修改 / 驳回 said only 「已取消「审批意见」」: it says the request was not
    decided, still waits, and how to decide it; the card's buttons then still work."""
    number = submit_open(bot)
    click(bot, "jy_wang", number, "return")
    assert bot.send("jy_wang", "取消") == (
        f"已取消「审批意见」：第{number}号申请没有作出任何处理，仍在等待您审批。审批卡片上的按钮仍然可以使用，"
        f"也可以回复「同意 {number}」「驳回 {number} 原因」或「退回 {number} 说明」。")
    assert request(bot, number)["status"] == "待单位审核"
    clock.set_now(clock.now() + timedelta(minutes=1))
    click(bot, "jy_wang", number, "approve")
    assert request(bot, number)["status"] == "待主管单位审核"

    click(bot, "zsj_review", number, "reject")
    assert "已同意" in bot.send("zsj_admin", f"同意 {number} 同意开设")  # the other reviewer decides meanwhile
    cancelled = bot.send("zsj_review", "取消")
    assert cancelled.startswith(f"已取消「审批意见」：您没有对第{number}号申请作出处理。第{number}号申请的「主管单位意见」"
                                "环节已由马管理同意"), cancelled
    assert "仍在等待" not in cancelled


def test_withdrawn_request_cannot_be_approved(bot):
    number = submit_open(bot)
    assert "已撤回" in bot.send("jy_zhang", f"撤回 {number}")
    assert request(bot, number)["status"] == "已撤回"
    late = click(bot, "jy_wang", number, "approve")
    assert late.button_label  # the card was already closed
    assert "已由申请人撤回" in bot.send("jy_wang", f"同意 {number}")
    assert request(bot, number)["decisions"] == []
    assert "不能撤回" in bot.send("jy_zhang", f"撤回 {number}")


def test_double_click_and_retried_event_make_one_decision(bot):
    number = submit_open(bot)
    task_id = card_for(bot, "jy_wang", number)["task_id"]
    code = bot.fake.issue_response_code(task_id)
    first = bot.side.click_card("jy_wang", task_id, "approve", code)
    retry = bot.side.click_card("jy_wang", task_id, "approve", code)  # same CreateTime: WeCom's retry
    assert first.button_label == retry.button_label == "王局长已同意"
    clock.advance(timedelta(seconds=3))
    double = bot.click("jy_wang", task_id, "approve")  # a second click, later
    assert double.button_label == "王局长已同意"
    assert any("已经处理过了" in t for t in bot.texts("jy_wang"))
    assert len(request(bot, number)["decisions"]) == 1
    assert audit_actions(bot, number) == ["approval.submit", "approval.approve"]


def test_my_requests_and_view(bot):
    number = submit_open(bot)
    assert f"第{number}号" in bot.send("jy_zhang", "我的申请")
    view = bot.send("jy_zhang", f"查看 {number}")
    assert "账号名称：抚松教育" in view and "待单位审核" in view
    assert "没有找到您可以查看" in bot.send("wj_liu", f"查看 {number}")
    assert "账号名称：抚松教育" in bot.send("zsj_admin", f"查看 {number}")
    # the head asking 我的申请 (he filed nothing) is pointed at what waits for his decision
    assert bot.send("jy_wang", "我的申请").endswith("\n另有1件申请等待您审批，回复「待办」查看。")
    assert "等待您审批" not in bot.send("jy_zhang", "我的申请")
    assert "没有找到您可以查看" in bot.send("jy_admin", f"查看 {number}")


def test_todo_lists_oldest_first(bot):
    first = submit_open(bot)
    clock.advance(timedelta(minutes=5))
    answers = ["开设", "抖音", "抚松教育", "短视频发布教育政策", "https://www.douyin.com/user/fsjy", "fsjy_2024", "2",
               "13912345678", "无", "短视频宣传教育政策", "是"]
    second = submit_open(bot, "jy_li", answers)
    todo = bot.send("jy_wang", "待办")
    assert todo.index(f"第{first}号") < todo.index(f"第{second}号")
    assert "没有等待您审批" in bot.send("zsj_review", "待办")


def test_a_second_holder_after_the_first_decision_is_told_who_decided(bot):
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    assert "已同意" in bot.send("zsj_admin", f"同意 {number}")
    reply = bot.send("zsj_review", f"同意 {number}")
    assert "已由马管理同意" in reply and "无需您重复操作" in reply
    assert len(request(bot, number)["decisions"]) == 2


def test_city_step_as_filing_copy(bot):
    import dataclasses

    from bot import config
    config.use(dataclasses.replace(config.get(), city_step_is_approval=False))
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    assert "审批完成" in bot.send("zsj_review", f"同意 {number}")
    assert request(bot, number)["status"] == "已通过"
    assert not bot.cards("city_zhao")
    assert any(t.startswith("备案：") and f"第{number}号" in t for t in bot.texts("city_zhao"))
    # the Word form's city row says it was filed with the city, when; the city's seal and date stay blank
    from io import BytesIO

    from docx import Document

    from handlers.approvals_after import render
    from models.approval import ApprovalRequest
    with bot.db() as s:
        table = Document(BytesIO(render(s.get(ApprovalRequest, number)))).tables[0]
    today = clock.today()
    assert table.cell(10, 1).text == (f"经主管单位审批通过，已于{today.year}年{today.month}月{today.day}日报市级政务新媒体"
                                      "工作主管单位备案（《办法》第10条）。\n单位（盖公章）\n年　　月　　日")


def test_two_holders_clicking_at_once_make_one_decision(bot):
    import threading
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    tasks = {u: card_for(bot, u, number)["task_id"] for u in ("zsj_admin", "zsj_review")}
    codes = {u: bot.fake.issue_response_code(t) for u, t in tasks.items()}
    barrier = threading.Barrier(2)
    replies = {}

    def press(userid):
        barrier.wait()
        replies[userid] = bot.side.click_card(userid, tasks[userid], "approve", codes[userid])

    threads = [threading.Thread(target=press, args=(u,)) for u in tasks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status == 200 for r in replies.values())
    state = request(bot, number)
    assert state["status"] == "待市级审批" and [d[0] for d in state["decisions"]] == ["unit", "bureau"]
    assert audit_actions(bot, number) == ["approval.submit", "approval.approve", "approval.approve"]


def test_view_shows_the_registry_countdown(bot):
    from tests.approvals_helpers import approve_all
    number = submit_open(bot)
    approve_all(bot, number)
    assert "全国系统报送：待报送" in bot.send("jy_zhang", f"查看 {number}")
    bot.say("jy_zhang", f"已报送 {number}", "完成")
    assert "全国系统报送：已报送" in bot.send("zsj_admin", f"查看 {number}")


def test_card_reason_dialogue_says_which_dialogue_was_left(bot):
    number = submit_open(bot)
    bot.send("jy_wang", "开设")
    click(bot, "jy_wang", number, "return")
    texts = bot.texts("jy_wang")
    assert any("已放弃未完成的「开设申请」" in t for t in texts)  # nothing typed in it: nothing to keep
    bot.send("jy_wang", "请补充账号功能")
    assert request(bot, number)["status"] == "已退回"


def test_a_card_or_menu_item_begun_mid_form_keeps_the_form_as_a_draft(bot):
    """Tapping 「退回修改」 on a card (or a menu item) in the middle of a 开设 form dropped every answer typed
    (「已放弃未完成的「开设申请」」): one tap lost the form."""
    number = submit_open(bot)
    bot.say("jy_wang", "开设", "抖音", "抚松教育抖音")
    click(bot, "jy_wang", number, "return")
    assert any("未完成的「开设申请」已保存为草稿，办完这件事后回复「继续」可接着填写" in t for t in bot.texts("jy_wang"))
    bot.send("jy_wang", "请补充账号功能")
    assert request(bot, number)["status"] == "已退回"
    assert "请简要说明账号功能" in bot.send("jy_wang", "继续")  # the name was kept: the next question
    menu = bot.side.click_menu("jy_wang", "待办")
    assert "未完成的「开设申请」已保存为草稿" in menu.text, menu.text
    assert "请简要说明账号功能" in bot.send("jy_wang", "继续")


def test_export_without_a_number_explains_both_exports(bot):
    reply = bot.send("jy_zhang", "导出")
    assert "导出 12" in reply and "导出台账" in reply


def test_the_same_approver_deciding_twice_is_told_he_did_it(bot):
    from datetime import datetime
    clock.set_now(datetime(2026, 12, 7, 10, 5))
    number = submit_open(bot)
    assert "已同意" in bot.send("jy_wang", f"同意 {number}")
    again = bot.send("jy_wang", f"同意 {number}")
    assert "您已于12月07日 10:05同意" in again and "无需您重复操作" in again
    assert "已由王" not in again
    assert len(request(bot, number)["decisions"]) == 1


def test_a_command_typed_for_the_reason_is_not_sent_to_the_applicant(bot):
    """After tapping 退回修改 the head reads the form first (「查看 12」): he sees it and is asked again; other
    commands are refused as reasons; a reason that only starts with a command word (修改…) is a reason."""
    number = submit_open(bot)
    click(bot, "jy_wang", number, "return")
    shown = bot.send("jy_wang", f"查看 {number}")
    assert f"第{number}号 开设申请 · 待单位审核" in shown and "账号名称：抚松教育" in shown
    assert shown.endswith(f"请输入第{number}号申请的需要申请人修改的地方（必填），回复「取消」不作处理：")
    assert request(bot, number)["status"] == "待单位审核"
    refused = bot.send("jy_wang", f"同意 {number}")
    assert f"「同意 {number}」是一条命令，不是原因，第{number}号申请还没有作出处理" in refused
    assert request(bot, number)["status"] == "待单位审核" and request(bot, number)["decisions"] == []
    assert "已退回修改" in bot.send("jy_wang", "修改账号名称，体现教育局")
    assert request(bot, number)["decisions"][0][2:] == ("退回修改", "修改账号名称，体现教育局")


def test_a_later_send_back_tells_those_who_agreed_and_their_new_card_says_why_it_is_back(bot):
    """The city returns it: the head and the county reviewer, who agreed, hear it; when the clerk resubmits, the
    head's card and text say it is a corrected request, who sent it back and why."""
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    bot.send("zsj_review", f"同意 {number} 符合要求")
    bot.send("city_zhao", f"退回 {number} 请补充账号ID")
    for userid, step in (("jy_wang", "开设单位意见"), ("zsj_review", "主管单位意见")):
        news = [t for t in bot.texts(userid) if "请补充账号ID" in t]
        assert news == [f"第{number}号开设申请（抚松教育，抚松县教育局）您已在「{step}」环节同意，「市级审批意见」环节"
                        f"由赵审批退回修改：请补充账号ID。申请人按意见修改、重新提交后，会再请您审批。"], news
    assert sum("请补充账号ID" in t for t in bot.texts("jy_zhang")) == 1  # the applicant's own news, once

    bot.send("jy_zhang", f"修改 {number}")
    assert "已提交第" in bot.send("jy_zhang", "确认")
    card = card_for(bot, "jy_wang", number)
    assert card["main_title"]["desc"].endswith("· 退回修改后重新提交")
    assert any(t.startswith("这是退回修改后重新提交的申请（第2次提交）。上次在「市级审批意见」环节由赵审批退回修改："
                            "请补充账号ID。") for t in bot.texts("jy_wang"))


def test_rejection_and_approval_at_the_last_step_tell_those_who_agreed(bot):
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    bot.send("zsj_review", f"同意 {number}")
    bot.say("city_zhao", f"驳回 {number} 本单位已有同类账号", "确认")
    assert any(t.endswith("由赵审批驳回：本单位已有同类账号。申请已结束。") for t in bot.texts("zsj_review"))
    assert any(t.endswith("由赵审批驳回：本单位已有同类账号。申请已结束。") for t in bot.texts("jy_wang"))

    number = submit_open(bot)  # a second request, approved at every step
    approve_all(bot, number)
    assert any(t.startswith(f"第{number}号开设申请") and t.endswith("由赵审批同意。审批已全部通过。")
               for t in bot.texts("zsj_review"))
    assert not any("您已在" in t and f"第{number}号" in t for t in bot.texts("jy_zhang"))  # told as applicant


def test_withdrawal_tells_those_who_agreed_and_the_current_approver(bot):
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    assert bot.send("jy_zhang", f"撤回 {number}") == f"已撤回第{number}号申请。"
    assert f"第{number}号开设申请（抚松教育，抚松县教育局）您已在「开设单位意见」环节同意，张伟已撤回这件申请，" \
           "不再需要审批。" in bot.texts("jy_wang")
    assert any(t.startswith(f"第{number}号申请") and "已由申请人撤回，无需再审批" in t for t in bot.texts("zsj_review"))


def test_withdrawal_of_a_resubmitted_request_tells_who_agreed_before_it_was_sent_back(bot):
    """The city sent it back; 杨审核 was told 「重新提交后，会再请您审批」. Resubmitted, it waits at the unit again
    when the applicant withdraws it: 杨审核 hears it will not come (he was left waiting); 王局长, who agreed in both
    rounds, hears it once."""
    number = submit_open(bot)
    approve_all(bot, number, people=("jy_wang", "zsj_review"))
    bot.send("city_zhao", f"退回 {number} 名称要改")
    assert any("会再请您审批" in t for t in bot.texts("zsj_review"))
    bot.send("jy_zhang", f"修改 {number}")
    assert "已提交第" in bot.send("jy_zhang", "确认")
    bot.send("jy_wang", f"同意 {number}")  # round 2: the head again; now at the bureau
    bot.send("jy_zhang", f"撤回 {number}")
    withdrawn = [t for t in bot.texts("zsj_review") if "张伟已撤回这件申请" in t or "已由申请人撤回" in t]
    assert len(withdrawn) == 1, withdrawn  # as the current approver, once
    back = [t for t in bot.texts("city_zhao") if "撤回" in t]
    assert back == [], back  # he sent it back and agreed to nothing
    head = [t for t in bot.texts("jy_wang") if "张伟已撤回这件申请" in t]
    assert head == [f"第{number}号开设申请（抚松教育，抚松县教育局）您已在「开设单位意见」环节同意，张伟已撤回这件申请，"
                    "不再需要审批。"], head


def test_withdrawal_before_the_resubmission_reaches_an_earlier_approver_tells_him(bot):
    number = submit_open(bot)
    approve_all(bot, number, people=("jy_wang", "zsj_review"))
    bot.send("city_zhao", f"退回 {number} 名称要改")
    bot.send("jy_zhang", f"修改 {number}")
    assert "已提交第" in bot.send("jy_zhang", "确认")  # round 2, at the unit: not yet back with 杨审核
    bot.send("jy_zhang", f"撤回 {number}")
    told = [t for t in bot.texts("zsj_review") if "张伟已撤回这件申请" in t]
    assert told == [f"第{number}号开设申请（抚松教育，抚松县教育局）您已在「主管单位意见」环节同意，张伟已撤回这件申请，"
                    "不再需要审批。"], told


def test_approving_on_the_card_after_tapping_reject_ends_the_reason_question(bot):
    number = submit_open(bot)
    click(bot, "jy_wang", number, "reject")
    clock.set_now(clock.now() + timedelta(minutes=1))  # a second tap, a minute later
    click(bot, "jy_wang", number, "approve")
    assert request(bot, number)["status"] == "待主管单位审核"
    assert bot.texts("jy_wang")[-1].endswith(f"已转「主管单位意见」环节。"
                                             f"（点错了？「主管单位意见」审批之前可回复「收回 {number}」。）\n\n（不再需要输入第{number}号申请的原因）")
    assert bot.send("jy_wang", "好的").startswith("好的。还有需要随时找我")  # no longer taken as the reason to 驳回
    assert request(bot, number)["status"] == "待主管单位审核"


def test_a_decision_typed_without_a_number_takes_the_one_waiting_request_after_confirming(bot):
    """A head who replies 「同意」 to the notice: the one request waiting for him, shown, then confirmed."""
    assert bot.send("jy_wang", "同意") == "目前没有等待您审批的申请，没有作出任何处理。"
    number = submit_open(bot)
    reply = bot.send("jy_wang", "同意，没问题")
    assert reply.startswith(f"第{number}号 开设申请 · 待单位审核") and \
        reply.endswith(f"确认同意第{number}号申请（意见：没问题）吗？回复「确认」同意，回复「取消」不作处理。"), reply
    assert "请回复「确认」" in bot.send("jy_wang", "嗯嗯")  # neither yes nor no: asked again
    assert request(bot, number)["status"] == "待单位审核"
    assert "已同意" in bot.send("jy_wang", "确认")
    assert request(bot, number)["decisions"] == [("unit", "jy_wang", "同意", "没问题")]


def test_a_rejection_without_a_number_asks_for_the_reason_and_no_means_nothing_decided(bot):
    number = submit_open(bot)
    reply = bot.send("jy_wang", "驳回")
    assert f"请输入第{number}号申请的驳回原因" in reply and f"第{number}号 开设申请" in reply, reply
    assert "已驳回" in bot.send("jy_wang", "本单位已有同类账号")
    assert request(bot, number)["status"] == "已驳回"
    second = submit_open(bot)
    assert f"确认退回第{second}号申请（原因：名称要改）吗" in bot.send("jy_wang", "退回 名称要改")
    assert f"第{second}号申请没有作出任何处理，仍在等待您审批" in bot.send("jy_wang", "不")
    assert request(bot, second)["status"] == "待单位审核"


def test_a_decision_without_a_number_lists_the_requests_when_several_wait(bot):
    first = submit_open(bot)
    second = submit_open(bot, "jy_li", ["开设", "抖音", "抚松教育", "短视频发布教育政策", "https://www.douyin.com/user/fsjy",
                                       "fsjy_2024", "2", "13912345678", "无", "短视频宣传教育政策", "是"])
    reply = bot.send("jy_wang", "同意")
    assert reply.startswith(f"有2件申请等待您审批，请写明编号，例如「同意 {first} 同意」") and f"· 第{second}号" in reply
    assert bot.send("jy_wang", "确认").startswith("当前没有等待您确认的操作")  # nothing was pending a 确认
    assert request(bot, first)["status"] == request(bot, second)["status"] == "待单位审核"


def test_all_waiting_agreed_at_once_after_seeing_the_list(bot):
    """「全部同意」 was 「没有理解」: the requests waiting for him are listed, and 确认 agrees to each in turn."""
    first = submit_open(bot)
    second = submit_open(bot, "jy_li", ["开设", "抖音", "抚松教育", "短视频发布教育政策", "https://www.douyin.com/user/fsjy",
                                       "fsjy_2024", "2", "13912345678", "无", "短视频宣传教育政策", "是"])
    listed = bot.send("jy_wang", "全部同意")
    assert listed.startswith("等待您审批的申请（2件）：\n") and f"· 第{second}号" in listed, listed
    assert listed.endswith("确认同意以上2件申请吗？回复「确认」全部同意，回复「取消」不作处理。")
    assert bot.send("jy_wang", "不") == "没有作出任何处理，这些申请仍在等待您审批。"
    assert request(bot, first)["status"] == "待单位审核"
    bot.send("jy_wang", "同意 全部")
    done = bot.send("jy_wang", "确认")
    assert done.startswith(f"已同意第{first}号申请，已转「主管单位意见」环节。") and f"已同意第{second}号申请" in done, done
    assert request(bot, first)["status"] == request(bot, second)["status"] == "待主管单位审核"
    assert bot.send("jy_zhang", "都同意").startswith("「同意」仅限")



def test_all_agreed_with_one_waiting_is_that_one_without_an_opinion(bot):
    number = submit_open(bot)
    assert bot.send("jy_wang", "全部同意").endswith(f"确认同意第{number}号申请吗？回复「确认」同意，回复「取消」不作处理。")


def test_a_card_tap_while_a_typed_decision_waits_for_its_confirmation_ends_the_question(bot):
    number = submit_open(bot)
    bot.send("jy_wang", "同意")
    click(bot, "jy_wang", number, "approve")
    assert bot.texts("jy_wang")[-1].endswith("（不再需要回复「确认」）")
    assert "没有等待您确认的操作" in bot.send("jy_wang", "确认")
    assert [d[2] for d in request(bot, number)["decisions"]] == ["同意"]


def test_pending_requests_asked_for_in_other_words_are_listed(bot):
    number = submit_open(bot)
    for asked in ("审批", "我要审批", "有什么要审批的", "有新申请吗", "有要我签字的吗", "有没有需要我审核的？",
                  "有什么要我批的", "有要我批的吗", "待批的", "我要审批什么", "要我审批哪些？"):  # were 没有理解
        assert bot.send("jy_wang", asked).startswith("等待您审批的申请（1件，最早的在前）：\n"
                                                     f"· 第{number}号"), asked
    assert "等待您审批" not in bot.send("jy_zhang", "有新申请吗")  # not an approver: not his 待办


def test_withdrawing_without_a_number_takes_the_one_that_can_be_withdrawn_after_confirming(bot):
    assert bot.send("jy_zhang", "撤回").startswith("您没有可以撤回的申请")
    number = submit_open(bot)
    reply = bot.send("jy_zhang", "撤回")
    assert reply.startswith(f"第{number}号 开设申请 · 待单位审核") and \
        reply.endswith(f"确认撤回第{number}号申请吗？回复「确认」撤回，回复「取消」不撤回。"), reply
    assert bot.send("jy_zhang", "不") == f"没有撤回，第{number}号申请保持原样。"
    assert request(bot, number)["status"] == "待单位审核"
    bot.send("jy_zhang", "撤回")
    assert bot.send("jy_zhang", "确认") == f"已撤回第{number}号申请。"
    assert request(bot, number)["status"] == "已撤回"
    assert bot.send("jy_zhang", "撤回").startswith("您没有可以撤回的申请")


def test_withdrawing_without_a_number_lists_them_when_there_are_several(bot):
    first, second = submit_open(bot), None
    bot.send("jy_wang", f"退回 {first} 名称要改")
    second = submit_open(bot, "jy_zhang", ["开设", "抖音", "抚松教育", "短视频发布教育政策",
                                           "https://www.douyin.com/user/fsjy", "fsjy_2024", "2", "13912345678", "无",
                                           "短视频宣传教育政策", "是"])
    reply = bot.send("jy_zhang", "撤回")
    assert reply.startswith(f"有2件申请，请写明编号，例如「撤回 {first}」：") and f"· 第{second}号" in reply, reply
    assert request(bot, first)["status"] == "已退回" and request(bot, second)["status"] == "待单位审核"


def test_urging_amending_and_filing_without_a_number_take_the_one_that_fits(bot):
    assert bot.send("jy_zhang", "催办").startswith("您没有正在审批中的申请")
    assert bot.send("jy_zhang", "修改").startswith("您没有被退回的申请或待核对的草稿")
    assert bot.send("jy_zhang", "已报送") == "没有待报送全国政务新媒体信息报送系统的申请。"
    number = submit_open(bot)
    assert bot.send("jy_zhang", "催办") == f"已提醒王局长尽快处理第{number}号申请。"
    bot.send("jy_wang", f"退回 {number} 名称要改")
    reply = bot.send("jy_zhang", "修改")
    assert reply.startswith("退回意见：名称要改") and "请核对开设申请" in reply, reply
    bot.send("jy_zhang", "确认")
    approve_all(bot, number)
    assert bot.send("jy_zhang", "已报送").startswith(f"已记录：第{number}号申请已在全国政务新媒体信息报送系统报送。")
    again = bot.send("jy_li", f"已报送 {number}")  # a colleague: who recorded it, not a bare date
    assert again.startswith(f"第{number}号申请已于") and again.endswith("由张伟登记为已报送，无需再报。"), again


@pytest.mark.parametrize("text", ["已经在系统里改好了", "全国系统报送了", "我们已经在全国政务新媒体信息报送系统里更新了",
                                  "系统里已经弄好了", "全国系统搞定了"])
def test_filing_said_in_the_clerks_words_is_recorded(bot, text):
    assert bot.send("jy_zhang", text) == "没有待报送全国政务新媒体信息报送系统的申请。"
    number = submit_open(bot)
    approve_all(bot, number)
    assert bot.send("jy_zhang", text).startswith(f"已记录：第{number}号申请已在全国政务新媒体信息报送系统报送。")


def test_pending_for_reads_only_the_requests_the_approver_could_hold(bot):
    """待办 and every approver's greeting ask it: requests of another county, or at a step of another role, are not
    read and checked one by one (a statement each), however many there are."""
    from sqlalchemy import event, select

    from bot import db
    from handlers import approvals_chain as chain
    from models.org import Person

    def statements() -> tuple[int, list[int]]:
        seen = []

        def listener(*args):
            seen.append(args[2])

        with db.transaction() as s:
            event.listen(s.get_bind(), "before_cursor_execute", listener)
            try:
                person = s.scalar(select(Person).where(Person.userid == "zsj_review"))
                found = chain.pending_for(s, person)
            finally:
                event.remove(s.get_bind(), "before_cursor_execute", listener)
        return len(seen), [r.id for r in found]

    before, none = statements()
    submit_open(bot, "jyx_staff")  # 靖宇县: the neighbouring county's, at its unit step
    submit_open(bot, "jyx_staff", ["开设", "抖音", "靖宇教育", "短视频发布教育政策", "https://www.douyin.com/user/jyjy",
                                   "jyjy_2024", "1", "13912345678", "无", "短视频宣传教育政策", "是"])
    own = submit_open(bot)  # 抚松: at its unit step, not yet the bureau's
    after, still_none = statements()
    assert none == still_none == [] and after == before, (before, after)
    bot.send("jy_wang", f"同意 {own}")
    assert statements()[1] == [own]


def test_my_requests_say_what_can_be_done_about_each(bot):
    """「申请到哪了」, 「为什么还没批」 were 「没有理解」; each request says how long it waited and the reply that
    moves it (催办, 修改, 已报送)."""
    number = submit_open(bot)
    reply = bot.send("jy_zhang", "申请到哪了")
    assert f"· 第{number}号 开设「抚松教育」（微博） — 待单位审核（已等不足1个工作日，回复「催办 {number}」可提醒审批人）" \
        in reply, reply
    assert bot.send("jy_zhang", "为什么还没批") == reply
    bot.send("jy_wang", f"退回 {number} 名称要改")
    assert f"— 已退回，回复「修改 {number}」修改后重新提交" in bot.send("jy_zhang", "我的申请")
    bot.send("jy_zhang", f"修改 {number}")
    bot.send("jy_zhang", "确认")
    approve_all(bot, number)
    assert f"— 已通过，待报送全国系统，完成后回复「已报送 {number}」" in bot.send("jy_zhang", "我的申请批了没")
    bot.send("jy_zhang", f"已报送 {number}")
    assert f"· 第{number}号 开设「抚松教育」（微博） — 已通过\n" in bot.send("jy_zhang", "我的申请")


def test_asking_whether_a_request_was_reviewed_gets_where_it_stands(bot):
    """「我们的申请审核了吗」 was 「没有理解」 (only 「批了吗」「通过了吗」 were known)."""
    number = submit_open(bot)
    for said in ("我们的申请审核了吗", "申请审核通过了没有", "开设申请审核了没", "审批有结果了吗",
                 "开设申请审核到哪一步了", "开设申请到哪一步了", "注销申请批了吗",  # (not a new 开设 form begun)
                 "我们的微博开通了吗", "抖音号注销了吗"):  # (were 「没有理解」)
        reply = bot.send("jy_zhang", said)
        assert f"· 第{number}号 开设「抚松教育」（微博） — 待单位审核" in reply, (said, reply)


def test_export_said_of_something_else_points_there(bot):
    assert bot.send("zsj_admin", "导出本月周报").startswith("周报的汇总请回复「周报情况」")
    assert bot.send("zsj_admin", "导出通报").startswith("月度通报的Excel表和Word通报稿请回复「查看通报 2026-11」")
    assert bot.send("zsj_admin", "导出 12").startswith("没有找到您可以查看的第12号申请")  # a number: the form


@pytest.mark.parametrize("typed", ["同意{n}！", "同意 {n}。", "同意第{n}号申请", "同意 第{n}号，"])
def test_punctuation_or_the_word_申请_after_the_number_is_no_opinion(bot, typed):
    """「同意３！」 put 「！」 on the form as the head's opinion, 「同意第5号申请」 put 「申请」."""
    number = submit_open(bot)
    bot.send("jy_wang", typed.format(n=number))
    assert request(bot, number)["decisions"] == [("unit", "jy_wang", "同意", None)]
    bot.send("zsj_review", f"退回 {number}，名称要改。")
    assert request(bot, number)["decisions"][1][3] == "名称要改"


def test_a_rejection_typed_for_a_request_one_may_not_decide_says_why_without_showing_it(bot):
    number = submit_open(bot)
    assert bot.send("zsj_review", f"驳回 {number} 不需要").startswith(f"第{number}号申请当前")  # not at the bureau
    assert bot.send("zsj_review", "确认").startswith("当前没有等待您确认的操作")
    assert bot.send("jy_wang", f"驳回 {number} 不需要").endswith("回复「确认」驳回，回复「取消」不作处理。")
    assert bot.send("jy_wang", "取消").startswith("已取消")
    assert request(bot, number)["status"] == "待单位审核"


def test_decisions_in_other_words_and_with_the_number_first(bot):
    """「通过 3」 was suggested 通过整改 (item 3 of another kind), 「批准3」 and 「3号同意」 were not understood."""
    first = submit_open(bot)
    bot.send("jy_wang", f"批准{first}")
    assert request(bot, first)["decisions"] == [("unit", "jy_wang", "同意", None)]
    bot.send("zsj_review", f"{first}号同意，材料齐全")
    assert request(bot, first)["decisions"][1] == ("bureau", "zsj_review", "同意", "材料齐全")
    bot.send("city_zhao", f"通过 {first}")
    assert request(bot, first)["status"] == "已通过"
    second = submit_open(bot, "wj_liu", [*OPEN_WEIBO[:2], "健康抚松", OPEN_WEIBO[3], "https://weibo.com/u/77",
                                         *OPEN_WEIBO[5:]])
    assert bot.send("wj_chen", f"不同意 {second} 本单位已有微博").endswith("回复「确认」驳回，回复「取消」不作处理。")


@pytest.mark.parametrize("said", ["帮我催一下审批", "催一下我的申请", "能不能催催审批"])
def test_urging_ones_own_request_in_words_is_催办(bot, said):
    """These were refused as the bureau's 催报 (weekly reports)."""
    number = submit_open(bot)
    assert bot.send("jy_zhang", said) == f"已提醒王局长尽快处理第{number}号申请。"


@pytest.mark.parametrize("said", ["没问题，同意", "行，同意吧", "我看了没问题，同意"])
def test_agreement_said_in_words_takes_the_one_waiting_after_confirming(bot, said):
    number = submit_open(bot)
    reply = bot.send("jy_wang", said)
    assert reply.endswith(f"确认同意第{number}号申请吗？回复「确认」同意，回复「取消」不作处理。"), reply
    bot.send("jy_wang", "确认")
    assert request(bot, number)["decisions"] == [("unit", "jy_wang", "同意", None)]


@pytest.mark.parametrize("said", ["我们单位想开个抖音号", "咱们局想申请一个抖音账号", "我们单位要开通抖音"])
def test_an_opening_asked_for_by_the_unit_in_words(bot, said):
    assert "抖音" in bot.send("jy_zhang", said).splitlines()[0]
    assert bot.send("jy_zhang", "取消").startswith("已取消「开设申请」")


def two_waiting(bot) -> tuple[int, int]:
    first = submit_open(bot)
    second = submit_open(bot, "jy_li", ["开设", "抖音", "抚松教育", "短视频发布教育政策", "https://www.douyin.com/user/fsjy",
                                       "fsjy_2024", "2", "13912345678", "无", "短视频宣传教育政策", "是"])
    return first, second


@pytest.mark.parametrize("said", ["同意{a},{b}", "同意 {a}号 {b}号", "{a}、{b}号同意", "{a}号和{b}号都同意"])
def test_several_numbers_in_one_agreement_are_a_list_not_an_opinion(bot, said):
    """「同意1,2」 agreed to 1 with the opinion 「2」 and left 2 waiting; 「1、2号同意」 was not understood: the
    numbers are listed, and 确认 agrees to each."""
    first, second = two_waiting(bot)
    listed = bot.send("jy_wang", said.format(a=first, b=second))
    assert listed.startswith("将同意以下2件申请：\n") and f"· 第{first}号" in listed and f"· 第{second}号" in listed, listed
    assert listed.endswith("确认同意以上2件申请吗？回复「确认」全部同意，回复「取消」不作处理。")
    assert request(bot, first)["decisions"] == []  # nothing before 确认
    bot.send("jy_wang", "确认")
    assert request(bot, first)["decisions"] == [("unit", "jy_wang", "同意", None)]
    assert request(bot, second)["decisions"] == [("unit", "jy_wang", "同意", None)]


def test_several_numbers_agreed_with_one_opinion_and_one_already_decided(bot):
    first, second = two_waiting(bot)
    bot.send("jy_wang", f"同意 {first}")
    listed = bot.send("jy_wang", f"{first}、{second}号同意，材料齐全")
    assert listed.startswith(f"将同意以下1件申请（意见：材料齐全）：\n· 第{second}号"), listed
    assert f"以下不作处理：\n· 第{first}号申请的「开设单位意见」环节您已于" in listed
    bot.send("jy_wang", "确认")
    assert request(bot, second)["decisions"] == [("unit", "jy_wang", "同意", "材料齐全")]
    assert request(bot, first)["decisions"] == [("unit", "jy_wang", "同意", None)]


def test_two_decisions_in_one_message_decide_nothing_and_show_how_to_send_them(bot):
    """「1号同意 2号退回 名称不对」 agreed to 1 with the opinion 「2号退回 名称不对」 and never sent 2 back."""
    first, second = two_waiting(bot)
    reply = bot.send("jy_wang", f"{first}号同意 {second}号退回 名称不对")
    assert reply == (f"「{second}号退回 名称不对」里有另一件申请的编号，不能当作第{first}号申请的意见，这条消息没有作出任何处理。"
                     f"请分开回复，一条消息处理一件申请，例如「同意 {first}」和「退回 {second} 名称不对」。"), reply
    assert "没有作出任何处理" in bot.send("jy_wang", f"退回 {first} {second} 名称都不对")
    assert "没有作出任何处理" in bot.send("jy_wang", f"同意 {first} 不同意 {second}")
    assert "没有作出任何处理" in bot.send("jy_wang", f"同意 {first}，{second}不同意")
    assert "请一件一件回复" in bot.send("jy_wang", f"驳回 {first}、{second}")
    assert request(bot, first)["decisions"] == request(bot, second)["decisions"] == []
    bot.send("jy_wang", f"同意 {first} 3个栏目已核对")  # a number in an opinion is still an opinion
    assert request(bot, first)["decisions"] == [("unit", "jy_wang", "同意", "3个栏目已核对")]
    bot.send("jy_wang", f"同意 {second} 1、名称规范 2、内容合规")  # and so is the opinion's own numbered list
    assert request(bot, second)["decisions"] == [("unit", "jy_wang", "同意", "1、名称规范 2、内容合规")]


def test_a_reason_typed_after_the_question_expired_is_told_nothing_was_decided(bot):
    """Tapped 驳回, answered 40 minutes later: the notice said 「已填写的内容已保存为草稿」 — of a decision? It says
    which request and that nothing was decided; 继续 asks the reason again."""
    number = submit_open(bot)
    click(bot, "jy_wang", number, "reject")
    clock.set_now(clock.now() + timedelta(minutes=40))
    reply = bot.send("jy_wang", "账号名称不规范")
    assert f"已填写的内容已保存：第{number}号申请驳回（还没有作出处理，申请仍在等待您审批）" in reply, reply
    assert request(bot, number)["decisions"] == []
    assert bot.send("jy_wang", "继续").endswith(f"请输入第{number}号申请的驳回原因（必填），回复「取消」不作处理：")
    bot.send("jy_wang", "账号名称不规范")
    assert request(bot, number)["status"] == "已驳回"
