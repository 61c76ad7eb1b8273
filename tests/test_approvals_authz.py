"""The authorisation matrix: each role × each action, allowed and refused (checked at decision time)."""
from __future__ import annotations

import pytest

from tests.approvals_helpers import card_for, click, request, seed_accounts, submit_open
from tests.harness import TOO_BIG, assert_answers

BEFORE = {"unit": [], "bureau": ["jy_wang"], "city": ["jy_wang", "zsj_review"]}
STATUS = {"unit": "待单位审核", "bureau": "待主管单位审核", "city": "待市级审批"}

# (step, actor, allowed, what the refusal says)
DECIDE = [
    ("unit", "jy_wang", True, None),
    ("unit", "jy_zhang", False, "仅限"),  # staff: no approver role at all
    ("unit", "jy_li", False, "仅限"),
    ("unit", "wj_chen", False, "没有找到您可以处理的"),  # head of another unit: not even the stage
    ("unit", "jyx_head", False, "没有找到您可以处理的"),  # head in the neighbouring county
    ("unit", "zsj_review", False, "还没有到您审批的「主管单位意见」环节"),  # a later step's: not his turn yet
    ("unit", "city_zhao", False, "还没有到您审批的「市级审批意见」环节"),
    ("bureau", "zsj_review", True, None),
    ("bureau", "zsj_admin", True, None),
    ("bureau", "jy_wang", False, "您已于"),  # his own earlier decision: not 「已由王局长同意」
    ("bureau", "jy_admin", False, "没有找到您可以处理的"),  # the neighbouring county's bureau
    ("bureau", "city_zhao", False, "还没有到您审批的「市级审批意见」环节"),
    ("city", "city_zhao", True, None),
    ("city", "zsj_review", False, "您已于"),  # an earlier step is done: told when he decided it
    ("city", "jy_wang", False, "您已于"),
]


def at_step(bot, step: str) -> int:
    number = submit_open(bot)
    for userid in BEFORE[step]:
        bot.send(userid, f"同意 {number}")
    assert request(bot, number)["status"] == STATUS[step]
    return number


@pytest.mark.parametrize("step, actor, allowed, refusal", DECIDE)
def test_decide_by_text(bot, step, actor, allowed, refusal):
    number = at_step(bot, step)
    reply = bot.send(actor, f"同意 {number} 同意")
    decided = len(request(bot, number)["decisions"]) > len(BEFORE[step])
    assert decided is allowed, reply
    if not allowed:
        assert refusal in reply


@pytest.mark.parametrize("step, actor, allowed, refusal", [row for row in DECIDE if row[1] != "jy_zhang"
                                                            and row[1] != "jy_li"])
def test_return_by_text_follows_the_same_rule(bot, step, actor, allowed, refusal):
    number = at_step(bot, step)
    reply = bot.send(actor, f"退回 {number} 请补充材料")
    assert (request(bot, number)["status"] == "已退回") is allowed, reply


def test_a_card_of_someone_who_lost_the_role_is_refused_at_click_time(bot):
    number = submit_open(bot)
    with bot.db() as s:
        from models.org import find_person
        find_person(s, "jy_wang").set_roles({"staff"})
    reply = click(bot, "jy_wang", number, "approve")
    assert reply.button_label is None
    assert request(bot, number)["decisions"] == []
    assert any("没有这个环节的审批权限" in t for t in bot.texts("jy_wang"))


def test_applicant_never_approves_own_request(bot):
    from tests.approvals_helpers import submit_open_for
    number = submit_open_for(bot, "zsj_admin", "抚松县教育局")
    bot.send("jy_wang", f"同意 {number}")
    assert "申请人不能审批自己的申请" in bot.send("zsj_admin", f"同意 {number}")
    assert not [c for c in bot.cards("zsj_admin") if c["main_title"]["title"].startswith(f"第{number}号")]
    assert "已同意" in bot.send("zsj_review", f"同意 {number}")


