"""台账 (the registry as a reply) and 导出台账 (the registry as an .xlsx file)."""
from __future__ import annotations

import difflib
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot import choices, clock, outbox
from bot.registry_xlsx import export_workbook
from bot.router import END, Context, Reask, Router
from handlers.approvals_rules import barred_from_opening
from handlers.oversight_util import OWN_UNIT_WORDS, abbreviated, county_asked, outside_scope_hint, own_unit_hint
from models.account import CANCELLED, PLATFORM_WORDS, PLATFORMS, REGISTRY_PENDING, STATUSES, SUSPENDED, Account
from models.org import ROLES, Person, Unit, subtree_ids, visible_host_units, visible_unit_ids

CLOSED = (CANCELLED, SUSPENDED)
NO_UPDATE = "暂无"
MAX_CHOICES = 9


def scope_accounts(session: Session, person: Person, unit_ids: list[int] | None = None, *,
                   with_history: bool = False) -> list[Account]:
    """Accounts the person may see (optionally only of some units), by unit then platform."""
    ids = visible_unit_ids(session, person)
    if unit_ids is not None:
        ids = [i for i in ids if i in set(unit_ids)]
    options = [selectinload(Account.unit), selectinload(Account.responsible)]
    if with_history:
        options.append(selectinload(Account.changes))
    rows = session.scalars(select(Account).where(Account.unit_id.in_(ids)).options(*options))
    order = {p: n for n, p in enumerate(PLATFORMS)}
    return sorted(rows, key=lambda a: (a.unit_id, a.status in CLOSED, order.get(a.platform, 99), a.id))


def find_units(units: list[Unit], query: str) -> list[Unit]:
    """Fuzzy unit lookup: exact name, then names ending with it (「教育局」: the bureau, not 教育局办公室), then names
    containing it, then close spellings."""
    query = query.strip()
    exact = [u for u in units if u.name == query]
    if exact:
        return exact
    ending = [u for u in units if u.name.endswith(query)]
    if ending:
        return ending
    contains = [u for u in units if query in u.name] or abbreviated(units, query)  # 「卫健局」
    if contains:
        return contains
    names = {u.name: u for u in units}
    # strict enough that 「靖宇县教育局」 does not find 抚松县教育局, loose enough for 「抚松教育局」
    return [names[n] for n in difflib.get_close_matches(query, list(names), n=5, cutoff=0.75)]


def registry_due(session: Session, accounts: list[Account], in_chat: bool = True) -> dict[int, str]:
    """Account id → 「截止…，还剩N个工作日（不含今天），完成后回复「已报送 N」」 for those of these accounts still to
    be filed in the national registry (第11条), as the unit's reminder words it. The unit that applied files it:
    for an account that has since moved to another host unit, the text names that unit instead. Not `in_chat`
    (the Excel file): the request's number instead of what to reply."""
    from handlers.approvals_after import due_text, pending_filings_of_accounts
    today, due = clock.today(), {}
    by_id = {a.id: a for a in accounts}
    for filing in pending_filings_of_accounts(session, sorted({a.unit_id for a in accounts})):
        if filing.account_id in due or filing.account_id not in by_id:  # soonest first: the first deadline shows
            continue
        own = filing.unit_id == by_id[filing.account_id].unit_id
        then = (f"完成后回复「已报送 {filing.request_id}」" if in_chat else f"第{filing.request_id}号申请") if own \
            else f"由原主办单位{filing.request.unit.name}报送（第{filing.request_id}号申请）"
        due[filing.account_id] = f"{due_text(filing.deadline, today, session)}，{then}"
    return due


def unit_reply(session: Session, unit: Unit, accounts: list[Account]) -> str:
    """unit_view with the 第11条 deadline of each account still to be filed in the national registry."""
    return unit_view(unit, accounts, registry_due(session, accounts))


