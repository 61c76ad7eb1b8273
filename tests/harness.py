"""A test bot in the manner of errbot's: push a message in as a user, read what came back."""
from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlencode

from rq import SimpleWorker

from bot import config, db
from jobs import QUEUE_NAME
from sim.wecom_user import Reply, WeComSide


class _BurstWorker(SimpleWorker):
    """An in-process burst worker without the pub/sub command thread (stopping it costs up to 1 s)."""

    def subscribe(self) -> None:
        pass

    def unsubscribe(self) -> None:
        pass


class BotHarness:
    def __init__(self, app, fake, redis_conn):
        self.app = app
        self.fake = fake
        self.redis = redis_conn
        self.client = app.test_client()
        cfg = config.get()
        self.side = WeComSide(app.extensions["wecom_crypto"], cfg.agent_id, self._post, fake.add_media)

    def _post(self, query: dict, body: bytes) -> tuple[int, bytes]:
        resp = self.client.post(f"/wecom/callback?{urlencode(query)}", data=body,
                                content_type="application/xml")
        return resp.status_code, resp.data

    # --- talking ------------------------------------------------------------------------------

    def send(self, userid: str, text: str, **kw) -> str | None:
        """Send a text as `userid`; return the passive reply text (asserting a 200)."""
        reply = self.side.text(userid, text, **kw)
        assert reply.status == 200, reply
        return reply.text

    def say(self, userid: str, *lines: str) -> list[str | None]:
        return [self.send(userid, line) for line in lines]

    def raw(self, userid: str, text: str, **kw) -> Reply:
        return self.side.text(userid, text, **kw)

    def click(self, userid: str, task_id: str, key: str) -> Reply:
        code = self.fake.issue_response_code(task_id)
        return self.side.click_card(userid, task_id, key, code)

    # --- what was pushed ---------------------------------------------------------------------

    def deliver(self) -> None:
        """Run queued RQ jobs (delivery and others) to completion, in-process."""
        from jobs import connection
        from rq import Queue
        worker = _BurstWorker([Queue(QUEUE_NAME, connection=connection())], connection=connection())
        worker.work(burst=True)

    def inbox(self, userid: str) -> list[dict]:
        self.deliver()
        return self.fake.messages_to(userid)

    def texts(self, userid: str) -> list[str]:
        out = []
        for m in self.inbox(userid):
            content = m["content"]
            if m["msgtype"] in ("text", "markdown"):
                out.append(content["content"])
            elif m["msgtype"] == "template_card":
                out.append(content.get("main_title", {}).get("title", ""))
            elif m["msgtype"] == "textcard":
                out.append(content["title"] + "\n" + content["description"])
            else:
                out.append(f"[{m['msgtype']}]")
        return out

    def cards(self, userid: str) -> list[dict]:
        return [m["content"] for m in self.inbox(userid) if m["msgtype"] == "template_card"]

    @contextmanager
    def db(self):
        with db.transaction() as session:
            yield session


TOO_BIG = "99999999999999999999"  # a number past every INTEGER id: PostgreSQL refuses to compare it


def assert_answers(bot: BotHarness, cases) -> None:
    """Each (userid, text, part of the expected reply) is answered so, never with the generic error reply."""
    for userid, text, answer in cases:
        reply = bot.send(userid, text)
        assert answer in reply and "出了点问题" not in reply, (text, reply)
