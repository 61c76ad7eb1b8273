"""Screenshots are kept, not only their media ids: the picture is fetched from the fake WeCom (media/get, over
HTTP) by a job after the callback has answered, stored once, retried on transient faults, found again by the
sweeper when Redis lost the job; an expired media id (40007) is marked and the clerk told once; the bureau's
forward goes out from the stored bytes, however late."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import clock
from bot.wecom_client import WeComError, get_api
from jobs import maintenance
from jobs import screenshots as keeping
from models.approval import RegistryFiling
from models.audit import AuditLog
from models.outbox import FAILED, OutboxMessage
from models.rectification import Rectification
from models.screenshot import EXPIRED, PENDING, STORED, Screenshot
from sim.wecom_user import SCREENSHOT, png
from tests.conftest import OWNER_KEY
from tests.test_screenshots_late import answered, filed

THREE_DAYS = 3 * 86400


def media_gets(bot) -> int:
    return sum(1 for r in bot.fake.state.requests if r["path"] == "/cgi-bin/media/get")


def shot(bot, shot_id: int = 1) -> Screenshot:
    with bot.db() as s:
        row = s.get(Screenshot, shot_id)
        _ = row.content  # deferred: read it while the session is open
        return row


def screenshots(bot) -> int:
    with bot.db() as s:
        return s.scalar(select(func.count()).select_from(Screenshot))


def texts_with(bot, userid: str, words: str) -> list[str]:
    return [t for t in bot.texts(userid) if words in t]


def close_to(moment: datetime, expected: datetime) -> bool:
    """Equal but for the milliseconds the bot's clock runs on between the job and the test."""
    return abs(moment - expected) < timedelta(seconds=1)


def later(bot, delta: timedelta) -> None:
    """Time passes for the bot and for the fake WeCom alike."""
    clock.advance(delta)
    bot.fake.state.offset += delta.total_seconds()


def sweep_and_run(bot) -> dict:
    swept = maintenance.outbox_sweep("test")
    bot.deliver()
    return swept


@pytest.fixture
def now(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))


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


# --- kept ------------------------------------------------------------------------------------------

def test_the_picture_is_fetched_and_stored_after_the_callback_has_answered(bot, now):
    number = answered(bot)
    assert "截图已附在整改事项" in bot.side.media("jy_zhang", "image").text
    assert media_gets(bot) == 0  # the callback only wrote the row and queued the job
    pending = shot(bot)
    assert (pending.status, pending.media_id, pending.sent_by, pending.content) == (PENDING, "media_sim", "jy_zhang",
                                                                                    None)
    bot.deliver()
    stored = shot(bot)
    assert (stored.status, stored.content, stored.content_type, stored.size) == (STORED, SCREENSHOT, "image/png",
                                                                                 len(SCREENSHOT))
    assert stored.sha256 == hashlib.sha256(SCREENSHOT).hexdigest() and close_to(stored.fetched_at, clock.now())
    assert media_gets(bot) == 1
    with bot.db() as s:
        answer = s.get(Rectification, number).answers[-1]
        assert (answer.screenshot_media_id, answer.screenshot_id) == ("media_sim", 1)
        assert s.scalar(select(AuditLog.action).where(AuditLog.entity == "screenshot")) == "screenshot.stored"


def test_a_registry_screenshot_is_kept_too_and_shown_in_the_request(bot, now):
    number = filed(bot)
    bot.side.media("jy_zhang", "image", content=png(40, 30))
    assert "截图正在保存" in bot.send("jy_zhang", f"查看 {number}")
    bot.deliver()
    with bot.db() as s:
        assert s.scalar(select(RegistryFiling.screenshot_id)) == 1
    assert shot(bot).content == png(40, 30)
    assert "已报送（2026-12-07），截图已存档（1 KB）" in bot.send("jy_zhang", f"查看 {number}")


