"""Unknown text → the closest commands, for Chinese paraphrases (bot/suggest.py via Router.suggest)."""
from __future__ import annotations

import pytest

import handlers
from bot.router import Router
from models.org import BUREAU_ADMIN, STAFF, Person, find_person


def later_features() -> Router:
    """Commands shaped like those of the approval and weekly-report features (names, aliases, help)."""
    router = Router()

    def add(*words, help, detail=None, roles=None):
        router.command(*words, help=help, detail=detail, roles=roles)(lambda ctx: None)
    add("开设", "申请开设", "新开账号", "开设账号", "开通账号", "新建账号", help="申请开设新的政务新媒体账号（附件2）")
    add("变更", "申请变更", "变更账号", help="申请变更账号信息（如「变更 抚松教育」）")
    add("注销", "申请注销", "注销账号", help="申请注销账号（如「注销 抚松教育」）")
    add("待办", "待审批", "我的待办", help="查看等待我审批的申请")
    for word in ("同意", "驳回", "退回"):
        add(word, help=f"{word}审批申请（如「{word} 12 意见」）",
            detail="审批卡片按钮无法使用时，用文字审批：同意 12 意见 / 驳回 12 原因 / 退回 12 说明")
    add("查看", "查看申请", help="查看一件申请的审批表和审批记录（如「查看 12」）")
    add("周报", "填周报", "报周报", help="填报本周账号更新维护情况（第30条）")
    add("周报情况", "周报汇总", "周报统计", help="查看周报报送情况（「周报情况 上周」看上周）")
    add("修改周报", "更正周报", help="修改本周或上周已报送的周报")
    add("催办", help="催促审批人处理我的申请（每天一次）")
    add("关账", help="关账：该月周报不再允许修改", roles={BUREAU_ADMIN})
    add("菜单", "功能", help=None)
    return router


@pytest.mark.parametrize("text, expected", [
    ("周报告", ["周报"]),           # a command word inside the text
    ("开个账号", ["开设"]),         # a paraphrase: most characters shared with 新开账号/开设账号
    ("审批", ["待办"]),             # inside an alias (待审批) beats the help lines that mention it
    ("改周报", ["周报", "修改周报"]),
    ("谁没交周报", ["周报"]),
    ("统计", ["周报情况"]),
    ("催一下", ["催办"]),
    ("你好", []),                   # nothing close: no suggestion rather than a wild guess
    ("菜", []),                     # 菜单 is not in 帮助 (no help line), so it is not offered either
])
def test_chinese_paraphrases_find_the_command(text, expected):
    assert later_features().suggest(text, None) == expected


def test_words_only_the_help_line_or_the_detail_uses_lead_to_the_command():
    router = Router()
    router.command("甲", help="把资料导出为表格文件", detail="文件里有全部的字段")(lambda ctx: None)
    router.command("乙", help="查看本周的情况")(lambda ctx: None)
    assert router.suggest("导出为表格", None) == ["甲"]  # every character pair is in 甲's help line
    assert router.suggest("全部的字段", None) == ["甲"]  # only in its detail, which weighs 0.4: just enough
    assert router.suggest("全部字段", None) == []  # two of three pairs in the detail: 0.27, too far


def test_only_commands_the_person_may_use_are_offered():
    router = later_features()
    staff = Person(userid="u", name="职员")
    staff.set_roles({STAFF})
    admin = Person(userid="a", name="管理员")
    admin.set_roles({BUREAU_ADMIN})
    assert router.suggest("关账了吗", admin) == ["关账"]
    assert "关账" not in router.suggest("关账了吗", staff)


def test_the_same_text_always_gets_the_same_answer():
    answers = {tuple(later_features().suggest("申请账号", None)) for _ in range(5)}
    assert len(answers) == 1 and len(next(iter(answers))) <= 3


@pytest.mark.parametrize("text, expected", [
    ("查台账", ["台账"]),
    ("导出", ["导出", "导出台账"]),
    ("下载excel", ["导出台账"]),     # ASCII words count as words; 下载 is shared with 下载台账
    ("EXCEL", ["导出台账"]),         # found only in the help line, whatever the case
    ("帐号台帐", ["台账"]),          # the variant character 帐 still shares most of 账号台账
    ("账号", ["台账", "开设", "变更"]),
    ("你好", []),
])
def test_the_commands_registered_in_main(bot, text, expected):
    router = handlers.build_router()
    with bot.db() as s:
        assert router.suggest(text, find_person(s, "jy_zhang")) == expected


