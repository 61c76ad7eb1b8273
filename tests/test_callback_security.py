"""The callback's front door: Tencent's published vectors, and every way a request is refused."""
from __future__ import annotations

import dataclasses
import logging
import secrets
from datetime import datetime, timezone

import pytest
from wechatpy.enterprise.crypto import PrpCrypto

from bot import clock, config
from bot.wecom_crypto import CallbackCrypto, Rejected, plain_xml, signature
from tests.platform_support import post_raw, row_counts

# Tencent's WXBizMsgCrypt sample (weworkapi_python callback/Sample.py); wechatpy's tests use the same.
T_TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
T_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
T_CORP = "ww1436e0e65a779aee"
T_VERIFY = {"msg_signature": "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb", "timestamp": "1476416373",
            "nonce": "47744683",
            "echostr": "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="}
T_ECHO = "1288432023552776189"
T_POST = {"msg_signature": "0c3914025cb4b4d68103f6bfc8db550f79dcf48e", "timestamp": "1476422779",
          "nonce": "1597212914"}
T_BODY = ("<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n<Encrypt><![CDATA["
          "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLN"
          "shw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh"
          "010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNf"
          "SsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+]]></Encrypt>\n"
          "<AgentID><![CDATA[1000002]]></AgentID>\n</xml>").encode()


# --- known answers -------------------------------------------------------------------------------

def test_tencent_url_verification_vector():
    crypto = CallbackCrypto(T_TOKEN, T_KEY, T_CORP)
    assert crypto.verify_url(**T_VERIFY) == T_ECHO


def test_tencent_message_vector():
    inbound = CallbackCrypto(T_TOKEN, T_KEY, T_CORP).decrypt_callback(**T_POST, body=T_BODY)
    assert (inbound.userid, inbound.msg_type, inbound.content) == ("ChenJiaShun", "text", "你好")
    assert (inbound.msg_id, inbound.create_time, inbound.agent_id) == ("1456453720", 1476422779, "1000002")


@pytest.fixture
def tencent_app(cfg, directory):
    from bot import create_app
    tencent = dataclasses.replace(cfg, token=T_TOKEN, aes_key=T_KEY, corp_id=T_CORP)
    return create_app(tencent)


def test_tencent_vectors_through_the_endpoint(tencent_app):
    client = tencent_app.test_client()
    resp = client.get("/wecom/callback", query_string=T_VERIFY)
    assert resp.status_code == 200 and resp.get_data(as_text=True) == T_ECHO  # the echo, nothing else
    clock.set_now(datetime.fromtimestamp(int(T_POST["timestamp"]) + 3, timezone.utc))
    resp = post_raw(client, T_POST, T_BODY)
    assert resp.status_code == 200
    crypto = tencent_app.extensions["wecom_crypto"]
    reply = crypto.decrypt_reply(resp.data)  # our passive reply opens with Tencent's own parameters
    assert "<ToUserName><![CDATA[ChenJiaShun]]></ToUserName>" in reply and "政数局" in reply


def test_wechatpy_itself_opens_our_passive_reply(tencent_app):
    """The reply envelope is written by bot/wecom_crypto.py; wechatpy's own decrypt_message (an
    independent implementation of WeCom's scheme) must accept its signature and decrypt it."""
    from xml.etree import ElementTree

    from wechatpy.enterprise.crypto import WeChatCrypto
    clock.set_now(datetime.fromtimestamp(int(T_POST["timestamp"]) + 3, timezone.utc))
    resp = post_raw(tencent_app.test_client(), T_POST, T_BODY)
    envelope = ElementTree.fromstring(resp.data)
    reply = WeChatCrypto(T_TOKEN, T_KEY, T_CORP).decrypt_message(
        resp.data, envelope.findtext("MsgSignature"), envelope.findtext("TimeStamp"), envelope.findtext("Nonce"))
    assert "<ToUserName><![CDATA[ChenJiaShun]]></ToUserName>" in reply and "政数局" in reply


def test_url_verification_with_a_forged_signature(tencent_app, caplog):
    caplog.set_level(logging.INFO)
    resp = tencent_app.test_client().get("/wecom/callback", query_string={**T_VERIFY, "msg_signature": "0" * 40})
    assert resp.status_code == 403 and resp.data == b""
    assert len(caplog.records) == 1


# --- rejections ----------------------------------------------------------------------------------

