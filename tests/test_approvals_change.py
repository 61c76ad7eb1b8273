"""变更, 注销, 关停 and 补办备案 through to the registry."""
from __future__ import annotations

from models.account import Account
from tests.approvals_helpers import (account, account_id, approve_all, card_for, latest_request_id, request,
                                     seed_accounts)


def test_change_with_numbered_choice_of_an_ambiguous_account(bot):
    seed_accounts(bot)
    reply = bot.send("jy_zhang", "变更 抚松教育")
    assert "1. 抚松教育（微信公众号" in reply and "2. 抚松教育（抖音" in reply
    assert "要变更哪些内容" in bot.send("jy_zhang", "2")
    assert "没有第12项" in bot.send("jy_zhang", "1 12")
    assert "当前账号功能：政务信息发布" in bot.send("jy_zhang", "2 6")
    assert "当前联系电话" in bot.send("jy_zhang", "发布教育短视频和政策解读")
    assert "变更原因" in bot.send("jy_zhang", "13812345678")
    form = bot.send("jy_zhang", "整改")
    assert "账号功能：政务信息发布 → 发布教育短视频和政策解读" in form and "变更原因：整改" in form
    assert "已提交第" in bot.send("jy_zhang", "确认")
    number = latest_request_id(bot)
    douyin = account_id(bot, "抚松教育", "抖音")
    assert account(bot, douyin)["status"] == "变更中"
    approve_all(bot, number)
    changed = account(bot, douyin)
    assert changed["status"] == "正常"
    with bot.db() as s:
        row = s.get(Account, douyin)
        assert row.function == "发布教育短视频和政策解读" and row.contact == "13812345678"
        assert row.last_changed_on is not None
    assert changed["changes"][-1] == ("变更", {"function": ["政务信息发布", "发布教育短视频和政策解读"],
                                              "contact": [None, "13812345678"]})


def test_change_of_host_unit_offers_the_announcement_step(bot):
    seed_accounts(bot)
    bot.send("wj_liu", "变更 健康抚松")
    reply = bot.send("wj_liu", "8")
    assert "请选择新的主办单位" in reply and "抚松县应急管理局" in reply
    assert "第13条" in bot.send("wj_liu", "抚松县教育局")  # it already has a 微信公众号
    assert "第12条" in bot.send("wj_liu", "抚松县应急管理局")
    assert "变更原因" in bot.send("wj_liu", "是")
    assert "请说明变更原因" in bot.send("wj_liu", "其他")
    form = bot.send("wj_liu", "机构改革职能划转")
    assert "主办单位：抚松县卫生健康局 → 抚松县应急管理局" in form and "第12条公告：将按要求发布" in form
    bot.send("wj_liu", "确认")
    number = latest_request_id(bot)
    approve_all(bot, number, ("wj_chen", "zsj_admin", "city_zhao"))
    moved = account(bot, account_id(bot, "健康抚松", "微信公众号"))
    assert moved["unit"] == "抚松县应急管理局"
    assert any("第12条" in t and "公告" in t for t in bot.texts("wj_liu"))


def test_cancel_with_reason_and_announcement_reminder(bot):
    seed_accounts(bot)
    bot.send("ga_zhou", "注销 抚松公安")
    form = bot.send("ga_zhou", "无力维护")
    assert "注销原因：无力维护" in form and "第12条" in form and "公告" in form
    bot.send("ga_zhou", "确认")
    number = latest_request_id(bot)
    approve_all(bot, number, ("ga_wu", "zsj_review", "city_zhao"))
    closed = account(bot, account_id(bot, "抚松公安", "微博"))
    assert closed["status"] == "已注销" and closed["closed_on"] is not None
    assert request(bot, number)["status"] == "已通过"


