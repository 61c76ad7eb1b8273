"""WeCom callback adapter (inbound half): signature, AES, XML parsing, passive replies.

With `bot/wecom_client.py` this is the only place that imports wechatpy.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto
from wechatpy.utils import to_text

from bot.text_clean import clean_text, xml_safe

USERID_MAX = 64  # WeCom's userids have 1 to 64 bytes; the tables keep 64 characters
MAX_DEPTH = 8  # real callbacks nest 4 deep (xml/SelectedItems/SelectedItem/OptionIds)


class Rejected(Exception):
    """A callback we refuse; `status` is the 4xx to answer and `reason` goes to the log."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class Inbound:
    """A decrypted callback, independent of wechatpy."""

    userid: str
    msg_type: str  # text/image/voice/video/file/location/link/event
    create_time: int
    event: str | None = None  # lower-case: enter_agent / click / template_card_event …
    content: str = ""
    msg_id: str | None = None
    event_key: str | None = None
    task_id: str | None = None
    response_code: str | None = None
    selected: dict[str, list[str]] = field(default_factory=dict)
    media_id: str | None = None
    agent_id: str | None = None

    @property
    def dedupe_key(self) -> str:
        if self.msg_id:
            return fitted_key(f"msg:{self.msg_id}")
        return fitted_key(f"evt:{self.userid}:{self.create_time}:{self.event}:"
                          f"{self.task_id or ''}:{self.event_key or ''}")


DEDUPE_KEY_MAX = 200  # inbound_callback.dedupe_key is String(200)


def fitted_key(key: str) -> str:
    """`key` if it fits the column; else its readable start and the SHA-1 of all of it, so that two keys
    differing only past the limit (a long userid and TaskId, then the EventKey) stay two keys."""
    if len(key) <= DEDUPE_KEY_MAX:
        return key  # (unchanged: the keys of rows already stored)
    digest = hashlib.sha1(key.encode()).hexdigest()
    return f"{key[:DEDUPE_KEY_MAX - len(digest) - 1]}#{digest}"


def is_seconds(text: str | None) -> bool:
    """A Unix time as WeCom writes it: ASCII digits, at most 12 (str.isdigit() also takes 「²」 and
    「١٢」, which int() refuses or reads, and any number of digits, past what int() will convert)."""
    return bool(text) and len(text) <= 12 and text.isascii() and text.isdigit()


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def _parse_xml(data: bytes | str) -> Element:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise Rejected(400, f"hostile xml: {type(exc).__name__}") from None
    except Exception as exc:  # ParseError, ValueError on bad encodings
        raise Rejected(400, f"malformed xml: {type(exc).__name__}") from None
    if _depth(root) > MAX_DEPTH:
        raise Rejected(400, "xml nested too deep")
    return root


def _depth(node: Element) -> int:
    depth, level = 0, [node]
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            return depth
        level = [child for n in level for child in n]
    return depth


def _text(root: Element, tag: str) -> str | None:
    node = root.find(tag)
    return None if node is None or node.text is None else node.text


class _PrpCrypto(PrpCrypto):
    """wechatpy's WeCom AES scheme, with the 16-character random prefix of each encrypted message
    taken from the operating system's CSPRNG (wechatpy's `random.sample` is neither
    cryptographic nor cheap: it was a fifth of the cost of encrypting a passive reply)."""

    def get_random_string(self) -> str:
        return secrets.token_hex(8)


