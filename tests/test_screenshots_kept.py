"""Fetching a picture a member sent (media/get) through the adapter, from the fake WeCom over HTTP."""
from __future__ import annotations

import pytest

from bot.wecom_client import WeComError, get_api
from sim.wecom_user import SCREENSHOT

THREE_DAYS = 3 * 86400


# --- the adapter and the fake WeCom --------------------------------------------------------------

def test_media_get_returns_what_a_member_sent_and_40007_for_an_unknown_or_expired_id(bot):
    api = get_api()
    media_id = bot.fake.add_media(SCREENSHOT, "截图.png")
    media = api.download(media_id)
    assert (media.content, media.content_type, media.filename) == (SCREENSHOT, "image/png", "截图.png")
    with pytest.raises(WeComError) as unknown:
        api.download("media_never_issued")
    assert unknown.value.errcode == 40007 and not unknown.value.retryable
    bot.fake.state.offset += THREE_DAYS + 60  # WeCom keeps it 3 days; the token expired too and is refreshed once
    with pytest.raises(WeComError) as expired:
        api.download(media_id)
    assert expired.value.errcode == 40007 and bot.fake.state.gettoken_calls == 2


def test_media_get_checks_the_token_and_takes_injected_faults(bot):
    api = get_api()
    media_id = bot.fake.add_media(SCREENSHOT)
    api.download(media_id)
    bot.fake.expire_tokens()
    assert api.download(media_id).content == SCREENSHOT  # 42001: refreshed once, then served
    assert bot.fake.state.gettoken_calls == 2
    bot.fake.inject("media/get", errcode=-1)
    bot.fake.inject("media/get", http_status=500)
    for code in (-1, None):
        with pytest.raises(WeComError) as busy:
            api.download(media_id)
        assert busy.value.errcode == code and busy.value.retryable
    assert api.download(media_id).content == SCREENSHOT