def test_news_of_a_closure_under_way_does_not_begin_another(bot):
    """「注销公告已经发了」 began the closure of the unit's other account (「没有找到名称像「公告已经发了」…请选择账号」)."""
    seed_accounts(bot)
    bot.send("wl_zhao", "注销 抚松文旅 抖音")
    bot.say("wl_zhao", "无力维护", "确认")
    number = latest_request_id(bot)
    approve_all(bot, number, ("wl_sun", "zsj_review", "city_zhao"))
    for said in ("注销公告已经发了", "注销的事办完了", "注销手续国家系统也弄好了"):
        assert bot.send("wl_zhao", said) == (
            f"没有开始新的注销申请。\n您最近的注销申请：\n· 第{number}号 注销「抚松文旅」（抖音） — 已通过，待报送全国系统，"
            f"完成后回复「已报送 {number}」\n注销、关停的公告（第12条）发布后不需要告诉助手。要办理新的注销，请回复「注销 账号名称」。")
    assert bot.send("wl_zhao", "注销 抚松文旅").startswith("账号：抚松文旅（微信公众号")  # naming one still begins it
    bot.send("wl_zhao", "取消")
    # a change's words name what to change (「负责人换成赵敏了」): it begins, as before
    assert not bot.send("wl_zhao", "变更 负责人换成赵敏了").startswith("没有开始新的")
    bot.send("wl_zhao", "取消")


def test_suspend_with_other_reason(bot):
    seed_accounts(bot)
    assert "关停原因" in bot.send("wl_zhao", "关停 抚松文旅 抖音")
    assert "请说明具体原因" in bot.send("wl_zhao", "4")
    form = bot.send("wl_zhao", "平台业务调整暂停运营")
    assert "关停原因：其他：平台业务调整暂停运营" in form
    bot.send("wl_zhao", "确认")
    approve_all(bot, latest_request_id(bot), ("wl_sun", "zsj_review", "city_zhao"))
    assert account(bot, account_id(bot, "抚松文旅", "抖音"))["status"] == "已关停"


def test_fuzzy_name_and_a_second_request_is_refused(bot):
    seed_accounts(bot)
    assert "注销原因" in bot.send("ga_zhou", "注销 抚松公按")  # a typo still finds 抚松公安
    bot.send("ga_zhou", "无力维护")
    bot.send("ga_zhou", "确认")
    number = latest_request_id(bot)
    assert f"第{number}号" in bot.send("ga_zhou", "变更 抚松公安")
    assert "没有找到名称像" in bot.send("ga_zhou", "变更 不存在的号")


def test_other_units_accounts_are_not_offered(bot):
    seed_accounts(bot)
    reply = bot.send("jy_zhang", "注销 健康抚松")
    assert "没有找到名称像「健康抚松」" in reply and "健康抚松（" not in reply


def test_retroactive_filing(bot):
    seed_accounts(bot)
    with bot.db() as s:
        s.get(Account, account_id(bot, "抚松发布", "视频号")).needs_retro_filing = True
    form = bot.send("rm_cao", "补办备案")
    assert "第33条" in form and "账号名称：抚松发布" in form
    bot.send("rm_cao", "确认")
    approve_all(bot, latest_request_id(bot), ("rm_yan", "zsj_review", "city_zhao"))
    with bot.db() as s:
        assert s.get(Account, account_id(bot, "抚松发布", "视频号")).needs_retro_filing is False
    assert bot.send("rm_cao", "补办备案").endswith("以前开设、但不在台账里的账号（回复「台账」核对），请联系县政数局导入台账后再补办备案。")


def test_renaming_warns_about_article_9(bot):
    seed_accounts(bot)
    bot.say("jy_zhang", "变更 抚松教育 抖音", "1")
    reply = bot.send("jy_zhang", "教育新闻")
    assert "第9条" in reply and "变更原因" in reply


def test_returned_change_is_corrected_and_resubmitted(bot):
    seed_accounts(bot)
    bot.say("jy_zhang", "变更 抚松教育 抖音", "2", "发布教育短视频", "整改", "确认")
    number = latest_request_id(bot)
    bot.send("jy_wang", f"退回 {number} 请写明整改依据")
    douyin = account_id(bot, "抚松教育", "抖音")
    assert account(bot, douyin)["status"] == "正常"  # no longer 变更中 while sent back
    reply = bot.send("jy_zhang", f"修改 {number}")
    assert "退回意见：请写明整改依据" in reply and "账号功能：政务信息发布 → 发布教育短视频" in reply
    # 修改 asks what to correct: only the reason here, the new contents stay as they were
    assert "1. 变更内容（重新选择要变更的项目）\n2. 变更原因" in bot.send("jy_zhang", "修改")
    bot.say("jy_zhang", "2", "其他")
    form = bot.send("jy_zhang", "按2026年第3期通报要求整改")
    assert "账号功能：政务信息发布 → 发布教育短视频" in form and "变更原因：其他：按2026年第3期通报要求整改" in form
    # then the contents: what was typed before is shown, the reason is kept (not asked again)
    bot.say("jy_zhang", "修改", "1")
    assert "当前账号功能：政务信息发布（您上次填写的是「发布教育短视频」）。请输入新的账号功能" in bot.send("jy_zhang", "2")
    form = bot.send("jy_zhang", "发布教育短视频和政策解读")
    assert form.startswith("请核对变更申请") and "变更原因：其他：按2026年第3期通报要求整改" in form
    assert "已提交第" in bot.send("jy_zhang", "确认")
    state = request(bot, number)
    assert state["status"] == "待单位审核" and state["round"] == 2
    assert account(bot, douyin)["status"] == "变更中"
    approve_all(bot, number)
    with bot.db() as s:
        assert s.get(Account, douyin).function == "发布教育短视频和政策解读"


