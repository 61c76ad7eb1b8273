"""The natural answers of the weekly dialogue, read without a bot."""
from datetime import date

import pytest

from handlers.weekly_parse import (Unclear, check_entry, chinese_number, parse_count, parse_date, parse_interaction,
                                   latest_said, parse_originals, parse_posts, no_problem)

WEEK = date(2026, 11, 23)
TODAY = date(2026, 11, 25)


@pytest.mark.parametrize("text, value", [("5", 5), ("五条", 5), ("5条", 5), ("没有更新", 0), ("无", 0), ("0", 0),
                                         ("十二", 12), ("二十三篇", 23), ("两条", 2), ("发了3条", 3)])
def test_counts(text, value):
    assert parse_count(text) == value


def test_count_hint():
    with pytest.raises(Unclear, match="例如 5、五条"):
        parse_count("好多")


def test_chinese_numbers():
    assert [chinese_number(t) for t in ("十", "十五", "九十九", "一百")] == [10, 15, 99, None]


@pytest.mark.parametrize("text, day", [("今天", date(2026, 11, 25)), ("昨天", date(2026, 11, 24)),
                                       ("周三", date(2026, 11, 25)), ("星期一", date(2026, 11, 23)),
                                       ("上周五", date(2026, 11, 20)), ("11月25日", date(2026, 11, 25)),
                                       ("11-25", date(2026, 11, 25)), ("2026-11-25", date(2026, 11, 25)),
                                       ("2026年11月2日", date(2026, 11, 2)), ("不清楚", None)])
def test_dates(text, day):
    assert parse_date(text, today=TODAY, week=WEEK) == day


@pytest.mark.parametrize("text, day", [("１１－２５", date(2026, 11, 25)), ("11／24", date(2026, 11, 24)),
                                       ("２０２６－１１－２３", date(2026, 11, 23)), ("本周三", date(2026, 11, 25)),
                                       ("这周一", date(2026, 11, 23)), ("周3", date(2026, 11, 25)),
                                       ("上周5", date(2026, 11, 20)), ("星期２", date(2026, 11, 24))])
def test_dates_typed_with_a_chinese_keyboard(text, day):
    """Full-width digits and signs (a Chinese input method in full-width mode), 本周/这周, 周3."""
    assert parse_date(text, today=TODAY, week=WEEK) == day


def test_last_week_is_the_clerks_last_week_when_filing_it_late():
    """Filing last week's report on a Tuesday (补报), 「上周三」 was read as the Wednesday a week before the report
    week, and refused as 「在本周之前」 — the clerk meant last week's Wednesday, the report week's own."""
    late_week, tuesday = date(2026, 11, 16), date(2026, 11, 24)
    assert parse_date("上周三", today=tuesday, week=late_week) == date(2026, 11, 18)
    assert parse_date("周三", today=tuesday, week=late_week) == date(2026, 11, 18)  # of the report week, as before
    with pytest.raises(Unclear, match=r"^这一周发布了2条，最近发布日期应在这一周（11月16日—11月22日）之内，而 11-13 在这一周之前"):
        check_entry({"posts": 2, "latest_post_on": date(2026, 11, 13)}, week=late_week, today=tuesday, opened_on=None)
    with pytest.raises(Unclear, match=r"^本周发布了2条"):  # this week's: 本周, as before
        check_entry({"posts": 2, "latest_post_on": date(2026, 11, 13)}, week=WEEK, today=TODAY, opened_on=None)


def test_month_day_in_january_means_last_december():
    assert parse_date("12-30", today=date(2027, 1, 5), week=date(2027, 1, 4)) == date(2026, 12, 30)


@pytest.mark.parametrize("text, pair", [("4/4", (4, 4)), ("留言4/3", (4, 3)), ("收到4回复3", (4, 3)),
                                        ("4 3", (4, 3)), ("无", (0, 0)), ("5条都回复了", (5, 5))])
def test_interaction(text, pair):
    assert parse_interaction(text) == pair


