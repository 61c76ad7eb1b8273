"""A command put in a sentence: 「我要交周报」, 「帮我查一下台账」, 「查看 周报情况」, 「本周的周报」.

Clerks rarely type a command word alone. The words around it that only say "I want to do this" or
"show me this" are taken off, so that what is left can be looked up as a command. Words that change
the meaning (不, 改, 撤回 …) are never taken off; a week (本周, 上周) is kept as the command's
argument (「上周的周报情况」 is 「周报情况 上周」).
"""
from __future__ import annotations

import re

_WANT = r"(?:我们?|咱们?|本单位|单位)?(?:要|想要?|需要|得|准备|打算)|(?:请|麻烦)?(?:你|您)?(?:帮我|给我|帮忙)|请|麻烦(?:你|您)?|我来"
_DO = r"提交|上交|交|填写|填报|填|上报|报送|报|写|办理|办|发起|申请|下发"
_SEE = r"查询|查看|查查|查|看看|看|打开|列出|显示"
# The layers a request may open with, in this order, each optional
LAYERS = [re.compile(rf"(?:{_WANT})(?:再|先)?"),
          re.compile(rf"(?:(?P<do>{_DO})|(?P<see>{_SEE}))(?:一下|下|个|一个|一份|份)?"),
          re.compile(r"本单位的?|(?:我们?|咱们?|单位)的|今天的?|今日的?"),
          re.compile(r"(?P<week>本周|这周|这个?星期|上周|上个?星期)的?")]
TRAIL = re.compile(r"(?:吧|了|啊|呀|呢|哈|嘛|一下)*[。.！!～~\s]*$")
WEEKS = {"本周": "本周", "这周": "本周", "这星期": "本周", "这个星期": "本周",
         "上周": "上周", "上星期": "上周", "上个星期": "上周"}
# What one asks to *see* of a command that is done: 「看看周报」 is the weekly roll-up, not filling one in
SEEN_AS = {"周报": "周报情况"}


# A short question after a command's word (「注销要多久」, 「通报发了吗」, 「开设需要什么材料」): it asks about
# the command. No digits: 「驳回 3 …」 and 「周报 11月」 carry what the command works on.
QUESTION_END = re.compile(r"(?:吗|嘛|呢|了没|没有|到哪(?:一步|儿|里)?了?)[？?。！!]*$")  # (「开设申请到哪一步了」)
ABOUT_WORDS = re.compile(r"多久|多长时间|几天|什么时候|要什么|需要什么|什么材料|哪些材料|有什么用|能不能|可不可以|可以吗"
                         r"|准备什么|准备哪些|什么流程|哪些流程|流程是(?:什么|啥|怎样)|什么手续|哪些手续|手续是(?:什么|啥)"
                         r"|(?:什么|哪些)(?:条件|要求)|(?:条件|要求)是(?:什么|啥)")
# The command's word and what one asks of it, said as a noun (「开设条件」, 「注销流程」, 「变更的手续」)
ABOUT_NOUNS = re.compile(r"的?(?:条件|要求|流程|手续|程序|步骤|规定)")
QUESTION_MAX = 15


def asks_about(args: str) -> bool:
    """Whether what follows a command's word is a question about the command rather than its argument."""
    args = args.strip()
    return (0 < len(args) <= QUESTION_MAX and not any(ch.isdigit() for ch in args)
            and (QUESTION_END.search(args) is not None or ABOUT_WORDS.search(args) is not None
                 or ABOUT_NOUNS.fullmatch(args) is not None))


# 「周报情况怎么样」, 「待办现在如何」, 「上周怎么样」: how it stands — shown, where a command shows it, not explained
STANDING = re.compile(r"(?:现在|目前)?的?(?:情况)?(?:怎么样|咋样|如何)了?(?:呀|啊|呢)?[？?。！!]*$")


def how_it_stands(args: str) -> str | None:
    """What is left of the arguments once a closing 「怎么样」 is taken off, or None when they do not end so."""
    m = STANDING.search(args.strip())
    return args.strip()[:m.start()].strip() if m else None


def command_texts(text: str) -> list[str]:
    """What the text may be once the words opening it are taken off, least taken off first: 「查看我的申请」
    gives 「我的申请」 then 「申请」; the caller takes the first that is a command. Empty when nothing opens it."""
    found, at, seeing, week = [], 0, False, None
    for layer in LAYERS:
        m = layer.match(text, at)
        if not m or m.end() == at:
            continue
        at = m.end()
        seeing = seeing or bool(m.groupdict().get("see"))
        week = m.groupdict().get("week") or week
        rest = TRAIL.sub("", text[at:]).strip()
        if not rest:
            break
        if seeing and rest.split()[0] in SEEN_AS:
            rest = SEEN_AS[rest.split()[0]] + rest[len(rest.split()[0]):]
        found.append(f"{rest} {WEEKS[week]}" if week else rest)
    return found