def test_naming_an_account_with_a_change_in_hand_says_so_instead_of_offering_the_others(bot):
    seed_accounts(bot)
    bot.say("jy_zhang", "变更 抚松教育 抖音", "2", "发布教育短视频和政策解读", "整改", "确认")
    number = latest_request_id(bot)
    assert account(bot, account_id(bot, "抚松教育", "抖音"))["status"] == "变更中"
    reply = bot.send("jy_zhang", "注销 抚松教育 抖音")
    assert f"已有一件在办的申请（第{number}号" in reply and "请选择账号" not in reply, reply


def test_the_approvers_card_shows_the_reason_written_under_other(bot):
    seed_accounts(bot)
    bot.say("wl_zhao", "关停 抚松文旅 抖音", "4", "平台业务调整暂停运营", "确认")
    number = latest_request_id(bot)
    card = card_for(bot, "wl_sun", number)
    facts = {f["keyname"]: f["value"] for f in card["horizontal_content_list"]}
    assert facts["理由"] == "其他：平台业务调整暂停运营", facts


def test_new_host_unit_list_leaves_out_units_that_may_not_hold_accounts(bot):
    seed_accounts(bot)
    bot.send("wl_zhao", "变更 抚松文旅 公众号")
    reply = bot.send("wl_zhao", "8")
    assert "抚松县应急管理局" in reply and "国家保密局" not in reply and "教育局办公室" not in reply, reply


def test_the_new_host_unit_is_told_and_asked_to_name_its_own_responsible_person(bot):
    seed_accounts(bot)
    bot.say("wj_liu", "变更 健康抚松", "8", "抚松县应急管理局", "是", "其他", "机构改革职能划转", "确认")
    number = latest_request_id(bot)
    assert bot.texts("yj_shi") == [] and bot.texts("yj_kong") == []
    approve_all(bot, number, ("wj_chen", "zsj_admin", "city_zhao"))
    for userid in ("yj_shi", "yj_kong"):
        notice = [t for t in bot.texts(userid) if "【账号移交】" in t]
        assert len(notice) == 1, bot.texts(userid)
        assert "健康抚松（微信公众号）" in notice[0] and "抚松县卫生健康局变更为抚松县应急管理局" in notice[0]
        assert "刘洋不是本单位人员" in notice[0] and "变更 健康抚松 微信公众号" in notice[0]


def test_cancelled_account_shows_its_pending_registry_filing_until_filed(bot):
    seed_accounts(bot)
    bot.send("ga_zhou", "注销 抚松公安")
    bot.send("ga_zhou", "无力维护")
    bot.send("ga_zhou", "确认")
    number = latest_request_id(bot)
    approve_all(bot, number, ("ga_wu", "zsj_review", "city_zhao"))
    line = next(l for l in bot.send("ga_zhou", "台账").splitlines() if "抚松公安｜微博" in l)
    assert "已注销" in line and "全国系统待报送" in line  # 第11条: the cancellation is still to be filed
    assert "已记录" in bot.send("ga_zhou", f"已报送 {number}")
    line = next(l for l in bot.send("ga_zhou", "台账").splitlines() if "抚松公安｜微博" in l)
    assert "已注销" in line and "待报送" not in line