@pytest.mark.parametrize("entry, opened, hint", [
    ({"posts": 2, "originals": 3}, None, "不能多于"),
    ({"posts": 2, "latest_post_on": date(2026, 11, 26)}, None, "还没到"),
    ({"posts": 0, "latest_post_on": date(2026, 11, 10)}, date(2026, 11, 12), "才开设"),
    ({"posts": 2, "latest_post_on": date(2026, 11, 10)}, None, "在本周之前"),
    ({"posts": 0, "latest_post_on": date(2026, 11, 24)}, None, "本周没有更新"),  # a post this week is an update
])
def test_entry_rules(entry, opened, hint):
    with pytest.raises(Unclear, match=hint):
        check_entry(entry, week=WEEK, today=TODAY, opened_on=opened)


def test_a_date_after_the_reported_week_is_refused():
    with pytest.raises(Unclear, match="之后"):
        check_entry({"posts": 0, "latest_post_on": date(2026, 11, 24)}, week=date(2026, 11, 9), today=TODAY,
                    opened_on=None)


@pytest.mark.parametrize("text, expected", [
    ("5", (5, None)), ("发了5条", (5, None)), ("本周发布了三条", (3, None)),
    ("发了三条，原创两条", (3, 2)), ("5条其中原创3条", (5, 3)), ("三条原创一条", (3, 1)), ("3条，原创0条", (3, 0)),
    ("4条 都是原创", (4, 4)), ("本周发布了3条，全部原创", (3, 3)), ("2条没有原创", (2, 0)),
    ("今天发了两条，周三发了一条", (3, None)), ("周一2条、周四3条", (5, None)), ("11月24日发了1条，26号又发了2条", (3, None)),
    ("今天发了两条", (2, None)), ("周三发了5条", (5, None)),
])
def test_posts_may_be_said_with_their_originals(text, expected):
    assert parse_posts(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("3", 3), ("两条", 2), ("都是原创", 4), ("全部原创", 4), ("都是", 4), ("全是", 4), ("无", 0), ("没有原创", 0),
    ("都不是", 0), ("全是转载", 0),
])
def test_the_originals_may_be_all_or_none_in_words(text, expected):
    assert parse_originals(text, posts=4) == expected


@pytest.mark.parametrize("text, latest", [
    ("今天发了两条，周三发了一条", date(2026, 11, 27)), ("周一2条、周四3条", date(2026, 11, 26)),
    ("周三发了5条", date(2026, 11, 25)), ("5条", None), ("20号发了一条，今天发了两条", None),  # 20号: last week
    ("周六发了一条", None),  # not yet come
])
def test_the_latest_post_said_with_the_posts(text, latest):
    assert latest_said(text, today=date(2026, 11, 27), week=date(2026, 11, 23)) == latest


def test_counts_not_each_of_a_day_are_not_added_up():
    with pytest.raises(Unclear):  # (which is the week's? not guessed)
        parse_posts("发了5条，其中3条是视频")
    with pytest.raises(Unclear):
        parse_posts("今天2条，另外还有3条")


def test_originals_alone_are_not_taken_for_the_posts():
    with pytest.raises(Unclear, match="只说了原创条数"):
        parse_posts("原创3条")
    with pytest.raises(Unclear):  # not all original: how many is not said
        parse_posts("4条不全是原创")


@pytest.mark.parametrize("text", ["无", "没问题", "没有问题。", "一切正常", "暂无", "无异常", "没什么问题", "无问题和整改"])
def test_saying_there_is_no_problem_records_none(text):
    assert no_problem(text)


@pytest.mark.parametrize("text", ["有一条留言未回复", "正常发布但回复慢", "问题：无"])
def test_a_problem_in_words_is_kept(text):
    assert not no_problem(text)


@pytest.mark.parametrize("said", ["这周没发", "还没发", "刚开通还没发", "一条都没发"])
def test_no_posts_said_in_a_sentence(said):
    assert parse_posts(said) == (0, None)


@pytest.mark.parametrize("said, expected", [("两条原创", 2), ("2条原创", 2), ("原创3条", 3)])
def test_originals_said_count_first(said, expected):
    assert parse_originals(said, 5) == expected


@pytest.mark.parametrize("said, expected", [("收到2条都回了", (2, 2)), ("3条都回了", (3, 3))])
def test_all_answered_said_with_回(said, expected):
    assert parse_interaction(said) == expected
