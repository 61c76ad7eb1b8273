"""Conversations: cancel, back, wrong answers, idle expiry and resume, help by role, suggestions,
media, unknown users — and per-user serialisation."""
from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from bot import clock
from bot.wecom_crypto import plain_xml
from handlers.basics import MEDIA_ANSWER
from tests.conftest import TEST_DATABASE_URL
from tests.platform_support import TRACE

USER = "jy_zhang"


def _to_step(bot, step: str) -> None:
    assert "请输入名称" in bot.send(USER, "测试登记")
    if step in ("phone", "confirm"):
        assert "联系电话" in bot.send(USER, "抚松教育")
    if step == "confirm":
        assert "确认提交「抚松教育」" in bot.send(USER, "13912345678")


@pytest.mark.parametrize("step", ["name", "phone", "confirm"])
@pytest.mark.parametrize("word", ["取消", "退出"])
def test_cancel_works_at_every_step(tbot, step, word):
    _to_step(tbot, step)
    assert tbot.send(USER, word) == "已取消「测试登记」，没有提交任何内容。"
    assert "当前没有等待您确认的操作" in tbot.send(USER, "确认")  # no longer inside the dialogue
    assert tbot.texts("zsj_admin") == []


def test_back_goes_one_question_back_keeping_earlier_answers(tbot):
    _to_step(tbot, "confirm")
    assert tbot.send(USER, "上一步") == "好的，回到上一步。\n请输入联系电话（11位手机号）"
    assert "确认提交「抚松教育」" in tbot.send(USER, "13900000000")  # the name typed before is kept
    assert "联系电话" in tbot.send(USER, "返回")
    assert "请输入名称" in tbot.send(USER, "返回")
    reply = tbot.send(USER, "上一步")
    assert "已经是第一步了" in reply and "请输入名称" in reply
    assert "联系电话" in tbot.send(USER, "抚松文旅")
    assert "确认提交「抚松文旅」" in tbot.send(USER, "13900000000")
    assert tbot.send(USER, "确认") == "已提交。"
    assert tbot.texts("zsj_admin") == ["张伟提交了测试登记「抚松文旅」"]


def test_a_wrong_answer_gets_a_hint_and_the_same_question_with_data_kept(tbot):
    _to_step(tbot, "phone")
    assert tbot.send(USER, "一三九") == "手机号应为11位数字。\n\n请输入联系电话（11位手机号）"
    assert tbot.send(USER, "1391234") == "手机号应为11位数字。\n\n请输入联系电话（11位手机号）"
    assert "确认提交「抚松教育」" in tbot.send(USER, "13912345678")
    assert "请回复「确认」提交" in tbot.send(USER, "好吧")


def test_idle_expiry_tells_the_user_what_was_kept_and_continue_resumes(tbot):
    _to_step(tbot, "phone")
    clock.advance(timedelta(minutes=29))
    assert "确认提交" in tbot.send(USER, "13912345678")  # still alive after 29 minutes
    assert "联系电话" in tbot.send(USER, "上一步")
    clock.advance(timedelta(minutes=31))
    reply = tbot.send(USER, "明天开会吗")
    assert "您上次的「测试登记」超过30分钟没有回复，已自动结束。" in reply
    assert "名称：抚松教育" in reply and "回复「继续」可接着填写" in reply
    reply = tbot.send(USER, "继续")
    assert reply == "好的，继续「测试登记」。\n请输入联系电话（11位手机号）"
    assert "确认提交「抚松教育」" in tbot.send(USER, "13912345678")
    assert "联系电话" in tbot.send(USER, "上一步")  # history survived the expiry too
    assert "没有可以继续的草稿" not in tbot.send(USER, "继续")


def test_continue_without_a_draft(tbot):
    assert "没有可以继续的草稿" in tbot.send(USER, "继续")


def test_expiry_is_configurable(tbot):
    import dataclasses
    from bot import config
    config.use(dataclasses.replace(config.get(), conversation_idle_minutes=5))
    _to_step(tbot, "name")
    clock.advance(timedelta(minutes=6))
    assert "超过5分钟没有回复" in tbot.send(USER, "抚松教育")


