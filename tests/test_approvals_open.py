"""Opening an account: the dialogue, the chain of three steps with cards and text, the new account."""
from __future__ import annotations

import pytest

from tests.approvals_helpers import (OPEN_WEIBO, account, audit_actions, card_for, click, latest_request_id,
                                     open_request, request, seed_accounts, submit_open)


def test_open_through_all_steps_to_an_account(bot):
    number = submit_open(bot)
    assert request(bot, number)["status"] == "待单位审核"

    card = card_for(bot, "jy_wang", number)
    assert card["card_type"] == "button_interaction"
    assert [b["key"] for b in card["button_list"]] == ["approve", "reject", "return"]
    facts = {f["keyname"]: f["value"] for f in card["horizontal_content_list"]}
    assert facts["账号"] == "抚松教育" and facts["类型"] == "微博" and facts["申请人"] == "张伟"
    assert any("同意 " in t for t in bot.texts("jy_wang"))  # the text fallback is explained

    reply = click(bot, "jy_wang", number, "approve")
    assert reply.button_label == "王局长已同意"
    assert request(bot, number)["status"] == "待主管单位审核"
    assert any("单位意见由王局长同意" in t or "开设单位意见由王局长同意" in t for t in bot.texts("jy_zhang"))

    # both county reviewers get a card; the first decision counts, the other card is closed
    card_for(bot, "zsj_admin", number)
    click(bot, "zsj_review", number, "approve")
    assert request(bot, number)["status"] == "待市级审批"
    other = card_for(bot, "zsj_admin", number)["task_id"]  # (also delivers the queued updates)
    assert [u["button"]["replace_name"] for u in bot.fake.state.card_updates if u["task_id"] == other] == ["杨审核已同意"]
    late = click(bot, "zsj_admin", number, "approve")
    assert late.button_label  # greyed, no second decision
    assert len(request(bot, number)["decisions"]) == 2

    # the city decides by text
    assert "审批完成" in bot.send("city_zhao", f"同意 {number} 同意开设")
    state = request(bot, number)
    assert state["status"] == "已通过"
    assert [d[:3] for d in state["decisions"]] == [("unit", "jy_wang", "同意"), ("bureau", "zsj_review", "同意"),
                                                   ("city", "city_zhao", "同意")]
    created = account(bot, state["account_id"])
    assert created["status"] == "正常" and created["name"] == "抚松教育" and created["opened_on"] is not None
    assert created["responsible"] == "jy_zhang" and created["registry_status"] == "待报送"
    assert created["changes"][0][0] == "开设"
    assert audit_actions(bot, number) == ["approval.submit", "approval.approve", "approval.approve",
                                          "approval.approve"]
    news = "\n".join(bot.texts("jy_zhang"))
    assert "审批已全部通过" in news and "全国政务新媒体信息报送系统" in news


def test_form_is_shown_before_submission_and_can_be_edited(bot):
    form = open_request(bot)
    for expected in ("开设主体：抚松县教育局", "账号名称：抚松教育", "账号类型：微博", "主页URL/下载URL：https://weibo.com/u/1234567890",
                     "账号负责人：张伟", "联系电话：13912345678", "开设理由：及时发布教育政策，服务群众",
                     "国办登记系统单位标识码：11220621MB0000001A"):
        assert expected in form
    assert "要修改哪一项" in bot.send("jy_zhang", "修改")
    assert "请输入账号名称" in bot.send("jy_zhang", "2")
    form = bot.send("jy_zhang", "抚松教育发布")
    assert "账号名称：抚松教育发布" in form and "请核对开设申请" in form


def test_validation_hints_keep_the_question(bot):
    bot.send("jy_zhang", "开设")
    assert "没有第12项" in bot.send("jy_zhang", "12")
    bot.send("jy_zhang", "抖音")
    assert "2到30个字" in bot.send("jy_zhang", "抚")
    bot.send("jy_zhang", "抚松教育")
    bot.send("jy_zhang", "发布教育政策和通知")
    reply = bot.send("jy_zhang", "https://weibo.com/u/1")
    assert "不像抖音的网址" in reply and "douyin.com" in reply
    assert "必须填写" in bot.send("jy_zhang", "无")
    bot.send("jy_zhang", "https://www.douyin.com/user/abc")
    assert "格式不对" in bot.send("jy_zhang", "抖音 号!")
    assert "账号负责人" in bot.send("jy_zhang", "fsjy_2024")
    assert "没有第9项" in bot.send("jy_zhang", "9")
    bot.send("jy_zhang", "李娜")
    assert "11位手机号" in bot.send("jy_zhang", "12345")
    bot.send("jy_zhang", "0439-1234567")
    bot.send("jy_zhang", "无")
    assert "至少写5个字" in bot.send("jy_zhang", "需要")
    bot.send("jy_zhang", "短视频宣传教育政策")
    assert "须同时提交主办责任保障制度" in bot.send("jy_zhang", "否")
    assert "请核对开设申请" in bot.send("jy_zhang", "是")