def _signed(crypto: CallbackCrypto, envelope: bytes | str, ts: int | None = None) -> tuple[dict, bytes]:
    """Query parameters signing whatever Encrypt value the (possibly hostile) body holds."""
    ts = ts or int(clock.now().timestamp())
    import re
    found = re.search(rb"<Encrypt><!\[CDATA\[(.*?)\]\]></Encrypt>", envelope if isinstance(envelope, bytes)
                      else envelope.encode())
    encrypted = found.group(1).decode("utf-8", "replace") if found else ""
    return {"msg_signature": signature(crypto.token, str(ts), "n1", encrypted), "timestamp": str(ts),
            "nonce": "n1"}, envelope if isinstance(envelope, bytes) else envelope.encode()


def _message(userid="jy_zhang", content="记一笔 x", msg_id="9001") -> str:
    return plain_xml({"ToUserName": config.DEMO["WECOM_CORP_ID"], "FromUserName": userid,
                      "CreateTime": int(clock.now().timestamp()), "MsgType": "text", "Content": content,
                      "MsgId": msg_id, "AgentID": 1000002})


def _encrypted_raw(crypto: CallbackCrypto, plaintext: bytes, corp_id: str) -> tuple[dict, bytes]:
    """Encrypt raw bytes (even invalid UTF-8) the way WeCom does, and sign them."""
    encrypted = PrpCrypto(crypto._key).encrypt(plaintext, corp_id)
    encrypted = encrypted.decode() if isinstance(encrypted, bytes) else encrypted
    ts = int(clock.now().timestamp())
    query = {"msg_signature": signature(crypto.token, str(ts), "n2", encrypted), "timestamp": str(ts), "nonce": "n2"}
    return query, f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()


BILLION_LAUGHS = """<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<xml><Encrypt><![CDATA[abc]]></Encrypt><X>&lol4;</X></xml>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><Encrypt><![CDATA[abc]]></Encrypt><X>&xxe;</X></xml>"""
DOCTYPE_ONLY = """<?xml version="1.0"?><!DOCTYPE xml><xml><Encrypt><![CDATA[abc]]></Encrypt></xml>"""


def _deep(levels: int) -> str:
    return "<xml><Encrypt><![CDATA[abc]]></Encrypt>" + "<a>" * levels + "</a>" * levels + "</xml>"


def _case(name: str, bot):
    """(query, body, expected status) for each hostile request."""
    crypto = bot.app.extensions["wecom_crypto"]
    demo = config.DEMO
    good_query, good_body = crypto.encrypt_callback(_message(), 1000002, int(clock.now().timestamp()), "n0")
    if name == "forged signature":
        return {**good_query, "msg_signature": secrets.token_hex(20)}, good_body, 403
    if name == "missing signature":
        return {k: v for k, v in good_query.items() if k != "msg_signature"}, good_body, 400
    if name == "wrong corp id":
        other = CallbackCrypto(demo["WECOM_TOKEN"], demo["WECOM_AES_KEY"], "wwsomeoneelse00001")
        return (*other.encrypt_callback(_message(), 1000002, int(clock.now().timestamp()), "n0"), 403)
    if name == "wrong aes key":
        other = CallbackCrypto(demo["WECOM_TOKEN"], "Z" * 43, demo["WECOM_CORP_ID"])
        query, body = other.encrypt_callback(_message(), 1000002, int(clock.now().timestamp()), "n0")
        return query, body, (400, 403)
    if name == "malformed xml":
        return (*_signed(crypto, "<xml><Encrypt><![CDATA[abc]]></Encrypt>"), 400)
    if name == "billion laughs":
        return (*_signed(crypto, BILLION_LAUGHS), 400)
    if name == "external entity":
        return (*_signed(crypto, EXTERNAL_ENTITY), 400)
    if name == "doctype":
        return (*_signed(crypto, DOCTYPE_ONLY), 400)
    if name == "deep nesting within 64 KiB":
        return (*_signed(crypto, _deep(9000)), 400)
    if name == "50,000-deep nesting":
        return (*_signed(crypto, _deep(50_000)), 413)  # cannot fit in 64 KiB: refused by size first
    if name == "invalid utf-8 envelope":
        return (*_signed(crypto, b"<xml><Encrypt><![CDATA[ab\xff\xfe]]></Encrypt></xml>"), 400)
    if name == "invalid utf-8 inside":
        return (*_encrypted_raw(crypto, _message().encode().replace(b"x", b"\xc3\x28"), demo["WECOM_CORP_ID"]), 400)
    if name == "hostile xml inside":
        return (*_encrypted_raw(crypto, BILLION_LAUGHS.encode(), demo["WECOM_CORP_ID"]), 400)
    if name == "deep xml inside":
        return (*_encrypted_raw(crypto, _deep(5000).encode(), demo["WECOM_CORP_ID"]), 400)
    if name == "FromUserName over 64 characters inside":  # WeCom's have at most 64; PostgreSQL refused it: a 503
        return (*_encrypted_raw(crypto, _message(userid="u" * 65).encode(), demo["WECOM_CORP_ID"]), 400)
    if name == "no FromUserName inside":
        return (*_encrypted_raw(crypto, b"<xml><MsgType>text</MsgType></xml>", demo["WECOM_CORP_ID"]), 400)
    if name == "body over 64 KiB":
        return good_query, good_body + b" " * (64 * 1024), 413
    if name == "timestamp too old":
        ts = int(clock.now().timestamp()) - 301
        return (*crypto.encrypt_callback(_message(), 1000002, ts, "n0"), 403)
    if name == "timestamp in the future":
        ts = int(clock.now().timestamp()) + 310  # int() truncates: keep a margin
        return (*crypto.encrypt_callback(_message(), 1000002, ts, "n0"), 403)
    if name == "timestamp not a number":
        return {**good_query, "timestamp": "12ab"}, good_body, 403
    if name == "timestamp a superscript digit":  # str.isdigit() says yes, int() says no
        return {**good_query, "timestamp": "²"}, good_body, 403
    if name == "timestamp of 5,000 digits":  # past the digits int() converts
        return {**good_query, "timestamp": "9" * 5000}, good_body, 403
    if name == "CreateTime a superscript digit inside":
        plain = _message().encode().replace(b"<CreateTime>", b"<CreateTime>\xc2\xb2")
        return (*_encrypted_raw(crypto, plain, demo["WECOM_CORP_ID"]), 400)
    raise AssertionError(name)


