"""Reading natural answers for the weekly report (no bot, no database): counts, dates, interaction,
and the validation rules of one account's entry. Every failure is an `Unclear` with a Chinese hint."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

NONE_WORDS = ("无", "没有", "没有更新", "无更新", "未更新", "没更新", "没", "零", "0", "无发布", "没发", "没有发布")
UNKNOWN_WORDS = ("不清楚", "不知道", "不记得", "记不清", "未知")
DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 6,
            "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
MAX_COUNT = 999


class Unclear(ValueError):
    def __init__(self, hint: str):
        super().__init__(hint)
        self.hint = hint


def chinese_number(text: str) -> int | None:
    """一 … 九十九 (and 两); None if `text` is not such a number."""
    if not text or any(ch not in DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (DIGITS[tens] if tens else 1) * 10 + (DIGITS[ones] if ones else 0)


def _clean(text: str) -> str:
    # NFKC: full-width digits and signs (１１－２５, ４／４) as a Chinese input method types them
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).rstrip("。.，,！!")


# 「这周没发」, 「还没发」, 「刚开通还没发」, 「一条都没发」: none, said in a sentence
NONE_SAID_POSTS = re.compile(r"(?:刚开通|新开的?)?(?:这周|本周|上周)?(?:还|都|一直|一条都|一条也)?(?:没|没有|未)(?:发|更新|发布)"
                             r"(?:过|呢|啊|内容)*")


def parse_count(text: str, what: str = "条数") -> int:
    """`5`, `五条`, `5篇`, `没有更新`, `无`, `0`, 「这周没发」 → a non-negative number."""
    raw = _clean(text)
    if raw in NONE_WORDS or NONE_SAID_POSTS.fullmatch(raw):
        return 0
    core = re.sub(r"^(?:本周|这周)?(?:发布了|发布|发了|发|共计|一共|共|原创)", "", raw)
    core = re.sub(r"(条|篇|个|次|则|期)$", "", core)
    if core.isdigit():
        value = int(core)
    else:
        value = chinese_number(core)
        if value is None:
            raise Unclear(f"没能看懂「{text[:20]}」，请回复{what}，例如 5、五条；没有请回复「无」。")
    if value > MAX_COUNT:
        raise Unclear(f"{value} 条太多了，请确认后重新输入{what}。")
    return value


ALL_ORIGINAL = re.compile(r"(?<!不)(?:全部|全|都|均)(?:是|为)?原创(?:的)?")  # (「不全是原创」 says no number)
NO_ORIGINAL = re.compile(r"(?:没有|无|没|不是)原创(?:的)?|原创(?:为)?(?:0|零|无|没有)(?:条|篇)?")


ALL_SAID = re.compile(r"(?:全部|全|都|均)(?:都)?(?:是|为)?(?:原创)?(?:的)?")  # at 其中原创几条: 「都是」, 「全部原创」
NONE_SAID = re.compile(r"(?:都|全|全部|均)(?:不是|是转载|是转发)(?:原创)?(?:的)?")  # 「都不是」, 「全是转载」


def parse_originals(text: str, posts: int) -> int:
    """The answer to 其中原创几条: a number, 「都是原创」 (all of `posts`), 「没有原创」/「都是转载」 (none)."""
    raw = _clean(text)
    if ALL_SAID.fullmatch(raw):
        return posts
    if NONE_SAID.fullmatch(raw) or NO_ORIGINAL.fullmatch(raw):
        return 0
    said = re.fullmatch(r"([零〇一二两三四五六七八九十\d]+)(?:条|篇)?(?:是)?原创(?:的)?", raw)  # 「两条原创」, 「2条原创」
    return parse_count(said[1] if said else text, "原创条数")


# 「今天发了两条，周三发了一条」, 「今天发了两条」: counts each after a day, added up; the days give the latest post
_DAY = r"(?:今天|今日|昨天|昨日|前天|(?:周|星期|礼拜)[一二三四五六日天]|\d{1,2}月\d{1,2}[号日]|\d{1,2}[号日])"
_PER_DAY = re.compile(rf"(?P<day>{_DAY})(?:又|还|也|共|一共)?(?:发布了|发布|发了|发|更新了|更新)?(?:了)?"
                      r"(?P<n>[零〇一二两三四五六七八九十\d]+)(?:条|篇)")
_COUNT = re.compile(r"[零〇一二两三四五六七八九十\d]+(?:条|篇)")


def _per_day(raw: str) -> list[tuple[str, int]] | None:
    """[(day word, count)] when every count said follows a day; None otherwise."""
    found = list(_PER_DAY.finditer(raw))
    if not found or len(found) != len(_COUNT.findall(raw)):
        return None
    values = [int(m["n"]) if m["n"].isdigit() else chinese_number(m["n"]) for m in found]
    return None if None in values else [(m["day"], value) for m, value in zip(found, values)]


def latest_said(text: str, *, today: date, week: date) -> date | None:
    """The latest post when the posts were said by day (「今天发了两条，周三发了一条」 → today): the latest of the
    days, if each is a day of the reported week not after today; None otherwise."""
    per_day = _per_day(_clean(text)) if "原创" not in text else None
    if not per_day:
        return None
    try:
        days = [parse_date(day, today=today, week=week) for day, count in per_day if count]
    except Unclear:
        return None
    if not days or any(d is None or not week <= d <= min(today, week + timedelta(days=6)) for d in days):
        return None
    return max(days)


def parse_posts(text: str) -> tuple[int, int | None]:
    """The posts, and the originals when said with them: 「发了三条，原创两条」, 「5条其中原创3条」, 「4条 都是原创」,
    「2条没有原创」 → (posts, originals); 「5」 → (5, None); 「今天发了两条，周三发了一条」 → (3, None);
    「今天发了两条」 → (2, None)."""
    raw = _clean(text)
    if "原创" not in raw:
        per_day = _per_day(raw)
        if per_day is not None:
            posts = sum(count for _day, count in per_day)
            if posts > MAX_COUNT:
                raise Unclear(f"{posts} 条太多了，请确认后重新输入本周发布条数。")
            return posts, None
        return parse_count(text, "本周发布条数"), None
    cut = raw.index("原创")
    if ALL_ORIGINAL.search(raw) or NO_ORIGINAL.search(raw):
        head = ALL_ORIGINAL.sub("", NO_ORIGINAL.sub("", raw))
    else:
        head = raw[:cut]
    head = re.sub(r"(?:，|,|、|;|；|其中|里面|中)+$", "", head)
    if not head:
        raise Unclear(f"「{text[:20]}」只说了原创条数。请回复本周一共发布了几条，可以一起说原创条数，例如「5条，原创3条」；"
                      "没有更新请回复「无」。")
    posts = parse_count(head, "本周发布条数")
    if ALL_ORIGINAL.search(raw):
        return posts, posts
    if NO_ORIGINAL.search(raw):
        return posts, 0
    return posts, parse_count(raw[cut:], "原创条数")


def parse_interaction(text: str) -> tuple[int, int]:
    """`4/4`, `留言4/4`, `收到4回复3`, `4 3`, `无` → (received, answered)."""
    raw = _clean(text)
    if raw in NONE_WORDS or raw in ("没有留言", "无留言", "没有评论", "无互动"):
        return 0, 0
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if not numbers:
        words = re.findall(r"[零〇一二两三四五六七八九十]+", raw)
        numbers = [n for n in (chinese_number(w) for w in words) if n is not None]
    if len(numbers) == 1 and re.search(r"(全部|都|均)(已)?(回复|答复|回)", raw):  # 「收到2条都回了」
        numbers = [numbers[0], numbers[0]]
    if len(numbers) != 2:
        raise Unclear(f"没能看懂「{text[:20]}」。请按「收到/回复」回复两个数，例如 4/3（收到4条、回复3条）；"
                      "没有留言评论请回复「无」。")
    received, answered = numbers
    if answered > received:
        raise Unclear(f"回复数（{answered}）不能多于收到数（{received}），请按「收到/回复」重新输入，例如 4/3。")
    return received, answered


def year_for(month: int, day: int, today: date) -> date:
    """A month-day without a year: this year's, or last year's if that would be far in the future."""
    try:
        candidate = date(today.year, month, day)
    except ValueError:
        raise Unclear(f"{month}月{day}日不是有效的日期，请重新输入。") from None
    if candidate > today + timedelta(days=31):
        candidate = date(today.year - 1, month, day)
    return candidate


def parse_date(text: str, *, today: date, week: date) -> date | None:
    """`今天`, `昨天`, `前天`, `周三` (of the report week), `上周五`, `11月25日`, `11-25`, `2026-11-25`.
    `不清楚` → None. 上周 is the week before today's, as the clerk says it: filing last week's report late (补报),
    「上周三」 is that week's Wednesday, not the one a week before it."""
    raw = _clean(text).removeprefix("最近").removeprefix("最后").removesuffix("发布").removesuffix("发的")
    if raw in UNKNOWN_WORDS:
        return None
    relative = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
    if raw in relative:
        return today - timedelta(days=relative[raw])
    m = re.fullmatch(r"(上)?(?:本|这)?(?:周|星期|礼拜)([一二三四五六日天末1-7])", raw)
    if m:
        base = today - timedelta(days=today.weekday() + 7) if m.group(1) else week
        return base + timedelta(days=WEEKDAYS[m.group(2)])
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?", raw)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise Unclear(f"「{text[:20]}」不是有效的日期，请重新输入，例如 11-25。") from None
    m = re.fullmatch(r"(\d{1,2})[-/.月](\d{1,2})[日号]?", raw)
    if m:
        return year_for(int(m.group(1)), int(m.group(2)), today)
    m = re.fullmatch(r"(\d{1,2})[日号]", raw)
    if m:
        return year_for(today.month, int(m.group(1)), today)
    # 「不清楚」 is not offered here: it is accepted only for a week without posts, whose question says so
    raise Unclear(f"没能看懂日期「{text[:20]}」。请回复如 今天、昨天、周三、11月25日、11-25 或 2026-11-25。")


