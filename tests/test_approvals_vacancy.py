"""A step nobody can decide: told at submission, when the only approver leaves or loses the role, by the
reminder job; and the cards that follow when org import / org sync gives the step a holder again."""
from __future__ import annotations

from datetime import datetime

from bot import clock
from models.org import find_person
from sim.demo import COUNTY
from tests.approvals_helpers import request, submit_open, without_city_admin


def set_roles(bot, userid: str, *roles: str) -> None:
    with bot.db() as s:
        find_person(s, userid).set_roles(set(roles))


def test_a_request_filed_without_a_unit_head_tells_the_applicant_who_was_told(bot):
    set_roles(bot, "jy_wang", "staff")
    number = submit_open(bot)
    [admin] = [t for t in bot.texts("zsj_admin") if "找不到审批人" in t]
    assert f"第{number}号开设申请（抚松教育，抚松县教育局）在「开设单位意见」环节找不到审批人" in admin
    assert "通讯录中没有在职的抚松县教育局的「单位负责人」" in admin
    [told] = [t for t in bot.texts("jy_zhang") if "暂时没有审批人" in t]
    assert told.startswith(f"您的第{number}号开设申请（抚松教育）已提交，但「开设单位意见」环节暂时没有审批人")
    assert "已通知县政数局管理员（马管理）在通讯录中指定" in told and "您无需重新提交" in told
    assert request(bot, number)["status"] == "待单位审核"


def test_the_reminder_job_says_nobody_can_be_reminded_and_whom_to_appoint(bot):
    from jobs import approvals as jobs
    set_roles(bot, "jy_wang", "staff")
    clock.set_now(datetime(2026, 12, 7, 10, 0))  # a Monday
    number = submit_open(bot)
    for day in ("2026-12-08", "2026-12-09", "2026-12-10"):
        clock.set_now(datetime.fromisoformat(day + "T09:30"))
        jobs.approval_reminders(day)
    [chase] = [t for t in bot.texts("zsj_admin") if t.startswith("督办") and f"第{number}号" in t]
    assert "已等待1个工作日，没有可以提醒的审批人：通讯录中没有在职的抚松县教育局的「单位负责人」" in chase, chase
    assert "已提醒" not in chase and "（无审批人）" not in chase


def test_a_holder_wecom_refuses_is_nobody_to_remind(bot):
    """WeCom said 王局长's userid is invalid (left, not yet synced): his reminders would reach no one, so the
    bureau hears it instead of the job believing it reminded him."""
    from jobs import approvals as jobs
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    number = submit_open(bot)
    with bot.db() as s:
        find_person(s, "jy_wang").wecom_invalid = True
    for day in ("2026-12-08", "2026-12-09"):
        clock.set_now(datetime.fromisoformat(day + "T09:30"))
        assert jobs.approval_reminders(day) == 0
    [chase] = [t for t in bot.texts("zsj_admin") if t.startswith("督办") and f"第{number}号" in t]
    assert "审批人王局长在企业微信中已无效（可能已离职），提醒发不到" in chase, chase


# --- the directory changes under a waiting request (org import / org sync) ---------------------

def import_people(app, tmp_path, *rows, dry_run=False, allow_no_admin=False):
    from tests.test_org_import import write_xlsx
    args = ["org", "import", str(write_xlsx(tmp_path / "名册.xlsx", [], rows)), *(["--dry-run"] if dry_run else []),
            *(["--allow-no-admin"] if allow_no_admin else [])]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    return result


def approval_cards(bot, userid: str, number: int) -> list[dict]:
    return [c for c in bot.cards(userid) if c["main_title"]["title"].startswith(f"第{number}号")]


def card_labels(bot, card: dict) -> list[str]:
    """The labels the card's buttons were greyed with (WeCom's update_template_card calls)."""
    bot.deliver()
    return [u["button"]["replace_name"] for u in bot.fake.state.card_updates if u["task_id"] == card["task_id"]]