CASES = ["forged signature", "missing signature", "wrong corp id", "wrong aes key", "malformed xml",
         "billion laughs", "external entity", "doctype", "deep nesting within 64 KiB", "50,000-deep nesting",
         "invalid utf-8 envelope", "invalid utf-8 inside", "hostile xml inside", "deep xml inside",
         "no FromUserName inside", "FromUserName over 64 characters inside", "body over 64 KiB", "timestamp too old",
         "timestamp in the future",
         "timestamp not a number", "timestamp a superscript digit", "timestamp of 5,000 digits",
         "CreateTime a superscript digit inside"]


@pytest.mark.parametrize("name", CASES)
def test_refused_with_4xx_nothing_stored_one_log_line(tbot, caplog, name):
    query, body, expected = _case(name, tbot)
    before = row_counts()
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    resp = post_raw(tbot.client, query, body)
    records = [r for r in caplog.records]
    assert resp.status_code in (expected if isinstance(expected, tuple) else (expected,)), resp.status_code
    assert resp.data == b""
    assert row_counts() == before
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].levelno == logging.WARNING and str(resp.status_code) in records[0].getMessage()
    tbot.deliver()
    assert tbot.fake.state.requests == []  # nothing was pushed either


def test_the_same_message_signed_properly_is_accepted(tbot):
    """Control for the cases above: the untampered request goes through."""
    crypto = tbot.app.extensions["wecom_crypto"]
    query, body = crypto.encrypt_callback(_message(), 1000002, int(clock.now().timestamp()), "n0")
    resp = post_raw(tbot.client, query, body)
    assert resp.status_code == 200
    assert "已记录 x" in crypto.decrypt_reply(resp.data)