def test_wechat_fields_fit_the_platform(bot):
    bot.send("jy_zhang", "开设")
    bot.send("jy_zhang", "微信公众号")
    bot.send("jy_zhang", "抚松教育")
    assert "没有请回复「无」" in bot.send("jy_zhang", "发布教育政策和通知")  # homepage optional
    assert "微信biz/原始ID/微信号" in bot.send("jy_zhang", "无")
    assert "原始ID" in bot.send("jy_zhang", "123 abc")
    assert "账号负责人" in bot.send("jy_zhang", "gh_0123456789ab")


def test_applicant_hears_the_final_decision_before_the_registry_countdown(bot):
    from tests.approvals_helpers import approve_all
    number = submit_open(bot)
    approve_all(bot, number)
    texts = bot.texts("jy_zhang")
    final = next(i for i, t in enumerate(texts) if "审批已全部通过" in t)
    countdown = next(i for i, t in enumerate(texts) if "全国政务新媒体信息报送系统" in t)
    assert final < countdown
    assert sum(1 for t in texts if "审批已全部通过" in t) == 1


def test_full_width_phone_digits_are_accepted_and_stored_as_ascii(bot):
    answers = [*OPEN_WEIBO[:7], "１３９１２３４５６７８", *OPEN_WEIBO[8:]]
    form = open_request(bot, "jy_zhang", answers)
    assert "联系电话：13912345678" in form, form
    bot.send("jy_zhang", "修改")
    bot.send("jy_zhang", "联系电话")
    assert "联系电话：0439-1234567" in bot.send("jy_zhang", "０４３９－１２３４５６７")


def test_a_bare_number_at_the_form_does_not_submit(bot):
    """The form just read is a list of items: 「1」 is not 「确认」."""
    assert "请核对开设申请" in open_request(bot, "jy_zhang", OPEN_WEIBO)
    reply = bot.send("jy_zhang", "1")
    assert "已提交" not in reply and "请回复「确认」提交" in reply, reply
    assert latest_request_id(bot) is None
    assert "已提交第" in bot.send("jy_zhang", "确认")  # nothing typed before was lost


def test_the_unit_is_told_when_the_bureau_files_on_its_behalf(bot):
    """第5条 谁开设、谁主办: the unit hosts the account the bureau asked for; its head decides (card) and its
    staff, who will run it and file it in the national system, hear of it when it is filed, not after approval."""
    before = {u: len(bot.texts(u)) for u in ("jy_zhang", "jy_wang", "jy_admin")}
    bot.say("zsj_admin", "开设", "抚松县教育局")
    number = submit_open(bot, "zsj_admin", OPEN_WEIBO[1:])
    for userid in ("jy_zhang", "jy_wang"):
        (told,) = [t for t in bot.texts(userid)[before[userid]:] if t.startswith("【代为提交】")]
        assert f"代本单位提交了第{number}号开设申请" in told and "抚松教育（微博）" in told, told
        assert "抚松县政务服务和数字化建设管理局" in told and "单位负责人" in told and f"查看 {number}" in told
    assert bot.texts("jy_admin")[before["jy_admin"]:] == []  # the neighbouring county hears nothing
    assert "代为提交" in str(card_for(bot, "jy_wang", number)["horizontal_content_list"])
    messages = [m["msgtype"] for m in bot.inbox("jy_wang")]
    assert messages.index("text") < messages.index("template_card")  # the head reads why before the card
    assert "抚松教育" in bot.send("jy_zhang", f"查看 {number}")


def test_a_unit_filing_for_itself_gets_no_on_behalf_notice(bot):
    submit_open(bot)
    assert not [t for u in ("jy_zhang", "jy_wang") for t in bot.texts(u) if t.startswith("【代为提交】")]