def test_the_only_head_leaving_is_in_the_departure_notice_and_a_new_head_gets_the_card(bot, app, tmp_path):
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    number = submit_open(bot)
    import_people(app, tmp_path, ("jy_wang", "王局长", "抚松县教育局", "单位负责人", "", "否"))
    [notice] = [t for t in bot.texts("zsj_admin") if t.startswith("【人员停用】")]
    assert "有的审批中的申请因此已无审批人，请尽快在通讯录中指定" in notice
    assert (f"   审批无人：第{number}号开设申请（抚松教育，抚松县教育局）在「开设单位意见」环节已无审批人（王局长已停用），"
            "请在通讯录中指定抚松县教育局的「单位负责人」") in notice, notice
    [stuck] = [t for t in bot.texts("jy_zhang") if "已没有审批人" in t]
    assert stuck.startswith(f"您的第{number}号开设申请（抚松教育）在「开设单位意见」环节已没有审批人：王局长已停用。")
    assert "已通知县政数局管理员（马管理）在通讯录中指定抚松县教育局的「单位负责人」" in stuck

    clock.set_now(datetime(2026, 12, 10, 10, 0))
    new_head = ("jy_zhao", "赵局长", "抚松县教育局", "单位负责人", "", "是")
    trial = import_people(app, tmp_path, new_head, dry_run=True)
    assert f"将把第{number}号开设申请（抚松教育）「开设单位意见」环节的审批卡片发给新的审批人：赵局长" in trial.output
    assert approval_cards(bot, "jy_zhao", number) == []
    result = import_people(app, tmp_path, new_head)
    assert f"已把第{number}号开设申请（抚松教育）「开设单位意见」环节的审批卡片发给新的审批人：赵局长" in result.output
    assert len(approval_cards(bot, "jy_zhao", number)) == 1
    assert any(t.startswith(f"第{number}号开设申请（抚松教育，微博，抚松县教育局）在「开设单位意见」环节待您审批。")
               and f"「同意 {number}」" in t for t in bot.texts("jy_zhao"))
    assert bot.texts("jy_zhang")[-1] == (f"您的第{number}号开设申请（抚松教育）在「开设单位意见」环节已有审批人：赵局长，"
                                         "由他审批，审批卡片已发出。")
    with bot.db() as s:  # nobody could decide it before: the reminders count from now
        from models.approval import ApprovalRequest
        assert clock.localize(s.get(ApprovalRequest, number).step_started_at).date().isoformat() == "2026-12-10"
    again = import_people(app, tmp_path, new_head)  # the same roster again: no second card
    assert "审批卡片发给新的审批人" not in again.output
    assert len(approval_cards(bot, "jy_zhao", number)) == 1
    assert "已同意" in bot.send("jy_zhao", f"同意 {number}")


def test_losing_the_role_is_reported_and_regaining_it_sends_no_second_card(bot, app, tmp_path):
    number = submit_open(bot)
    assert len(approval_cards(bot, "jy_wang", number)) == 1
    result = import_people(app, tmp_path, ("jy_wang", "王局长", "抚松县教育局", "单位工作人员", "", "是"))
    assert (f"审批无人：第{number}号开设申请（抚松教育，抚松县教育局）在「开设单位意见」环节已无审批人"
            "（王局长已不再担任「单位负责人」），请在通讯录中指定抚松县教育局的「单位负责人」，指定后助手会自动把审批卡片发给他。"
            "已通知主管单位管理员：马管理。") in result.output, result.output
    [card] = approval_cards(bot, "jy_wang", number)
    assert card_labels(bot, card) == ["已不是审批人"]  # no live-looking card for a request he may not decide
    [notice] = [t for t in bot.texts("zsj_admin") if t.startswith("【审批无人】")]
    assert notice.startswith("【审批无人】名册导入后，以下审批中的申请已没有审批人：")
    assert f"第{number}号开设申请（抚松教育，抚松县教育局）在「开设单位意见」环节已无审批人（王局长已不再担任「单位负责人」）" in notice
    assert any("王局长已不再担任「单位负责人」" in t and "已没有审批人" in t for t in bot.texts("jy_zhang"))

    result = import_people(app, tmp_path, ("jy_wang", "王局长", "抚松县教育局", "单位负责人", "", "是"))
    first, again = approval_cards(bot, "jy_wang", number)  # his first card was greyed: a live one comes
    assert card_labels(bot, first) == ["已不是审批人"] and card_labels(bot, again) == []
    assert "已有审批人：王局长" in bot.texts("jy_zhang")[-1]
    assert f"已把第{number}号开设申请（抚松教育）「开设单位意见」环节的审批卡片发给新的审批人：王局长" in result.output
    bot.click("jy_wang", first["task_id"], "approve")
    assert bot.texts("jy_wang")[-1].startswith(f"这张卡片已失效：您重新成为审批人后，已收到第{number}号申请的新卡片")
    assert bot.click("jy_wang", again["task_id"], "approve").button_label == "王局长已同意"


