"""The rules checked before submission: 第8条, 第9条, 第13条, the reason and the tick."""
from __future__ import annotations

import threading
from urllib.parse import urlencode

import psycopg
import pytest
from sqlalchemy import func, select

from bot import config
from models.approval import ApprovalRequest
from sim.wecom_user import WeComSide
from tests.approvals_helpers import OPEN_WEIBO, open_request, request, seed_accounts, submit_open
from tests.conftest import TEST_DATABASE_URL
from tests.platform_support import wait_until


def test_classified_unit_may_not_open(bot):
    reply = bot.send("bm_staff", "开设")
    assert "涉密单位" in reply and "第8条" in reply
    assert "当前没有进行中的操作" in bot.send("bm_staff", "取消")


def test_internal_department_may_not_open(bot):
    reply = bot.send("jyb_staff", "申请开设")
    assert "内设机构" in reply and "第8条" in reply


@pytest.mark.parametrize("userid, why", [("bm_staff", "涉密单位"), ("jyb_staff", "内设机构")])
def test_a_unit_that_may_not_open_is_not_offered_opening(bot, userid, why):
    """第8条: the menu of a classified unit's or an internal department's clerk offered 开设 (the menu was the same
    for every unit's staff), inviting a request that is always refused."""
    menu = bot.send(userid, "帮助")
    assert "【开设变更注销审批】变更、注销" in menu and "开设、" not in menu, menu
    assert "开设" not in bot.send(userid, "帮助 开设变更注销审批").split("\n", 1)[1]
    reply = bot.send(userid, "帮助 开设")
    assert reply.startswith("「开设」：") and why in reply and "第8条" in reply and "逐项填写" not in reply, reply
    assert "开设、" in bot.send("jy_zhang", "帮助")  # another unit's staff: the same roles, still offered


@pytest.mark.parametrize("userid, unit", [("bm_staff", "抚松县国家保密局"), ("jyb_staff", "抚松县教育局办公室")])
def test_the_registry_and_my_requests_of_a_unit_that_may_not_open_do_not_invite_opening(bot, userid, unit):
    """「台账」 and 「我的申请」 with nothing in them told a classified unit's clerk 「如需开设，回复「开设」」."""
    ledger = bot.send(userid, "台账")
    assert ledger.startswith(f"{unit} 在台账中没有账号。{unit}是") and "第8条" in ledger and "「开设」" not in ledger, ledger
    assert bot.send(userid, "我的申请") == "您还没有提交过申请。回复「变更 账号」「注销 账号」开始。"
    assert "第8条" in bot.send("zsj_admin", f"台账 {unit}")  # the bureau looking at it reads the same


def test_second_account_on_the_same_platform_is_refused_naming_the_existing_one(bot):
    seed_accounts(bot)
    bot.send("jy_zhang", "开设")
    reply = bot.send("jy_zhang", "微信公众号")
    assert "已有账号「抚松教育」" in reply and "第13条" in reply
    assert "请选择账号类型" in reply  # the question again: another platform may be chosen
    assert "请输入账号名称" in bot.send("jy_zhang", "微博")


def test_a_pending_open_request_on_the_platform_also_counts(bot):
    number = submit_open(bot)
    bot.send("jy_li", "开设")
    reply = bot.send("jy_li", "微博")
    assert f"第{number}号" in reply and "第13条" in reply


def test_name_unlike_the_units_other_accounts_needs_acknowledgement(bot):
    seed_accounts(bot)
    bot.say("jy_zhang", "开设", "微博")
    reply = bot.send("jy_zhang", "教育之窗")
    assert "抚松教育" in reply and "第9条" in reply and "回复「确认」" in reply
    assert "账号功能" in bot.send("jy_zhang", "确认")
    form = None
    for answer in ["发布教育政策和通知", "https://weibo.com/u/1234567890", "无", "1", "13912345678", "无",
                   "及时发布教育政策，服务群众", "是"]:
        form = bot.send("jy_zhang", answer)
    assert "账号名称：教育之窗" in form and "第9条提示" in form


def test_a_new_name_instead_of_the_acknowledgement_is_checked_again(bot):
    seed_accounts(bot)
    bot.say("jy_zhang", "开设", "微博", "教育之窗")
    assert "账号功能" in bot.send("jy_zhang", "抚松教育")


def test_name_unrelated_to_the_unit_gets_a_warning(bot):
    bot.say("yj_shi", "开设", "微博")
    reply = bot.send("yj_shi", "美丽家园")
    assert "看不出与抚松县应急管理局的关系" in reply and "第9条" in reply
    assert "账号功能" in bot.send("yj_shi", "抚松应急")


def test_reason_and_tick_are_required(bot):
    bot.say("jy_zhang", "开设", "微博", "抚松教育", "发布教育政策和通知", "https://weibo.com/u/1", "无", "1",
            "13912345678", "无")
    assert "至少写5个字" in bot.send("jy_zhang", "开")
    bot.send("jy_zhang", "及时发布教育政策，服务群众")
    assert "须同时提交主办责任保障制度" in bot.send("jy_zhang", "否")
    assert "请回复「是」或「否」" in bot.send("jy_zhang", "也许")
    assert "须同时提交主办责任保障制度" in bot.send("jy_zhang", "还没有")  # said as the question asks it
    assert "请核对开设申请" in bot.send("jy_zhang", "已提交")