def test_the_change_form_goes_straight_to_the_item_named(bot):
    seed_accounts(bot)
    bot.say("jy_zhang", "变更 抚松教育", "2", "2", "发布教育短视频和政策解读")
    assert "请核对变更申请" in bot.send("jy_zhang", "整改")
    assert "变更原因：" in bot.send("jy_zhang", "修改原因")
    form = bot.send("jy_zhang", "其他")
    assert "请说明变更原因" in form
    assert "变更原因：其他：栏目调整后功能变化" in bot.send("jy_zhang", "栏目调整后功能变化")
    assert "要变更哪些内容" in bot.send("jy_zhang", "变更内容")


def test_a_reason_in_the_clerks_own_words(bot):
    seed_accounts(bot)
    bot.send("ga_zhou", "注销 抚松公安")
    assert "注销原因：无力维护\n" in bot.send("ga_zhou", "没人维护了")  # the listed reason its words name
    assert "注销原因：" in bot.send("ga_zhou", "修改")
    # none of the listed reasons: the sentence is the reason, under 其他, shown on the form to check
    form = bot.send("ga_zhou", "已并入县融媒体中心统一发布")
    assert "注销原因：其他：已并入县融媒体中心统一发布" in form and "请核对注销申请" in form
    assert "注销原因：" in bot.send("ga_zhou", "修改")
    short = bot.send("ga_zhou", "不要")  # too short to be a reason: the list again
    assert "没能识别「不要」" in short and "1. 无力维护" in short


def test_a_request_typed_inside_another_dialogue_is_told_how_to_leave(bot):
    seed_accounts(bot)
    bot.say("ga_zhou", "注销 抚松公安", "1")
    reply = bot.send("ga_zhou", "我要开个抖音号")
    assert "（如果想另办一件事，请先回复「取消」结束「注销/关停申请」，已填的内容会留作草稿，办完后回复「继续」接着填。）" \
        in reply and "请核对注销申请" in reply


def test_the_items_to_change_can_be_named(bot):
    seed_accounts(bot)
    # 「换负责人」: the unit's accounts to choose from, then straight to the new responsible person
    listed = bot.send("jy_zhang", "换负责人")
    assert "请选择账号" in listed
    asked = bot.send("jy_zhang", "2")
    assert "账号负责人" in asked and "要变更哪些内容" not in asked
    bot.send("jy_zhang", "取消")
    # the account and the items with the command; 上一步 goes back to the list of items
    asked = bot.send("jy_zhang", "变更 抚松教育 抖音 负责人和电话")
    assert "账号负责人" in asked and "要变更哪些内容" not in asked
    assert "要变更哪些内容" in bot.send("jy_zhang", "上一步")
    # named at the list, not numbered
    assert "当前联系电话" in bot.send("jy_zhang", "电话")
    assert "变更原因" in bot.send("jy_zhang", "13812345678")


def test_the_handover_reaches_the_bureau_admins_when_nobody_of_the_new_host_unit_can_receive_it(bot):
    from sqlalchemy import update

    from models.org import Person
    seed_accounts(bot)
    with bot.db() as s:  # WeCom refused both people of 应急管理局 (marked invalid by the delivery)
        s.execute(update(Person).where(Person.userid.in_(("yj_shi", "yj_kong"))).values(wecom_invalid=True))
    bot.say("wj_liu", "变更 健康抚松", "8", "抚松县应急管理局", "是", "其他", "机构改革职能划转", "确认")
    approve_all(bot, latest_request_id(bot), ("wj_chen", "zsj_admin", "city_zhao"))
    [notice] = [t for t in bot.texts("zsj_admin") if "【账号移交】" in t]
    assert "抚松县卫生健康局变更为抚松县应急管理局" in notice
    assert "这条通知是发给抚松县应急管理局的，抚松县应急管理局的孔局长、施静在企业微信中已无效（可能已离职），收不到。" in notice


def test_the_new_responsible_person_may_be_the_sender_saying_me(bot):
    seed_accounts(bot)
    reply = bot.send("jy_li", "变更 抚松教育 公众号 负责人")
    assert "请选择新的账号负责人" in reply, reply
    assert "变更原因" in bot.send("jy_li", "本人")
    assert "账号负责人：张伟 → 李娜" in bot.send("jy_li", "整改")