def test_a_screenshot_received_before_the_upgrade_is_shown_as_not_kept(bot, now):
    """Before migration 0017 only the media id was recorded: nothing fetches it now (WeCom held it 3 days)."""
    number = filed(bot)
    with bot.db() as s:
        s.scalar(select(RegistryFiling)).screenshot_media_id = "media_old"
    assert "已报送（2026-12-07），有截图（升级前收到，图片未存档）" in bot.send("jy_zhang", f"查看 {number}")
    assert sweep_and_run(bot)["screenshots"] == 0 and media_gets(bot) == 0


def test_a_duplicate_callback_stores_the_picture_once(bot, now):
    answered(bot)
    first = bot.side.media("jy_zhang", "image", msg_id="7300000000000000001").text
    again = bot.side.media("jy_zhang", "image", msg_id="7300000000000000001").text  # WeCom's retry
    assert again == first and "截图已附在整改事项" in first
    bot.deliver()
    assert screenshots(bot) == 1 and media_gets(bot) == 1
    assert sum(1 for m in bot.inbox("zsj_admin") if m["msgtype"] == "image") == 1


def test_a_redis_flush_before_the_job_ran_still_ends_with_the_picture_stored(bot, now):
    answered(bot)
    bot.side.media("jy_zhang", "image")
    bot.redis.flushdb()  # the queued fetch is lost
    bot.redis.set(OWNER_KEY, "1")
    bot.deliver()
    assert shot(bot).status == PENDING and media_gets(bot) == 0
    assert sweep_and_run(bot)["screenshots"] == 0  # too young: its own job may still be on the way
    clock.advance(timedelta(minutes=1))
    assert sweep_and_run(bot)["screenshots"] == 1
    assert shot(bot).status == STORED and shot(bot).content == SCREENSHOT
    assert sweep_and_run(bot)["screenshots"] == 0
    assert media_gets(bot) == 1
    assert sum(1 for m in bot.inbox("zsj_admin") if m["msgtype"] == "image") == 1


def test_a_transient_fault_is_retried_with_backoff_until_the_picture_is_stored(bot, now):
    answered(bot)
    bot.fake.inject("media/get", errcode=-1)
    bot.fake.inject("media/get", http_status=500)
    bot.side.media("jy_zhang", "image")
    bot.deliver()
    first = shot(bot)
    assert (first.status, first.attempts, first.error) == (PENDING, 1, "-1: injected fault -1")
    assert close_to(first.next_attempt_at, clock.now() + timedelta(seconds=10))
    clock.advance(timedelta(seconds=5))
    assert sweep_and_run(bot)["screenshots"] == 0  # not due yet: no hot loop
    clock.advance(timedelta(seconds=26))  # due, and older than the sweeper's 30 s
    assert sweep_and_run(bot)["screenshots"] == 1
    second = shot(bot)
    assert (second.status, second.attempts, second.error) == (PENDING, 2, "None: http 500")
    assert close_to(second.next_attempt_at, clock.now() + timedelta(seconds=20))
    clock.advance(timedelta(seconds=10))
    assert sweep_and_run(bot)["screenshots"] == 0
    clock.advance(timedelta(seconds=11))
    assert sweep_and_run(bot)["screenshots"] == 1
    assert shot(bot).status == STORED and media_gets(bot) == 3
    assert texts_with(bot, "jy_zhang", "没有保存下来") == []


def test_an_expired_media_id_is_marked_and_the_clerk_told_once_to_send_it_again(bot, now):
    number = filed(bot)
    bot.side.media("jy_zhang", "image")
    bot.fake.state.offset += THREE_DAYS + 60  # the job ran late: WeCom no longer has the picture
    bot.deliver()
    expired = shot(bot)
    assert (expired.status, expired.error, expired.content) == (EXPIRED, "40007: invalid media_id", None)
    told = texts_with(bot, "jy_zhang", "没有保存下来")
    assert told == [f"您12月7日10:00发给第{number}号申请的报送记录的截图没有保存下来：企业微信只保留图片3天，"
                    "这张图片已经取不到了。请回复「补截图」重新发送这张截图。"]
    keeping.enqueue([expired.id])  # another job for the same row (a sweep racing the first): nothing more
    clock.advance(timedelta(hours=1))
    assert sweep_and_run(bot)["screenshots"] == 0
    assert len(texts_with(bot, "jy_zhang", "没有保存下来")) == 1 and media_gets(bot) == 1
    with bot.db() as s:
        filing = s.scalar(select(RegistryFiling))
        assert (filing.screenshot_media_id, filing.screenshot_id) == (None, 1)
        assert s.scalar(select(AuditLog.id).where(AuditLog.action == "screenshot.expired")) is not None
    assert "截图未能保存" in bot.send("jy_zhang", f"查看 {number}")
    assert "请发送截图" in bot.send("jy_zhang", "补截图")  # offered again
    assert "截图已保存" in bot.side.media("jy_zhang", "image", media_id="media_again").text
    bot.deliver()
    assert shot(bot, 2).status == STORED
    with bot.db() as s:
        assert s.scalar(select(RegistryFiling.screenshot_id)) == 2


