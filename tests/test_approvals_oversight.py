"""Approvals meet oversight: the cancellation drafted by the dormancy ladder (第15条) and by an
ordered closure (第32条), what the case learns from it, and the untrained-responsible-person flag."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from jobs import dormancy
from models.account import Account
from models.approval import ApprovalRequest
from models.audit import AuditLog
from models.oversight import DormancyCase
from tests.approvals_helpers import (account_id, approve_all, change_responsible, latest_request_id, request,
                                     seed_accounts)
from tests.oversight_helpers import add_account, at

LAST = date(2026, 8, 3)  # a Monday; 91 days idle on 2026-11-02


def go_dormant(bot, **kw) -> tuple[int, int, int]:
    """An account idle for 91 days: (account id, case id, drafted request id)."""
    account = add_account(bot, last_update_on=LAST, **kw)
    at(date(2026, 11, 2))
    dormancy.dormancy_ladder("2026-11-02")
    with bot.db() as s:
        case = s.scalar(select(DormancyCase).where(DormancyCase.account_id == account))
        return account, case.id, case.approval_request_id


def case_status(bot, case_id: int) -> str:
    with bot.db() as s:
        return s.get(DormancyCase, case_id).status


def test_90_days_drafts_a_cancellation_the_unit_completes_and_the_case_closes_on_approval(bot):
    account, case, number = go_dormant(bot)
    assert number is not None
    with bot.db() as s:
        req = s.get(ApprovalRequest, number)
        assert (req.kind, req.status, req.reason_kind, req.account_id) == ("注销", "草稿", "无力维护", account)
        assert req.applicant.userid == "jy_zhang" and req.submitted_at is None  # the responsible person
    for userid in ("jy_zhang", "jy_li", "jy_wang"):  # the unit's staff and head
        notice = bot.texts(userid)[-1]
        assert "【停更认定】" in notice and f"修改 {number}" in notice and f"说明 {case}" in notice, userid
    assert bot.texts("wj_liu") == []
    assert bot.texts("zsj_review") == [] and bot.send("zsj_review", "待办").count(f"第{number}号") == 0
    mine = bot.send("jy_li", "我的申请")  # another staff member sees the unit's draft
    assert f"第{number}号 注销「抚松教育」（微信公众号） — 草稿" in mine and f"修改 {number}" in mine
    assert f"第{number}号" not in bot.send("wj_liu", "我的申请")
    assert "没有找到" in bot.send("wj_liu", f"修改 {number}")  # another unit

    shown = bot.send("jy_wang", f"查看 {number}")
    assert f"第{number}号 注销申请 · 草稿" in shown and "注销原因：无力维护（停更91天" in shown
    assert f"尚未提交的草稿：回复「修改 {number}」" in shown
    form = bot.send("jy_li", f"修改 {number}")
    assert "请核对注销申请" in form and "注销原因：无力维护" in form and "第12条" in form
    reply = bot.send("jy_li", "确认")
    assert f"已提交第{number}号注销申请" in reply, reply
    assert request(bot, number)["status"] == "待单位审核"
    with bot.db() as s:
        assert s.get(ApprovalRequest, number).applicant.userid == "jy_li"  # whoever completes it files it
    assert case_status(bot, case) == "待处理"
    assert f"第{number}号" in bot.send("jy_li", "我的申请") and "草稿" not in bot.send("jy_li", "我的申请")
    approve_all(bot, number)
    with bot.db() as s:
        assert s.get(Account, account).status == "已注销"
    assert case_status(bot, case) == "已注销"  # settled at once, not only at the next ladder run
    assert "没有待处理的跟进事项" in bot.send("jy_wang", "跟进事项")


def test_withdrawing_the_draft_keeps_the_case_open_and_asks_for_an_explanation(bot):
    _account, case, number = go_dormant(bot)
    assert "没有找到" in bot.send("wj_liu", f"撤回 {number}")  # another unit
    assert request(bot, number)["status"] == "草稿"
    assert f"已撤回第{number}号申请草稿" in bot.send("jy_li", f"撤回 {number}")
    assert request(bot, number)["status"] == "已撤回"
    assert case_status(bot, case) == "待处理"
    told = bot.texts("jy_wang")[-1]
    assert f"跟进事项 {case}" in told and "已撤回" in told and f"说明 {case}" in told
    assert "已撤回" in bot.texts("zsj_admin")[-1] and "说明" in bot.texts("zsj_admin")[-1]
    assert f"{case}. [待处理] 抚松教育（微信公众号）｜停更90天｜注销申请第{number}号：已撤回" in bot.send("jy_li", "跟进事项")
    assert "当前是「已撤回」，不能撤回" in bot.send("jy_li", f"撤回 {number}")
    assert "只有被退回的申请" in bot.send("jy_li", f"修改 {number}")
    assert "草稿" not in bot.send("jy_li", "我的申请")
    assert "已提交" in bot.say("jy_li", f"说明 {case} 账号承担家校通知，已安排专人每周更新", "确认")[-1]
    assert case_status(bot, case) == "说明待审"
    with bot.db() as s:
        actions = [a for a in s.scalars(select(AuditLog.action).where(AuditLog.entity_id == str(case),
                                                                        AuditLog.entity == "dormancy_case"))]
        assert "dormancy_case.request_dropped" in actions


def test_withdrawing_or_rejecting_the_submitted_cancellation_keeps_the_case_open(bot):
    _account, case, number = go_dormant(bot)
    bot.send("jy_zhang", f"修改 {number}")
    bot.send("jy_zhang", "确认")
    assert "已同意" in bot.send("jy_wang", f"同意 {number}")
    bot.send("zsj_review", f"驳回 {number} 该账号仍有保留价值，请恢复更新并说明")
    assert "已驳回" in bot.send("zsj_review", "确认")
    assert case_status(bot, case) == "待处理"
    assert "被驳回" in bot.texts("jy_li")[-1] and f"说明 {case}" in bot.texts("jy_li")[-1]
    # a fresh 注销 is a new request, and withdrawing it while pending is heard by the case too
    bot.send("jy_zhang", "注销 抚松教育")
    bot.send("jy_zhang", "无力维护")
    bot.send("jy_zhang", "确认")
    second = latest_request_id(bot)
    assert second != number and request(bot, second)["status"] == "待单位审核"
    assert f"已撤回第{second}号申请" in bot.send("jy_zhang", f"撤回 {second}")
    assert case_status(bot, case) == "待处理"  # the fresh request was not the case's draft: nothing claimed


def test_cancel_command_picks_up_the_draft_and_accepting_an_explanation_withdraws_it(bot):
    _account, case, number = go_dormant(bot)
    reply = bot.send("jy_wang", "注销 抚松教育")
    assert f"已有一份注销申请草稿（第{number}号）" in reply and "请核对注销申请" in reply
    bot.send("jy_wang", "取消")
    bot.say("jy_zhang", f"说明 {case} 账号已恢复更新，今后由专人每周发布", "确认")
    assert "已接受" in bot.send("zsj_admin", f"接受说明 {case}")
    assert request(bot, number)["status"] == "已撤回"
    assert "草稿" not in bot.send("jy_li", "我的申请")


def test_ordered_closure_drafts_a_cancellation_for_the_chosen_account(bot):
    add_account(bot, platform="微信公众号")
    tiktok = add_account(bot, platform="抖音", responsible="jy_li")
    at(date(2026, 11, 16))
    bot.send("zsj_admin", "责令关闭 抚松县教育局 抖音号三个月未更新且整改不力")
    bot.send("zsj_admin", "2")
    bot.send("zsj_admin", "确认")
    with bot.db() as s:
        case = s.scalar(select(DormancyCase).where(DormancyCase.account_id == tiktok))
        req = s.get(ApprovalRequest, case.approval_request_id)
        assert (req.kind, req.status, req.reason_kind, req.account_id) == ("注销", "草稿", "按通报整改要求", tiktok)
        assert "责令关闭（措施 1）" in req.reason and "整改不力" in req.reason
        assert req.applicant.userid == "jy_li"
        case_id, number = case.id, req.id
    for userid in ("jy_wang", "jy_li", "jy_zhang"):
        notice = bot.texts(userid)[-1]
        assert "责令关闭账号" in notice and f"修改 {number}" in notice and f"说明 {case_id}" in notice, userid
    form = bot.send("jy_wang", "注销 抚松教育 抖音")
    assert "注销原因：按通报整改要求" in form
    assert f"已提交第{number}号" in bot.send("jy_wang", "确认")
    # the unit's only head filed it: the unit step is taken as agreed
    assert request(bot, number)["status"] == "待主管单位审核"
    approve_all(bot, number, ("zsj_review", "city_zhao"))
    assert case_status(bot, case_id) == "已注销"
    assert f"{case_id}. [已注销] 抚松教育（抖音）｜责令关闭｜2026-11-16｜注销申请第{number}号：已通过" in bot.send(
        "zsj_admin", "单位记录 抚松县教育局")


def test_a_unit_with_nobody_to_file_gets_no_draft_but_the_case_opens(bot):
    from tests.oversight_helpers import HEALTH
    with bot.db() as s:
        from models.org import Person
        for p in s.scalars(select(Person).where(Person.userid.in_(("wj_liu", "wj_chen")))):
            p.active = False
    _account, case, number = go_dormant(bot, unit=HEALTH, name="健康抚松", responsible=None)
    assert number is None and case_status(bot, case) == "待处理"
    assert "【停更认定】" in bot.texts("zsj_admin")[-1]


# --- the untrained responsible person (第28条) ---------------------------------------------

def training_flags(bot) -> list[str]:
    return [t for t in bot.texts("zsj_admin") if t.startswith("培训提醒")]


def test_opening_approved_flags_the_untrained_responsible_person(bot):
    from tests.approvals_helpers import submit_open
    number = submit_open(bot)
    assert training_flags(bot) == []  # not before approval
    approve_all(bot, number)
    flags = training_flags(bot)
    assert len(flags) == 1 and "张伟" in flags[0]


def test_a_trained_responsible_person_is_not_flagged(bot):
    from tests.approvals_helpers import submit_open
    bot.send("zsj_admin", "培训登记")
    bot.say("zsj_admin", "今天", "新媒体运维培训", "本局", "jy_zhang", "确认")
    number = submit_open(bot)
    approve_all(bot, number)
    assert training_flags(bot) == []


def test_approved_change_of_responsible_person_flags_them_other_changes_do_not(bot):
    seed_accounts(bot)
    wechat = account_id(bot, "抚松教育", "微信公众号")
    number = change_responsible(bot, "jy_zhang", "抚松教育 微信公众号", "王局长")  # not responsible for any account
    assert training_flags(bot) == []
    approve_all(bot, number)
    with bot.db() as s:
        assert s.get(Account, wechat).responsible.userid == "jy_wang"
    flags = training_flags(bot)
    assert len(flags) == 1 and "王局长新任" in flags[0]
    bot.send("jy_zhang", "变更 抚松教育 微信公众号")
    bot.send("jy_zhang", "6")
    bot.send("jy_zhang", "13812345678")
    bot.send("jy_zhang", "整改")
    bot.send("jy_zhang", "确认")
    approve_all(bot, latest_request_id(bot))
    assert len(training_flags(bot)) == 1


def test_a_cancellation_already_filed_is_linked_instead_of_drafting_another(bot):
    account = add_account(bot, last_update_on=LAST)
    at(date(2026, 10, 30))
    bot.send("jy_zhang", "注销 抚松教育")
    bot.send("jy_zhang", "无力维护")
    assert "已提交" in bot.send("jy_zhang", "确认")
    filed = latest_request_id(bot)
    at(date(2026, 11, 2))
    dormancy.dormancy_ladder("2026-11-02")
    with bot.db() as s:
        case = s.scalar(select(DormancyCase).where(DormancyCase.account_id == account))
        assert case.approval_request_id == filed
        assert s.scalar(select(ApprovalRequest.id).where(ApprovalRequest.status == "草稿")) is None
    notice = bot.texts("jy_li")[-1]
    assert f"已有在办的注销申请第{filed}号" in notice and "撤回" not in notice


def test_a_draft_waits_while_another_request_for_the_account_is_pending(bot):
    _account, _case, number = go_dormant(bot)
    bot.send("jy_zhang", "变更 抚松教育")
    bot.send("jy_zhang", "6")
    bot.send("jy_zhang", "13812345678")
    bot.send("jy_zhang", "整改")
    assert "已提交" in bot.send("jy_zhang", "确认")
    change = latest_request_id(bot)
    reply = bot.send("jy_li", f"修改 {number}")
    assert f"已有一件在办的申请（第{change}号" in reply and f"第{number}号草稿" in reply
    assert request(bot, number)["status"] == "草稿"


def test_a_rejected_explanation_points_to_the_draft(bot):
    _account, case, number = go_dormant(bot)
    bot.say("jy_zhang", f"说明 {case} 账号已交由新同事维护，本周恢复更新", "确认")
    assert "已驳回" in bot.send("zsj_admin", f"驳回说明 {case} 近三个月没有任何更新计划")
    told = bot.texts("jy_zhang")[-1]
    assert "近三个月没有任何更新计划" in told and f"回复「修改 {number}」提交起草好的注销申请" in told
    bot.send("jy_zhang", f"修改 {number}")
    bot.send("jy_zhang", "确认")
    bot.say("jy_zhang", f"说明 {case} 再次说明：已恢复更新", "确认")
    bot.send("zsj_admin", f"驳回说明 {case} 仍未更新")
    assert f"跟进第{number}号注销申请的审批（待单位审核）" in bot.texts("jy_zhang")[-1]


def test_accounts_going_dormant_together_each_get_their_own_draft(bot):
    """The ladder drafts for all the accounts it marks at once: each case links its own draft."""
    first = add_account(bot, last_update_on=LAST)
    second = add_account(bot, name="抚松教育发布", platform="抖音", responsible=None, last_update_on=LAST)
    at(date(2026, 11, 2))
    dormancy.dormancy_ladder("2026-11-02")
    with bot.db() as s:
        cases = {c.account_id: c for c in s.scalars(select(DormancyCase))}
        drafts = {a: s.get(ApprovalRequest, cases[a].approval_request_id) for a in (first, second)}
        assert {a: (d.account_id, d.kind, d.status) for a, d in drafts.items()} == {
            first: (first, "注销", "草稿"), second: (second, "注销", "草稿")}
        assert drafts[first].applicant.userid == "jy_zhang"  # the responsible person
        assert drafts[second].applicant.unit.name == drafts[first].unit.name  # no responsible: the unit's staff
        numbers = [d.id for d in drafts.values()]
        drafted = [r.entity_id for r in s.scalars(select(AuditLog).where(AuditLog.action == "approval.draft"))]
    assert sorted(drafted) == sorted(map(str, numbers))
    [notice] = [t for t in bot.texts("jy_li") if "【停更认定】" in t]  # one message for both accounts
    assert notice.count("【停更认定】") == 2 and all(f"修改 {n}" in notice for n in numbers)


def test_a_draft_cannot_be_decided_and_is_not_called_finished(bot):
    _account, _case, number = go_dormant(bot)
    for actor in ("jy_wang", "zsj_review", "city_zhao"):
        reply = bot.send(actor, f"同意 {number}")
        assert "尚未提交的申请草稿" in reply and "处理完毕" not in reply, reply
    assert request(bot, number)["status"] == "草稿" and request(bot, number)["decisions"] == []


def test_saying_the_account_is_no_longer_used_points_to_the_drafted_cancellation(bot):
    """Right after 【停更认定】 (「已为您单位起草注销申请」) a clerk's 「这个号已经不用了」 was not understood, nor
    「公众号早就不用了」 or the account's name with 「不用了」."""
    _account, _case, number = go_dormant(bot)
    told = f"「抚松教育」（微信公众号）已有一份注销申请草稿（第{number}号）：回复「注销 抚松教育 微信公众号」核对后提交"
    for said in ("这个号已经不用了", "教育公众号早就不用了", "抚松教育不用了", "我们的公众号都不用了"):
        assert bot.send("jy_zhang", said).startswith(told), said
    reply = bot.send("jy_zhang", "注销 抚松教育 微信公众号")
    assert f"已有一份注销申请草稿（第{number}号）" in reply and "请核对注销申请" in reply
    bot.send("jy_zhang", "取消")
    assert "没有理解" in bot.send("jy_zhang", "那个会议不用了")  # not an account of the unit: not read so


def test_withdrawing_an_explanation_is_not_taken_for_withdrawing_the_units_drafted_closure(bot):
    """「撤回说明」 picked the unit's one withdrawable request — the drafted 注销 — and asked to confirm withdrawing it."""
    _account, case, number = go_dormant(bot)
    bot.say("jy_li", f"说明 {case} 账号承担家校通知，已安排专人每周更新", "确认")
    for said in ("撤回说明", "我想撤回说明", "撤回刚才的说明", "撤回整改情况"):
        reply = bot.send("jy_li", said)
        assert reply.startswith("「撤回」用于撤回审批申请（如「撤回 12」）。") and "确认撤回" not in reply, (said, reply)
    assert "已提交的跟进事项说明不能撤回" in bot.send("jy_li", "撤回说明")
    assert bot.send("jy_li", "确认").startswith("当前没有等待您确认的操作")  # no withdrawal was waiting for it
    assert request(bot, number)["status"] == "草稿"
    assert f"确认撤回第{number}号申请吗" in bot.send("jy_li", "撤回")  # 撤回 alone still takes the draft
