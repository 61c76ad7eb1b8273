"""Screenshots after 已整改 and 已报送: no dialogue state, a picture within the window goes to the newest
filing still without one, a further picture is not kept (and the clerk is told so), and a picture with nothing
recent gets the usual answer."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot import clock
from handlers.basics import MEDIA_ANSWER
from models.approval import RegistryFiling
from models.audit import AuditLog
from models.platform import Conversation
from models.rectification import Rectification
from tests.approvals_helpers import approve_all, submit_open


def rectification_answered(bot) -> None:
    bot.send("zsj_admin", "整改通知 抚松县教育局 公众号两周未更新")
    assert "已下发整改通知 1" in bot.send("zsj_admin", "确认")
    assert "30分钟内直接发送图片" in bot.say("jy_zhang", "已整改 1 已补发本周内容", "确认")[-1]


def shots(bot) -> tuple[str | None, str | None]:
    with bot.db() as s:
        return (s.get(Rectification, 1).answers[-1].screenshot_media_id,
                s.scalar(select(RegistryFiling.screenshot_media_id)))


def test_the_newest_filing_takes_the_picture_then_the_older_one_then_nobody(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    number = submit_open(bot)
    approve_all(bot, number)
    rectification_answered(bot)
    clock.advance(timedelta(minutes=5))
    assert "30分钟内直接发送图片" in bot.send("jy_zhang", f"已报送 {number}")
    with bot.db() as s:
        assert s.get(Conversation, "jy_zhang").state is None  # no dialogue to leave
    assert f"第{number}号申请的报送记录" in bot.side.media("jy_zhang", "image").text
    assert shots(bot) == (None, "media_sim")
    admin_images = sum(1 for m in bot.inbox("zsj_admin") if m["msgtype"] == "image")
    assert admin_images == 0  # the registry screenshot is kept, not forwarded
    assert "截图已附在整改事项 1" in bot.side.media("jy_zhang", "image").text
    assert shots(bot) == ("media_sim", "media_sim")
    assert sum(1 for m in bot.inbox("zsj_admin") if m["msgtype"] == "image") == 1
    again = bot.side.media("jy_zhang", "image").text  # both have theirs: say so, not "only after 已报送"
    assert again.startswith(f"这张图片没有保存：第{number}号申请的报送记录已经收下了") and "30分钟" not in again
    assert shots(bot) == ("media_sim", "media_sim")
    clock.advance(timedelta(minutes=31))
    assert bot.side.media("jy_zhang", "image").text == MEDIA_ANSWER  # the window has passed
    with bot.db() as s:
        actions = s.scalars(select(AuditLog.action).where(AuditLog.action.like("%.screenshot"))).all()
    assert sorted(actions) == ["rectification.screenshot", "registry.screenshot"]


def test_a_second_picture_after_one_filing_is_not_kept_and_says_so(bot):
    """已报送 → picture (kept) → another picture: one screenshot per filing; the second is not kept."""
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    number = submit_open(bot)
    approve_all(bot, number)
    bot.send("jy_zhang", f"已报送 {number}")
    assert f"截图已保存在第{number}号申请的报送记录中" in bot.side.media("jy_zhang", "image").text
    second = bot.side.media("jy_zhang", "image").text
    assert second == f"这张图片没有保存：第{number}号申请的报送记录已经收下了您之前发的截图（每项只保存一张）。"
    with bot.db() as s:
        assert s.scalar(select(RegistryFiling.screenshot_media_id)) == "media_sim"


def test_a_picture_from_someone_else_is_not_attached(bot):
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    rectification_answered(bot)
    assert bot.side.media("jy_li", "image").text == MEDIA_ANSWER  # a colleague of the same unit
    assert shots(bot) == (None, None)


def test_a_dialogue_in_between_is_left_alone(bot):
    """The clerk starts the 开设 dialogue after 已报送; a picture is attached and the dialogue goes on."""
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    number = submit_open(bot)
    approve_all(bot, number)
    bot.send("jy_zhang", f"已报送 {number}")
    bot.send("jy_zhang", "开设")
    with bot.db() as s:
        state = s.get(Conversation, "jy_zhang").state
    assert state and state.startswith("open.")
    assert "报送记录" in bot.side.media("jy_zhang", "image").text
    with bot.db() as s:
        assert s.get(Conversation, "jy_zhang").state == state


def test_a_dialogue_left_in_the_old_screenshot_state_is_harmless(bot):
    """Before this change 已报送 left the clerk in "filed.screenshot"; such a row may outlive the upgrade."""
    bot.send("jy_zhang", "我的申请")
    with bot.db() as s:
        conv = s.get(Conversation, "jy_zhang")
        conv.state, conv.data = "filed.screenshot", {"filing_id": 1}
    assert "没有可以继续的草稿" in bot.send("jy_zhang", "继续")
    assert bot.side.media("jy_zhang", "image").text == MEDIA_ANSWER
    assert "台账" in bot.send("jy_zhang", "台账")
    with bot.db() as s:
        assert s.get(Conversation, "jy_zhang").state is None


def test_a_picture_in_the_window_after_the_bureau_reviewed_the_answer_is_not_kept(bot):
    """已整改 → the bureau accepts it within minutes → the picture sent in the window: a reviewed answer takes
    no screenshot (as 补截图 refuses it); the clerk is told why and nothing is kept or forwarded."""
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    rectification_answered(bot)
    clock.advance(timedelta(minutes=5))
    assert "已通过" in bot.send("zsj_admin", "通过整改 1")
    late = bot.side.media("jy_zhang", "image").text
    assert late == "这张图片没有保存：整改事项 1 已办结（已通过），不需要再补截图。"
    assert shots(bot) == (None, None)
    assert sum(1 for m in bot.inbox("zsj_admin") if m["msgtype"] == "image") == 0
    with bot.db() as s:
        assert s.scalar(select(AuditLog.id).where(AuditLog.action == "rectification.screenshot")) is None


def test_a_picture_in_the_window_after_the_answer_was_sent_back_goes_to_the_open_filing(bot):
    """已报送, then 已整改 which the bureau sends back (重新整改): the picture is not attached to the reviewed
    answer but to the registry filing still waiting for one; the next picture is refused with the reason."""
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    number = submit_open(bot)
    approve_all(bot, number)
    bot.send("jy_zhang", f"已报送 {number}")
    clock.advance(timedelta(minutes=2))
    rectification_answered(bot)
    bot.send("zsj_admin", "重新整改 1 仍未恢复更新")
    assert f"第{number}号申请的报送记录" in bot.side.media("jy_zhang", "image").text
    assert shots(bot) == (None, "media_sim")
    again = bot.side.media("jy_zhang", "image").text
    assert again.startswith("这张图片没有保存：县政数局已要求整改事项 1 重新整改，这次的整改情况不再补截图；"), again
    assert shots(bot) == (None, "media_sim")


def test_a_picture_sent_under_another_case_of_the_userid_is_the_filers(bot):
    """WeCom ignores case in userids: 已报送 from 「JY_Zhang」 is recorded under the directory's 「jy_zhang」, and the
    picture that follows (again as 「JY_Zhang」) is still his filing's."""
    clock.set_now(datetime(2026, 12, 7, 10, 0))
    number = submit_open(bot)
    approve_all(bot, number)
    assert "30分钟内直接发送图片" in bot.send("JY_Zhang", f"已报送 {number}")
    assert f"截图已保存在第{number}号申请的报送记录中" in bot.side.media("JY_Zhang", "image").text
    with bot.db() as s:
        assert s.scalar(select(RegistryFiling.screenshot_media_id)) == "media_sim"