def test_the_user_is_told_the_suggestion(bot):
    assert "您是不是想用：台账？" in bot.send("jy_zhang", "账本")  # (「查台账」 is 台账 itself: tests/test_phrasing.py)
    assert "您是不是想用：导出台账？" in bot.send("zsj_admin", "下载excel")
    assert bot.send("jy_zhang", "明天开会吗").startswith("没有理解您的消息")


def test_a_greeting_is_answered_with_a_greeting_and_the_menu(bot):
    for greeting in ("你好", "您好！", "在吗", "Hello"):
        reply = bot.send("jy_zhang", greeting)
        assert reply.startswith("您好，张伟！我是政务新媒体助手。") and "【周报】" in reply, reply
    assert bot.send("jy_zhang", "谢谢").startswith("不客气")
    for ack in ("收到", "收到！", "知道了", "[强]", "👍", "好的", "好的。", "OK"):  # a notice acknowledged
        # (「收到」 suggested 周报; 「好的」 said 当前没有等待您确认的操作 — as if something had been asked)
        assert bot.send("jy_zhang", ack) == "好的。还有需要随时找我，回复「帮助」查看可用功能。", ack
    assert "【周报】" not in bot.send("jy_zhang", "你好，周报怎么填")  # not a bare greeting: suggestions


def test_a_confirmation_nobody_asked_for_says_nothing_was_submitted(bot):
    assert bot.send("jy_zhang", "确认").startswith("当前没有等待您确认的操作，什么也没有提交。")
    bot.send("jy_zhang", "开设")
    bot.send("jy_zhang", "快手")  # an answer typed: the timeout keeps it as a draft
    from datetime import timedelta

    from bot import clock
    clock.set_now(clock.now() + timedelta(minutes=31))  # expired, kept as a draft: 「好的」 may be meant as its answer
    assert "当前没有等待您确认的操作，什么也没有提交。\n未完成的「开设申请」已保存为草稿" in bot.send("jy_zhang", "好的")


def _closest_by_comparing_everything(index, text: str) -> list[str]:
    """The rule as stated in bot/suggest.py, applied to every word and help line of every command:
    what the index's look-up by character must always give."""
    from bot.suggest import CUTOFF, DETAIL_WEIGHT, HELP_WEIGHT, LIMIT, NEAR_BEST, Query
    query = Query(text)
    scored: dict[str, float] = {}
    for name, words, help_grams, detail_grams in index.entries:
        at, wanted = query.n - 1, query.wanted
        value = max(HELP_WEIGHT * len(wanted & help_grams[at]) / len(wanted),
                    DETAIL_WEIGHT * len(wanted & detail_grams[at]) / len(wanted)) if wanted else 0.0
        for count, wplain, wset in words:
            if count >= 2 and wplain in query.plain:
                score = 1.0 + len(wplain) / 100
            elif query.plain and query.plain in wplain:
                score = 0.8 + 0.1 * len(query.plain) / len(wplain)
            else:
                common = len(query.set & wset)
                score = 2 * common / (len(query.set) + len(wset)) if common else 0.0
            value = max(value, score)
        scored[name] = max(value, scored.get(name, -1.0))
    ranked = sorted(scored.items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] < CUTOFF:
        return []
    floor = max(CUTOFF, NEAR_BEST * ranked[0][1])
    return [name for name, value in ranked if value >= floor][:LIMIT]


def test_looking_up_by_character_finds_what_comparing_every_word_finds():
    from bot.suggest import Index
    commands = [c for c in handlers.build_router().commands if c.help]
    texts = {"明天开会吗", "我想看一下账号", "excel", "EXCEL表格", "周报告", "？？", "", "a", "开个抖音号", "培训怎么报名"}
    for command in commands:
        for source in (*command.words, command.help, command.detail or ""):
            texts.update({source, source[:2], source[1:4], source[-3:], source + "吗", "我要" + source[:3]})
    for chosen in (commands, commands[::2], commands[1::3]):  # the menus of different roles
        index = Index(chosen)
        for text in sorted(texts):
            assert index.closest(text) == _closest_by_comparing_everything(index, text), text