def unit_view(unit: Unit, accounts: list[Account], due: dict[int, str] | None = None) -> str:
    """A unit's accounts with status, responsible person and latest update; `due`: account id → the national
    registry deadline (第11条), as the unit's reminder words it."""
    if not accounts:
        barred = barred_from_opening(unit.name, unit.is_classified, unit.is_internal)
        if barred:  # not invited to a request that is always refused
            return f"{unit.name} 在台账中没有账号。{barred}"
        return (f"{unit.name} 在台账中还没有账号。\n如需开设，回复「开设」提交申请；"
                "已有账号未登记的，请联系县政数局导入并补办备案。")
    barred = barred_from_opening(unit.name, unit.is_classified, unit.is_internal)
    lines = [f"{unit.name} 的政务新媒体（{len(accounts)}个）："]
    for n, a in enumerate(accounts, 1):
        flags = [a.status]
        if barred and a.status not in CLOSED:
            flags.append("不得开设（第8条），应注销或关停")
        elif a.awaits_retro_filing:
            flags.append("待补办备案")
        if a.registry_status == REGISTRY_PENDING:  # a cancelled or suspended account too: 第11条 is due until filed
            flags.append("全国系统待报送")
        who = a.responsible.name if a.responsible else "未指定"
        latest = a.last_update_on.isoformat() if a.last_update_on else NO_UPDATE
        lines.append(f"{n}. {a.name}｜{a.platform}｜{'，'.join(flags)}\n   负责人：{who}　最近更新：{latest}")
        if due and a.id in due:
            lines.append(f"   全国系统报送：{due[a.id]}")
    if barred and any(a.status not in CLOSED for a in accounts):
        what = "涉密单位" if unit.is_classified else "内设机构"
        lines.append(f"{unit.name}是{what}，按《办法》第8条不得开设政务新媒体，以上账号不能补办备案，"
                     "请申请注销或关停（回复「注销 账号名」或「关停 账号名」）。")
    elif any(a.awaits_retro_filing for a in accounts):
        lines.append("标「待补办备案」的账号请按第33条补办备案手续（回复「补办备案 账号名」）。")
    return "\n".join(lines)


def bureau_view(scope_name: str, units: list[Unit], accounts: list[Account]) -> str:
    """Counts by unit and platform for a bureau user's scope; compact enough for one message."""
    live = [a for a in accounts if a.status not in CLOSED]
    statuses = Counter(a.status for a in accounts)
    platforms = Counter(a.platform for a in live)
    by_unit: dict[int, Counter] = {}
    for a in live:
        by_unit.setdefault(a.unit_id, Counter())[a.platform] += 1
    closed = len(accounts) - len(live)
    # 在册 is what is still open; the closed ones are counted apart, so that the figures add up (the export has all)
    lines = [f"台账·{scope_name}（{clock.today().isoformat()}）",
             f"在册账号 {len(live)} 个，涉及 {len(by_unit)} 个单位" + (f"（另有已注销、已关停 {closed} 个，台账共"
                                                                 f" {len(accounts)} 个）" if closed else ""),
             "在册状态：" + (" ".join(f"{s}{statuses[s]}" for s in STATUSES if statuses[s] and s not in CLOSED) or "无")
             + ("；已关闭：" + " ".join(f"{s}{statuses[s]}" for s in STATUSES if statuses[s] and s in CLOSED)
                if closed else ""),
             "按平台：" + (" ".join(f"{p}{platforms[p]}" for p in PLATFORMS if platforms[p]) or "无")]
    barred = {u.id: u.name for u in units if u.is_classified or u.is_internal}
    retro = sum(1 for a in live if a.needs_retro_filing and a.unit_id not in barred)
    if retro:
        lines.append(f"待补办备案：{retro} 个（第33条）")
    held = Counter(barred[a.unit_id] for a in live if a.unit_id in barred)
    if held:  # 第8条: these are for closing, not for filing
        lines.append(f"涉密单位、内设机构名下的账号：{sum(held.values())} 个，按第8条应注销或关停："
                     + "、".join(f"{name}{count}个" for name, count in held.items()))
    lines.append("按单位：")
    for unit in units:
        counts = by_unit.get(unit.id)
        if counts:
            detail = "、".join(f"{p}{counts[p]}" for p in PLATFORMS if counts[p])
            lines.append(f"· {unit.name}：{detail}")
    # classified units and internal departments may not open accounts (第8条): not "missing" one
    empty = [u.name for u in units if u.id not in by_unit and not (u.is_classified or u.is_internal)]
    if empty:
        lines.append(f"暂无在册账号（{len(empty)}个单位）：{'、'.join(empty)}")
    lines.append("回复「台账 单位名」看单位明细，回复「导出台账」获取Excel文件。")
    return "\n".join(lines)