def test_a_second_reviewer_gets_the_waiting_card_without_news_for_the_applicant(bot, app, tmp_path):
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    heard = len(bot.texts("jy_zhang"))
    import_people(app, tmp_path, ("zsj_new", "新审核", COUNTY, "主管单位审核人", "", "是"))
    assert len(approval_cards(bot, "zsj_new", number)) == 1
    assert len(approval_cards(bot, "zsj_review", number)) == 1
    assert len(bot.texts("jy_zhang")) == heard  # the step never lacked an approver
    assert not any("审批无人" in t for t in bot.texts("zsj_admin"))


def test_the_summary_says_when_no_admin_could_be_told(bot, app, tmp_path):
    """The same roster takes 马管理's admin role (the county's only admin) and 王局长's head role: nobody heard of
    the stranded request but the one running the command."""
    without_city_admin(bot)  # nor one at the city bureau, the level above
    number = submit_open(bot)
    result = import_people(app, tmp_path, ("jy_wang", "王局长", "抚松县教育局", "单位工作人员", "", "是"),
                           ("zsj_admin", "马管理", COUNTY, "主管单位审核人", "", "是"), allow_no_admin=True)
    assert f"审批无人：第{number}号开设申请" in result.output
    assert "指定后助手会自动把审批卡片发给他。没有可通知的主管单位管理员，请自行在通讯录中指定。" in result.output, result.output


def test_a_reviewer_losing_the_role_beside_another_has_his_card_greyed(bot, app, tmp_path):
    """杨审核 is no longer 主管单位审核人; 马管理 still is: the step keeps an approver, only 杨审核's card goes grey."""
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    [card] = approval_cards(bot, "zsj_review", number)
    [kept] = approval_cards(bot, "zsj_admin", number)
    result = import_people(app, tmp_path, ("zsj_review", "杨审核", COUNTY, "单位工作人员", "", "是"))
    assert card_labels(bot, card) == ["已不是审批人"] and card_labels(bot, kept) == []
    assert "审批无人" not in result.output and "审批卡片发给新的审批人" not in result.output
    assert not any("审批无人" in t for t in bot.texts("zsj_admin"))
    assert bot.click("zsj_review", card["task_id"], "approve").button_label == "已不是审批人"
    assert bot.texts("zsj_review")[-1] == (f"通讯录变更后，您已不是第{number}号申请的审批人，这张卡片已失效，"
                                           "无需处理。")  # not 「已经处理过了」: nobody decided it
    assert bot.click("zsj_admin", kept["task_id"], "approve").button_label == "马管理已同意"


def test_org_sync_departure_and_return_of_the_only_head(bot, wecom, sync):
    number = submit_open(bot)
    [card] = approval_cards(bot, "jy_wang", number)
    users = wecom.state.users
    users[3] = [m for m in users[3] if m["userid"] != "jy_wang"]
    gone = sync()
    assert gone.exit_code == 0
    assert f"审批无人：第{number}号开设申请（抚松教育，抚松县教育局）在「开设单位意见」环节已无审批人（王局长已停用）" in gone.output
    assert card_labels(bot, card) == ["已不是审批人"]  # the departed head's card too (WeCom may refuse: no harm)
    [notice] = [t for t in bot.texts("zsj_admin") if t.startswith("【人员停用】")]
    assert f"审批无人：第{number}号开设申请" in notice and "（王局长已停用）" in notice
    assert "已没有审批人：王局长已停用" in bot.texts("jy_zhang")[-1]
    users[3].append({"userid": "jy_wang", "name": "王局长", "department": [3], "main_department": 3, "status": 1})
    back = sync()
    assert back.exit_code == 0
    first, again = approval_cards(bot, "jy_wang", number)  # his card was greyed when he left: a live one comes
    assert card_labels(bot, first) == ["已不是审批人"] and card_labels(bot, again) == []
    assert "已有审批人：王局长" in bot.texts("jy_zhang")[-1]
    assert f"已把第{number}号开设申请（抚松教育）「开设单位意见」环节的审批卡片发给新的审批人：王局长" in back.output