class CallbackCrypto:
    """Verify, decrypt and encrypt WeCom callbacks for one app."""

    def __init__(self, token: str, aes_key: str, corp_id: str):
        self.token = token
        self.corp_id = corp_id
        self._key = WeChatCrypto(token, aes_key, corp_id).key  # wechatpy checks and decodes the key
        # One cipher for every callback: each call makes its own encryptor/decryptor context, so
        # threads can share it; building it per callback cost more than the AES itself.
        self._prp = _PrpCrypto(self._key)

    def _check(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> None:
        if not (msg_signature and timestamp and nonce and encrypted):
            raise Rejected(400, "missing signature parameters")
        expected = signature(self.token, timestamp, nonce, encrypted)
        if not hmac.compare_digest(expected.encode(), msg_signature.encode("utf-8", "replace")):
            raise Rejected(403, "bad signature")

    def _decrypt(self, encrypted: str) -> str:
        try:
            return to_text(self._prp.decrypt(encrypted, self.corp_id))
        except Exception as exc:  # InvalidCorpIdException, padding, base64, utf-8
            status = 403 if type(exc).__name__ == "InvalidCorpIdException" else 400
            raise Rejected(status, f"cannot decrypt: {type(exc).__name__}") from None

    def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """GET verification: the decrypted echo, exactly."""
        self._check(msg_signature, timestamp, nonce, echostr)
        return self._decrypt(echostr)

    def decrypt_callback(self, msg_signature: str, timestamp: str, nonce: str, body: bytes) -> Inbound:
        envelope = _parse_xml(body)
        encrypted = _text(envelope, "Encrypt")
        if not encrypted:
            raise Rejected(400, "no Encrypt element")
        self._check(msg_signature, timestamp, nonce, encrypted)
        return parse_plaintext(self._decrypt(encrypted))

    def encrypt_reply(self, plaintext_xml: str, nonce: str | None = None, timestamp: int | None = None) -> str:
        """The passive reply's envelope, as wechatpy's `encrypt_message` writes it."""
        nonce = nonce or secrets.token_hex(8)
        stamp = str(timestamp or int(time.time()))
        encrypted = to_text(self._prp.encrypt(plaintext_xml, self.corp_id))
        return (f"<xml>\n<Encrypt><![CDATA[{encrypted}]]></Encrypt>\n"
                f"<MsgSignature><![CDATA[{signature(self.token, stamp, nonce, encrypted)}]]></MsgSignature>\n"
                f"<TimeStamp>{stamp}</TimeStamp>\n<Nonce><![CDATA[{nonce}]]></Nonce>\n</xml>")

    # --- used by the simulator and tests to play WeCom's part --------------------------

    def encrypt_callback(self, plaintext_xml: str, agent_id: int | str, timestamp: int, nonce: str) -> tuple[dict, bytes]:
        """Query parameters and body of a POST exactly as WeCom would send them."""
        encrypted = to_text(self._prp.encrypt(plaintext_xml, self.corp_id))
        query = {"msg_signature": signature(self.token, str(timestamp), nonce, encrypted),
                 "timestamp": str(timestamp), "nonce": nonce}
        body = (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName>"
                f"<AgentID><![CDATA[{agent_id}]]></AgentID>"
                f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
        return query, body.encode()

    def encrypt_echo(self, echo: str, timestamp: int, nonce: str) -> dict:
        echostr = to_text(self._prp.encrypt(echo, self.corp_id))
        return {"msg_signature": signature(self.token, str(timestamp), nonce, echostr),
                "timestamp": str(timestamp), "nonce": nonce, "echostr": echostr}

    def decrypt_reply(self, envelope_xml: bytes | str) -> str:
        """Open a passive reply as the WeCom client would (checks its signature too)."""
        root = _parse_xml(envelope_xml)
        encrypted = _text(root, "Encrypt") or ""
        self._check(_text(root, "MsgSignature") or "", _text(root, "TimeStamp") or "",
                    _text(root, "Nonce") or "", encrypted)
        return self._decrypt(encrypted)


def parse_plaintext(plain: str) -> Inbound:
    root = _parse_xml(xml_safe(plain).encode())
    userid = _text(root, "FromUserName")
    msg_type = (_text(root, "MsgType") or "").lower()
    create_time = _text(root, "CreateTime")
    if not userid or not msg_type or not is_seconds(create_time):
        raise Rejected(400, "callback lacks FromUserName/MsgType/CreateTime")
    if len(userid) > USERID_MAX:
        raise Rejected(400, f"FromUserName longer than {USERID_MAX} characters")
    selected: dict[str, list[str]] = {}
    for item in root.findall("SelectedItems/SelectedItem"):
        key = _text(item, "QuestionKey") or ""
        selected[key] = [o.text or "" for o in item.findall("OptionIds/OptionId")]
    event = _text(root, "Event")
    return Inbound(
        userid=userid,
        msg_type=msg_type,
        create_time=int(create_time),
        event=event.lower() if event else None,
        content=clean_text(_text(root, "Content") or ""),
        msg_id=_text(root, "MsgId"),
        event_key=_text(root, "EventKey"),
        task_id=_text(root, "TaskId"),
        response_code=_text(root, "ResponseCode"),
        selected=selected,
        media_id=_text(root, "MediaId"),
        agent_id=_text(root, "AgentID"),
    )


def text_reply_xml(touser: str, corp_id: str, content: str, now: int) -> str:
    return (f"<xml><ToUserName><![CDATA[{touser}]]></ToUserName>"
            f"<FromUserName><![CDATA[{corp_id}]]></FromUserName>"
            f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{_cdata(content)}]]></Content></xml>")


def update_button_xml(touser: str, corp_id: str, label: str, now: int) -> str:
    return (f"<xml><ToUserName><![CDATA[{touser}]]></ToUserName>"
            f"<FromUserName><![CDATA[{corp_id}]]></FromUserName>"
            f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[update_button]]></MsgType>"
            f"<Button><ReplaceName><![CDATA[{_cdata(label)}]]></ReplaceName></Button></xml>")


def _cdata(text: str) -> str:
    return text.replace("]]>", "]]]]><![CDATA[>")


def plain_xml(fields: dict) -> str:
    """Plaintext callback XML (simulator/tests): strings as CDATA, ints bare."""
    parts = []
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, int):
            parts.append(f"<{key}>{value}</{key}>")
        elif isinstance(value, dict):  # SelectedItems
            inner = "".join(
                f"<SelectedItem><QuestionKey><![CDATA[{q}]]></QuestionKey><OptionIds>"
                + "".join(f"<OptionId><![CDATA[{o}]]></OptionId>" for o in opts)
                + "</OptionIds></SelectedItem>" for q, opts in value.items())
            parts.append(f"<{key}>{inner}</{key}>")
        else:
            parts.append(f"<{key}><![CDATA[{_cdata(str(value))}]]></{key}>")
    return "<xml>" + "".join(parts) + "</xml>"


__all__ = ["CallbackCrypto", "Inbound", "Rejected", "escape", "is_seconds", "plain_xml", "text_reply_xml",
           "update_button_xml"]