def test_cancel_submits_nothing(bot):
    bot.say("jy_zhang", "开设", "微博", "抚松教育")
    assert "没有提交任何内容" in bot.send("jy_zhang", "取消")
    with bot.db() as s:
        from models.approval import ApprovalRequest
        assert s.query(ApprovalRequest).count() == 0


def test_cancel_at_the_form_keeps_the_answers_as_a_draft_continue_resumes(bot):
    """「取消」 at the final form threw all twelve answers away at once, with no question and no draft, while a form
    that timed out was kept for 「继续」: one word must not lose a clerk's work."""
    assert "请核对开设申请" in open_request(bot)
    left = bot.send("jy_zhang", "取消")
    assert left.startswith("已取消「开设申请」，没有提交任何内容。"), left
    assert "已填写的内容（账号类型：微博，账号名称：抚松教育）已保存为草稿，回复「继续」可接着填写" in left, left
    with bot.db() as s:
        assert s.query(ApprovalRequest).count() == 0
    again = bot.send("jy_zhang", "继续")
    assert "好的，继续「开设申请」" in again and "请核对开设申请" in again and "及时发布教育政策，服务群众" in again
    assert "已提交第" in bot.send("jy_zhang", "确认")
    bot.say("jy_zhang", "开设", "抖音", "抚松教育")
    bot.send("jy_zhang", "取消")
    assert "您有未完成的「开设申请」草稿（账号类型：抖音，账号名称：抚松教育）" in bot.send("jy_zhang", "开设")  # kept till answered
    assert bot.send("jy_zhang", "取消") == ("已取消「开设申请」，没有提交任何内容。\n"
                                          "之前保存的「开设申请」草稿仍保留，回复「继续」可接着填写。")
    bot.say("jy_zhang", "开设", "抖音")  # answered anew: now it is replaced
    # what it holds is said: the platform chosen (it said 「账号名称：（未填）」, as if nothing was kept)
    assert bot.send("jy_zhang", "取消") == "已取消「开设申请」，没有提交任何内容。\n已填写的内容（账号类型：抖音）已保存为草稿，" \
        "回复「继续」可接着填写（不需要就不用理会）。"


def test_cancel_of_a_change_or_closure_keeps_its_answers_too(bot):
    seed_accounts(bot)
    bot.say("jy_zhang", "变更 抚松教育 抖音", "2", "发布教育短视频")
    left = bot.send("jy_zhang", "取消")
    assert "已填写的内容（抚松教育）已保存为草稿" in left, left
    assert "变更原因" in bot.send("jy_zhang", "继续")
    assert "发布教育短视频" in bot.send("jy_zhang", "整改")
    bot.send("jy_zhang", "取消")
    bot.send("ga_zhou", "注销 抚松公安")
    assert "注销原因：无力维护" in bot.send("ga_zhou", "无力维护")
    assert "已保存为草稿" in bot.send("ga_zhou", "取消")
    assert "注销原因：无力维护" in bot.send("ga_zhou", "继续")


def test_cancel_before_any_answer_keeps_no_draft(bot):
    seed_accounts(bot)
    for started in ("开设", "开设 快手", "抖音号换个负责人"):  # (the command's own words are no answers to keep)
        bot.send("jy_zhang", started)
        assert bot.send("jy_zhang", "取消").endswith("，没有提交任何内容。"), started
        assert "没有可以继续的草稿" in bot.send("jy_zhang", "继续")


def test_bureau_user_files_for_a_unit_and_unit_head_step_still_applies(bot):
    reply = bot.send("zsj_review", "开设")
    assert "替哪个单位申请开设" in reply and "抚松县教育局" in reply
    assert "请选择账号类型" in bot.send("zsj_review", "抚松县教育局")
    for answer in ["微博", "抚松教育", "发布教育政策和通知", "https://weibo.com/u/1", "无", "1", "13912345678",
                   "无", "及时发布教育政策，服务群众", "是"]:
        bot.send("zsj_review", answer)
    assert "已提交第" in bot.send("zsj_review", "确认")
    with bot.db() as s:
        from models.approval import ApprovalRequest
        number = s.query(ApprovalRequest).one().id
    assert request(bot, number)["status"] == "待单位审核"


def test_unit_head_filing_signs_the_unit_opinion(bot):
    answers = ["开设", "微博", "抚松教育", "发布教育政策和通知", "https://weibo.com/u/1", "无", "1", "13912345678",
               "无", "及时发布教育政策，服务群众", "是"]
    number = submit_open(bot, "jy_wang", answers)
    state = request(bot, number)
    assert state["status"] == "待主管单位审核"
    assert state["decisions"][0][:3] == ("unit", "jy_wang", "同意")


