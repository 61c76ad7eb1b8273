"""The notices cite 《办法》 by article (「按《办法》第21条…」): a user asking what an article says gets its text."""
import pytest


@pytest.mark.parametrize("userid, text, start", [
    ("jy_zhang", "第15条是什么", "《抚松县政务新媒体管理办法》第15条：对于主办单位确属无力维护的，如长期不更新（超过三个月）"),
    ("jy_wang", "办法第二十一条说的啥？", "《抚松县政务新媒体管理办法》第21条：政务新媒体主办单位应当建立专人负责制度"),
    ("zsj_admin", "《办法》第28条", "《抚松县政务新媒体管理办法》第28条：政务新媒体主管单位要组织本级主办单位开展业务培训"),
    ("city_zhao", "第十条的内容", "《抚松县政务新媒体管理办法》第10条：全县政务新媒体账号实行分级备案制度。"),
])
def test_an_article_asked_for_is_quoted(bot, userid, text, start):
    """「第15条是什么」 was 「没有理解您的消息」, though the bot's own notices cite the articles."""
    reply = bot.send(userid, text)
    assert reply.startswith(start), reply
    assert bot.send(userid, "上一步") == "当前没有进行中的操作。"


def test_an_article_that_does_not_exist_says_how_many_there_are(bot):
    assert bot.send("jy_zhang", "第40条是什么").startswith("《抚松县政务新媒体管理办法》共35条，没有第40条。")


def test_the_regulation_asked_for_says_how_to_read_an_article(bot):
    reply = bot.send("jy_zhang", "管理办法")
    assert "共35条" in reply and "「第15条」" in reply, reply
