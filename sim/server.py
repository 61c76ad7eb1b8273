"""The `sim` process: the fake WeCom API and a chat web page, one Flask app on 127.0.0.1:5001.

    /cgi-bin/…, /fake/…   the fake WeCom server (sim/fake_wecom.py), used by the bot's workers
    /                     the chat page: pick a user of the directory, chat, see the inbox
    /sim/api/…            what the page calls: send text, a screenshot, events and card clicks as WeCom would
"""
from __future__ import annotations

import itertools
import os
import secrets
import threading
import time

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot import config as config_mod
from bot.wecom_crypto import CallbackCrypto
from sim.fake_wecom import FakeWeCom
from sim.wecom_user import Reply, WeComSide, post_over_http

DEFAULT_BOT_URL = "http://127.0.0.1:5000/wecom/callback"
FAKE_PREFIXES = ("/cgi-bin/", "/fake/")
# Menu items shown whatever the handlers register (key → label); the bot maps a key to the
# command of that name or menu_key.
BASE_MENU = [("帮助", "帮助"), ("菜单", "功能菜单"), ("取消", "取消当前操作")]

bp = Blueprint("sim", __name__, template_folder="templates")


def callback_url(url: str | None) -> str:
    """Accept a bot base URL or the full callback URL."""
    port = os.environ.get("BOT_PORT")
    default = f"http://127.0.0.1:{port}/wecom/callback" if port else DEFAULT_BOT_URL
    url = (url or os.environ.get("SIM_BOT_URL") or default).rstrip("/")
    return url if url.endswith("/wecom/callback") else url + "/wecom/callback"


class Simulator:
    """Plays WeCom's side for the chat page: sends callbacks, remembers what it sent and got."""

    def __init__(self, fake: FakeWeCom, bot_url: str | None = None, cfg: config_mod.Config | None = None):
        cfg = cfg or config_mod.get()
        self.fake = fake
        self.bot_url = callback_url(bot_url)
        self.side = WeComSide(CallbackCrypto(cfg.token, cfg.aes_key, cfg.corp_id), cfg.agent_id, self._post,
                              fake.add_media)
        self.lock = threading.Lock()
        self.log: list[dict] = []  # messages sent as users and the bot's passive replies
        self.labels: dict[tuple[str, str], str] = {}  # (userid, task_id) → greyed button label
        self._ids = itertools.count(1)

    def _post(self, query: dict, body: bytes) -> tuple[int, bytes]:
        return post_over_http(self.bot_url, query, body)

    def _note(self, userid: str, kind: str, text: str, **extra) -> dict:
        entry = {"id": f"s{next(self._ids)}", "at": time.time(), "user": userid, "kind": kind, "text": text,
                 **extra}
        with self.lock:
            self.log.append(entry)
        return entry

    def _answer(self, userid: str, reply: Reply, task_id: str | None = None) -> list[dict]:
        if reply.status == 0:
            return [self._note(userid, "error", f"连接不上机器人（{self.bot_url}），请确认 web 进程已启动。")]
        if reply.status != 200:
            return [self._note(userid, "error", f"机器人返回 HTTP {reply.status}，企业微信会稍后重试。")]
        out = []
        if reply.text:
            out.append(self._note(userid, "reply", reply.text))
        if reply.button_label and task_id:
            with self.lock:
                self.labels[(userid, task_id)] = reply.button_label
        return out

    # --- what the page and the terminal chat do ---------------------------------------------

    def send_text(self, userid: str, text: str) -> list[dict]:
        sent = self._note(userid, "out", text)
        return [sent, *self._answer(userid, self.side.text(userid, text))]

    def send_image(self, userid: str) -> list[dict]:
        """A screenshot as a member sends one (each with its own media id, which the fake's media/get serves)."""
        sent = self._note(userid, "out", "［图片：截图.png］")
        media_id = f"media_sim_{secrets.token_hex(6)}"
        return [sent, *self._answer(userid, self.side.media(userid, "image", media_id=media_id))]

    def enter(self, userid: str) -> list[dict]:
        sent = self._note(userid, "out", "［进入应用］", event=True)
        return [sent, *self._answer(userid, self.side.enter(userid))]

    def click_menu(self, userid: str, key: str, label: str | None = None) -> list[dict]:
        sent = self._note(userid, "out", f"［菜单：{label or key}］", event=True)
        return [sent, *self._answer(userid, self.side.click_menu(userid, key))]

    def click_card(self, userid: str, task_id: str, key: str, label: str | None = None) -> list[dict]:
        sent = self._note(userid, "out", f"［点击卡片按钮：{label or key}］", event=True)
        code = self.fake.issue_response_code(task_id)
        return [sent, *self._answer(userid, self.side.click_card(userid, task_id, key, code), task_id)]

    def timeline(self, userid: str) -> dict:
        """Everything this user sent and got, oldest first, and the state of their cards."""
        with self.lock:
            entries = [e for e in self.log if e["user"] == userid]
            labels = {t: label for (u, t), label in self.labels.items() if u == userid}
        entries += [self._push_entry(m) for m in self.fake.messages_to(userid)]
        entries.sort(key=lambda e: e["at"])
        return {"entries": entries, "cards": {**labels, **self.card_updates(userid)}}

    def _push_entry(self, message: dict) -> dict:
        entry = {"id": f"m{message['seq']}", "at": message["at"], "user": message["touser"], "kind": "push",
                 "msgtype": message["msgtype"], "content": message["content"]}
        media_id = message["content"].get("media_id") if message["msgtype"] in ("file", "image") else None
        if media_id:
            name, _data = self.fake._files.get(media_id, ("文件", b""))
            entry["file"] = {"name": name, "url": f"/fake/file/{media_id}"}
        return entry

    def card_updates(self, userid: str) -> dict[str, str]:
        with self.fake.lock:
            updates = list(self.fake.state.card_updates)
        out = {}
        for update in updates:
            if userid in (update.get("userids") or []) or update.get("atall"):
                button = update.get("button") or {}
                out[update["task_id"]] = button.get("replace_name") or "已更新"
        return out