# The registry asked for in other words: 「我们单位有哪些账号」, 「查一下账号」, 「本单位的账号列表」, 「账号」
ACCOUNTS_ASKED = (r"(?:查一下|查查|查看|查询|看看|看一下|列出)?(?:我们?|咱们?)?(?:本?单位)?的?(?:都|一共|总共|现在)?有?"
                  r"(?:哪些|几个|多少|什么)?(?:政务)?(?:新媒体)?(?:账号|帐号)(?:列表|清单|名单|情况)?"
                  r"(?:都?有(?:哪些|几个|多少))?[？?。！!]*$"
                  # 「我们单位的账号都正常吗」, 「账号状态怎么样」: the registry gives each account's state
                  r"|(?:我们?|咱们?)?(?:本?单位)?的?(?:账号|帐号)(?:的)?(?:状态|情况)?(?:都)?(?:正常|没问题|有问题|怎么样|如何)"
                  r"(?:吗|么|吧|没有?)?[？?。！!]*$")

# Who answers for the accounts (第21条), or how many there are: the registry names them
# (「负责人是谁」, 「谁负责更新公众号」, 「我们有几个号」)
RESPONSIBLE_ASKED = (r"(?:我们?|本单位|单位)?的?(?:账号|帐号|号|公众号|抖音号|视频号|微博)?的?(?:负责人|联系人|专人)"
                     r"(?:是谁|都是谁|都有谁|有谁|是哪些人)[？?。]*$"
                     r"|(?:这周|本周)?(?:是)?谁(?:在)?负责(?:更新|发布|维护|运营|管理)?(?:这个|我们的?|本单位的?)?"
                     r"(?:" + "|".join(PLATFORM_WORDS) + r")?(?:号|账号|帐号)?[？?。]*$"
                     r"|(?:我们?|本单位|单位)?(?:一共|总共|现在)?有(?:几个|多少个?)(?:号|公众号)[？?。]*$")

# A unit's registry asked for by its name: 「教育局的台账」, 「教育局有几个账号」
# (「停更的账号有哪些」, 「有没有很久没发布的账号」 are 停更账号's)
UNIT_ACCOUNTS = (r"(?P<unit>(?:(?!没|未更新|不更新|停更|僵尸|本月|本周|今年|这个月|新开|新增)[^\s，,。？?]){2,20}?)"
                 r"(?:的|有)(?:哪些|几个|多少|什么)?(?:政务)?(?:新媒体)?(?:账号|帐号|台账|台帐|号|公众号)"
                 r"(?:情况|明细|列表|清单)?(?:有哪些|有几个|有多少)?[？?。]*$")