def test_a_picture_sent_before_the_answer_is_confirmed_says_to_confirm_first(bot):
    """It said 「图片只在回复「已整改」…后30分钟内」 to a clerk who had just replied 已整改 and was asked to confirm."""
    bot.send("zsj_admin", "整改通知 抚松县教育局 公众号两周未更新")
    bot.send("zsj_admin", "确认")
    bot.send("jy_zhang", "整改好了")  # the one item: its text asked for
    bot.send("jy_zhang", "已补发本周内容")  # shown, to be confirmed
    reply = bot.side.media("jy_zhang", "image").text
    assert reply.startswith("这张图片没有保存：请先回复「确认」提交整改情况，提交后30分钟内直接发送图片，"
                            "就会作为截图附在这次整改情况中。"), reply
    assert "30分钟内直接发送图片" in bot.send("jy_zhang", "确认")
    assert "截图已附在整改事项 1" in bot.side.media("jy_zhang", "image").text


def test_how_to_send_a_screenshot_is_the_commands_help(bot):
    """「怎么上传截图」 got 「没有理解」 with a suggestion: it is 补截图's help, which says how pictures are sent."""
    for asked in ("怎么上传截图", "截图怎么发", "上传截图"):
        reply = bot.send("jy_zhang", asked)
        assert "没有理解" not in reply and "补截图" in reply, (asked, reply)