def directory() -> list[dict]:
    """The people of the bot's directory, for the user picker (read through the models)."""
    from bot import db
    from models.org import ROLE_NAMES, Person, Unit
    with db.transaction() as session:
        people = session.scalars(select(Person).join(Unit).where(Person.active)
                                 .options(selectinload(Person.unit)).order_by(Unit.id, Person.id))
        return [{"userid": p.userid, "name": p.name, "unit": p.unit.name,
                 "roles": "、".join(ROLE_NAMES[r] for r in sorted(p.roles))} for p in people]


def menu_items() -> list[dict]:
    """Menu buttons: the commands that declare a menu_key, plus the function menu."""
    import handlers
    router = handlers.build_router()
    items = [{"key": key, "label": label} for key, label in BASE_MENU]
    for command in router.commands:
        if command.menu_key and command.menu_key not in {i["key"] for i in items}:
            items.append({"key": command.menu_key, "label": command.name})
    return items


def _sim() -> Simulator:
    return current_app.extensions["simulator"]


class _BadBody(Exception):
    """The request body is not a JSON object: answered with a 400 that says so."""


def _body() -> dict:
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise _BadBody
    return body


def _field(body: dict, name: str) -> str:
    """A text field of the body; anything but a string counts as missing."""
    value = body.get(name)
    return value.strip() if isinstance(value, str) else ""


@bp.errorhandler(_BadBody)
def _bad_body(_exc):
    return jsonify(error='请求体应为 JSON 对象，例如 {"user": "jy_zhang", "text": "帮助"}'), 400


@bp.get("/")
def page():
    return render_template("chat.html", bot_url=_sim().bot_url)


@bp.get("/sim/api/users")
def users():
    try:
        return jsonify(directory())
    except Exception as exc:  # no database yet: tell the page what to do
        return jsonify(error=f"读取通讯录失败（{type(exc).__name__}）。请先运行 flask --app bot db upgrade "
                             "和 flask --app bot demo seed。"), 503


@bp.get("/sim/api/menu")
def menu():
    return jsonify(menu_items())


@bp.post("/sim/api/send")
def send():
    body = _body()
    userid, text = _field(body, "user"), _field(body, "text")
    if not userid or not text:
        return jsonify(error="需要 user 和 text"), 400
    return jsonify(_sim().send_text(userid, text))


@bp.post("/sim/api/image")
def image():
    userid = _field(_body(), "user")
    if not userid:
        return jsonify(error="需要 user"), 400
    return jsonify(_sim().send_image(userid))


@bp.post("/sim/api/event")
def event():
    body = _body()
    userid, kind = _field(body, "user"), _field(body, "event")
    if not userid or kind not in ("enter_agent", "click"):
        return jsonify(error="需要 user 和 event（enter_agent 或 click）"), 400
    if kind == "enter_agent":
        return jsonify(_sim().enter(userid))
    return jsonify(_sim().click_menu(userid, _field(body, "key"), _field(body, "label") or None))


@bp.post("/sim/api/click")
def click():
    body = _body()
    userid, task_id, key = _field(body, "user"), _field(body, "task_id"), _field(body, "key")
    if not (userid and task_id and key):
        return jsonify(error="需要 user、task_id 和 key"), 400
    return jsonify(_sim().click_card(userid, task_id, key, _field(body, "label") or None))


@bp.get("/sim/api/timeline")
def timeline():
    userid = request.args.get("user", "")
    if not userid:
        return jsonify(error="需要 user"), 400
    return jsonify(_sim().timeline(userid))


class _Mount:
    """WSGI: the fake WeCom's paths go to the fake's own app, everything else to the page."""

    def __init__(self, page_app, fake_app):
        self.page_app, self.fake_app = page_app, fake_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        target = self.fake_app if path.startswith(FAKE_PREFIXES) else self.page_app
        return target(environ, start_response)


def create_sim_app(fake: FakeWeCom | None = None, bot_url: str | None = None,
                   cfg: config_mod.Config | None = None, contacts: bool = True) -> Flask:
    """The sim app; with `contacts` the fake's department/list and user/list serve the directory."""
    from sim.contacts import serve_directory
    cfg = cfg or config_mod.get()
    fake = fake or FakeWeCom(corp_id=cfg.corp_id, secret=cfg.secret, agent_id=cfg.agent_id)
    if contacts:
        serve_directory(fake)
    app = Flask("sim")
    app.json.ensure_ascii = False
    app.extensions["simulator"] = Simulator(fake, bot_url, cfg)
    app.extensions["fake_wecom"] = fake
    app.register_blueprint(bp)
    app.wsgi_app = _Mount(app.wsgi_app, fake.app)
    return app