def test_help_depends_on_role(tbot):
    staff = tbot.send(USER, "帮助")
    admin = tbot.send("zsj_admin", "帮助")
    assert "测试登记" in staff and "测试登记" in admin
    assert "管理专用" not in staff and "管理专用" in admin
    assert "张伟（抚松县教育局，单位工作人员）" in staff
    assert "仅限主管单位管理员使用" in tbot.send(USER, "管理专用")
    assert tbot.send("zsj_admin", "管理专用") == "管理员你好"
    assert "登记一个测试账号" in tbot.send(USER, "帮助 测试登记")


def test_help_inside_a_dialogue_repeats_the_question(tbot):
    _to_step(tbot, "phone")
    reply = tbot.send(USER, "帮助")
    assert "当前对话仍在进行" in reply and reply.endswith("请输入联系电话（11位手机号）")
    assert "确认提交" in tbot.send(USER, "13912345678")


def test_unknown_text_suggests_the_closest_command(tbot):
    assert "您是不是想用：测试登记" in tbot.send(USER, "测试登几")
    assert "管理专用" not in tbot.send(USER, "管理专")  # never suggests what the user may not use
    assert "管理专用" in tbot.send("zsj_admin", "管理专")


def test_enter_agent_greets_with_the_menu(tbot):
    reply = tbot.side.enter(USER)
    assert reply.text.startswith("您好，张伟！") and "测试登记" in reply.text


@pytest.mark.parametrize("kind", ["image", "voice", "file", "video", "location"])
def test_media_gets_the_polite_answer(tbot, kind):
    assert tbot.side.media(USER, kind).text == MEDIA_ANSWER


def test_unknown_user_gets_a_polite_answer_and_admins_one_push_a_day(tbot):
    first = tbot.send("stranger1", "你好")
    assert "还没有登记" in first and "联系县政数局" in first
    tbot.send("stranger1", "在吗")
    tbot.send("stranger2", "你好")
    pushed = tbot.texts("city_qian")  # the city bureau's admin: the demo city bureau has one
    assert len(pushed) == 1 and "stranger1" in pushed[0]
    assert tbot.texts("zsj_admin") == [] and tbot.texts("jy_admin") == []
    clock.advance(timedelta(days=1))
    tbot.send("stranger2", "你好")
    assert len(tbot.texts("city_qian")) == 2 and "stranger2" in tbot.texts("city_qian")[1]
    assert "还没有登记" in tbot.send("stranger1", "帮助")  # unknown users never see the menu


def test_a_deactivated_person_is_treated_as_unknown(tbot):
    from sqlalchemy import select
    from models.org import Person
    with tbot.db() as s:
        s.scalar(select(Person).where(Person.userid == "jy_li")).active = False
    reply = tbot.send("jy_li", "帮助")  # no menu; told he was deactivated (not 「还没有登记」, which is untrue)
    assert "已停用" in reply and "可以使用" not in reply, reply


# --- per-user serialisation ------------------------------------------------------------------------

def _send_all(bot, messages: list[tuple[str, str]]) -> list[int]:
    crypto = bot.app.extensions["wecom_crypto"]
    barrier = threading.Barrier(len(messages))
    statuses: list = [None] * len(messages)

    def run(i: int, userid: str, content: str) -> None:
        fields = {**bot.side.base(userid, "text"), "Content": content, "MsgId": f"7{i}{abs(hash(content)) % 10**8}",
                  "AgentID": 1000002}
        query, body = crypto.encrypt_callback(plain_xml(fields), 1000002, int(clock.now().timestamp()), f"s{i}")
        client = bot.app.test_client()
        barrier.wait()
        resp = client.post(f"/wecom/callback?{urlencode(query)}", data=body, content_type="application/xml")
        statuses[i] = resp.status_code

    threads = [threading.Thread(target=run, args=(i, u, c)) for i, (u, c) in enumerate(messages)]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    return statuses


def test_two_messages_from_one_user_never_interleave(tbot):
    assert _send_all(tbot, [(USER, "慢 a"), (USER, "慢 b"), (USER, "慢 c")]) == [200, 200, 200]
    events = [(kind, arg) for kind, _user, arg, _t in TRACE]
    assert len(events) == 6
    for i in range(0, 6, 2):  # enter x, exit x, enter y, exit y, …
        assert events[i][0] == "enter" and events[i + 1] == ("exit", events[i][1])


@pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"), reason="row locks: PostgreSQL only")
def test_different_users_proceed_in_parallel(tbot):
    users = [USER, "jy_li", "wj_liu"]
    assert _send_all(tbot, [(u, f"慢 {u}") for u in users]) == [200, 200, 200]
    enters = [t for kind, _u, _a, t in TRACE if kind == "enter"]
    exits = [t for kind, _u, _a, t in TRACE if kind == "exit"]
    assert max(enters) < min(exits)  # all three were inside their handler at once


# --- a bug in a handler ----------------------------------------------------------------------------

def _register_broken(bot) -> None:
    from models.org import Unit
    router = bot.app.extensions["router"]

    @router.command("重名", help=None)
    def duplicate_unit(ctx):
        ctx.session.add(Unit(name="抚松县教育局", kind="host"))  # violates the unique name
        ctx.session.flush()

    @router.state("t.boom", prompt="这一步会出错")
    def boom(ctx):
        ctx.data["lost"] = True
        raise RuntimeError("bug")

    @router.command("进入出错步骤", help=None)
    def to_boom(ctx):
        ctx.data["kept"] = "之前填写的"
        return "t.boom"


def test_a_constraint_violation_in_a_handler_gets_the_polite_answer_not_a_5xx(tbot):
    from bot.dispatch import ERROR_REPLY
    _register_broken(tbot)
    reply = tbot.raw(USER, "重名", msg_id="6060601")
    assert reply.status == 200 and reply.text == ERROR_REPLY
    assert tbot.raw(USER, "重名", msg_id="6060601").text == ERROR_REPLY  # a retry is not re-run


def test_a_failing_step_keeps_the_dialogue_as_it_was(tbot):
    from bot.dispatch import ERROR_REPLY
    from models.platform import Conversation
    _register_broken(tbot)
    assert tbot.send(USER, "进入出错步骤") == "这一步会出错"
    assert tbot.send(USER, "随便") == ERROR_REPLY
    with tbot.db() as s:
        conv = s.get(Conversation, USER)
        assert conv.state == "t.boom" and conv.data == {"kept": "之前填写的"}
    assert tbot.send(USER, "取消") == "已取消「测试登记」，没有提交任何内容。"


@pytest.mark.parametrize("event, key, answer", [
    ("click", "NO_SUCH_KEY", "这个菜单项暂时不可用"),
    ("scancode_waitmsg", "scan", MEDIA_ANSWER),
    ("pic_sysphoto", "photo", MEDIA_ANSWER),
    ("location_select", "where", MEDIA_ANSWER),
    ("some_new_event", None, MEDIA_ANSWER),  # one WeCom may add later: the member did something in the app
    # automatic events, nobody addressed the bot: no answer
    ("view", "https://example.gov.cn", None),
    ("LOCATION", None, None),
    ("subscribe", None, None),
    ("unsubscribe", None, None),
    ("change_contact", None, None),
    ("batch_job_result", None, None),
])
def test_unknown_events(tbot, event, key, answer):
    reply = tbot.side.event(USER, event, key)
    assert reply.status == 200
    assert (reply.text is None) if answer is None else (answer in reply.text)


def test_an_event_the_bot_does_not_know_gets_the_polite_answer(tbot):
    """Not only the events listed when the bot was written: any event it has no handler for, except the automatic
    ones (handlers/basics.py AUTOMATIC_EVENTS)."""
    assert tbot.side.event(USER, "some_new_event", "k1").text == MEDIA_ANSWER
    _to_step(tbot, "phone")
    reply = tbot.side.event(USER, "some_new_event", "k2").text
    assert reply.startswith(MEDIA_ANSWER) and reply.endswith("（当前对话仍在进行）\n请输入联系电话（11位手机号）")
    assert tbot.side.event(USER, "LOCATION").text is None  # an automatic one, mid-dialogue too
    assert "确认提交「抚松教育」" in tbot.send(USER, "13912345678")


