"""A fake of the WeCom server API on loopback, checking requests as WeCom does (wecom.md §6).

It records every message, can inject faults on demand, silently drops a member's 31st
message in a minute (as WeCom does), honours `enable_duplicate_check`, and has its own
clock offset for the 7200 s / 3 day / 72 h expiries.
"""
from __future__ import annotations

import hashlib
import json
import mimetypes
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from bot.config import DEMO

TASK_ID = re.compile(r"^[0-9A-Za-z_\-@]{1,128}$")
MSGTYPES = {"text", "image", "voice", "video", "file", "textcard", "news", "mpnews", "markdown",
            "miniprogram_notice", "template_card"}


@dataclass
class Fault:
    errcode: int | None = None  # None with http_status/timeout
    times: int = 1  # how many calls it affects (-1: until cleared)
    http_status: int | None = None
    delay: float = 0.0


@dataclass
class FakeState:
    corp_id: str = DEMO["WECOM_CORP_ID"]
    secret: str = DEMO["WECOM_SECRET"]
    agent_id: int = int(DEMO["WECOM_AGENT_ID"])
    tokens: dict[str, float] = field(default_factory=dict)  # token → expiry (fake time)
    media: dict[str, float] = field(default_factory=dict)
    response_codes: dict[str, dict] = field(default_factory=dict)  # code → {issued, used, task_id}
    task_ids: set[str] = field(default_factory=set)
    messages: list[dict] = field(default_factory=list)  # what reached users
    dropped: list[dict] = field(default_factory=list)  # silently dropped (rate limit, duplicates)
    requests: list[dict] = field(default_factory=list)  # every API call
    card_updates: list[dict] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    known_users: set[str] | None = None  # None: everyone is valid
    # userids WeCom refuses outright (lower-case): a message/send naming one answers 40003 and
    # reaches nobody, as WeCom does not say which of the call's userids it means
    bad_userids: set[str] = field(default_factory=set)
    departments: list[dict] = field(default_factory=list)
    users: dict[int, list[dict]] = field(default_factory=dict)
    recent: dict[str, list[float]] = field(default_factory=dict)  # per-member send times
    dup_seen: dict[str, float] = field(default_factory=dict)
    offset: float = 0.0
    gettoken_calls: int = 0
    seq: int = 0