def test_a_change_said_with_ba_the_account_and_the_item_before_the_verb(bot):
    """「我想把抚松教育公众号的负责人换成王局长」 (the item named before the verb, as clerks say it) was 「没有理解您的消息」."""
    seed_accounts(bot)
    asked = bot.send("jy_zhang", "我想把抚松教育公众号的负责人换成王局长")
    assert "当前账号负责人：张伟。请选择新的账号负责人" in asked, asked
    assert "变更原因" in bot.send("jy_zhang", "王局长")
    assert "账号负责人：张伟 → 王局长" in bot.send("jy_zhang", "整改")
    bot.send("jy_zhang", "取消")
    asked = bot.send("jy_zhang", "把抖音号的电话改成13812345678")
    assert "当前联系电话" in asked, asked
    bot.send("jy_zhang", "取消")
    assert "请选择账号" in bot.send("jy_zhang", "帮我把负责人换一下")  # no account named: the list to choose from
    bot.send("jy_zhang", "取消")
    # the item, the verb and the new value without 把, after why
    asked = bot.send("jy_zhang", "张伟离职了，抚松教育公众号的负责人换成王局长")
    assert "当前账号负责人：张伟。请选择新的账号负责人" in asked, asked
    bot.send("jy_zhang", "取消")
    assert "请选择账号" in bot.send("jy_zhang", "负责人改为王局长")


def test_a_new_responsible_person_is_asked_for_the_phone_on_record(bot):
    """The phone on record is the responsible person's (the 开设 form asks it right after him): changing only the
    person left 李娜's number under 张伟 on the approved form and in the ledger."""
    seed_accounts(bot)
    with bot.db() as s:
        s.get(Account, account_id(bot, "抚松教育", "抖音")).contact = "13912345678"
    bot.send("jy_zhang", "变更 抚松教育 抖音 负责人")
    asked = bot.send("jy_zhang", "张伟")
    assert "负责人换成了张伟。当前联系电话：13912345678（李娜）。请输入张伟的联系电话，电话不变回复「不变」：" in asked, asked
    wrong = bot.send("jy_zhang", "1391234")
    assert "请填写11位手机号" in wrong and "电话不变回复「不变」" in wrong
    assert "变更原因" in bot.send("jy_zhang", "13800001111")
    form = bot.send("jy_zhang", "整改")
    assert "账号负责人：李娜 → 张伟" in form and "联系电话：13912345678 → 13800001111" in form, form
    bot.send("jy_zhang", "确认")
    approve_all(bot, latest_request_id(bot))
    assert account(bot, account_id(bot, "抚松教育", "抖音"))["responsible"] == "jy_zhang"
    with bot.db() as s:
        assert s.get(Account, account_id(bot, "抚松教育", "抖音")).contact == "13800001111"
    bot.send("jy_zhang", "变更 抚松教育 抖音 负责人")
    bot.send("jy_zhang", "李娜")
    assert "变更原因" in bot.send("jy_zhang", "不变")  # a shared office phone: kept, not a change
    form = bot.send("jy_zhang", "整改")
    assert "账号负责人：张伟 → 李娜" in form and "联系电话：" not in form.split("变更内容")[1], form
    bot.send("jy_zhang", "取消")
    bot.send("jy_zhang", "变更 抚松教育 抖音 负责人和电话")  # both named: asked once each, as before
    asked = bot.send("jy_zhang", "李娜")
    assert asked == "当前联系电话：13800001111。请输入新的联系电话：", asked


def test_leaving_the_correction_of_a_returned_request_says_the_request_stays_as_it_was(bot):
    """取消 while correcting a returned request said 「已取消「开设申请」，没有提交任何内容。」: read as the request
    itself being cancelled, with nothing said of how to take it up again."""
    from tests.approvals_helpers import submit_open
    seed_accounts(bot)
    number = submit_open(bot)
    bot.send("jy_wang", f"退回 {number} 理由写详细点")
    bot.say("jy_zhang", f"修改 {number}", "修改", "9", "家长需要及时了解招生政策")
    left = bot.send("jy_zhang", "取消")
    assert left == (f"已取消「开设申请」：第{number}号开设申请没有改动，仍是「已退回」。回复「修改 {number}」重新修改后提交，"
                    f"或「撤回 {number}」。\n已填写的内容（账号类型：微博，账号名称：抚松教育）已保存为草稿，回复「继续」可接着填写"
                    "（不需要就不用理会）。"), left  # the new reason is not lost either
    assert "家长需要及时了解招生政策" in bot.send("jy_zhang", "继续")
    bot.send("jy_zhang", "取消")
    assert request(bot, number)["status"] == "已退回"
    bot.say("jy_zhang", "变更 抚松教育 抖音", "2", "发布教育短视频", "整改", "确认")
    change = latest_request_id(bot)
    bot.send("jy_wang", f"退回 {change} 请写明整改依据")
    shown = bot.send("jy_zhang", f"修改 {change}")  # nothing typed yet: no draft is promised (none is kept)
    assert shown.endswith("回复「确认」提交，「修改」修改变更内容或原因，「取消」放弃。"), shown
    assert bot.send("jy_zhang", "取消").startswith(f"已取消「变更申请」：第{change}号变更申请没有改动，仍是「已退回」。")
    bot.send("jy_zhang", "开设")
    assert bot.send("jy_zhang", "取消") == ("已取消「开设申请」，没有提交任何内容。\n"  # a new form: as before, and the
                                          "之前保存的「开设申请」草稿仍保留，回复「继续」可接着填写。")  # draft left above