def test_a_responsible_person_who_left_before_approval_is_not_given_the_account(bot):
    """第21条: the account is left without a responsible person (no reminder would reach the leaver) and the unit
    is asked to name its own, instead of the account going to someone inactive."""
    from sqlalchemy import select
    from models.approval import ApprovalRequest
    from models.audit import AuditLog
    from models.directory import deactivate
    from models.org import Person
    from tests.approvals_helpers import approve_all
    number = submit_open(bot)
    with bot.db() as s:
        named = s.get(Person, s.get(ApprovalRequest, number).form["responsible_id"])
        name, userid = named.name, named.userid
        deactivate(s, named, actor="test", reason="left")
    approve_all(bot, number)
    with bot.db() as s:
        req = s.get(ApprovalRequest, number)
        assert req.status == "已通过" and req.account.responsible_id is None
        account_id = req.account.id
    staff = [u for u in ("jy_zhang", "jy_li", "jy_wang") if u != userid]
    for other in staff:
        notice = [t for t in bot.texts(other) if t.startswith("【账号负责人】")]
        assert notice == [f"【账号负责人】第{number}号申请指定的账号负责人{name}已停用，「抚松教育（微博）」目前没有账号负责人。"
                          "请按《办法》第21条回复「变更 抚松教育 微博」，选择「账号负责人」指定本单位专人。"], bot.texts(other)
    with bot.db() as s:
        [audit] = s.scalars(select(AuditLog).where(AuditLog.action == "account.responsible_departed"))
        assert (audit.entity_id, audit.before, audit.after) == (str(account_id), {"responsible": userid},
                                                                 {"responsible": None})


def test_a_link_is_taken_as_clerks_copy_it_and_not_yet_registered_is_explained(bot):
    bot.say("jy_zhang", "开设", "快手", "抚松教育", "发布教育政策和通知")
    not_yet = bot.send("jy_zhang", "还没有")
    assert "快手账号必须填写主页URL（审批表和国办登记都要用）。如果账号还没有注册，请先在快手上注册" in not_yet
    assert not_yet.endswith("请输入主页URL（以 https:// 开头）：")
    wrong = bot.send("jy_zhang", "快手上搜抚松教育")
    assert "网址格式不对" in wrong and "例如 https://www.kuaishou.com/…" in wrong
    # without its scheme, with full-width punctuation from a Chinese input method: taken as the browser would
    assert "快手号" in bot.send("jy_zhang", "www．kuaishou．com／profile／fsjy")
    bot.say("jy_zhang", "fsjy2024", "李娜", "13912345678", "无", "面向家长发布招生和教育政策")
    form = bot.send("jy_zhang", "是")
    assert "主页URL/下载URL：https://www.kuaishou.com/profile/fsjy\n" in form


def test_not_yet_counts_as_none_where_a_link_is_optional(bot):
    bot.say("jy_zhang", "开设", "微信公众号", "抚松教育服务", "发布教育政策和通知")
    assert "微信biz" in bot.send("jy_zhang", "暂未开通")
    wrong = bot.send("jy_zhang", "!!")
    assert "格式不对" in wrong


def test_the_form_goes_straight_to_the_item_named(bot):
    bot.say("jy_zhang", "开设", "抖音", "抚松教育", "发布教育政策和通知", "https://www.douyin.com/user/abc",
            "fsjy_2024", "李娜", "13912345678", "无", "面向家长发布招生和教育政策", "是")
    assert "请填写开设理由" in bot.send("jy_zhang", "开设理由")  # the item's name alone, as printed on the form
    form = bot.send("jy_zhang", "面向家长和学生发布招生、资助和教育政策")
    assert "开设理由：面向家长和学生发布招生、资助和教育政策" in form and "请核对开设申请" in form
    assert "请输入联系电话" in bot.send("jy_zhang", "修改电话")
    assert "请核对开设申请" in bot.send("jy_zhang", "13912345679")
    assert "请输入主页URL" in bot.send("jy_zhang", "改一下网址")
    bot.send("jy_zhang", "https://www.douyin.com/user/fsjy")
    assert "请输入抖音号" in bot.send("jy_zhang", "修改 平台账号ID")
    bot.send("jy_zhang", "fsjy_2025")
    unknown = bot.send("jy_zhang", "修改 公章")
    assert "没能识别要修改的「公章」，请从下面选择。" in unknown and "要修改哪一项" in unknown
    assert "请选择账号类型" in bot.send("jy_zhang", "1")
    form = bot.send("jy_zhang", "4")  # 抖音 again: nothing else to ask
    assert "请核对开设申请" in form and "联系电话：13912345679" in form and "fsjy_2025" in form


