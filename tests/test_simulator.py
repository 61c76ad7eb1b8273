"""The simulator drives the bot end to end over real HTTP: the bot app and the sim server each
run in a thread on a free loopback port, callbacks are really encrypted, pushes really go
through the outbox, RQ and the fake WeCom API."""
from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from bot import db, outbox
from models.outbox import OutboxMessage
from models.platform import Card
from sim.server import create_sim_app
from tests.harness import BotHarness

CARD = {
    "card_type": "button_interaction",
    "source": {"desc": "政务新媒体助手"},
    "main_title": {"title": "模拟器测试卡片", "desc": "请确认"},
    "horizontal_content_list": [{"keyname": "单位", "value": "抚松县教育局"}],
    "button_list": [{"text": "确认", "style": 1, "key": "ok"}, {"text": "拒绝", "style": 2, "key": "no"}],
}


class Served:
    """A WSGI app on a free loopback port in a background thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_bot(app, directory):
    router = app.extensions["router"]

    @router.card("simtest")
    def on_click(ctx):
        ctx.button_label = "已确认" if ctx.inbound.event_key == "ok" else "已拒绝"
        ctx.reply(f"收到您的选择：{ctx.inbound.event_key}")

    served = Served(app)
    yield served
    served.stop()


@pytest.fixture
def sim(live_bot, fake, cfg):
    served = Served(create_sim_app(fake=fake, bot_url=live_bot.url, cfg=cfg))
    yield served
    served.stop()


@pytest.fixture
def deliver(app, fake, redis_conn):
    return BotHarness(app, fake, redis_conn).deliver


def post(sim, path, **body):
    resp = requests.post(sim.url + path, json=body, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def timeline(sim, user):
    resp = requests.get(sim.url + "/sim/api/timeline", params={"user": user}, timeout=10)
    assert resp.status_code == 200
    return resp.json()


def push_test_card(userid="jy_zhang") -> str:
    with db.transaction() as session:
        (card,) = outbox.push_card(session, userid, kind="simtest", ref_id=None, card=CARD)
        return card.task_id


def test_help_round_trip_shows_passive_reply(sim):
    entries = post(sim, "/sim/api/send", user="jy_zhang", text="帮助")
    assert [e["kind"] for e in entries] == ["out", "reply"]
    assert entries[0]["text"] == "帮助"
    assert "张伟（抚松县教育局，单位工作人员）可以使用" in entries[1]["text"]
    kinds = [(e["kind"], e.get("text")) for e in timeline(sim, "jy_zhang")["entries"]]
    assert kinds[0] == ("out", "帮助") and kinds[1][0] == "reply"
    assert timeline(sim, "jy_li")["entries"] == []  # another user's timeline is separate


def test_enter_agent_and_menu_click(sim):
    entered = post(sim, "/sim/api/event", user="zsj_admin", event="enter_agent")
    assert entered[0]["text"] == "［进入应用］"
    assert entered[1]["text"].startswith("您好，马管理！")
    clicked = post(sim, "/sim/api/event", user="zsj_admin", event="click", key="菜单", label="功能菜单")
    assert clicked[0]["text"] == "［菜单：功能菜单］"
    assert "马管理（抚松县政务服务和数字化建设管理局" in clicked[1]["text"]
    helped = post(sim, "/sim/api/event", user="zsj_admin", event="click", key="帮助", label="帮助")
    assert "马管理（抚松县政务服务和数字化建设管理局" in helped[1]["text"]
    cancelled = post(sim, "/sim/api/event", user="zsj_admin", event="click", key="取消", label="取消当前操作")
    assert cancelled[1]["text"] == "当前没有进行中的操作。回复「帮助」查看可用功能。"


def test_unknown_user_gets_polite_answer(sim):
    entries = post(sim, "/sim/api/send", user="stranger01", text="你好")
    assert "还没有登记" in entries[1]["text"]


def test_card_click_sends_real_template_card_event(sim, fake, deliver):
    task_id = push_test_card()
    deliver()
    pushes = [e for e in timeline(sim, "jy_zhang")["entries"] if e["kind"] == "push"]
    assert [p["msgtype"] for p in pushes] == ["template_card"]
    assert pushes[0]["content"]["task_id"] == task_id

    entries = post(sim, "/sim/api/click", user="jy_zhang", task_id=task_id, key="ok", label="确认")
    assert entries[0]["text"] == "［点击卡片按钮：确认］"
    assert timeline(sim, "jy_zhang")["cards"] == {task_id: "已确认"}  # the passive update_button
    with db.transaction() as session:
        code = session.get(Card, task_id).response_code
    assert code in fake.state.response_codes  # the fresh ResponseCode the fake issued, kept for updates

    deliver()
    texts = [e["content"]["content"] for e in timeline(sim, "jy_zhang")["entries"]
             if e["kind"] == "push" and e["msgtype"] == "text"]
    assert texts == ["收到您的选择：ok"]


def test_card_update_greys_the_card(sim, fake, deliver):
    task_id = push_test_card()
    deliver()
    post(sim, "/sim/api/click", user="jy_zhang", task_id=task_id, key="no", label="拒绝")
    with db.transaction() as session:
        outbox.push_card_update(session, session.get(Card, task_id), button_label="已由管理员处理")
    deliver()
    assert [u["task_id"] for u in fake.state.card_updates] == [task_id]
    assert timeline(sim, "jy_zhang")["cards"][task_id] == "已由管理员处理"


def test_file_push_is_downloadable(sim, deliver):
    with db.transaction() as session:
        outbox.push_file(session, "jy_zhang", "台账.xlsx", b"PK\x03\x04 a spreadsheet")
    deliver()
    (entry,) = [e for e in timeline(sim, "jy_zhang")["entries"] if e["kind"] == "push"]
    assert entry["file"]["name"] == "台账.xlsx"
    resp = requests.get(sim.url + entry["file"]["url"], timeout=10)
    assert resp.status_code == 200 and resp.content == b"PK\x03\x04 a spreadsheet"
    assert resp.headers["Content-Disposition"].endswith("filename*=UTF-8''%E5%8F%B0%E8%B4%A6.xlsx")


def test_page_users_and_menu(sim):
    page = requests.get(sim.url + "/", timeout=10)
    assert page.status_code == 200 and "企业微信模拟器" in page.text and "/wecom/callback" in page.text
    users = requests.get(sim.url + "/sim/api/users", timeout=10).json()
    by_id = {u["userid"]: u for u in users}
    assert by_id["jy_wang"] == {"userid": "jy_wang", "name": "王局长", "unit": "抚松县教育局", "roles": "单位负责人"}
    assert "city_zhao" in by_id and len(users) >= 20
    assert {"key": "菜单", "label": "功能菜单"} in requests.get(sim.url + "/sim/api/menu", timeout=10).json()


def test_fake_api_is_served_on_the_same_port(sim, cfg):
    token = requests.get(sim.url + "/cgi-bin/gettoken",
                         params={"corpid": cfg.corp_id, "corpsecret": cfg.secret}, timeout=10).json()
    assert token["errcode"] == 0 and token["access_token"]
    bad = requests.get(sim.url + "/cgi-bin/gettoken", params={"corpid": cfg.corp_id, "corpsecret": "x"}, timeout=10)
    assert bad.json()["errcode"] == 40001


def test_bad_requests_and_unreachable_bot(sim, fake, cfg):
    assert requests.post(sim.url + "/sim/api/send", json={"user": "jy_zhang"}, timeout=10).status_code == 400
    assert requests.post(sim.url + "/sim/api/event", json={"user": "jy_zhang", "event": "subscribe"},
                         timeout=10).status_code == 400
    closed = make_server("127.0.0.1", 0, lambda e, s: [])  # bind a port, then free it: nobody listens
    port = closed.server_port
    closed.server_close()
    nowhere = Served(create_sim_app(fake=fake, bot_url=f"http://127.0.0.1:{port}", cfg=cfg))
    try:
        entries = post(nowhere, "/sim/api/send", user="jy_zhang", text="帮助")
    finally:
        nowhere.stop()
    assert entries[1]["kind"] == "error" and "连接不上机器人" in entries[1]["text"]


def test_terminal_chat(app, sim, live_bot, deliver):
    task_id = push_test_card()
    deliver()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sim", "chat", "--user", "jy_zhang", "--bot-url", live_bot.url,
                                 "--sim-url", sim.url, "--wait", "0.1", "--history", "5"],
                           input="帮助\n/进入\n/点击 3 1\n/点击 1 1\n/菜单\n/乱写\n/退出\n不会发送\n")
    out = result.output
    assert result.exit_code == 0, out
    assert "【卡片 1】模拟器测试卡片" in out and "按钮：1) 确认  2) 拒绝" in out
    assert "机器人：张伟（抚松县教育局，单位工作人员）可以使用" in out
    assert "机器人：您好，张伟！我是政务新媒体助手。" in out
    assert out.count("张伟（抚松县教育局，单位工作人员）可以使用") == 3  # 帮助, /进入, /菜单
    assert "没有卡片 3。目前收到 1 张卡片。" in out
    assert "［卡片 1 按钮已变为：已确认］" in out
    assert "没有这个本地命令" in out
    assert out.rstrip().endswith("再见。")
    with db.transaction() as session:
        assert session.get(Card, task_id).response_code  # the click went through as a real event
    deliver()
    result = runner.invoke(args=["sim", "chat", "--user", "jy_zhang", "--bot-url", live_bot.url,
                                 "--sim-url", sim.url, "--wait", "0.1", "--history", "1"], input="")
    assert "【推送】收到您的选择：ok" in result.output


def test_terminal_chat_shows_card_updates(app, sim, live_bot, deliver):
    task_id = push_test_card()
    deliver()
    with db.transaction() as session:
        card = session.get(Card, task_id)
        outbox.push_card_update(session, card, button_label="已由管理员处理")
    deliver()
    result = app.test_cli_runner().invoke(args=["sim", "chat", "--user", "jy_zhang", "--sim-url", sim.url,
                                                "--bot-url", live_bot.url, "--history", "3"], input="")
    assert "【卡片 1】模拟器测试卡片" in result.output
    assert "［卡片 1 已更新：已由管理员处理］" in result.output
    other = app.test_cli_runner().invoke(args=["sim", "chat", "--user", "jy_li", "--sim-url", sim.url,
                                               "--bot-url", live_bot.url, "--history", "3"], input="")
    assert "卡片" not in other.output.split("本地命令")[0]  # nothing of jy_zhang's


def test_terminal_chat_without_simulator(app):
    result = app.test_cli_runner().invoke(args=["sim", "chat", "--user", "jy_zhang", "--sim-url",
                                                "http://127.0.0.1:9"], input="")
    assert result.exit_code != 0 and "连接不上模拟器" in result.output


def test_terminal_chat_follows_the_ports(app, monkeypatch):
    """`BOT_PORT=5100 SIM_PORT=5101 ./run.sh`, then the chat command it prints: the same ports."""
    from sim.server import callback_url
    monkeypatch.delenv("SIM_URL", raising=False)
    monkeypatch.delenv("SIM_BOT_URL", raising=False)
    monkeypatch.setenv("SIM_PORT", "9")
    monkeypatch.setenv("BOT_PORT", "5100")
    result = app.test_cli_runner().invoke(args=["sim", "chat", "--user", "jy_zhang"], input="")
    assert "http://127.0.0.1:9" in result.output
    assert callback_url(None) == "http://127.0.0.1:5100/wecom/callback"


def test_demo_seed_is_idempotent(app, cfg):
    from models.account import Account
    from models.org import BUREAU_ADMIN, CITY_REVIEWER, Person
    from sim import demo
    from sim.demo import DEMO_ACCOUNTS
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    second = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0 and "演示数据已就绪" in first.output
    assert first.output == second.output
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == len(DEMO_ACCOUNTS)
        assert session.scalar(select(func.count()).select_from(Person).where(Person.userid == "jy_zhang")) == 1

    with db.transaction() as session:  # a demo seeded before the city bureau's admin joined it
        session.delete(session.scalar(select(Person).where(Person.userid == "city_qian")))
    topped_up = runner.invoke(args=["demo", "seed"])
    assert topped_up.exit_code == 0 and topped_up.output == first.output
    assert runner.invoke(args=["demo", "seed"]).output == first.output
    with db.transaction() as session:
        admin = session.scalar(select(Person).where(Person.userid == "city_qian"))
        assert (admin.name, admin.unit.name, admin.roles) == ("钱管理", demo.CITY, {BUREAU_ADMIN, CITY_REVIEWER})


def test_fault_injected_through_the_sim_port_delays_delivery(sim, fake, deliver):
    post(sim, "/fake/faults", endpoint="message/send", errcode=45009, times=1)
    with db.transaction() as session:
        (row,) = outbox.push_text(session, "jy_zhang", "周报提醒")
    deliver()
    assert fake.messages_to("jy_zhang") == []
    with db.transaction() as session:
        stored = session.get(OutboxMessage, row.id)
        assert (stored.status, stored.error.split(":")[0]) == ("pending", "45009")
    post(sim, "/fake/faults", clear=True)
    assert fake.state.faults == {}


def test_a_fresh_demo_shows_a_realistic_dormancy_ladder(app, cfg):
    """Demo accounts get recent updates (from the demo weekly reports): the first ladder run nudges a few, declares
    no zombies."""
    from datetime import date, datetime
    from jobs.dormancy import dormancy_ladder
    from models.oversight import DormancyRung
    from bot import clock
    clock.set_now(datetime(2026, 11, 25, 9, 0))  # a Wednesday: last week's reports, filed on Friday, are 5 days old
    try:
        assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
        dormancy_ladder(date(2026, 11, 25).isoformat())
        with db.transaction() as session:
            rungs = sorted(session.scalars(select(DormancyRung.days)).all())
        assert set(rungs) == {8, 11, 15}  # three accounts on the 7-, 10- and 14-day rungs; no zombie
    finally:
        clock.reset()


@pytest.mark.parametrize("path", ["/sim/api/send", "/sim/api/event", "/sim/api/click"])
@pytest.mark.parametrize("body", ["{oops", "[1, 2]", '"帮助"', '{"user": 123, "text": "帮助", "event": "enter_agent", '
                                  '"task_id": "simtest-1", "key": "ok"}'])
def test_malformed_json_gets_a_clear_400(sim, path, body):
    answer = requests.post(sim.url + path, data=body.encode(), headers={"Content-Type": "application/json"},
                           timeout=10)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]


def test_a_screenshot_sent_from_the_page_and_the_terminal_is_kept(app, sim, live_bot, deliver):
    from models.rectification import RectificationAnswer
    from models.screenshot import STORED, Screenshot
    post(sim, "/sim/api/send", user="zsj_admin", text="整改通知 教育局 抚松教育公众号两周未更新")
    post(sim, "/sim/api/send", user="zsj_admin", text="确认")
    post(sim, "/sim/api/send", user="jy_zhang", text="已整改 1 已补发本周内容")
    post(sim, "/sim/api/send", user="jy_zhang", text="确认")
    sent = post(sim, "/sim/api/image", user="jy_zhang")
    assert [e["kind"] for e in sent] == ["out", "reply"] and sent[0]["text"] == "［图片：截图.png］"
    assert "截图已附在整改事项 1 的整改情况中" in sent[1]["text"]
    deliver()  # the job fetches the picture from the fake WeCom (media/get) and keeps it
    with db.transaction() as session:
        answer = session.scalars(select(RectificationAnswer)).one()
        shot = session.get(Screenshot, answer.screenshot_id)
        assert shot.status == STORED and shot.content.startswith(b"\x89PNG")
    # the terminal chat sends its picture through the simulator, which holds it for media/get
    result = app.test_cli_runner().invoke(args=["sim", "chat", "--user", "jy_li", "--bot-url", live_bot.url,
                                                "--sim-url", sim.url, "--wait", "0.1"], input="/截图\n/退出\n")
    assert result.exit_code == 0, result.output
    assert "机器人：" in result.output and "图片" in result.output
    assert requests.post(sim.url + "/sim/api/image", json={}, timeout=5).status_code == 400


def cards_of(sim, userid) -> list[dict]:
    return [e["content"] for e in timeline(sim, userid)["entries"]
            if e["kind"] == "push" and e["msgtype"] == "template_card"]


def test_an_open_request_walks_through_all_three_steps_by_tapping_cards(sim, deliver):
    """开设 in the demo directory, as one would try it in the simulator's page: the unit head, the county bureau
    and the city bureau each tap 同意 on the card the bot pushed them."""
    from tests.approvals_helpers import OPEN_WEIBO
    for answer in [*OPEN_WEIBO, "确认"]:
        entries = post(sim, "/sim/api/send", user="jy_zhang", text=answer)
    assert entries[-1]["text"].startswith("已提交第1号开设申请，当前环节：待单位审核。"), entries
    steps = [("jy_wang", "王局长", "开设单位意见 · 待单位审核"), ("zsj_review", "杨审核", "主管单位意见 · 待主管单位审核"),
             ("city_qian", "钱管理", "市级审批意见 · 待市级审批")]
    for approver, name, step in steps:
        deliver()
        [card] = cards_of(sim, approver)
        assert card["main_title"] == {"title": "第1号开设申请待您审批", "desc": step}, card
        post(sim, "/sim/api/click", user=approver, task_id=card["task_id"], key="approve", label="同意")
        assert timeline(sim, approver)["cards"] == {card["task_id"]: f"{name}已同意"}
    deliver()
    [city_card] = cards_of(sim, "city_zhao")  # the other city reviewer's card is greyed: decided by 钱管理
    assert timeline(sim, "city_zhao")["cards"] == {city_card["task_id"]: "钱管理已同意"}
    told = [e["content"]["content"] for e in timeline(sim, "jy_zhang")["entries"]
            if e["kind"] == "push" and e["msgtype"] == "text"]
    assert "您的第1号开设申请（抚松教育）：市级审批意见由钱管理同意。\n审批已全部通过。" in told, told