def test_an_item_whose_new_value_is_the_old_one_is_left_out_not_a_dead_end(bot):
    """「无」 for an empty 主页URL chosen with the name got 「新的内容与现在的一样（None），请输入不同的内容，或回复「取消」」:
    a Python None shown, and the only way out offered dropped the name already typed."""
    seed_accounts(bot)
    bot.say("jy_zhang", "变更 抚松教育 微信公众号", "1 3")
    assert "请输入新的主页URL" in bot.send("jy_zhang", "抚松县教育发布")
    left_out = bot.send("jy_zhang", "无")
    assert left_out.startswith("主页URL/下载URL新旧一样（空），这一项不列入变更。"), left_out
    assert "变更原因" in left_out and "None" not in left_out
    form = bot.send("jy_zhang", "整改")
    assert "变更内容：\n账号名称：抚松教育 → 抚松县教育发布\n变更原因：整改" in form, form
    bot.send("jy_zhang", "取消")
    bot.say("jy_zhang", "变更 抚松教育 微信公众号", "3")
    alone = bot.send("jy_zhang", "无")
    assert alone.startswith("新的主页URL/下载URL与现在的一样（空），请输入不同的内容；这一项不用变更的话，回复「上一步」"), alone
    assert "要变更哪些内容" in bot.send("jy_zhang", "上一步")


def test_a_mistyped_platform_in_a_closure_is_offered_not_taken(bot):
    """「注销 公重号」 listed every account with 「没有找到名称像「公重号」」: the typo table served 开设 only."""
    seed_accounts(bot)
    reply = bot.send("wl_zhao", "注销 公重号")
    assert reply.startswith("没有找到名称像「公重号」的可以注销的账号。您是说「微信公众号」吗？"), reply
    assert "抚松文旅（微信公众号" in reply and "抖音" not in reply, reply
    assert "注销原因" in bot.send("wl_zhao", "1")


def test_the_person_named_responsible_learns_it_and_the_one_replaced_too(bot):
    """第21条: a change of the responsible person, approved, told no one but the applicant — the new responsible
    person (a head here) never learned he answers for the account, nor the old one that he no longer does."""
    seed_accounts(bot)
    bot.say("jy_zhang", "变更 抚松教育 抖音 负责人", "王局长", "不变", "整改", "确认")
    number = latest_request_id(bot)
    approve_all(bot, number)
    [told] = [t for t in bot.texts("jy_wang") if "【账号负责人】" in t]
    assert f"第{number}号变更申请已审批通过，您是「抚松教育」（抖音，抚松县教育局）的账号负责人" in told, told
    assert "第21条" in told and "停更提醒会发给您" in told
    [replaced] = [t for t in bot.texts("jy_li") if "【账号负责人】" in t]
    assert "「抚松教育」（抖音，抚松县教育局）的账号负责人已由您改为王局长，今后这个账号的停更提醒发给王局长。" in replaced, \
        replaced
    assert not [t for t in bot.texts("jy_zhang") if "【账号负责人】" in t]  # the applicant named him: no notice