def test_an_event_named_longer_than_its_column_is_answered_and_recorded(tbot):
    """An event the bot does not know is recorded under its name, as its type and its handler's (40 and 80
    characters): on PostgreSQL a longer name made the record fail, a 503 (「db-unavailable」) at every retry."""
    from handlers.basics import MEDIA_ANSWER
    clock.set_now(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    name = "some_new_event_" + "x" * 90
    before = row_counts()
    first = tbot.side.event("jy_zhang", name, "k")
    assert first.status == 200 and first.text == MEDIA_ANSWER
    again = tbot.side.event("jy_zhang", name, "k")  # WeCom's retry: the same CreateTime
    assert again.status == 200 and again.text == MEDIA_ANSWER
    assert row_counts()["inbound_callback"] == before["inbound_callback"] + 1


def test_deep_nesting_is_refused_by_the_parser_itself():
    """50,000 levels reach the XML layer without a RecursionError (bypassing the size limit)."""
    crypto = CallbackCrypto(config.DEMO["WECOM_TOKEN"], config.DEMO["WECOM_AES_KEY"], config.DEMO["WECOM_CORP_ID"])
    with pytest.raises(Rejected) as refused:
        crypto.decrypt_callback("sig", "1", "n", _deep(50_000).encode())
    assert refused.value.status == 400 and "deep" in refused.value.reason


def test_window_is_configurable(tbot):
    crypto = tbot.app.extensions["wecom_crypto"]
    ts = int(clock.now().timestamp()) - 400
    query, body = crypto.encrypt_callback(_message(msg_id="9100"), 1000002, ts, "n0")
    assert post_raw(tbot.client, query, body).status_code == 403
    config.use(dataclasses.replace(config.get(), callback_window_seconds=600))
    assert post_raw(tbot.client, query, body).status_code == 200
    assert config.load({"BOT_CALLBACK_WINDOW": "90", "DATABASE_URL": "sqlite:///x.db"}).callback_window_seconds == 90


@pytest.mark.parametrize("offset, status", [(-300, 200), (300, 200), (-301, 403), (301, 403)])
def test_the_window_at_its_edges_in_whole_seconds(tbot, offset, status):
    """WeCom stamps whole seconds: one exactly 300 s old was refused when the clock stood late in its second
    (300.9 > 300), one 300 s ahead accepted."""
    crypto = tbot.app.extensions["wecom_crypto"]
    second = int(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc).timestamp())
    clock.set_now(datetime.fromtimestamp(second + 0.9, timezone.utc))
    query, body = crypto.encrypt_callback(_message(msg_id=f"77{offset}"), 1000002, second + offset, "n0")
    assert post_raw(tbot.client, query, body).status_code == status


@pytest.mark.parametrize("case, status", [("ok", 200), ("wrong corp id", 403), ("garbage echostr", 400),
                                          ("forged signature", 403), ("missing echostr", 400)])
def test_url_verification_rejections(tbot, caplog, case, status):
    demo = config.DEMO
    ts = int(clock.now().timestamp())
    if case == "wrong corp id":
        other = CallbackCrypto(demo["WECOM_TOKEN"], demo["WECOM_AES_KEY"], "wwsomeoneelse00001")
        query = other.encrypt_echo("12345", ts, "n")
    else:
        query = tbot.app.extensions["wecom_crypto"].encrypt_echo("12345", ts, "n")
    if case == "garbage echostr":
        query["echostr"] = "!!notbase64!!"
        query["msg_signature"] = signature(demo["WECOM_TOKEN"], str(ts), "n", "!!notbase64!!")
    elif case == "forged signature":
        query["msg_signature"] = "f" * 40
    elif case == "missing echostr":
        del query["echostr"]
    before = row_counts()
    caplog.set_level(logging.INFO)
    caplog.clear()
    resp = tbot.client.get("/wecom/callback", query_string=query)
    assert resp.status_code == status
    assert resp.get_data(as_text=True) == ("12345" if status == 200 else "")
    assert len(caplog.records) == (0 if status == 200 else 1)
    assert row_counts() == before


def test_a_chunked_body_over_64_kib_is_refused_too(tbot, caplog):
    """No Content-Length (chunked transfer): the size is enforced while reading."""
    import io
    crypto = tbot.app.extensions["wecom_crypto"]
    query, body = crypto.encrypt_callback(_message(), 1000002, int(clock.now().timestamp()), "n0")
    big = body + b" " * (64 * 1024)
    before = row_counts()
    caplog.set_level(logging.INFO)
    caplog.clear()
    from urllib.parse import urlencode
    resp = tbot.client.post(f"/wecom/callback?{urlencode(query)}", input_stream=io.BytesIO(big),
                            content_type="application/xml",
                            environ_overrides={"wsgi.input_terminated": True},
                            headers={"Transfer-Encoding": "chunked"})
    assert resp.status_code == 413 and resp.data == b""
    assert len(caplog.records) == 1 and "413" in caplog.records[0].getMessage()
    assert row_counts() == before


@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize("size, status", [(64 * 1024, 200), (64 * 1024 + 1, 413)])
def test_the_64_kib_boundary(tbot, chunked, size, status):
    import io
    from urllib.parse import urlencode
    crypto = tbot.app.extensions["wecom_crypto"]
    query, body = crypto.encrypt_callback(_message(msg_id=f"5{size}{int(chunked)}"), 1000002,
                                          int(clock.now().timestamp()), "n0")
    body += b" " * (size - len(body))
    extra = dict(input_stream=io.BytesIO(body), environ_overrides={"wsgi.input_terminated": True},
                 headers={"Transfer-Encoding": "chunked"}) if chunked else dict(data=body)
    resp = tbot.client.post(f"/wecom/callback?{urlencode(query)}", content_type="application/xml", **extra)
    assert resp.status_code == status