def test_urging_a_step_without_an_approver_says_so(bot):
    set_roles(bot, "jy_wang", "staff")
    number = submit_open(bot)
    reply = bot.send("jy_zhang", f"催办 {number}")
    assert reply == (f"第{number}号申请在「开设单位意见」环节目前没有可以催办的审批人：通讯录中没有在职的抚松县教育局的「单位负责人」。"
                     "请联系县政数局管理员（马管理）在通讯录中指定抚松县教育局的「单位负责人」，指定后助手会自动把审批卡片发给新的审批人。")


def test_the_only_admin_filing_without_a_reviewer_is_not_told_nobody_was_told(bot):
    """马管理 (the county's only admin) files for 教育局 whose head 王局长 agrees; the bureau step has no reviewer."""
    from tests.approvals_helpers import submit_open_for
    set_roles(bot, "zsj_review", "staff")
    number = submit_open_for(bot, "zsj_admin", "抚松县教育局")
    bot.send("jy_wang", f"同意 {number}")
    [told] = [t for t in bot.texts("zsj_admin") if "暂时没有审批人" in t]
    assert told.startswith(f"您的第{number}号开设申请（抚松教育）已进入「主管单位意见」环节，但")
    assert "您是县政数局管理员，请在通讯录中指定" in told and "无人收到通知" not in told


def test_wecom_refusing_the_departed_heads_card_update_blocks_nothing(bot, wecom, sync):
    """WeCom answers 81013 (user not found) to greying the card of someone who has left: the update row fails on
    its own, the notices of the same change are delivered, and the admins' failure summary does not count it."""
    from sqlalchemy import select
    from models.outbox import FAILED, OutboxMessage
    number = submit_open(bot)
    [card] = approval_cards(bot, "jy_wang", number)
    wecom.inject("message/update_template_card", errcode=81013)
    wecom.state.users[3] = [m for m in wecom.state.users[3] if m["userid"] != "jy_wang"]
    assert sync().exit_code == 0
    assert card_labels(bot, card) == []
    assert any(t.startswith("【人员停用】") and f"审批无人：第{number}号" in t for t in bot.texts("zsj_admin"))
    assert "已没有审批人：王局长已停用" in bot.texts("jy_zhang")[-1]
    with bot.db() as s:
        [update] = s.scalars(select(OutboxMessage).where(OutboxMessage.msgtype == "card_update"))
        assert update.status == FAILED and update.userid == "jy_wang"
        assert [m.msgtype for m in s.scalars(select(OutboxMessage).where(OutboxMessage.status == FAILED))] \
            == ["card_update"]
    assert not any("推送失败" in t or "发送失败" in t for t in bot.texts("zsj_admin"))


def test_a_card_sent_before_sync_respelled_the_userid_is_still_his_live_card(bot, wecom, sync):
    """WeCom spells 王局长's userid JY_Wang; the roster said jy_wang and his card went out under it. After the
    sync stores WeCom's spelling the card is still his live one (a new-approver check sends no second card)."""
    from handlers.approvals_vacancy import has_live_card
    from models.approval import ApprovalRequest
    number = submit_open(bot)
    [card] = approval_cards(bot, "jy_wang", number)
    wecom.state.users[3] = [dict(m, userid="JY_Wang") if m["userid"] == "jy_wang" else m
                            for m in wecom.state.users[3]]
    assert sync().exit_code == 0
    with bot.db() as s:
        person = find_person(s, "JY_Wang")
        assert person.userid == "JY_Wang"
        assert has_live_card(s, s.get(ApprovalRequest, number), person)
    assert card_labels(bot, card) == []


