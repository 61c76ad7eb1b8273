"""WeCom API adapter (outbound half): token sharing, message/send, media/upload, media/get, card updates.

With `bot/wecom_crypto.py` this is the only place that imports wechatpy. Callers see
`WeComError` (with `.retryable`) and plain return values, never HTTP or tokens.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import unquote

import redis as redis_lib
import requests
import urllib3
from wechatpy.enterprise import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot import clock
from bot import config as config_mod

log = logging.getLogger("bot.wecom")

RETRYABLE = {-1, 45009, 45033, 45011}
DUPLICATE_WINDOW = 1800  # seconds: WeCom's default duplicate_check_interval
TOKEN_TTL_MARGIN = 300
TOKEN_RETRY_AFTER = timedelta(seconds=5)  # a failed gettoken answers for every process's calls right after it
HTTP_TIMEOUT = 10  # seconds, to connect and again to read: one gettoken may take twice this
TOKEN_LOCK_HOLD = 3 * HTTP_TIMEOUT  # the refresh lock outlives the slowest gettoken …
TOKEN_LOCK_WAIT = 3 * HTTP_TIMEOUT  # … and the others wait for it as long


class WeComError(Exception):
    def __init__(self, errcode: int | None, errmsg: str, retryable: bool, body: dict | None = None,
                 uncertain: bool = False):
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.retryable = retryable
        self.body = body or {}
        # The request may have been carried out although we got no answer (a timeout, a dropped
        # connection, a gateway's 5xx): a resend must rely on WeCom's duplicate check.
        self.uncertain = uncertain


@dataclass
class SendResult:
    msgid: str | None
    invalid_users: set[str] = field(default_factory=set)
    response_code: str | None = None


@dataclass
class Media:
    """A file fetched from WeCom by its media id."""
    content: bytes
    content_type: str
    filename: str | None = None


class _Client(WeChatClient):
    """wechatpy client pointed at our base URL, with the token kept in Redis by `WeComAPI`."""

    def __init__(self, api: "WeComAPI", cfg):
        self.API_BASE_URL = cfg.api_base
        self._api = api
        super().__init__(cfg.corp_id, cfg.secret, timeout=HTTP_TIMEOUT, auto_retry=False)

    @property
    def access_token(self):  # wechatpy reads this for every call
        return self._api.token()

    def fetch_access_token(self):  # never called: token() does the fetch with a timeout
        raise RuntimeError("token is fetched by WeComAPI.token()")


class WeComAPI:
    def __init__(self, cfg=None, redis: redis_lib.Redis | None = None):
        self.cfg = cfg or config_mod.get()
        self.redis = redis or redis_lib.Redis.from_url(self.cfg.redis_url)
        self.client = _Client(self, self.cfg)
        self.token_key = f"zwxmt:wecom:token:{self.cfg.corp_id}:{self.cfg.agent_id}"
        self.http = requests.Session()

    # --- access token, shared by every process through Redis -------------------------

    def token(self) -> str:
        cached = self.redis.get(self.token_key)
        if cached:
            return cached.decode()
        lock = self.redis.lock(self.token_key + ":lock", timeout=TOKEN_LOCK_HOLD, blocking_timeout=TOKEN_LOCK_WAIT)
        if not lock.acquire():  # (a process that died holding it: the lock expires, try later)
            raise WeComError(None, "gettoken: the token lock was not free in time", retryable=True)
        try:  # one process refreshes; the others wait and read its token
            cached = self.redis.get(self.token_key)
            if cached:
                return cached.decode()
            self._raise_recent_failure()  # a backlog of distinct messages must not mean one gettoken each
            try:
                return self._fetch_token()
            except WeComError as err:
                self._share_failure(err)
                raise
        finally:
            try:
                lock.release()
            except redis_lib.exceptions.LockError:  # expired meanwhile (it outlives any gettoken)
                pass

    def _share_failure(self, err: WeComError) -> None:
        """Tell every process that gettoken just failed: those waiting for the lock give up too, rather than each
        calling gettoken in turn, every one waiting for all the earlier ones' failures (by the bot's clock)."""
        until = (clock.now() + TOKEN_RETRY_AFTER).timestamp()
        failure = json.dumps({"until": until, "errcode": err.errcode, "errmsg": err.errmsg,
                              "retryable": err.retryable})
        self.redis.set(self.token_key + ":failed", failure, ex=int(TOKEN_RETRY_AFTER.total_seconds()) + 60)

    def _raise_recent_failure(self) -> None:
        stored = self.redis.get(self.token_key + ":failed")
        failure = json.loads(stored) if stored else None
        if failure and clock.now().timestamp() < failure["until"]:
            raise WeComError(failure["errcode"], failure["errmsg"], retryable=failure["retryable"])

    def _fetch_token(self) -> str:
        try:
            resp = self.http.get(self.cfg.api_base + "gettoken", timeout=HTTP_TIMEOUT,
                                 params={"corpid": self.cfg.corp_id, "corpsecret": self.cfg.secret})
            resp.raise_for_status()
            body = resp.json()
        except (requests.RequestException, ValueError) as exc:
            raise WeComError(None, f"gettoken failed: {type(exc).__name__}", retryable=True) from None
        if body.get("errcode", 0):
            code = body["errcode"]
            raise WeComError(code, body.get("errmsg", ""), retryable=code in RETRYABLE, body=body)
        ttl = max(60, int(body.get("expires_in", 7200)) - TOKEN_TTL_MARGIN)
        self.redis.set(self.token_key, body["access_token"], ex=ttl)
        log.info("wecom token refreshed ttl=%s", ttl)
        return body["access_token"]

    def _drop_token(self, bad: str) -> None:
        # Compare-and-delete: another process may already have stored a fresh one.
        script = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
        self.redis.eval(script, 1, self.token_key, bad)

    # --- calls ----------------------------------------------------------------------------

    def _call(self, method: str, path: str, *, binary: bool = False, **kw):
        """One API call; on 40014/42001 refresh the token once and retry once. `binary`: the answer is a file
        (a `requests.Response`), and only an error comes back as JSON."""
        for attempt in (1, 2):
            token = self.token()
            try:
                # a fresh params dict each time: wechatpy writes the access_token into it, and the retry after a
                # refresh must not carry the rejected one
                fresh = {**kw, "params": dict(kw["params"])} if "params" in kw else kw
                result = getattr(self.client, method)(path, **fresh)
            except WeChatClientException as exc:
                body = _body_of(exc)
                code = exc.errcode if exc.errcode is not None else body.get("errcode")
                if code in (40014, 42001) and attempt == 1:
                    log.info("wecom token rejected (%s); refreshing once", code)
                    self._drop_token(token)
                    continue
                if code is None:  # HTTP error status
                    status = getattr(exc.response, "status_code", None)
                    raise WeComError(None, f"http {status}", retryable=True, uncertain=True) from None
                # a token rejected again right after a refresh: try later rather than drop the message
                retryable = code in RETRYABLE or code in (40014, 42001)
                raise WeComError(code, str(exc.errmsg or ""), retryable=retryable, body=body) from None
            except requests.RequestException as exc:
                raise WeComError(None, f"network: {type(exc).__name__}", retryable=True,
                                 uncertain=_maybe_carried_out(exc)) from None
            if binary and not isinstance(result, dict):
                return result
            if not isinstance(result, dict):  # wechatpy hands back a body that is not JSON (a proxy's page)
                raise WeComError(None, "answer is not JSON", retryable=True, uncertain=True)
            if binary:  # JSON without an errcode: not the file
                raise WeComError(None, "answer is JSON, not the file", retryable=True)
            return result
        raise WeComError(42001, "token still rejected after refresh", retryable=True)

    def send(self, msgtype: str, payload: dict, userids: list[str], duplicate_check: bool = True,
             duplicate_window: int = DUPLICATE_WINDOW) -> SendResult:
        body = {"touser": "|".join(userids), "agentid": self.cfg.agent_id, "msgtype": msgtype, msgtype: payload}
        if duplicate_check:
            body.update(enable_duplicate_check=1, duplicate_check_interval=duplicate_window)
        try:
            res = self._call("post", "message/send", data=body)
        except WeComError as err:
            if err.errcode == 81013:  # every recipient invalid
                err.body.setdefault("invaliduser", "|".join(userids))
            raise
        invalid = {u for u in (res.get("invaliduser") or "").split("|") if u}
        return SendResult(res.get("msgid"), invalid, res.get("response_code"))

    def upload(self, media_type: str, filename: str, content: bytes) -> str:
        res = self._call("post", "media/upload", params={"type": media_type},
                         files={"media": (filename, content)})
        return res["media_id"]

    def download(self, media_id: str) -> Media:
        """The file behind a media id (获取临时素材, valid 3 days: 40007 after). wechatpy's own
        `media.download` calls the production host without a timeout or error check, so it goes through `_call`."""
        resp = self._call("get", "media/get", binary=True, params={"media_id": media_id})
        content_type = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type.startswith("text/"):  # a proxy's or gateway's page, not the picture
            raise WeComError(None, f"answer is {content_type}, not the file", retryable=True)
        return Media(resp.content, content_type or "application/octet-stream",
                     _filename(resp.headers.get("Content-Disposition", "")))

    def update_card(self, userids: list[str], response_code: str, *, button_label: str | None = None,
                    card: dict | None = None) -> dict:
        body = {"userids": userids, "agentid": self.cfg.agent_id, "response_code": response_code}
        if card is not None:
            body["template_card"] = card
        else:
            body["button"] = {"replace_name": button_label or "已处理"}
        return self._call("post", "message/update_template_card", data=body)

    def departments(self) -> list[dict]:
        return self._call("get", "department/list").get("department", [])

    def users(self, department_id: int) -> list[dict]:
        return self._call("get", "user/list", params={"department_id": department_id}).get("userlist", [])


def _maybe_carried_out(exc: requests.RequestException) -> bool:
    """False only if the request never left: no connection could be made (refused, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return not isinstance(reason, urllib3.exceptions.NewConnectionError)


def _filename(disposition: str) -> str | None:
    """The file name of `attachment; filename="x.png"` (or of RFC 5987's filename*=UTF-8''…)."""
    encoded = re.search(r"filename\*\s*=\s*UTF-8''([^;]+)", disposition, re.I)
    if encoded:
        return unquote(encoded.group(1).strip())
    plain = re.search(r'filename\s*=\s*"?([^";]+)"?', disposition, re.I)
    return plain.group(1).strip() if plain else None


def _body_of(exc: WeChatClientException) -> dict:
    try:
        return exc.response.json() if exc.response is not None else {}
    except ValueError:
        return {}


_api: WeComAPI | None = None


def get_api() -> WeComAPI:
    global _api
    if _api is None or _api.cfg is not config_mod.get():
        _api = WeComAPI()
    return _api


def reset() -> None:
    global _api
    _api = None
