"""Play WeCom's side of the callback: encrypt messages and events as WeCom would, open replies.

Used by the chat simulator, the tests and the benchmark alike.
"""
from __future__ import annotations

import random
import secrets
import struct
import zlib
from dataclasses import dataclass
from typing import Callable

from bot import clock
from bot.wecom_crypto import CallbackCrypto, parse_plaintext, plain_xml


@dataclass
class Reply:
    status: int
    text: str | None = None  # a passive text reply
    button_label: str | None = None  # a passive update_button reply
    raw: bytes = b""


Post = Callable[[dict, bytes], tuple[int, bytes]]
Hold = Callable[[bytes, str, str], str]  # (data, filename, media_id) → media_id: the fake WeCom keeps the file


def png(width: int = 8, height: int = 6, rgb: tuple[int, int, int] = (30, 110, 200)) -> bytes:
    """A small, valid PNG of one colour: the picture a simulated member sends."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


SCREENSHOT = png()


def post_over_http(url: str, query: dict, body: bytes) -> tuple[int, bytes]:
    """POST a callback to the bot as WeCom does; (0, b"") when the bot cannot be reached."""
    import requests
    try:
        resp = requests.post(url, params=query, data=body, timeout=15, headers={"Content-Type": "application/xml"})
    except requests.RequestException:
        return 0, b""
    return resp.status_code, resp.content


class WeComSide:
    def __init__(self, crypto: CallbackCrypto, agent_id: int, post: Post, hold: Hold | None = None):
        self.crypto = crypto
        self.agent_id = agent_id
        self.post = post
        self.hold = hold  # where a sent picture is kept, so that media/get returns it (the fake WeCom)

    def _send(self, fields: dict, *, timestamp: int | None = None, nonce: str | None = None) -> Reply:
        ts = timestamp or int(clock.now().timestamp())
        query, body = self.crypto.encrypt_callback(plain_xml(fields), self.agent_id, ts, nonce or secrets.token_hex(5))
        status, raw = self.post(query, body)
        return self.open(status, raw)

    def open(self, status: int, raw: bytes) -> Reply:
        if status != 200 or not raw:
            return Reply(status, raw=raw)
        plain = self.crypto.decrypt_reply(raw)
        import re
        content = re.search(r"<Content><!\[CDATA\[(.*)\]\]></Content>", plain, re.S)
        label = re.search(r"<ReplaceName><!\[CDATA\[(.*)\]\]></ReplaceName>", plain, re.S)
        text = content.group(1).replace("]]]]><![CDATA[>", "]]>") if content else None
        return Reply(status, text, label.group(1) if label else None, raw)

    def base(self, userid: str, msg_type: str, create_time: int | None = None) -> dict:
        return {"ToUserName": self.crypto.corp_id, "FromUserName": userid,
                "CreateTime": create_time or int(clock.now().timestamp()), "MsgType": msg_type}

    def text(self, userid: str, content: str, msg_id: str | None = None, **kw) -> Reply:
        fields = {**self.base(userid, "text"), "Content": content,
                  "MsgId": msg_id or str(random.randrange(10**18, 9 * 10**18)), "AgentID": self.agent_id}
        return self._send(fields, **kw)

    def event(self, userid: str, event: str, key: str | None = None, **extra) -> Reply:
        fields = {**self.base(userid, "event"), "Event": event, "EventKey": key, **extra,
                  "AgentID": self.agent_id}
        return self._send(fields)

    def enter(self, userid: str) -> Reply:
        return self.event(userid, "enter_agent", "")

    def click_menu(self, userid: str, key: str) -> Reply:
        return self.event(userid, "click", key)

    def click_card(self, userid: str, task_id: str, key: str, response_code: str = "rc_sim") -> Reply:
        return self.event(userid, "template_card_event", key, TaskId=task_id,
                          CardType="button_interaction", ResponseCode=response_code)

    def media(self, userid: str, msg_type: str = "image", media_id: str = "media_sim",
              content: bytes = SCREENSHOT, msg_id: str | None = None) -> Reply:
        """A picture (or other media) as a member sends it: WeCom keeps the file under `media_id` (valid 3 days)."""
        if self.hold is not None:
            self.hold(content, f"{media_id}.png" if msg_type == "image" else media_id, media_id)
        fields = {**self.base(userid, msg_type), "MediaId": media_id, "PicUrl": "http://127.0.0.1/x.png",
                  "MsgId": msg_id or str(random.randrange(10**18, 9 * 10**18)), "AgentID": self.agent_id}
        return self._send(fields)


__all__ = ["WeComSide", "Reply", "parse_plaintext"]
