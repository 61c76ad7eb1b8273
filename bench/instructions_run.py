"""One counted run for bench/instructions.py (run under callgrind, by path, with PYTHONPATH set to
the checkout being measured — so that it also measures an older checkout that lacks this file).

    python bench/instructions_run.py SCENARIO MESSAGES WARM_UP DATABASE_URL REDIS_URL
"""
from __future__ import annotations

import gc
import logging
import os
import sys
from urllib.parse import urlencode

TEXTS = ("帮助", "功能", "明天开会吗")  # as bench/load.py: help, a command, an unknown text
SENDERS = 10


def main(scenario: str, messages: int, warm_up: int, database_url: str, redis_url: str) -> None:
    from bench import servers
    from sim.fake_wecom import FakeWeComServer
    fake = FakeWeComServer().start()
    servers.recreate_postgres(database_url)
    try:
        env = servers.bot_env(database_url, redis_url, fake.base_url)
        servers.migrate(env)
        senders = servers.seed(env, SENDERS)
        os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
        client = _client(scenario)
        quiet = logging.StreamHandler(open(os.devnull, "w"))  # the log lines are formatted and written
        quiet.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logging.getLogger().handlers[:] = [quiet]
        for path, body in _callbacks(senders, warm_up, 1):
            assert client.post(path, data=body, content_type="application/xml").status_code == 200
        # What start-up and warm-up left is not scanned again: a full collection over those objects lands at an
        # arbitrary point of the counted part and moved the per-callback count by ±7% between runs.
        gc.collect()
        gc.freeze()
        for path, body in _callbacks(senders, messages, 2):
            assert client.post(path, data=body, content_type="application/xml").status_code == 200
    finally:
        from bot import db
        db.dispose_all()
        fake.stop()
        servers.drop_postgres(database_url)


def _client(scenario: str):
    from bot import config
    config.use(config.load(os.environ))
    if scenario in ("full", "before"):
        from bot import create_app
        return create_app().test_client()
    from bench import baseline_app
    baseline_app.create_table()
    return baseline_app.create_app(scenario).test_client()


def _callbacks(senders: list[str], count: int, batch: int) -> list[tuple[str, bytes]]:
    from bot import config
    from bot.wecom_crypto import CallbackCrypto
    from sim.wecom_user import WeComSide
    demo = config.DEMO
    captured: list = []
    side = WeComSide(CallbackCrypto(demo["WECOM_TOKEN"], demo["WECOM_AES_KEY"], demo["WECOM_CORP_ID"]),
                     int(demo["WECOM_AGENT_ID"]),
                     lambda query, body: captured.append((f"/wecom/callback?{urlencode(query)}", body)) or (0, b""))
    for n in range(count):
        side.text(senders[n % len(senders)], TEXTS[n % len(TEXTS)], msg_id=str(batch * 10**9 + n))
    return captured


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
