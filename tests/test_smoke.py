def test_help_answers_a_known_user(bot):
    reply = bot.send("jy_zhang", "帮助")
    assert "张伟" in reply and "抚松县教育局" in reply


def test_unknown_text_gets_a_suggestion(bot):
    reply = bot.send("jy_zhang", "菜")
    assert "帮助" in reply
