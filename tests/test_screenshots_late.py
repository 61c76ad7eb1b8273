"""补截图: a screenshot sent later than the window after 已整改 / 已报送. The clerk picks one of his own filings
still without a screenshot (none, one, or a numbered list), the bot waits for the picture in a dialogue, and the
picture is kept, forwarded and audited as in the window."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot import clock
from handlers.basics import MEDIA_ANSWER
from handlers.screenshots import CHOOSE, PICTURE
from models.approval import RegistryFiling
from models.audit import AuditLog
from models.platform import Conversation
from models.rectification import Rectification

from tests.approvals_helpers import approve_all, submit_open

NONE_LEFT = "没有需要补截图的整改情况或报送记录"


def answered(bot, problem: str = "公众号两周未更新") -> int:
    """The bureau notifies 教育局, jy_zhang answers 已整改; the item's number."""
    assert "已下发整改通知" in bot.say("zsj_admin", f"整改通知 抚松县教育局 {problem}", "确认")[-1]
    with bot.db() as s:
        number = s.scalar(select(Rectification.id).order_by(Rectification.id.desc()).limit(1))
    reply = bot.say("jy_zhang", f"已整改 {number} 已补发本周内容", "确认")[-1]
    assert "30分钟内直接发送图片" in reply and "「补截图」" in reply
    return number


def filed(bot) -> int:
    number = submit_open(bot)
    approve_all(bot, number)
    reply = bot.send("jy_zhang", f"已报送 {number}")
    assert "30分钟内直接发送图片" in reply and "「补截图」" in reply
    return number


def state(bot, userid: str = "jy_zhang") -> str | None:
    with bot.db() as s:
        conv = s.get(Conversation, userid)
        return conv.state if conv else None


def shots(bot) -> tuple[str | None, str | None]:
    """The rectification answer's screenshot and the registry filing's."""
    with bot.db() as s:
        answer = s.get(Rectification, 1).answers[-1].screenshot_media_id if s.get(Rectification, 1) else None
        return answer, s.scalar(select(RegistryFiling.screenshot_media_id))


def admin_images(bot) -> int:
    return sum(1 for m in bot.inbox("zsj_admin") if m["msgtype"] == "image")


def screenshot_audits(bot) -> list[str]:
    with bot.db() as s:
        return sorted(s.scalars(select(AuditLog.action).where(AuditLog.action.like("%.screenshot"))))