class FakeWeCom:
    def __init__(self, **kw):
        self.state = FakeState(**kw)
        self.lock = threading.RLock()
        self._files: dict[str, tuple[str, bytes]] = {}
        # Optional: a callable returning (departments, users by department id) that
        # department/list reads afresh, e.g. the simulator's view of the bot's directory.
        self.contacts_source = None
        self.app = self._build_app()

    # --- helpers for tests ---------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self.state.offset

    def inject(self, endpoint: str, errcode: int | None = None, times: int = 1, http_status: int | None = None,
               delay: float = 0.0) -> None:
        with self.lock:
            self.state.faults.setdefault(endpoint, []).append(Fault(errcode, times, http_status, delay))

    def add_media(self, data: bytes, filename: str = "image.png", media_id: str | None = None) -> str:
        """Hold a file as WeCom holds what a member sends (a picture's MediaId): media/get serves it for 3 days."""
        media_id = media_id or "media_" + secrets.token_hex(12)
        with self.lock:
            self.state.media[media_id] = self.now()
            self._files[media_id] = (filename, data)
        return media_id

    def reject_userid(self, userid: str) -> None:
        """From now on message/send answers 40003 (invalid userid) to any call naming `userid`."""
        with self.lock:
            self.state.bad_userids.add(userid.lower())

    def clear_faults(self) -> None:
        with self.lock:
            self.state.faults.clear()
            self.state.bad_userids.clear()

    def messages_to(self, userid: str) -> list[dict]:
        with self.lock:
            return [m for m in self.state.messages if m["touser"] == userid]

    def expire_tokens(self) -> None:
        with self.lock:
            self.state.tokens = {t: 0 for t in self.state.tokens}

    def reset(self) -> None:
        with self.lock:
            keep = (self.state.corp_id, self.state.secret, self.state.agent_id)
            self.state = FakeState(corp_id=keep[0], secret=keep[1], agent_id=keep[2])
            self.contacts_source = None

    def refresh_contacts(self) -> bool:
        """Load departments and members from `contacts_source`; keep the old ones if it has none."""
        source = self.contacts_source
        found = source() if source is not None else None
        if found is None:
            return False
        with self.lock:
            self.state.departments, self.state.users = found
        return True

    def department_subtree(self, root: int) -> list[dict]:
        with self.lock:
            depts = list(self.state.departments)
        ids = {root} if any(d["id"] == root for d in depts) else set()
        grew = True
        while grew:
            below = {d["id"] for d in depts if d.get("parentid") in ids} - ids
            ids |= below
            grew = bool(below)
        return [d for d in depts if d["id"] in ids]

    def _fault(self, endpoint: str):
        with self.lock:
            queue = self.state.faults.get(endpoint) or []
            if not queue:
                return None
            fault = queue[0]
            if fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    queue.pop(0)
            return fault

    def _apply_fault(self, endpoint: str):
        fault = self._fault(endpoint)
        if fault is None:
            return None
        if fault.delay:
            time.sleep(fault.delay)
        if fault.http_status:
            return ("server error", fault.http_status)
        if fault.errcode is not None:
            return jsonify(errcode=fault.errcode, errmsg=f"injected fault {fault.errcode}")
        return None

    def _check_token(self):
        token = request.args.get("access_token", "")
        expiry = self.state.tokens.get(token)
        if expiry is None:
            return jsonify(errcode=40014, errmsg="invalid access_token")
        if expiry < self.now():
            return jsonify(errcode=42001, errmsg="access_token expired")
        return None

    # --- the API ------------------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask("fake_wecom")
        fake = self

        @app.before_request
        def record():
            with fake.lock:
                fake.state.requests.append({"path": request.path, "args": dict(request.args), "at": fake.now()})

        @app.get("/cgi-bin/gettoken")
        def gettoken():
            with fake.lock:
                fake.state.gettoken_calls += 1
            injected = fake._apply_fault("gettoken")
            if injected is not None:
                return injected
            if (request.args.get("corpid") != fake.state.corp_id
                    or request.args.get("corpsecret") != fake.state.secret):
                return jsonify(errcode=40001, errmsg="invalid credential")
            token = "tok_" + secrets.token_hex(24)
            with fake.lock:
                fake.state.tokens[token] = fake.now() + 7200
            return jsonify(errcode=0, errmsg="ok", access_token=token, expires_in=7200)

        @app.post("/cgi-bin/message/send")
        def send():
            bad = fake._check_token() or fake._apply_fault("message/send")
            if bad is not None:
                return bad
            try:
                body = json.loads(request.get_data() or b"{}")
            except ValueError:
                return jsonify(errcode=40058, errmsg="Warning: wrong json format.")
            return jsonify(fake._send(body))

        @app.post("/cgi-bin/media/upload")
        def upload():
            bad = fake._check_token() or fake._apply_fault("media/upload")
            if bad is not None:
                return bad
            kind = request.args.get("type")
            part = request.files.get("media")
            if kind not in ("image", "voice", "video", "file") or part is None:
                return jsonify(errcode=40004, errmsg="invalid media type or missing media part")
            data = part.read()
            if len(data) <= 5:
                return jsonify(errcode=40005, errmsg="invalid file size")
            media_id = fake.add_media(data, part.filename)
            return jsonify(errcode=0, errmsg="", type=kind, media_id=media_id, created_at=str(int(fake.now())))

        @app.get("/cgi-bin/media/get")
        def media_get():
            """获取临时素材: the file with its type and name; 40007 for an id never issued or older than 3 days."""
            bad = fake._check_token() or fake._apply_fault("media/get")
            if bad is not None:
                return bad
            media_id = request.args.get("media_id", "")
            with fake.lock:
                issued = fake.state.media.get(media_id)
                name, data = fake._files.get(media_id, (None, None))
            if issued is None or data is None or fake.now() - issued > 3 * 86400:
                return jsonify(errcode=40007, errmsg="invalid media_id")
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return app.response_class(data, mimetype=kind, headers={"Content-Disposition": _disposition(name)})

        @app.post("/cgi-bin/message/update_template_card")
        def update_card():
            bad = fake._check_token() or fake._apply_fault("message/update_template_card")
            if bad is not None:
                return bad
            body = json.loads(request.get_data() or b"{}")
            code = body.get("response_code")
            with fake.lock:
                issued = fake.state.response_codes.get(code)
                if not issued or issued["used"] or fake.now() - issued["issued"] > 72 * 3600:
                    return jsonify(errcode=40078, errmsg="invalid response_code")
                if ("button" in body) == ("template_card" in body) or not isinstance(body.get("userids"), list):
                    return jsonify(errcode=40058, errmsg="invalid parameter")
                issued["used"] = True
                fake.state.card_updates.append({**body, "task_id": issued["task_id"]})
            return jsonify(errcode=0, errmsg="ok", invaliduser=[])

        @app.get("/cgi-bin/department/list")
        def department_list():
            bad = fake._check_token() or fake._apply_fault("department/list")
            if bad is not None:
                return bad
            fake.refresh_contacts()
            root = request.args.get("id")
            if not root:
                return jsonify(errcode=0, errmsg="ok", department=fake.state.departments)
            found = fake.department_subtree(int(root))  # as WeCom: the department and all below it
            if not found:
                return jsonify(errcode=60003, errmsg="department not found")
            return jsonify(errcode=0, errmsg="ok", department=found)

        @app.get("/cgi-bin/user/list")
        def user_list():
            bad = fake._check_token() or fake._apply_fault("user/list")
            if bad is not None:
                return bad
            dept = int(request.args.get("department_id", "0") or 0)
            if dept not in {int(d["id"]) for d in fake.state.departments}:
                return jsonify(errcode=60003, errmsg="department not found")
            return jsonify(errcode=0, errmsg="ok", userlist=fake.state.users.get(dept, []))

        # --- for the simulator and tests (not part of WeCom) -----------------------------

        @app.get("/fake/messages")
        def list_messages():
            user = request.args.get("user")
            since = int(request.args.get("since", "0"))
            with fake.lock:
                items = [m for m in fake.state.messages if (not user or m["touser"] == user) and m["seq"] > since]
            return jsonify(items)

        @app.get("/fake/card_updates")
        def list_updates():
            with fake.lock:
                return jsonify(fake.state.card_updates)

        @app.get("/fake/file/<media_id>")
        def get_file(media_id):
            name, data = fake._files.get(media_id, (None, None))
            if data is None:
                return ("not found", 404)
            return app.response_class(data, headers={"Content-Disposition": _disposition(name)},
                                      mimetype="application/octet-stream")

        @app.post("/fake/faults")
        def set_fault():
            body = request.get_json(force=True)
            if body.get("clear"):
                fake.clear_faults()
            elif body.get("bad_userid"):
                fake.reject_userid(body["bad_userid"])
            else:
                fake.inject(body["endpoint"], body.get("errcode"), int(body.get("times", 1)),
                            body.get("http_status"), float(body.get("delay", 0)))
            return jsonify(ok=True)

        @app.post("/fake/response_code")
        def response_code():
            """A fresh ResponseCode for a card click, as WeCom puts in a template_card_event."""
            task_id = (request.get_json(force=True, silent=True) or {}).get("task_id", "")
            if not TASK_ID.match(task_id):
                return jsonify(error="task_id missing or malformed"), 400
            return jsonify(response_code=fake.issue_response_code(task_id))

        @app.get("/fake/file_name/<media_id>")
        def file_name(media_id):
            name, _data = fake._files.get(media_id, (None, None))
            return (jsonify(name=name), 200) if name else (jsonify(error="not found"), 404)

        @app.get("/fake/stats")
        def stats():
            with fake.lock:
                return jsonify(gettoken_calls=fake.state.gettoken_calls, messages=len(fake.state.messages),
                               dropped=len(fake.state.dropped),
                               send_calls=sum(1 for r in fake.state.requests if r["path"] == "/cgi-bin/message/send"))

        return app

    def _send(self, body: dict) -> dict:
        st = self.state
        msgtype = body.get("msgtype")
        if not isinstance(body.get("agentid"), int) or body["agentid"] != st.agent_id:
            return {"errcode": 40056, "errmsg": "invalid agentid"}
        if msgtype not in MSGTYPES or not isinstance(body.get(msgtype), dict):
            return {"errcode": 40008, "errmsg": "invalid message type"}
        users = [u for u in (body.get("touser") or "").split("|") if u]
        if not users and not body.get("toparty") and not body.get("totag"):
            return {"errcode": 82001, "errmsg": "All touser & toparty & totag invalid"}
        if len(users) > 1000:
            return {"errcode": 40058, "errmsg": "touser exceeds 1000"}
        with self.lock:
            if any(u.lower() in st.bad_userids for u in users):
                return {"errcode": 40003, "errmsg": "invalid userid"}
        content = body[msgtype]
        if msgtype in ("text", "markdown"):
            text = content.get("content") or ""
            if not text:
                return {"errcode": 44004, "errmsg": "empty content"}
            if len(text.encode()) > 2048:
                return {"errcode": 45002, "errmsg": "content size out of limit"}
        if msgtype in ("file", "image"):
            issued = st.media.get(content.get("media_id", ""))
            if issued is None or self.now() - issued > 3 * 86400:
                return {"errcode": 40007, "errmsg": "invalid media_id"}
        interactive = False
        if msgtype == "template_card":
            task_id = content.get("task_id", "")
            buttons = content.get("button_list") or []
            interactive = content.get("card_type") in ("button_interaction", "vote_interaction",
                                                       "multiple_interaction")
            if interactive:
                with self.lock:
                    if not TASK_ID.match(task_id) or task_id in st.task_ids:
                        return {"errcode": 42014, "errmsg": "invalid or duplicate task_id"}
                if content.get("card_type") == "button_interaction":
                    keys = [b.get("key") for b in buttons]
                    if not 1 <= len(buttons) <= 6 or len(set(keys)) != len(keys):
                        return {"errcode": 42039, "errmsg": "invalid button_list"}
        with self.lock:
            invalid = [u for u in users if st.known_users is not None and u not in st.known_users]
            valid = [u for u in users if u not in invalid]
            if not valid:
                return {"errcode": 81013, "errmsg": "user & party & tag all invalid",
                        "invaliduser": "|".join(u.lower() for u in invalid)}
            st.seq += 1
            msgid = f"msg{st.seq:08d}"
            if interactive:
                st.task_ids.add(content["task_id"])
            digest = hashlib.sha256(json.dumps([msgtype, content], sort_keys=True).encode()).hexdigest()
            now = self.now()
            for user in valid:
                record = {"touser": user, "msgtype": msgtype, "content": content, "msgid": msgid, "at": now}
                if body.get("enable_duplicate_check"):
                    interval = int(body.get("duplicate_check_interval", 1800))
                    key = f"{user.lower()}:{digest}"  # WeCom ignores a userid's case
                    if now - st.dup_seen.get(key, -1e12) < interval:
                        st.dropped.append({**record, "why": "duplicate"})
                        continue
                    st.dup_seen[key] = now
                window = [t for t in st.recent.get(user.lower(), []) if now - t < 60]
                window.append(now)
                st.recent[user.lower()] = window
                if len(window) > 30:  # WeCom drops the excess silently
                    st.dropped.append({**record, "why": "rate"})
                    continue
                st.seq += 1
                st.messages.append({**record, "seq": st.seq})
            result = {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(u.lower() for u in invalid),
                      "msgid": msgid}
            if interactive:
                code = "rc_" + secrets.token_hex(10)
                st.response_codes[code] = {"issued": now, "used": False, "task_id": content["task_id"]}
                result["response_code"] = code
            return result

    def issue_response_code(self, task_id: str) -> str:
        """A fresh ResponseCode as WeCom puts in a template_card_event."""
        code = "rc_" + secrets.token_hex(10)
        with self.lock:
            self.state.response_codes[code] = {"issued": self.now(), "used": False, "task_id": task_id}
        return code


def _disposition(name: str) -> str:
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


class FakeWeComServer:
    """Run a FakeWeCom on loopback in a background thread (tests, bench)."""

    def __init__(self, fake: FakeWeCom | None = None, host: str = "127.0.0.1", port: int = 0):
        self.fake = fake or FakeWeCom()
        self.server = make_server(host, port, self.fake.app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cgi-bin/"

    def start(self) -> "FakeWeComServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