def register(router: Router) -> None:
    router.conversation("registry", title="查看台账")

    @router.command("台账", "台帐", "账号台账", "查看台账", roles=set(ROLES), help="查看本单位（或辖区）政务新媒体台账",
                    detail="单位用户：列出本单位的账号、状态、负责人和最近更新日期。\n"
                           "主管单位用户：按单位、平台统计辖区账号；「台账 单位名」查看某个单位的明细；"
                           "市政数局用户「台账 县名」查看一个县。\n"
                           "「导出台账」以Excel文件发送完整台账。")
    def show(ctx: Context):
        person, session = ctx.person, ctx.session
        if not person.is_bureau_user:
            if ctx.args and ctx.args not in person.unit.name and ctx.args not in OWN_UNIT_WORDS:
                ctx.reply(f"您只能查看本单位（{person.unit.name}）的台账。")
            ctx.reply(unit_reply(session, person.unit, scope_accounts(session, person, [person.unit_id])))
            return END
        units = visible_host_units(session, person)
        if not ctx.args:
            ctx.reply(bureau_view(person.unit.name, units, scope_accounts(session, person)))
            return END
        if ctx.args in OWN_UNIT_WORDS:
            ctx.reply(own_unit_hint(ctx, ctx.args) + "回复「台账」查看辖区全部单位。")
            return END
        county = county_asked(session, person, ctx.args)
        if county is not None:  # the city bureau asking for one county (「台账 靖宇县」, 「靖宇县有几个账号」)
            ids = subtree_ids(session, county.id)
            ctx.reply(bureau_view(county.name, [u for u in units if u.id in set(ids)],
                                  scope_accounts(session, person, ids)))
            return END
        found = find_units(units, ctx.args)
        if not found:
            ctx.reply(outside_scope_hint(ctx, ctx.args) or
                      f"在您的管辖范围内没有找到「{ctx.args[:20]}」。请回复「台账 单位名」，"
                      "单位名可以只写一部分，例如「台账 教育局」；回复「台账」查看全部单位。")
            return END
        if len(found) == 1:
            ctx.reply(unit_reply(session, found[0], scope_accounts(session, person, [found[0].id])))
            return END
        if len(found) > MAX_CHOICES:
            examples = "、".join(u.name for u in found[:3])
            ctx.reply(f"「{ctx.args[:20]}」匹配到 {len(found)} 个单位，请写得更具体一些，例如：{examples}。")
            return END
        ctx.data["unit_ids"] = [u.id for u in found]
        return "registry.unit"

    @router.pattern(ACCOUNTS_ASKED, roles=set(ROLES))
    def accounts_asked(ctx: Context):
        """「我们单位有哪些账号」, 「查一下账号」, 「账号列表」: the registry."""
        ctx.args = ""
        return show(ctx)

    @router.pattern(RESPONSIBLE_ASKED, roles=set(ROLES))
    def responsible_asked(ctx: Context):
        ctx.args = ""
        return show(ctx)

    @router.pattern(UNIT_ACCOUNTS, roles=set(ROLES))
    def unit_accounts(ctx: Context):
        ctx.args = ctx.match["unit"]
        return show(ctx)

    def unit_prompt(ctx: Context) -> str:
        names = [ctx.session.get(Unit, i).name for i in ctx.data["unit_ids"]]
        return choices.numbered(names, "找到多个单位，要查看哪一个？")

    @router.state("registry.unit", prompt=unit_prompt)
    def pick_unit(ctx: Context):
        units = [ctx.session.get(Unit, i) for i in ctx.data["unit_ids"]]
        unit = units[choices.pick(ctx.text, [u.name for u in units])]
        if unit.id not in visible_unit_ids(ctx.session, ctx.person):
            raise Reask("这个单位不在您的管辖范围内。")
        ctx.reply(unit_reply(ctx.session, unit, scope_accounts(ctx.session, ctx.person, [unit.id])))
        return END

    @router.command("导出台账", "导出台帐", "台账导出", "下载台账", roles=set(ROLES), help="把台账导出为Excel文件发给您",
                    detail="生成包含全部台账字段的Excel文件（单位用户为本单位，主管单位用户为辖区；"
                           "「导出台账 单位名」只导出一个单位，市政数局用户「导出台账 县名」只导出一个县），以文件消息发给您本人。")
    def export(ctx: Context):
        person, session = ctx.person, ctx.session
        county = county_asked(session, person, ctx.args) if ctx.args else None  # 「导出台账 靖宇」 from the city
        ids = subtree_ids(session, county.id) if county else None
        scope = (county or person.unit).name
        if ctx.args and county is None and person.is_bureau_user and ctx.args not in OWN_UNIT_WORDS:
            found = find_units(visible_host_units(session, person), ctx.args)  # 「导出台账 教育局」: that unit's
            if len(found) != 1:
                ctx.reply(outside_scope_hint(ctx, ctx.args) or
                          (f"「{ctx.args[:20]}」匹配到 {len(found)} 个单位：{'、'.join(u.name for u in found[:5])}。"
                           "请写得更具体一些" if found else f"在您的管辖范围内没有找到「{ctx.args[:20]}」")
                          + "；回复「导出台账」导出辖区全部账号。")
                return END
            ids, scope = [found[0].id], found[0].name
        accounts = scope_accounts(session, person, ids, with_history=True)
        if not accounts:
            whole = person.is_bureau_user and (ids is None or county is not None)
            ctx.reply(f"{scope}{'辖区' if whole else ''}的台账中还没有账号，没有可导出的内容。")
            return END
        title = f"政务新媒体台账_{scope}_{clock.today().strftime('%Y%m%d')}"
        due = registry_due(session, accounts, in_chat=False)
        outbox.push_file(session, person, f"{title}.xlsx", export_workbook(accounts, title, due))
        ctx.audit("registry.export", "account", None, after={"accounts": len(accounts), "scope": scope})
        ctx.reply(f"台账已生成，稍后以文件发送（{len(accounts)}个账号）。")
        return END