def test_a_colleague_named_responsible_on_the_opening_form_learns_it(bot):
    from tests.approvals_helpers import OPEN_WEIBO, submit_open
    number = submit_open(bot, "jy_zhang", [*OPEN_WEIBO[:6], "李娜", *OPEN_WEIBO[7:]])
    approve_all(bot, number)
    [told] = [t for t in bot.texts("jy_li") if "【账号负责人】" in t]
    assert f"第{number}号开设申请已审批通过，您是「抚松教育」（微博，抚松县教育局）的账号负责人" in told, told
    number = submit_open(bot, "jy_zhang", ["开设", "快手", "抚松教育", "发布教育短视频", "https://www.kuaishou.com/u/fs",
                                           "fsjy2026", "我", "13912345678", "无", "及时发布教育政策，服务群众", "是"])
    approve_all(bot, number)
    assert not [t for t in bot.texts("jy_zhang") if "【账号负责人】" in t]  # himself: he knows


OPEN_WECHAT = ["开设", "微信公众号", "应急抚松", "发布应急管理政策和预警信息", "无", "gh_0123456789ab", "1", "13912345678",
               "无", "及时发布预警信息，服务群众", "是"]


def test_a_move_into_a_unit_counts_as_its_account_on_that_platform(bot):
    """第13条: a change of host unit was checked against the new unit's accounts only — not its opening request on
    the platform, nor the other way round — so both approved left the unit with two accounts on one platform."""
    from tests.approvals_helpers import submit_open
    seed_accounts(bot)
    opening = submit_open(bot, "yj_shi", OPEN_WECHAT)
    bot.say("wj_liu", "变更 健康抚松", "8")
    refused = bot.send("wj_liu", "抚松县应急管理局")
    assert f"抚松县应急管理局在微信公众号已有一个开设申请（第{opening}号" in refused and "第13条" in refused, refused
    bot.send("wj_liu", "取消")
    assert "已撤回" in bot.send("yj_shi", f"撤回 {opening}")
    bot.say("wj_liu", "变更 健康抚松", "8", "抚松县应急管理局", "是", "其他", "机构改革职能划转", "确认")
    moving = latest_request_id(bot)
    bot.send("yj_shi", "开设")
    refused = bot.send("yj_shi", "微信公众号")
    assert (f"第{moving}号变更申请（待单位审核）要把抚松县卫生健康局的微信公众号账号「健康抚松」的主办单位变更为抚松县应急管理局"
            in refused and "第13条" in refused), refused


def test_a_move_is_checked_again_when_submitted(bot):
    from tests.approvals_helpers import submit_open
    seed_accounts(bot)
    form = bot.say("wj_liu", "变更 健康抚松", "8", "抚松县应急管理局", "是", "其他", "机构改革职能划转")[-1]
    assert "请核对变更申请" in form
    opening = submit_open(bot, "yj_shi", OPEN_WECHAT)  # while the form waits to be confirmed
    refused = bot.send("wj_liu", "确认")
    assert f"已有一个开设申请（第{opening}号" in refused and "申请未提交" in refused, refused
    assert latest_request_id(bot) == opening


def test_a_suspended_account_can_be_cancelled_for_good(bot):
    """An account 关停 could never be 注销: 「注销 抚松公安」 said 「没有可以办理的正常账号」, though it stood in the
    ledger as 已关停, and no other way led to its cancellation (第10条)."""
    seed_accounts(bot)
    bot.say("ga_zhou", "关停 抚松公安", "无力维护", "确认")
    approve_all(bot, latest_request_id(bot), ("ga_wu", "zsj_review", "city_zhao"))
    bot.send("ga_zhou", f"已报送 {latest_request_id(bot)}")
    assert bot.send("ga_zhou", "注销 抚松公安") == "账号：抚松公安（微博，抚松县公安局，已关停）\n\n" \
        "注销原因：\n1. 无力维护\n2. 主办单位撤销合并\n3. 按通报整改要求\n4. 其他\n（回复序号）"
    assert "请核对注销申请" in bot.send("ga_zhou", "主办单位撤销合并")
    bot.send("ga_zhou", "确认")
    number = latest_request_id(bot)
    weibo = account_id(bot, "抚松公安", "微博")
    assert account(bot, weibo)["status"] == "已关停"  # until approved
    approve_all(bot, number, ("ga_wu", "zsj_review", "city_zhao"))
    assert account(bot, weibo)["status"] == "已注销" and account(bot, weibo)["registry_status"] == "待报送"
    assert "可以办理的正常账号" in bot.send("ga_zhou", "关停 抚松公安")  # 关停 and 变更 still want a live account
