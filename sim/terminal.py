"""Terminal chat with the bot as one user (`flask --app bot sim chat --user USERID`).

Sends correctly encrypted callbacks to the bot, prints its passive replies, and prints what
was pushed to that user by polling the simulator's /fake/messages.
"""
from __future__ import annotations

import re
import time
from typing import Callable

import requests

from bot import config as config_mod
from bot.wecom_crypto import CallbackCrypto
from sim.server import callback_url
from sim.wecom_user import Reply, WeComSide, post_over_http

HELP = """本地命令（其余输入都作为文字消息发给机器人）：
  /进入            进入应用（enter_agent 事件）
  /菜单 KEY        点击应用菜单（click 事件，KEY 为菜单键，例如 菜单）
  /点击 N M        点击卡片 N 的第 M 个按钮
  /截图            发送一张截图（图片消息，如「已报送」「已整改」后的截图）
  /刷新 或 空行    查看新的推送
  /退出            结束（也可以按 Ctrl-D）"""


def _strip_markup(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text or "")


class TerminalChat:
    def __init__(self, userid: str, bot_url: str | None, sim_url: str, wait: float = 1.5,
                 echo: Callable[[str], None] = print, cfg: config_mod.Config | None = None):
        cfg = cfg or config_mod.get()
        self.userid = userid
        self.bot_url = callback_url(bot_url)
        self.sim_url = sim_url.rstrip("/")
        self.wait = wait
        self.echo = echo
        self.side = WeComSide(CallbackCrypto(cfg.token, cfg.aes_key, cfg.corp_id), cfg.agent_id, self._post)
        self.since = 0
        self.cards: list[dict] = []  # numbered as printed: 卡片 1, 2, …
        self.updates_seen = 0

    # --- transport ---------------------------------------------------------------------------

    def _post(self, query: dict, body: bytes) -> tuple[int, bytes]:
        return post_over_http(self.bot_url, query, body)

    def _get(self, path: str, **params):
        resp = requests.get(f"{self.sim_url}{path}", params=params, timeout=5)
        resp.raise_for_status()
        return resp.json()

    # --- pushes ------------------------------------------------------------------------------

    def start(self, history: int = 0) -> None:
        """Skip (or show the last `history` of) what was pushed before the chat began."""
        messages = self._get("/fake/messages", user=self.userid)
        shown = messages[-history:] if history else []
        self.since = max((m["seq"] for m in messages), default=0)
        for message in shown:
            self._print_push(message)
        self._print_updates(self._get("/fake/card_updates"))

    def poll(self) -> int:
        """Print new pushes and card updates for this user; returns how many."""
        messages = self._get("/fake/messages", user=self.userid, since=self.since)
        for message in messages:
            self.since = max(self.since, message["seq"])
            self._print_push(message)
        fresh = self._print_updates(self._get("/fake/card_updates"))
        return len(messages) + fresh

    def _print_updates(self, updates: list[dict]) -> int:
        """Say which of this user's cards were updated since we last looked."""
        mine = {c["task_id"]: n for n, c in enumerate(self.cards, 1)}
        fresh = updates[self.updates_seen:]
        self.updates_seen = len(updates)
        for update in fresh:
            if update["task_id"] in mine and self.userid in (update.get("userids") or []):
                label = (update.get("button") or {}).get("replace_name", "已更新")
                self.echo(f"［卡片 {mine[update['task_id']]} 已更新：{label}］")
        return len(fresh)

    def poll_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            self.poll()
            if time.monotonic() >= deadline:
                return
            time.sleep(0.3)

    def _print_push(self, message: dict) -> None:
        kind, content = message["msgtype"], message["content"]
        if kind == "text":
            self.echo(f"【推送】{content['content']}")
        elif kind == "markdown":
            self.echo(f"【推送·Markdown】{_strip_markup(content['content'])}")
        elif kind == "textcard":
            self.echo(f"【推送·文本卡片】{content['title']}\n{_strip_markup(content['description'])}\n"
                      f"{content.get('btntxt') or '详情'}：{content['url']}")
        elif kind in ("file", "image"):
            media_id = content.get("media_id", "")
            try:
                name = self._get(f"/fake/file_name/{media_id}")["name"]
            except requests.RequestException:
                name = media_id
            self.echo(f"【推送·{'文件' if kind == 'file' else '图片'}】{name}  下载：{self.sim_url}/fake/file/{media_id}")
        elif kind == "template_card":
            self._print_card(content)
        else:
            self.echo(f"【推送·{kind}】{content}")

    def _print_card(self, card: dict) -> None:
        self.cards.append(card)
        n = len(self.cards)
        lines = [f"【卡片 {n}】{(card.get('main_title') or {}).get('title', '')}"]
        if (card.get("main_title") or {}).get("desc"):
            lines.append(card["main_title"]["desc"])
        if card.get("sub_title_text"):
            lines.append(card["sub_title_text"])
        for row in card.get("horizontal_content_list") or []:
            lines.append(f"  {row.get('keyname', '')}：{row.get('value', '')}")
        buttons = card.get("button_list") or []
        if buttons:
            lines.append("  按钮：" + "  ".join(f"{i}) {b['text']}" for i, b in enumerate(buttons, 1)))
            lines.append(f"  （回复「/点击 {n} 序号」点击按钮）")
        self.echo("\n".join(lines))

    # --- input -------------------------------------------------------------------------------

    def _show(self, reply: Reply, card_no: int | None = None) -> None:
        if reply.status == 0:
            self.echo(f"［连接不上机器人 {self.bot_url}，请确认 web 进程已启动］")
        elif reply.status != 200:
            self.echo(f"［机器人返回 HTTP {reply.status}］")
        if reply.text:
            self.echo(f"机器人：{reply.text}")
        if reply.button_label and card_no:
            self.echo(f"［卡片 {card_no} 按钮已变为：{reply.button_label}］")

    def handle(self, line: str) -> bool:
        """Act on one input line; False ends the chat."""
        line = line.strip()
        if line in ("/退出", "/quit", "/exit"):
            return False
        if line in ("", "/刷新", "/r"):
            self.poll()
            return True
        if line in ("/?", "/帮助"):
            self.echo(HELP)
            return True
        if line in ("/进入", "/enter"):
            self._show(self.side.enter(self.userid))
        elif line.startswith(("/菜单", "/menu")):
            key = line.split(maxsplit=1)[1] if " " in line else "菜单"
            self._show(self.side.click_menu(self.userid, key))
        elif line.startswith(("/点击", "/click")):
            self._click(line.split()[1:])
        elif line in ("/截图", "/图片", "/image"):
            self._image()
        elif line.startswith("/"):
            self.echo("没有这个本地命令。" + HELP)
            return True
        else:
            self._show(self.side.text(self.userid, line))
        self.poll_for(self.wait)
        return True

    def _image(self) -> None:
        """The picture is sent by the simulator, whose fake WeCom must hold it for the bot's media/get."""
        resp = requests.post(f"{self.sim_url}/sim/api/image", json={"user": self.userid}, timeout=10)
        resp.raise_for_status()
        for entry in resp.json():
            if entry["kind"] == "reply":
                self.echo(f"机器人：{entry['text']}")
            elif entry["kind"] == "error":
                self.echo(f"［{entry['text']}］")

    def _click(self, args: list[str]) -> None:
        if len(args) != 2 or not all(a.isdigit() for a in args):
            self.echo("用法：/点击 卡片序号 按钮序号，例如 /点击 1 2")
            return
        n, m = int(args[0]), int(args[1])
        if not 1 <= n <= len(self.cards):
            self.echo(f"没有卡片 {n}。目前收到 {len(self.cards)} 张卡片。")
            return
        card = self.cards[n - 1]
        buttons = card.get("button_list") or []
        if not 1 <= m <= len(buttons):
            self.echo(f"卡片 {n} 只有 {len(buttons)} 个按钮。")
            return
        resp = requests.post(f"{self.sim_url}/fake/response_code", json={"task_id": card["task_id"]}, timeout=5)
        resp.raise_for_status()
        code = resp.json()["response_code"]
        self._show(self.side.click_card(self.userid, card["task_id"], buttons[m - 1]["key"], code), n)
