"""「全县有几个抖音号」: how many accounts of one platform are in use in the asker's part of the tree, and whose —
one number, not the whole 统计 or 台账. 「全县有几个号」 (a bureau user): the accounts in use by platform.

Registered before the registry's own questions (「我们有几个号」, 「教育局有几个账号」), which show the 台账."""
from __future__ import annotations

from collections import Counter

from bot.router import PASS, Context, Router
from handlers.oversight_util import county_asked
from handlers.registry import CLOSED, scope_accounts
from models.account import ACTIVE_STATUSES, PLATFORM_WORDS, PLATFORMS, Account
from models.org import (BUREAU_ADMIN, BUREAU_REVIEWER, CITY_BUREAU, CITY_REVIEWER, COUNTY_BUREAU, ROLES, Person,
                        subtree_ids)

# What a platform's accounts are called in a sentence (「全县在用抖音号 2 个」); the rest by the platform's name
NOUNS = {"抖音": "抖音号", "快手": "快手号", "微博": "微博号", "今日头条": "今日头条号"}

WIDE = ("全县", "全市", "全区", "本县", "本市", "本区", "县里", "市里", "我们县", "我们市", "咱们县", "咱县", "辖区")
SCOPE = r"(?:辖区内|" + "|".join(WIDE) + r"|我们单位|本单位|我们|咱们)?的?"
HOW_MANY = r"(?:一共|总共|现在|目前|共)?(?:有|在用)?(?:几个|多少个?)"
IN_USE = r"(?:在用的?|正常的?)?"
ASKED_END = r"[？?。！!]*$"
WORDS = "|".join(sorted(PLATFORM_WORDS, key=len, reverse=True))  # 微信公众号 before 公众号, 今日头条 before 头条
ACCOUNT = r"(?:号|账号|帐号)?"
# 「全县有几个抖音号」, 「全县一共有多少个抖音账号」, 「有几个头条号」 / 「全县抖音号有几个」, 「在用的视频号有多少个」
PLATFORM_ASKED = (SCOPE + HOW_MANY + IN_USE + r"(?P<platform>" + WORDS + ")" + ACCOUNT + ASKED_END
                  + "|" + SCOPE + IN_USE + r"(?P<platform2>" + WORDS + ")" + ACCOUNT + HOW_MANY + "了?" + ASKED_END)
# 「靖宇县有几个抖音号」, 「靖宇的公众号有多少个」: the city bureau asking about one county
PLACE = r"(?P<place>[\u4e00-\u9fff]{2,12}?)的?"
PLACE_ASKED = (PLACE + "(?:" + HOW_MANY + IN_USE + r"(?P<platform>" + WORDS + ")" + ACCOUNT + ASKED_END
               + "|" + IN_USE + r"(?P<platform2>" + WORDS + ")" + ACCOUNT + HOW_MANY + "了?" + ASKED_END + ")")
# 「全县有几个号」, 「全县一共有多少个账号」, 「有多少个政务新媒体账号」 (a bureau user; a unit's 「我们有几个号」 is its 台账)
ALL_ASKED = SCOPE + HOW_MANY + IN_USE + r"(?:政务)?(?:新媒体)?(?:账号|帐号|号)" + ASKED_END