def test_automatic_events_from_outside_the_directory_are_not_answered(tbot):
    """A directory change comes from "sys", a newcomer's subscribe from the admin who added him to the app: neither
    is a stranger writing to the bot, so no 「还没有登记」 answer and no note to the bureau."""
    assert tbot.side.event("sys", "change_contact", None, ChangeType="update_user", UserID=USER).text is None
    assert tbot.side.event("newcomer", "subscribe").text is None
    assert tbot.texts("city_qian") == []
    assert "还没有登记" in tbot.side.event("newcomer", "some_new_event").text  # what he did himself is answered
    assert len(tbot.texts("city_qian")) == 1 and "newcomer" in tbot.texts("city_qian")[0]


def test_starting_the_same_dialogue_anew_replaces_its_draft_once_answered(tbot):
    """Typing the form's command again (「周报」 after a break) threw its draft away at once, with a note saying so:
    now the draft is offered, 「继续」 takes it up, 取消 or a timeout leave it, and only an answer gives it up."""
    _to_step(tbot, "phone")
    clock.advance(timedelta(minutes=31))
    assert "超过30分钟" in tbot.send(USER, "明天开会吗")
    reply = tbot.send(USER, "测试登记")
    assert reply == ("（您有未完成的「测试登记」草稿（名称：抚松教育），回复「继续」接着填写草稿；回答下面的问题则重新填写，"
                     "草稿作废。）\n\n请输入名称（回复「取消」可随时退出）"), reply
    assert tbot.send(USER, "取消").endswith("之前保存的「测试登记」草稿仍保留，回复「继续」可接着填写。")
    tbot.send(USER, "测试登记")
    clock.advance(timedelta(minutes=31))
    assert "之前保存的草稿仍保留" in tbot.send(USER, "明天开会吗")
    tbot.send(USER, "测试登记")
    assert tbot.send(USER, "继续") == "好的，继续「测试登记」。\n请输入联系电话（11位手机号）"
    tbot.send(USER, "取消")
    reply = tbot.send(USER, "测试登记")
    assert "您有未完成的「测试登记」草稿" not in reply and "请输入名称" in reply  # (a short form: 取消 kept nothing)
    clock.advance(timedelta(minutes=31))
    tbot.send(USER, "明天开会吗")  # timed out at its first question: kept, as before
    reply = tbot.send(USER, "测试登记")
    assert "您有未完成的「测试登记」草稿" in reply and "请输入名称" in reply
    assert "联系电话" in tbot.send(USER, "抚松文旅")
    assert "确认提交「抚松文旅」" in tbot.send(USER, "13900000000")
    assert tbot.send(USER, "确认") == "已提交。"
    assert "没有可以继续的草稿" in tbot.send(USER, "继续")  # the old draft cannot be submitted again


@pytest.mark.parametrize("word", ["取消。", "取消！", "退出!", "算了～", "算了吧", "取消吧！", "不弄了吧"])
def test_cancel_with_trailing_punctuation_still_cancels(tbot, word):
    _to_step(tbot, "name")
    assert tbot.send(USER, word) == "已取消「测试登记」，没有提交任何内容。"  # not taken as the name
    assert tbot.texts("zsj_admin") == []


def test_back_with_trailing_punctuation_goes_back(tbot):
    _to_step(tbot, "phone")
    assert tbot.send(USER, "上一步。").startswith("好的，回到上一步。")


@pytest.mark.parametrize("word", ["不想填了", "我不填了", "我不想申请了", "不想弄了吧"])
def test_cancel_said_with_wanting_or_i_still_cancels(tbot, word):
    """「不想填了」 was taken as the name being asked for."""
    _to_step(tbot, "name")
    assert tbot.send(USER, word) == "已取消「测试登记」，没有提交任何内容。"


@pytest.mark.parametrize("word", ["回到上一步", "返回上一步", "上一题", "上一个问题。"])
def test_back_said_as_clerks_say_it_goes_back(tbot, word):
    """「回到上一步」 was taken as the answer to the question (a name, a phone number, a 周报's problems)."""
    _to_step(tbot, "phone")
    assert tbot.send(USER, word).startswith("好的，回到上一步。")