def test_bureau_unit_list_offers_only_units_that_may_open(bot):
    """The list a bureau user picks from left in 涉密单位 and 内设机构, then refused when picked (第8条): they are
    left out, with a note why, and the numbers count the units listed."""
    reply = bot.send("zsj_review", "开设")
    assert "抚松县国家保密局" not in reply and "抚松县教育局办公室" not in reply, reply
    assert reply.endswith("（回复序号）\n（涉密单位和内设机构按第8条不得开设，不在列表中。）"), reply
    listed = [line.split(". ", 1)[1] for line in reply.split("\n") if line[:1].isdigit()]
    assert "抚松县教育局" in listed
    assert "请选择账号类型" in bot.send("zsj_review", str(listed.index("抚松县教育局") + 1))
    assert "抚松县教育局办公室" not in bot.send("zsj_review", "取消")
    bot.send("zsj_review", "开设")
    assert "请选择账号类型" in bot.send("zsj_review", "教育局")  # no longer also 教育局办公室: one match


def test_a_bureau_with_no_unit_that_may_open_is_told_so_instead_of_an_empty_list(bot):
    from sqlalchemy import select
    from models.org import BUREAU_REVIEWER, COUNTY_BUREAU, HOST_UNIT, Person, Unit
    from sim.demo import CITY
    with bot.db() as s:
        city = s.scalar(select(Unit).where(Unit.name == CITY))
        county = Unit(name="长白县政数局", kind=COUNTY_BUREAU, parent=city)
        s.add(Unit(name="长白县保密局", kind=HOST_UNIT, parent=county, is_classified=True))
        person = Person(userid="cb_review", name="长白审核", unit=county)
        s.add(person)
        person.role_rows = []
        person.set_roles({BUREAU_REVIEWER})
    reply = bot.send("cb_review", "开设")
    assert "长白县政数局辖区的通讯录中还没有可以开设账号的主办单位" in reply and "回复序号" not in reply, reply
    assert "当前没有进行中的操作" in bot.send("cb_review", "取消")  # no dialogue was left open


def test_bureau_picking_a_unit_that_may_not_open_is_asked_again(bot):
    bot.send("zsj_review", "开设")
    reply = bot.send("zsj_review", "抚松县国家保密局")
    assert "涉密单位" in reply and "第8条" in reply and "替哪个单位申请开设" in reply, reply
    reply = bot.send("zsj_review", "抚松县教育局办公室")
    assert "内设机构" in reply and "替哪个单位申请开设" in reply, reply
    assert "请选择账号类型" in bot.send("zsj_review", "抚松县教育局")


@pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"), reason="row locks: PostgreSQL only")
def test_two_people_of_one_unit_confirming_at_once_make_one_request(bot):
    """第13条 under concurrency: each submission is checked with the unit's row locked. The test
    holds back INSERTs into approval_request, so the first 确认 stops after its check, with its
    transaction open; the second then either waits for the unit (the lock) or passes the same
    check (no lock) — released, the first commits and the second must see its request."""
    for userid in ("jy_zhang", "jy_li"):
        assert "请核对开设申请" in open_request(bot, userid, OPEN_WEIBO)
    replies = {}

    def confirm(userid):
        side = WeComSide(bot.app.extensions["wecom_crypto"], config.get().agent_id, _poster(bot.app))
        replies[userid] = side.text(userid, "确认").text

    url = TEST_DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as blocker, psycopg.connect(url, autocommit=True) as watcher:
        blocker.execute("LOCK TABLE approval_request IN SHARE MODE")  # readers pass, INSERTs wait
        threads = [threading.Thread(target=confirm, args=(u,)) for u in ("jy_zhang", "jy_li")]
        for waiting, thread in enumerate(threads, start=1):
            thread.start()
            wait_until(lambda: _waiting(watcher) >= waiting)
        blocker.rollback()
        [t.join(30) for t in threads]
    assert sorted("已提交第" in r for r in replies.values()) == [False, True], replies
    assert any("已有一个开设申请" in r for r in replies.values()), replies
    with bot.db() as s:
        assert s.scalar(select(func.count()).select_from(ApprovalRequest)) == 1


def _poster(app):
    client = app.test_client()

    def post(query, body):
        resp = client.post(f"/wecom/callback?{urlencode(query)}", data=body, content_type="application/xml")
        return resp.status_code, resp.data
    return post


def _waiting(conn) -> int:
    """Backends of the test database waiting for a lock."""
    return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock'").fetchone()[0]


@pytest.mark.parametrize("userid, name", [("rs_zheng", "抚松人社"), ("wl_zhao", "抚松文旅"), ("sj_he", "抚松市监"),
                                          ("rs_zheng", "抚松社保")])
def test_the_usual_abbreviation_of_the_unit_is_related_to_it(bot, userid, name):
    """人社 is 人力资源和社会保障, 文旅 文化…和旅游, 市监 市场监督: no warning for the name everyone uses."""
    bot.say(userid, "开设", "快手")
    assert bot.send(userid, name).startswith("请简要说明账号功能"), name