FILE = [
    ("jy_zhang", True, "请选择账号类型"),
    ("jy_wang", True, "请选择账号类型"),
    ("zsj_review", True, "替哪个单位申请开设"),
    ("city_zhao", True, "替哪个单位申请开设"),
    ("bm_staff", False, "第8条"),
]


@pytest.mark.parametrize("actor, allowed, answer", FILE)
def test_who_may_file(bot, actor, allowed, answer):
    assert answer in bot.send(actor, "开设")


def test_a_person_without_a_role_may_not_file(bot):
    with bot.db() as s:
        from models.org import Person, Unit
        unit = s.query(Unit).filter_by(name="抚松县教育局").one()
        s.add(Person(userid="jy_guest", name="临时人员", unit=unit))
    assert "只有本单位的工作人员或单位负责人可以提交申请" in bot.send("jy_guest", "开设")


def test_other_units_and_counties_cannot_file_for_an_account(bot):
    seed_accounts(bot)
    assert "没有找到名称像「抚松教育」" in bot.send("wj_liu", "变更 抚松教育")
    assert "没有可以注销的账号" in bot.send("jyx_staff", "注销 抚松教育")
    assert "没有可以注销的账号" in bot.send("jy_admin", "注销 抚松教育")


@pytest.mark.parametrize("actor, allowed", [("jy_zhang", True), ("jy_li", False), ("jy_wang", False),
                                            ("zsj_admin", False)])
def test_withdraw_only_by_the_applicant(bot, actor, allowed):
    number = submit_open(bot)
    reply = bot.send(actor, f"撤回 {number}")
    assert (request(bot, number)["status"] == "已撤回") is allowed, reply


@pytest.mark.parametrize("actor, allowed", [("jy_zhang", True), ("jy_li", False), ("zsj_admin", False)])
def test_urge_only_by_the_applicant(bot, actor, allowed):
    number = submit_open(bot)
    reply = bot.send(actor, f"催办 {number}")
    assert ("已提醒" in reply) is allowed, reply


def test_the_neighbouring_county_learns_nothing_about_a_request(bot):
    number = at_step(bot, "bureau")
    for actor in ("jy_admin", "jyx_head"):
        for command in (f"同意 {number}", f"驳回 {number} 不符合要求", f"退回 {number} 请补充"):
            reply = bot.send(actor, command)
            assert "没有找到您可以处理的" in reply and "主管单位意见" not in reply and "已由" not in reply, reply
    assert request(bot, number)["status"] == "待主管单位审核"


def test_a_number_too_large_for_a_request_id_is_not_found_rather_than_an_error(bot):
    """PostgreSQL refuses to compare an INTEGER id with 99999999999999999999 (integer out of range): every
    command taking a request number answered with the generic 「抱歉，处理您的消息时出了点问题」."""
    big = TOO_BIG
    assert_answers(bot, (
            ("jy_zhang", f"查看 {big}", f"没有找到您可以查看的第{big}号申请"),
            ("jy_zhang", f"撤回 {big}", f"没有找到您可以查看的第{big}号申请"),
            ("jy_zhang", f"修改 {big}", f"没有找到您可以查看的第{big}号申请"),
            ("jy_zhang", f"已报送 {big}", f"没有找到您可以查看的第{big}号申请"),
            ("jy_zhang", f"导出 {big}", f"没有找到您可以查看的第{big}号申请"),
            ("jy_zhang", f"催办 {big}", f"没有找到您提交的第{big}号申请"),
            ("jy_wang", f"同意 {big}", f"没有找到第{big}号申请"),
            ("jy_wang", f"驳回 {big} 材料不全", f"没有找到第{big}号申请")))


def test_a_tap_under_another_spelling_of_the_userid_is_the_approvers_own(bot):
    """WeCom ignores case in userids: a card sent to 「jy_wang」 tapped by 「JY_Wang」 is his card."""
    number = submit_open(bot)
    task_id = card_for(bot, "jy_wang", number)["task_id"]
    reply = bot.click("JY_Wang", task_id, "approve")
    assert reply.button_label, reply
    assert [(step, who) for step, who, *_ in request(bot, number)["decisions"]] == [("unit", "jy_wang")]