def test_a_late_rectification_screenshot_goes_the_way_of_one_in_the_window(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    answered(bot)
    clock.advance(timedelta(days=2))
    ask = bot.send("jy_zhang", "补截图")  # the only one: no list
    assert "请发送截图（图片）" in ask and "整改事项 1 的整改情况（12月7日：公众号两周未更新）" in ask
    assert "回复序号" not in ask and state(bot) == PICTURE
    assert "截图已附在整改事项 1 的整改情况中，并转给县政数局" in bot.side.media("jy_zhang", "image").text
    assert state(bot) is None and shots(bot) == ("media_sim", None)
    assert admin_images(bot) == 1 and any("附上了整改截图" in t for t in bot.texts("zsj_admin"))
    assert screenshot_audits(bot) == ["rectification.screenshot"]
    assert NONE_LEFT in bot.send("jy_zhang", "补截图")  # nothing is kept twice


def test_a_late_registry_screenshot_is_kept_with_the_filing(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    number = filed(bot)
    clock.advance(timedelta(days=1))
    ask = bot.send("jy_zhang", "补截图")
    assert "请发送截图（图片）" in ask and f"第{number}号申请的报送记录（12月7日：" in ask
    assert f"截图已保存在第{number}号申请的报送记录中" in bot.side.media("jy_zhang", "image").text
    assert state(bot) is None and shots(bot) == (None, "media_sim")
    assert admin_images(bot) == 0  # kept, not forwarded, as in the window
    assert screenshot_audits(bot) == ["registry.screenshot"]


def test_the_list_is_newest_first_and_numbered(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    answered(bot)
    clock.advance(timedelta(hours=2))
    number = filed(bot)
    clock.advance(timedelta(days=1))
    listing = bot.send("jy_zhang", "补截图").splitlines()
    assert listing[1].startswith(f"1. 第{number}号申请的报送记录") and listing[2].startswith("2. 整改事项 1 的整改情况")
    assert listing[-1] == "（回复序号）" and state(bot) == CHOOSE
    assert "没有第3项，请回复 1 到 2 之间的序号" in bot.send("jy_zhang", "3")
    picture = bot.side.media("jy_zhang", "image").text  # not chosen yet: not kept, the list again
    assert picture.startswith("这张图片没有保存：请先回复序号") and "2. 整改事项 1" in picture
    assert "整改事项 1 的整改情况" in bot.send("jy_zhang", "2") and state(bot) == PICTURE
    assert "1. 第" in bot.send("jy_zhang", "上一步") and state(bot) == CHOOSE  # choose again
    assert f"第{number}号申请的报送记录" in bot.send("jy_zhang", "1")
    assert "截图已保存" in bot.side.media("jy_zhang", "image").text
    assert shots(bot) == (None, "media_sim")
    ask = bot.send("jy_zhang", "补截图")  # one left: straight to the picture
    assert "请发送截图（图片），补在整改事项 1 的整改情况" in ask and state(bot) == PICTURE


def test_cancel_keeps_nothing_and_a_picture_afterwards_is_pointed_back(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    answered(bot)
    clock.advance(timedelta(days=1))
    bot.send("jy_zhang", "补截图")
    assert bot.send("jy_zhang", "取消") == "已取消「补截图」：没有保存截图，需要时可以再回复「补截图」。"
    picture = bot.side.media("jy_zhang", "image").text
    assert picture.startswith("这张图片没有保存") and "整改事项 1 的整改情况还没有截图" in picture
    assert shots(bot) == (None, None) and state(bot) is None
    bot.send("jy_zhang", "开设")  # in another dialogue the word would be taken as an answer: leave it first
    picture = bot.side.media("jy_zhang", "image").text
    assert "请先回复「取消」结束「开设申请」，再回复「补截图」" in picture
    assert picture.endswith("（回复序号）") and state(bot).startswith("open.")  # the question still stands


def test_text_while_waiting_for_the_picture_gets_a_hint_and_help_keeps_the_question(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    answered(bot)
    clock.advance(timedelta(days=1))
    bot.send("jy_zhang", "补截图")
    hint = bot.send("jy_zhang", "已经发了")
    assert hint.startswith("收到的是文字，没有保存：补截图需要直接发送图片。") and hint.endswith("不补了请回复「取消」。")
    as_file = bot.side.media("jy_zhang", "file").text
    assert as_file.startswith("这条消息没有保存：补截图只收图片") and "请发送截图（图片）" in as_file
    command = bot.send("jy_zhang", "台账")  # a command word: how to leave first
    assert "如果想使用「台账」，请先回复「取消」结束「补截图」" in command
    helped = bot.send("jy_zhang", "帮助")
    assert "补截图" in helped and "（当前对话仍在进行）\n请发送截图（图片）" in helped
    assert bot.send("jy_zhang", "上一步").startswith("已经是第一步了")
    assert state(bot) == PICTURE and shots(bot) == (None, None)
    assert "截图已附在整改事项 1" in bot.side.media("jy_zhang", "image").text


def test_a_filing_with_its_screenshot_is_not_offered_nor_kept_twice(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    filed(bot)
    assert "截图已保存" in bot.side.media("jy_zhang", "image").text  # in the window
    none = bot.send("jy_zhang", "补截图")
    assert NONE_LEFT in none and "超过30分钟后补发截图" in none and state(bot) is None


def test_a_further_picture_in_the_window_names_the_older_filing_still_without_one(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    answered(bot)
    clock.advance(timedelta(days=1))
    number = filed(bot)
    assert "截图已保存" in bot.side.media("jy_zhang", "image").text
    second = bot.side.media("jy_zhang", "image").text.splitlines()
    assert second == [f"这张图片没有保存：第{number}号申请的报送记录已经收下了您之前发的截图（每项只保存一张）。",
                      "您的整改事项 1 的整改情况还没有截图：要补发，请先回复「补截图」选好事项，再发送图片。"]


def test_a_resumed_dialogue_whose_filing_got_its_screenshot_meanwhile_keeps_the_first(bot):
    """With dialogues idle for 5 minutes, the 补截图 dialogue times out within the window: the picture then
    goes to the answer the window's way, and the dialogue resumed with 继续 finds it has one."""
    import dataclasses
    from bot import config
    config.use(dataclasses.replace(config.get(), conversation_idle_minutes=5))
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    answered(bot)
    assert "请发送截图（图片）" in bot.send("jy_zhang", "补截图")
    clock.advance(timedelta(minutes=10))
    in_window = bot.side.media("jy_zhang", "image").text
    assert "超过5分钟没有回复" in in_window and "截图已附在整改事项 1" in in_window
    assert "请发送截图（图片）" in bot.send("jy_zhang", "继续") and state(bot) == PICTURE
    second = bot.side.media("jy_zhang", "image").text
    assert second == "这张图片没有保存：整改事项 1 的整改情况已经有截图了（每项只保存一张）。"
    assert state(bot) is None and admin_images(bot) == 1 and screenshot_audits(bot) == ["rectification.screenshot"]


def test_an_answer_reviewed_since_takes_no_late_screenshot(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    answered(bot)
    clock.advance(timedelta(days=1))
    bot.send("jy_zhang", "补截图")
    assert "已通过" in bot.send("zsj_admin", "通过整改 1")
    late = bot.side.media("jy_zhang", "image").text
    assert late == "这张图片没有保存：整改事项 1 已办结（已通过），不需要再补截图。"
    assert state(bot) is None and shots(bot) == (None, None) and admin_images(bot) == 0
    assert NONE_LEFT in bot.send("jy_zhang", "补截图")


def test_an_answer_reviewed_after_the_list_was_shown_cannot_be_chosen(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    answered(bot)
    number = filed(bot)
    clock.advance(timedelta(days=1))
    assert "2. 整改事项 1" in bot.send("jy_zhang", "补截图")
    bot.send("zsj_admin", "通过整改 1")
    refused = bot.send("jy_zhang", "2")
    assert refused.startswith("整改事项 1 已办结（已通过），不需要再补截图。\n请选择其他事项，或回复「取消」。")
    assert state(bot) == CHOOSE
    assert f"第{number}号申请的报送记录" in bot.send("jy_zhang", "1") and state(bot) == PICTURE


def test_an_answer_sent_back_is_not_offered_but_the_next_one_is(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    answered(bot)
    clock.advance(timedelta(days=1))
    bot.send("zsj_admin", "重新整改 1 仍未恢复更新")
    assert NONE_LEFT in bot.send("jy_zhang", "补截图")
    bot.say("jy_zhang", "已整改 1 已恢复每周更新", "确认")
    clock.advance(timedelta(hours=1))
    assert "整改事项 1 的整改情况（12月8日" in bot.send("jy_zhang", "补截图")
    assert "截图已附在" in bot.side.media("jy_zhang", "image").text
    with bot.db() as s:
        first, second = s.get(Rectification, 1).answers
        assert first.screenshot_media_id is None and second.screenshot_media_id == "media_sim"


def test_only_the_senders_own_recent_filings_are_offered(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    answered(bot)
    clock.advance(timedelta(days=1))
    assert NONE_LEFT in bot.send("jy_li", "补截图")  # a colleague of the same unit
    assert bot.side.media("jy_li", "image").text == MEDIA_ANSWER
    clock.advance(timedelta(days=30))
    assert NONE_LEFT in bot.send("jy_zhang", "补截图")  # older than 30 days
    assert shots(bot) == (None, None)


def test_help_names_the_command(bot):
    assert "补截图" in bot.send("jy_zhang", "帮助 监督检查")
    assert "最近30天" in bot.send("jy_zhang", "帮助 补截图")