# --- the level told: the city bureau's step, a county without admins -------------------------

def city_admin_only(bot) -> None:
    """The demo city bureau's 钱管理 (city_qian) keeps the admin's role only: 赵审批 is then its one reviewer."""
    set_roles(bot, "city_qian", "bureau_admin")


def test_a_city_step_without_a_city_reviewer_is_the_city_bureau_admins_to_fill(bot):
    """The city step has no 市级审批人: the city bureau's admins appoint one, and the texts say 市政数局, not
    县政数局 (whose admins can appoint nobody there)."""
    from sim.demo import CITY
    city_admin_only(bot)
    set_roles(bot, "city_zhao")
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    bot.send("zsj_review", f"同意 {number}")
    [admin] = [t for t in bot.texts("city_qian") if "找不到审批人" in t]
    assert f"通讯录中没有在职的{CITY}的「市级审批人」（申请人本人除外）。请在名册中指定" in admin, admin
    assert not any("找不到审批人" in t for t in bot.texts("zsj_admin"))
    [told] = [t for t in bot.texts("jy_zhang") if "暂时没有审批人" in t]
    assert "已通知市政数局管理员（钱管理）在通讯录中指定" in told and "县政数局" not in told, told
    reply = bot.send("jy_zhang", f"催办 {number}")
    assert f"请联系市政数局管理员（钱管理）在通讯录中指定{CITY}的「市级审批人」" in reply, reply


def test_a_county_without_admins_has_the_city_bureau_admins_told_and_says_so(bot):
    """抚松's bureau has no admin: a step nobody holds went to nobody, and the applicant heard 「县政数局在通讯录中
    没有管理员，无人收到通知」. The level above (the city bureau) is told instead, and every text says so."""
    from jobs import approvals as jobs
    from sim.demo import COUNTY
    set_roles(bot, "zsj_admin", "bureau_reviewer")
    set_roles(bot, "jy_wang", "staff")
    clock.set_now(datetime(2026, 12, 7, 10, 0))  # a Monday
    number = submit_open(bot)
    [admin] = [t for t in bot.texts("city_qian") if "找不到审批人" in t]
    assert f"（{COUNTY}在通讯录中没有管理员，改为通知您）" in admin, admin
    [told] = [t for t in bot.texts("jy_zhang") if "暂时没有审批人" in t]
    assert f"{COUNTY}在通讯录中没有管理员，已通知市政数局管理员（钱管理）在通讯录中指定" in told, told
    reply = bot.send("jy_zhang", f"催办 {number}")
    assert (f"{COUNTY}在通讯录中没有管理员，请联系市政数局管理员（钱管理）在通讯录中指定抚松县教育局的「单位负责人」"
            in reply), reply
    clock.set_now(datetime(2026, 12, 8, 9, 30))
    jobs.approval_reminders("2026-12-08")
    [chase] = [t for t in bot.texts("city_qian") if t.startswith("督办") and f"第{number}号" in t]
    assert f"（{COUNTY}在通讯录中没有管理员，改为通知您。）" in chase, chase


def test_the_city_reviewer_leaving_tells_the_applicant_that_the_city_bureau_admins_were_told(bot, app, tmp_path):
    """The departure notice for a city reviewer goes to the city bureau's admins: the applicant is told so, not
    that 县政数局管理员 were."""
    from sim.demo import CITY
    city_admin_only(bot)
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    bot.send("zsj_review", f"同意 {number}")
    import_people(app, tmp_path, ("city_zhao", "赵审批", CITY, "市级审批人", "", "否"))
    assert any(t.startswith("【人员停用】") and f"第{number}号" in t for t in bot.texts("city_qian"))
    [stuck] = [t for t in bot.texts("jy_zhang") if "已没有审批人" in t]
    assert f"已通知市政数局管理员（钱管理）在通讯录中指定{CITY}的「市级审批人」" in stuck, stuck