def test_the_platform_can_be_said_with_the_request(bot):
    named = bot.send("jy_zhang", "我要开个快手号")
    assert named.startswith("好的，申请开设快手账号") and "请输入账号名称" in named
    back = bot.send("jy_zhang", "上一步")
    assert "请选择账号类型" in back
    bot.send("jy_zhang", "取消")
    assert "好的，申请开设今日头条账号" in bot.send("jy_zhang", "开设 头条")
    bot.send("jy_zhang", "取消")
    assert bot.send("jy_zhang", "我想申请一个公众号").startswith("好的，申请开设微信公众号账号")  # 申请 alone
    bot.send("jy_zhang", "取消")
    assert bot.send("jy_zhang", "我们单位要开公众号").startswith("好的，申请开设微信公众号账号")  # 开 alone
    bot.send("jy_zhang", "取消")
    # the unit already has a Douyin account (seeded): refused with the reason, then the list
    seed_accounts(bot)
    taken = bot.send("jy_zhang", "帮我开通抖音")
    assert "请选择其他平台" in taken and "请选择账号类型" in taken and "好的" not in taken


def test_a_sentence_at_the_form_that_mentions_an_item_is_not_taken_for_changing_it(bot):
    bot.say("jy_zhang", "开设", "抖音", "抚松教育", "发布教育政策和通知", "https://www.douyin.com/user/abc",
            "fsjy_2024", "李娜", "13912345678", "无", "面向家长发布招生和教育政策", "是")
    reply = bot.send("jy_zhang", "联系电话没问题，就这样吧")
    assert "请回复「确认」提交" in reply and "请输入联系电话" not in reply
    assert "请输入联系电话" in bot.send("jy_zhang", "联系电话要改")  # the name and a word or two: that item
    bot.send("jy_zhang", "13912345679")
    assert "请输入主页URL" in bot.send("jy_zhang", "修改网址")  # aliases need 修改


def test_a_sentence_typed_at_the_form_is_offered_as_a_new_answer_not_lost(bot):
    """A new 开设理由 typed straight in at the form (without 「修改 9」 first) was only answered 「请回复「确认」提交…」:
    the clerk had to type it again. Now the bot asks which item it is for, and keeps it."""
    bot.say("jy_zhang", "开设", "抖音", "抚松教育", "发布教育政策和通知", "https://www.douyin.com/user/abc",
            "fsjy_2024", "李娜", "13912345678", "无", "面向家长发布招生和教育政策", "是")
    reason = "面向全县家长和学生及时发布招生、资助和教育政策，回应群众关切"
    asked = bot.send("jy_zhang", reason)
    assert "要填到审批表的哪一项" in asked and "1. 开设理由" in asked and "回复「不是」回到审批表" in asked, asked
    form = bot.send("jy_zhang", "1")
    assert f"开设理由：{reason}" in form and "请核对开设申请" in form, form
    bot.send("jy_zhang", "发布全县中小学招生、资助政策和教育通知")
    form = bot.send("jy_zhang", "账号功能")
    assert "账号功能：发布全县中小学招生、资助政策和教育通知" in form, form
    bot.send("jy_zhang", "这是我们局里开会定下来的")
    back = bot.send("jy_zhang", "不是")
    assert "请核对开设申请" in back and "这是我们局里开会定下来的" not in back
    assert "已提交第" in bot.send("jy_zhang", "确认")


def test_a_question_or_assent_at_the_form_is_not_offered_as_an_answer(bot):
    bot.say("jy_zhang", "开设", "抖音", "抚松教育", "发布教育政策和通知", "https://www.douyin.com/user/abc",
            "fsjy_2024", "李娜", "13912345678", "无", "面向家长发布招生和教育政策", "是")
    for said in ("这个表还要盖章吗", "都对，就这样提交吧", "我要看一下台账"):
        reply = bot.send("jy_zhang", said)
        assert "要填到审批表的哪一项" not in reply and "请回复「确认」提交" in reply, (said, reply)


@pytest.mark.parametrize("typo, meant", [("抖因", "抖音"), ("微搏", "微博"), ("公重号", "微信公众号")])
def test_a_mistyped_platform_is_offered_for_confirmation(bot, typo, meant):
    """「抖因」 for 抖音 was not matched: the clerk was asked the whole list again with no hint of what went wrong."""
    bot.send("jy_zhang", "开设")
    offered = bot.send("jy_zhang", typo)
    assert offered == f"您是说「{meant}」吗？回复「是」申请开设{meant}账号，或回复序号选择其他类型。", offered
    assert "请输入账号名称" in bot.send("jy_zhang", "是")  # (the form names the platform only at the end)
    with bot.db() as s:
        from models.platform import Conversation
        assert s.get(Conversation, "jy_zhang").data["platform"] == meant