def short_date(day: date | None) -> str:
    return f"{day.month}-{day.day:02d}" if day else "不详"


NO_PROBLEM = re.compile(r"(?:无|没有?|暂无|暂时没有|没什么|没啥)(?:任何)?(?:问题|异常|情况|整改)?(?:[和或及]整改)?(?:情况)?"
                        r"|(?:一切|均|都|运行|运营|账号)?正常|0")


def no_problem(text: str) -> bool:
    """「无」, 「没问题」, 「一切正常」, 「暂无」: nothing to record as 问题或整改情况."""
    return NO_PROBLEM.fullmatch(_clean(text)) is not None


def check_problems(text: str) -> None:
    """问题或整改情况 is kept as the official record: it must say something in words, digits or Chinese, not
    emoji or punctuation alone."""
    if not any(ch.isalnum() for ch in text):
        raise Unclear("问题或整改情况会作为正式记录保存，请用文字写明（只有表情或符号不能作为记录），"
                      "例如「有一条留言回复不及时，已整改」；没有问题请写「无」。")


def check_entry(entry: dict, *, week: date, today: date, opened_on: date | None) -> None:
    """The rules of one account's entry; raises Unclear naming the first broken rule."""
    posts, originals = entry.get("posts") or 0, entry.get("originals") or 0
    if originals > posts:
        raise Unclear(f"原创条数（{originals}）不能多于本周发布条数（{posts}）。")
    latest = entry.get("latest_post_on")
    if isinstance(latest, str):
        latest = date.fromisoformat(latest)
    sunday = week + timedelta(days=6)
    this = "本周" if week <= today <= sunday else "这一周"  # a week gone (补报) is not 本周 to the clerk
    if latest is None:
        if posts > 0:
            raise Unclear(f"{this}发布了{posts}条，请给出最近一次发布的日期（应在{_span(week)}之内）。")
        return
    if latest > today:
        raise Unclear(f"{short_date(latest)} 还没到（今天是{today.month}月{today.day}日），"
                      "最近发布日期不能是将来的日期。")
    if latest > sunday:
        raise Unclear(f"{short_date(latest)} 在所报的这一周（{_span(week)}）之后，请填这一周之内或之前的日期。")
    if opened_on and latest < opened_on:
        raise Unclear(f"该账号{opened_on.year}年{opened_on.month}月{opened_on.day}日才开设，"
                      "最近发布日期不能早于开设日期。")
    if posts == 0 and latest >= week:
        raise Unclear(f"{this}没有更新，最近发布日期应在{this}（{_span(week)}）之前，而 {short_date(latest)} 在{this}之内；"
                      f"如果{this}有发布，请填写发布条数。")
    if posts > 0 and latest < week:
        raise Unclear(f"{this}发布了{posts}条，最近发布日期应在{this}（{_span(week)}）之内，"
                      f"而 {short_date(latest)} 在{this}之前。")


def _span(week: date) -> str:
    sunday = week + timedelta(days=6)
    return f"{week.month}月{week.day}日—{sunday.month}月{sunday.day}日"


def describe_entry(entry: dict) -> str:
    """One account's answers in one line: 发布5条（原创3），最近11-25，留言4/4，问题：无."""
    latest = entry.get("latest_post_on")
    if isinstance(latest, str):
        latest = date.fromisoformat(latest)
    posts = entry.get("posts") or 0
    head = f"发布{posts}条（原创{entry.get('originals') or 0}）" if posts else "本周无更新"
    return (f"{head}，最近{short_date(latest)}，留言{entry.get('messages_received') or 0}/"
            f"{entry.get('messages_answered') or 0}，问题：{entry.get('problems') or '无'}")