@pytest.mark.parametrize("text", ["HELP", "Help", "帮助。", "帮助测试登记"])
def test_help_spelled_as_clerks_type_it(tbot, text):
    reply = tbot.send(USER, text)
    assert "没有理解" not in reply and "测试登记" in reply
    if text == "帮助测试登记":
        assert "登记一个测试账号" in reply


def test_help_prefix_in_an_answer_is_still_an_answer(tbot):
    _to_step(tbot, "name")
    assert "联系电话" in tbot.send(USER, "帮助测试登记的同事")  # more than 帮助 + a command: the answer


def test_an_answer_after_expiry_is_said_to_be_not_recorded(tbot):
    _to_step(tbot, "phone")
    clock.advance(timedelta(minutes=31))
    reply = tbot.send(USER, "13912345678")  # the answer to the question asked before the break
    assert "已自动结束" in reply and "回复「继续」可接着填写" in reply
    assert "没有理解" not in reply and "您刚才的回复没有记入" in reply
    assert tbot.send(USER, "继续").endswith("请输入联系电话（11位手机号）")


def test_resume_typed_after_expiry_resumes_without_being_told_to_type_resume(tbot):
    _to_step(tbot, "phone")
    clock.advance(timedelta(minutes=31))
    reply = tbot.send(USER, "继续")
    assert "已自动结束" in reply and "已填写的内容已保存" in reply, reply
    assert "回复「继续」" not in reply, reply  # they just did
    assert "好的，继续" in reply and reply.endswith("请输入联系电话（11位手机号）"), reply


@pytest.mark.parametrize("kind", ["image", "voice", "file"])
def test_media_inside_a_dialogue_repeats_the_question(tbot, kind):
    _to_step(tbot, "phone")
    reply = tbot.side.media(USER, kind).text
    assert reply.startswith(MEDIA_ANSWER) and reply.endswith("（当前对话仍在进行）\n请输入联系电话（11位手机号）")
    assert "确认提交「抚松教育」" in tbot.send(USER, "13912345678")


def test_entering_the_app_mid_dialogue_reminds_of_the_open_question(tbot):
    _to_step(tbot, "phone")
    reply = tbot.side.enter(USER).text
    assert reply.startswith("您好，张伟！") and reply.endswith("（当前对话仍在进行）\n请输入联系电话（11位手机号）")
    clock.advance(timedelta(minutes=31))
    tbot.side.enter(USER)  # the expiry notice: the dialogue is now a draft
    clock.advance(timedelta(seconds=5))  # (the same event in the same second is one event to WeCom)
    assert "回复「继续」接着填写未完成的「测试登记」" in tbot.side.enter(USER).text


def test_a_command_word_taken_as_an_answer_is_said_so_with_the_way_back(tbot):
    """Most questions take any text: 「台账」 typed at the name question becomes the name, and the
    clerk is told so and how to undo it, before the next question."""
    _to_step(tbot, "name")
    reply = tbot.send(USER, "台账")
    assert "已把「台账」记作上面这个问题的回答" in reply and "请回复「上一步」改回" in reply
    assert reply.endswith("请输入联系电话（11位手机号）")
    assert "请输入名称" in tbot.send(USER, "上一步")
    assert "台账" not in tbot.send(USER, "抚松教育")  # an ordinary answer: no note


def test_a_command_word_the_question_offers_gets_no_note(tbot):
    from tests.approvals_helpers import open_request
    assert "「修改」修改某一项" in open_request(tbot, USER)
    reply = tbot.send(USER, "修改")  # 修改 is also a command (修改申请): here it is the offered answer
    assert "修改哪一项" in reply or "回复序号" in reply, reply
    assert "记作" not in reply


def test_a_state_or_conversation_registered_twice_is_refused():
    """关账's 「close.confirm」 silently replaced 注销's, and every 注销 confirmation failed."""
    from bot.router import Router
    router = Router()
    router.conversation("close", title="注销")
    router.state("close.confirm", prompt="确认吗？")(lambda ctx: None)
    with pytest.raises(ValueError, match="registered twice"):
        router.state("close.confirm", prompt="确认关账吗？")
    with pytest.raises(ValueError, match="registered twice"):
        router.conversation("close", title="关账")