def test_the_forward_to_the_bureau_goes_out_from_the_stored_bytes_after_the_media_id_expired(bot, now):
    """WeCom refuses pushes until the retry window is over; `outbox resend` days later still sends the picture:
    uploaded again from the stored copy, as the clerk's media id (and the first upload's) are gone by then."""
    number = answered(bot)
    bot.fake.inject("message/send", errcode=-1, times=-1)
    bot.side.media("jy_zhang", "image")
    bot.deliver()
    assert shot(bot).status == STORED
    later(bot, timedelta(hours=49))
    sweep_and_run(bot)
    with bot.db() as s:
        failed = s.scalars(select(OutboxMessage.msgtype).where(OutboxMessage.userid == "zsj_admin",
                                                               OutboxMessage.status == FAILED)).all()
    assert "image" in failed
    bot.fake.clear_faults()
    later(bot, timedelta(days=2))
    with pytest.raises(WeComError):
        get_api().download("media_sim")
    result = bot.app.test_cli_runner().invoke(args=["outbox", "resend", "--since", "5d"])
    assert result.exit_code == 0, result.output
    bot.deliver()
    images = [m for m in bot.fake.messages_to("zsj_admin") if m["msgtype"] == "image"]
    assert len(images) == 1 and images[0]["content"]["media_id"] != "media_sim"
    name, data = bot.fake._files[images[0]["content"]["media_id"]]
    assert data == SCREENSHOT and name == f"整改事项{number}截图.png"
    assert f"【整改情况 {number}】" in "\n".join(bot.texts("zsj_admin"))


def test_unit_record_says_whether_the_answer_s_picture_is_kept(bot, now):
    number = answered(bot)
    bot.side.media("jy_zhang", "image")
    bot.deliver()
    record = bot.send("zsj_admin", "单位记录 教育局")
    assert f"{number}. [已提交] 公众号两周未更新（期限" in record and "｜截图已存档（1 KB）" in record


# --- the export ----------------------------------------------------------------------------------

def test_report_screenshot_writes_the_stored_picture_to_a_file(bot, now, tmp_path):
    number = filed(bot)
    bot.side.media("jy_zhang", "image")
    bot.deliver()
    runner = bot.app.test_cli_runner()
    out = tmp_path / "报送截图.png"
    result = runner.invoke(args=["report", "screenshot", "--request", str(number), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == SCREENSHOT
    assert f"第{number}号申请报送截图：已写入 {out}（{len(SCREENSHOT)} 字节，SHA-256 " in result.output
    nowhere = tmp_path / "没有这个文件夹" / "截图.png"
    unwritten = runner.invoke(args=["report", "screenshot", "--request", str(number), "--out", str(nowhere)])
    assert unwritten.exit_code == 1 and isinstance(unwritten.exception, SystemExit), unwritten.exception
    assert unwritten.output.strip() == f"错误：无法写入文件「{nowhere}」：所在的文件夹不存在。请换一个位置或文件名，例如写到当前文件夹。"
    missing = runner.invoke(args=["report", "screenshot", "--rectification", "9"])
    assert missing.exit_code == 1 and "没有整改事项 9" in missing.output
    both = runner.invoke(args=["report", "screenshot", "--request", "1", "--rectification", "1"])
    assert both.exit_code == 1 and "二选一" in both.output