def register(router: Router) -> None:
    @router.pattern(PLATFORM_ASKED, roles=set(ROLES))
    def platform_asked(ctx: Context):
        platform = PLATFORM_WORDS[ctx.match["platform"] or ctx.match["platform2"]]
        wide = next((word for word in WIDE if ctx.text.startswith(word)), None)
        note = f"{wide}的账号数请向县政数局了解，您可以查看的是本单位的：\n" \
            if wide and not ctx.person.is_bureau_user else ""
        ctx.reply(note + platform_count(ctx.person, scope_accounts(ctx.session, ctx.person), platform))

    @router.pattern(PLACE_ASKED, roles={BUREAU_ADMIN, BUREAU_REVIEWER, CITY_REVIEWER}, guess=True)
    def county_platform_asked(ctx: Context):
        county = county_asked(ctx.session, ctx.person, ctx.match["place"])
        if county is None:
            return PASS
        platform = PLATFORM_WORDS[ctx.match["platform"] or ctx.match["platform2"]]
        accounts = scope_accounts(ctx.session, ctx.person, subtree_ids(ctx.session, county.id))
        ctx.reply(platform_count(ctx.person, accounts, platform, scope=county.name))

    @router.pattern(ALL_ASKED, roles={BUREAU_ADMIN, BUREAU_REVIEWER, CITY_REVIEWER})
    def all_asked(ctx: Context):
        ctx.reply(all_count(ctx.person, scope_accounts(ctx.session, ctx.person)))


def scope_word(person: Person) -> str:
    """How the asker's part of the tree is said: 全县 (a county bureau), 全市 (the city's), 本单位 (a host unit)."""
    return {COUNTY_BUREAU: "全县", CITY_BUREAU: "全市"}.get(person.unit.kind, "本单位")


def platform_count(person: Person, accounts: list[Account], platform: str, scope: str | None = None) -> str:
    """The accounts of `platform` in use (正常, 变更中), by unit; those not in use (closed, being applied for) apart."""
    scope, noun = scope or scope_word(person), NOUNS.get(platform, platform)
    mine = [a for a in accounts if a.platform == platform]
    live = [a for a in mine if a.status in ACTIVE_STATUSES]
    if not live:
        lines = [f"{scope}目前没有在用的{noun}。"]
    elif not person.is_bureau_user:
        names = "、".join(a.name if a.unit_id == person.unit_id else f"{a.name}（{a.unit.name}）" for a in live)
        lines = [f"{scope}在用{noun} {len(live)} 个：{names}"]
    else:
        by_unit: dict[int, list[Account]] = {}
        for a in live:
            by_unit.setdefault(a.unit_id, []).append(a)
        lines = [f"{scope}在用{noun} {len(live)} 个（{len(by_unit)}个单位）："]
        lines += [f"· {rows[0].unit.name}：{'、'.join(a.name for a in rows)}" for rows in by_unit.values()]
    for label, rows in (("已注销、已关停的", [a for a in mine if a.status in CLOSED]),
                        ("申请中的", [a for a in mine if a.status not in CLOSED and a.status not in ACTIVE_STATUSES])):
        if rows:
            lines.append(f"另有{label}{noun} {len(rows)} 个，不计入：" + "、".join(
                f"{a.unit.name} {a.name}（{a.status}）" for a in rows))
    lines.append("回复「台账」看各平台的账号数，「台账 单位名」看一个单位的明细。" if person.is_bureau_user
                 else "回复「台账」看本单位全部账号的明细。")
    return "\n".join(lines)


def all_count(person: Person, accounts: list[Account]) -> str:
    """The accounts in use by platform, the closed ones counted apart (as 统计 counts 在用)."""
    scope = scope_word(person)
    live = [a for a in accounts if a.status in ACTIVE_STATUSES]
    platforms = Counter(a.platform for a in live)
    closed = sum(1 for a in accounts if a.status in CLOSED)
    applying = len(accounts) - len(live) - closed
    lines = [f"{scope}在用政务新媒体账号 {len(live)} 个（{len({a.unit_id for a in live})}个单位）"
             + ("：" + "、".join(f"{p}{platforms[p]}" for p in PLATFORMS if platforms[p]) if live else "")]
    apart = "、".join(part for part in (f"已注销、已关停 {closed} 个" if closed else "",
                                        f"申请中 {applying} 个" if applying else "") if part)
    if apart:
        lines.append(f"另有{apart}，不计入。")
    lines.append(f"回复「台账」看各单位的账号，问「{scope}有几个抖音号」看一个平台的。")
    return "\n".join(lines)
