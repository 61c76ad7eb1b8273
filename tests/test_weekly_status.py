"""A week's posts told in passing (「这周发了5条」): the bot says how to report them, or that the week is reported."""
from __future__ import annotations

from tests.weekly_support import at, seed


def test_posts_told_in_passing_get_the_way_to_report_them(bot):
    """「这周发了5条」 got 「没有理解」: the clerk is shown the 周报 that takes the number."""
    seed(bot)
    at(2026, 11, 25, 10, 0)
    for said in ("这周发了5条", "本周更新了3篇文章"):
        reply = bot.send("wl_zhao", said)
        assert reply.startswith("发布条数请在周报里报送。回复「周报」按账号逐项填写；也可以一条消息报完，例如「周报 "), reply
    assert "回复「周报 上周」" in bot.send("wl_zhao", "上周发了两条")
    bot.say("wl_zhao", "周报", "都没更新", "确认")
    assert bot.send("wl_zhao", "这周发了5条").startswith("本周（11月23日—11月29日）的周报已报送：已报（按时）")
    assert "没有理解" in bot.send("zsj_admin", "这周发了5条")  # the bureau reports nothing
