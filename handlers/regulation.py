"""Questions about the regulation the bot cites: 「第15条是什么」 gets the article's text (handlers/regulation_text.py),
「管理办法」 how to ask for one. Any role may ask: the notices quote articles to units and bureaus alike."""
from __future__ import annotations

from bot.router import Context, Router, dialogue_only
from handlers.regulation_text import ARTICLES, TITLE

_DIGITS = "一二三四五六七八九"
_NUMBER = r"(?P<n>[0-9]{1,3}|[一二三四五六七八九十]{1,4})"
_BOOK = r"(?:《?(?:抚松县)?(?:政务新媒体)?管理办法》?|《?办法》?)"
# 「第15条是什么」, 「办法第二十一条说的啥」, 「第28条的内容」
ARTICLE_ASKED = (rf"(?:请问)?(?:{_BOOK}的?)?第{_NUMBER}条(?:是什么|是啥|说的?是?(?:什么|啥)|讲的?是?(?:什么|啥)"
                 r"|的?内容|的?原文|怎么(?:说|规定)的?|规定了?(?:什么|啥))?(?:呢|啊|呀)?[？?。]*$")
# 「管理办法」, 「《办法》是什么」, 「办法全文」
BOOK_ASKED = rf"(?:请问)?(?:政务新媒体)?{_BOOK}(?:是什么|是啥|全文|原文|在哪(?:里)?看?)?(?:呢|啊)?[？?。]*$"


def article_number(said: str) -> int:
    """「15」 or 「十五」「二十一」 as a number."""
    if said.isdigit():
        return int(said)
    tens, _, ones = said.rpartition("十")
    if "十" not in said:
        return _DIGITS.index(said) + 1 if len(said) == 1 else 0
    return (_DIGITS.index(tens) + 1 if tens else 1) * 10 + (_DIGITS.index(ones) + 1 if ones else 0)


def register(router: Router) -> None:
    @router.pattern(ARTICLE_ASKED)
    @dialogue_only
    def article_asked(ctx: Context):
        try:
            number = article_number(ctx.match.group("n"))
        except ValueError:  # 「第十十条」
            number = 0
        text = ARTICLES.get(number)
        if text is None:
            ctx.reply(f"《{TITLE}》共{len(ARTICLES)}条，没有第{ctx.match.group('n')}条。回复「第15条」这样的条号查看原文。")
            return
        ctx.reply(f"《{TITLE}》第{number}条：{text}")

    @router.pattern(BOOK_ASKED)
    @dialogue_only
    def book_asked(ctx: Context):
        ctx.reply(f"助手依据《{TITLE}》（共{len(ARTICLES)}条）办理审批、周报和监管，消息中引用的「第N条」都出自这个办法。"
                  "回复条号查看原文，例如「第15条」（停更和僵尸账号）、「第21条」（专人负责）、「第28条」（培训）。")
