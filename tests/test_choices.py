import pytest

from bot.choices import numbered, pick, yes
from bot.router import Reask

OPTIONS = ["微信公众号", "视频号", "微博"]


def test_numbered_lists_every_option_with_its_number():
    assert numbered(OPTIONS).splitlines()[:3] == ["1. 微信公众号", "2. 视频号", "3. 微博"]


@pytest.mark.parametrize("answer, index", [("1", 0), ("三", 2), ("微博", 2), ("视频", 1), (" 2。", 1)])
def test_pick_understands_numbers_and_names(answer, index):
    assert pick(answer, OPTIONS) == index


@pytest.mark.parametrize("answer, hint", [("7", "没有第7项"), ("抖音", "没能识别")])
def test_pick_gives_a_specific_hint(answer, hint):
    with pytest.raises(Reask) as wrong:
        pick(answer, OPTIONS)
    assert hint in wrong.value.hint


def test_yes():
    assert yes("确认") is True and yes("否") is False and yes("嗯？") is None
    assert yes("确认。") is True and yes("YES") is True and yes("No") is False


@pytest.mark.parametrize("said", ["确认提交", "可以提交了", "没错，提交吧", "都对", "提交吧", "好，提交", "就提交吧"])
def test_assent_said_the_way_clerks_say_it_submits(said):
    """At a confirmation 「确认提交」「都对」 were asked again 「请回复「确认」提交…」 as if not understood."""
    assert yes(said) is True


@pytest.mark.parametrize("said", ["不提交", "先不提交", "都不对", "不对，提交", "提交了吗", "我要提交吗"])
def test_refusals_and_questions_near_assent_are_not_assent(said):
    assert yes(said) is not True


@pytest.mark.parametrize("number", ["1", "2", "１"])
def test_a_bare_number_is_neither_yes_nor_no(number):
    """Before a submission the clerk has just read a numbered summary: 「1」 names an item."""
    assert yes(number) is None


def test_a_longer_word_wins_whoever_declares_it():
    from bot.router import Router
    router = Router()

    @router.command("周报", "填报周报")
    def weekly(ctx):
        return None

    @router.command("周报情况")
    def status(ctx):
        return None

    assert router.find_command("周报情况 上周")[0].name == "周报情况"
    assert router.find_command("填报周报")[0].name == "周报"
    assert router.find_command("周报 抚松发布 5")[1] == "抚松发布 5"


def test_loose_pick_for_fixed_lists_only():
    from models.account import PLATFORMS
    from models.approval import CLOSE_REASONS
    assert PLATFORMS[pick("抖音号", PLATFORMS, loose=True)] == "抖音"
    assert PLATFORMS[pick("微信视频号", PLATFORMS, loose=True)] == "视频号"
    assert CLOSE_REASONS[pick("单位合并了", CLOSE_REASONS, loose=True)] == "主办单位撤销合并"
    with pytest.raises(Reask):  # two platforms named: not a choice
        pick("抖音和快手", PLATFORMS, loose=True)
    with pytest.raises(Reask):  # people are never picked loosely: 王伟明 is not 王伟
        pick("王伟明", ["王伟", "李明"])


def test_yes_and_no_in_the_clerks_words():
    """「发吧」 did not confirm a 催报; 「不撤了」「不用了」 at the withdrawal's question were asked again."""
    assert all(yes(word) is True for word in ("发吧", "可以", "行", "没问题", "好的"))
    assert all(yes(word) is False for word in ("不撤了", "不用了", "不要", "先不"))


def test_giving_up_in_the_clerks_words_cancels(bot):
    """「不申请了」 at the name question became the account's name (with the 第9条 warning)."""
    bot.send("jy_zhang", "开设")
    bot.send("jy_zhang", "抖音")
    assert bot.send("jy_zhang", "不申请了").startswith("已取消「开设申请」")