def test_a_mistyped_platform_with_the_command_is_offered_too(bot):
    reply = bot.send("jy_zhang", "开设 抖因")
    assert "您是说「抖音」吗" in reply and "请选择账号类型" in reply, reply
    assert "好的，请从下面的列表中选择账号类型" in bot.send("jy_zhang", "不是")
    assert "请输入账号名称" in bot.send("jy_zhang", "5")
    bot.send("jy_zhang", "取消")
    reply = bot.send("jy_zhang", "我要开个抖因号")  # was 「没有理解」
    assert reply.startswith("您是说「抖音」吗？") and "请选择账号类型" in reply, reply
    assert "请输入账号名称" in bot.send("jy_zhang", "是")


def test_the_responsible_person_may_be_the_sender_saying_me(bot):
    """「我」/「本人」 at the responsible person (第21条): the sender, when he is of the unit."""
    reply = bot.say("jy_zhang", "开设", "微博", "抚松教育", "发布教育政策和通知", "https://weibo.com/u/1234567890", "无")[-1]
    assert "请选择账号负责人" in reply, reply
    assert "联系电话" in bot.send("jy_zhang", "我")
    form = bot.say("jy_zhang", "13912345678", "无", "及时发布教育政策，服务群众", "是")[-1]
    assert "账号负责人：张伟" in form, form


def test_a_bureau_user_filing_for_a_unit_is_not_its_responsible_person(bot):
    bot.say("zsj_admin", "开设", "抚松县教育局", "微博", "抚松教育", "发布教育政策和通知", "https://weibo.com/u/1234567890", "无")
    reply = bot.send("zsj_admin", "本人")
    assert reply.startswith("您不是抚松县教育局的人员，请从下面选择。") and "请选择账号负责人" in reply, reply


@pytest.mark.parametrize("said", ["没有第三方，我们自己弄", "不委托，自己运营", "自己运营"])
def test_no_operator_said_in_words_is_none_on_the_form(bot, said):
    """「没有第三方，我们自己弄」 was put on the 附件2 form as the operator's name."""
    form = open_request(bot, answers=[*OPEN_WEIBO[:8], said, *OPEN_WEIBO[9:]])
    assert "请核对开设申请" in form and said not in form, form


def test_a_phone_number_is_not_taken_for_the_operator(bot):
    reply = open_request(bot, answers=[*OPEN_WEIBO[:8], "138-0439-1234"])
    assert reply.startswith("「138-0439-1234」像是电话号码。请填写第三方机构的全称，没有委托第三方请回复「无」。"), reply


def test_a_link_in_an_apps_share_text_and_a_mobile_with_dashes_are_taken(bot):
    """The share text the bot tells clerks to copy was 「网址格式不对」; 「138-0439-1234」 was not a phone number."""
    share = "7.43 复制打开抖音，看看【抚松教育的主页】 https://v.douyin.com/iRNBho6u/ 长按复制此条消息"
    form = open_request(bot, answers=[OPEN_WEIBO[0], "抖音", "抚松教育", OPEN_WEIBO[3], share, "fsjy2026", "1",
                                      "138-0439-1234", *OPEN_WEIBO[8:]])
    assert "https://v.douyin.com/iRNBho6u/" in form and "13804391234" in form and "长按复制" not in form, form


def test_a_responsible_person_not_in_the_list_is_told_how_to_go_on(bot):
    reply = open_request(bot, answers=[*OPEN_WEIBO[:6], "新来的小李，还没在名单里"])
    assert reply.startswith("没能识别「新来的小李，还没在名单里」，请回复 1 到 3 之间的序号。\n负责人须是本单位在通讯录中的人员（第21条）。"
                            "名单里没有的（如新来的同事），请联系县政数局把他加入通讯录后再办理"), reply


def test_the_rules_question_explains_what_the_rules_are_and_a_not_yet_sentence_is_understood(bot):
    """「啥制度？」 repeated the question; 「还没开呢，哪来的网址」 was 「网址格式不对」."""
    reply = open_request(bot, answers=[OPEN_WEIBO[0], "抖音", "抚松教育", OPEN_WEIBO[3], "还没开呢，哪来的网址"])
    assert reply.startswith("抖音账号必须填写主页URL（审批表和国办登记都要用）。如果账号还没有注册"), reply
    bot.send("jy_zhang", "取消")
    reply = open_request(bot, answers=[*OPEN_WEIBO[:10], "啥制度？"])
    assert reply.startswith("保障制度指本单位为政务新媒体建立的信息发布审核制度（第16条）"), reply
    assert bot.send("jy_zhang", "否").startswith("按附件2要求，开设申请须同时提交主办责任保障制度。保障制度指")
