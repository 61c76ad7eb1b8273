"""`变更 <账号>`, `注销/关停 <账号>` and `补办备案 <账号>` (第10、12、33条)."""
from __future__ import annotations

import copy
import difflib
import re

from sqlalchemy import select

from bot import clock
from bot.choices import digits_apart, number_said, numbered, pick
from bot.router import END, PASS, Context, Reask, Router
from handlers import approvals_chain as chain
from handlers import approvals_rules as rules
from handlers import approvals_takeover as takeover
from handlers import approvals_text as text
from models import org
from models.account import (ACTIVE_STATUSES, CANCELLED, PLATFORM_TYPOS, PLATFORM_WORDS, SUSPENDED, Account,
                            platform_misspelled, platform_named)
from handlers.approvals_oversight import draft_of_account
from models.approval import (CANCEL, CHANGE, CLOSE_REASONS, DRAFT, RETRO, RETURNED, SUSPEND, ApprovalRequest,
                             answered_for, open_request_for_account)
from models.org import Person, Unit

CHANGEABLE = [("name", "账号名称"), ("function", "账号功能"), ("url", "主页URL/下载URL"),
              ("platform_account_id", "平台账号ID"), ("responsible_name", "账号负责人"), ("contact", "联系电话"),
              ("operator", "第三方机构"), ("unit_name", "主办单位")]
# How clerks name the items of CHANGEABLE (「换负责人」, 「变更 抚松教育 电话」), longest first when one holds another
FIELD_WORDS = {"账号名称": "name", "名称": "name", "名字": "name", "账号功能": "function", "功能": "function",
               "主页URL": "url", "下载URL": "url", "下载地址": "url", "网址": "url", "链接": "url", "主页": "url",
               "平台账号ID": "platform_account_id", "账号ID": "platform_account_id",
               "账号负责人": "responsible_name", "负责人": "responsible_name",
               "联系电话": "contact", "电话": "contact", "手机号": "contact", "手机": "contact",
               "第三方机构": "operator", "运营机构": "operator", "第三方": "operator", "主办单位": "unit_name"}
_CHANGE_VERB = r"(?:我们?|单位)?(?:要|想|需要)?(?:更换|换|改|调整|更改)(?:一下|个)?"
CHANGE_INTENT = _CHANGE_VERB + r".*?(?:" + "|".join(sorted(FIELD_WORDS, key=len, reverse=True)) + ")"
_ACCOUNT_WORDS = "|".join(sorted({*PLATFORM_WORDS, "账号", "帐号", "号"}, key=len, reverse=True))
# The item to change said after the account: 「我们的公众号要改名字」, 「抖音号换个负责人」
CHANGE_SAID = (r"(?:我们?|本单位|单位)?的?(?P<platform>" + _ACCOUNT_WORDS + r")(?:号|账号)?(?:的)?(?:要|想|需要|得)?"
               r"(?:更换|换|改|调整|更改)(?:一下|个)?(?P<field>" + "|".join(sorted(FIELD_WORDS, key=len, reverse=True))
               + ")")
# The item named before the verb, with 把: 「我想把抚松教育公众号的负责人换成王局长」, 「帮我把负责人换一下」
CHANGE_BA = (r"(?:我们?|单位)?(?:要|想|需要|得)?(?:帮我|麻烦)?把(?P<account>[\u4e00-\u9fffA-Za-z0-9]{0,16}?)的?"
             r"(?P<field>" + "|".join(sorted(FIELD_WORDS, key=len, reverse=True)) + r")"
             r"(?:更换|换|改|调整|更改|变更)(?:成|为|到|一下|个)?.*$")
# The item, then the verb and the new value, perhaps after why: 「张三离职了，负责人换成曹磊」, 「公众号的电话改为139…」
CHANGE_TO = (r"(?:[^，,。；;]*[，,。；;]\s*)?(?:我们?|单位)?的?(?P<account>[\u4e00-\u9fffA-Za-z0-9]{0,16}?)的?"
             r"(?P<field>" + "|".join(sorted(FIELD_WORDS, key=len, reverse=True)) + r")"
             r"(?:要|想|需要|得)?(?:更换|换|改|调整|更改|变更)(?:成|为|到)\S+$")
# The responsible person gone (第21条): 「负责人离职了」, 「我调岗了，账号交给李娜」
HANDED_OVER = (r"(?:账号|号)?(?:的)?(?:负责人|管理员|小编|我)(?:已经?)?(?:离职|调岗|调走|退休|换人|不在了|走了|调动)"
               r"(?:了)?(?:[，,。\s].*)?$")
# Done with an account: 「抖音号不用了」, 「人社公众号早就不用了」, 「公众号想关掉」 — what can be applied for, not a guess
CLOSE_VERB = (r"(?:已经|早就|早已|早都|都|也|现在)?(?:不用了|不要了|不想要了|不想用了|想关掉|要关掉|想关了|关掉吧?|停掉吧?|"
              r"想停掉|不运营了|不维护了|没人管了|不想做了|不做了|停用了)[。！!]*$")
CLOSE_SAID = (r"(?:我们?|本单位|单位)?的?(?:这个|那个)?(?P<qualifier>[\u4e00-\u9fff]{0,6}?)(?P<platform>" + _ACCOUNT_WORDS
              + r")(?:号|账号)?(?:的)?" + CLOSE_VERB
              + r"|(?:我们?)?(?:要|想|需要)?(?:删除|删掉|删|销)(?:掉)?(?:这个|我们的?)?(?:账号|帐号|号)[。！!]*$")
# 「抚松公安不用了」: an account by its name, read so only when the name is one of the sender's accounts
CLOSE_NAMED = r"(?P<name>[\u4e00-\u9fffA-Za-z0-9]{2,16}?)" + CLOSE_VERB
CONFIRM = {CHANGE: "change.confirm", CANCEL: "close.confirm", SUSPEND: "close.confirm", RETRO: "retro.confirm"}


def confirm_state(kind: str) -> str:
    return CONFIRM[kind]


def snapshot(account: Account) -> dict:
    return {"name": account.name, "platform": account.platform, "function": account.function,
            "url": account.url, "platform_account_id": account.platform_account_id,
            "responsible_id": account.responsible_id,
            "responsible_name": account.responsible.name if account.responsible else None,
            "contact": account.contact, "operator": account.operator, "unit_name": account.unit.name}


def candidates(ctx: Context, kind: str, *, suspended: bool = False) -> list[Account]:
    """The accounts in the sender's scope a request of `kind` may be about; `suspended`: 已关停 ones too (a suspended
    account may still be cancelled for good, 第10条)."""
    ids = org.visible_unit_ids(ctx.session, ctx.person)
    stmt = select(Account).where(Account.unit_id.in_(ids)).order_by(Account.unit_id, Account.id)
    if kind == RETRO:
        stmt = stmt.where(Account.needs_retro_filing.is_(True), Account.status.not_in((CANCELLED, SUSPENDED)))
    else:  # 变更中 too: naming an account with a change in hand is answered with that request, not skipped
        stmt = stmt.where(Account.status.in_((*ACTIVE_STATUSES, *((SUSPENDED,) if suspended else ()))))
    return list(ctx.session.scalars(stmt))


def label(account: Account) -> str:
    state = "，已关停" if account.status == SUSPENDED else ""
    return f"{account.name}（{account.platform}，{account.unit.name}{state}）"


def match(accounts: list[Account], query: str) -> list[Account]:
    """Exact name; else every word of the query in the label; else the platform the query names (「抖音号」,
    「教育局的公众号」); else close names (typos)."""
    query = query.strip()
    exact = [a for a in accounts if a.name == query]
    words = query.split()
    within = [a for a in accounts if all(w in label(a) for w in words)]
    if exact and len(words) == 1:
        return exact
    if within:
        return within
    on_platform = by_platform(accounts, query)
    if on_platform:
        return on_platform
    names = difflib.get_close_matches(words[0] if words else query, [a.name for a in accounts], n=5, cutoff=0.6)
    return [a for a in accounts if a.name in names]


def by_platform(accounts: list[Account], query: str) -> list[Account]:
    """The accounts on the platform the query names whose label holds the query's other words."""
    platform = platform_named(query)
    if platform is None:
        return []
    for word in sorted(PLATFORM_WORDS, key=len, reverse=True):
        query = query.replace(word, " ")
    rest = re.sub(r"(?:账号|帐号|号)(?=\s|$)|[\s的、，,]+", " ", query).split()
    return [a for a in accounts if a.platform == platform and all(w in label(a) for w in rest)]


def fields_named(text: str) -> tuple[list[str], str]:
    """The items of CHANGEABLE a text names (in the form's order), and the text without them."""
    keys, rest = set(), text
    for word in sorted(FIELD_WORDS, key=len, reverse=True):
        if word in rest:
            keys.add(FIELD_WORDS[word])
            rest = rest.replace(word, " ")
    return [key for key, _ in CHANGEABLE if key in keys], re.sub(r"[\s的和、，,]+", " ", rest).strip()


def start_changes(ctx: Context, keys: list[str]) -> str:
    """Ask the new value of each chosen item in turn; 上一步 from the first goes back to the list of items."""
    ctx.answered = ("change.fields", copy.deepcopy(ctx.data))
    ctx.data["queue"] = keys
    if ctx.data.get("changes"):  # chosen again after 修改
        ctx.data["earlier"] = ctx.data["changes"]
    if "unit_name" not in keys:
        ctx.data.pop("announcement", None)
    ctx.data["changes"] = {}
    ctx.data.pop("new_unit_id", None)
    ctx.data.pop("new_responsible_id", None)
    ctx.data.pop("contact_follows", None)
    return "change.value"


# After the command's word, something said done (「注销公告已经发了」, 「注销的事办完了」, 「注销手续国家系统也弄好了」)
DONE_SAID = re.compile(r".*(?:了|完成|办完|办好|弄好|搞定|发布)[。！!～~]*")
RECENT = 3
MAX_BARRED = 5  # accounts 补办备案 explains it may not file (第8条), in one reply


def done_said(ctx: Context, kind: str):
    """Where the asker's requests of this kind stand, and what (if anything) is left to tell the bot."""
    from handlers.approvals_mine import where, with_filings
    rows = with_filings(ctx, select(ApprovalRequest).where(
        answered_for(ctx.session, ctx.person), ApprovalRequest.kind == kind, ApprovalRequest.status != DRAFT)
        .order_by(ApprovalRequest.id.desc()).limit(RECENT))
    lines = [f"没有开始新的{kind}申请。"]
    if rows:
        lines.append(f"您最近的{kind}申请：")
        lines += [f"· 第{r.id}号 {r.title} — {where(r, filing)}" for r, filing in rows]
    lines.append(f"注销、关停的公告（第12条）发布后不需要告诉助手。要办理新的{kind}，请回复「{kind} 账号名称」。")
    ctx.reply("\n".join(lines))
    return END


def begin(ctx: Context, kind: str, prefix: str):
    """Find the account named after the command; numbered choices when several fit. For a change, items named
    with it (「变更 抚松教育 负责人」) are asked straight away."""
    accounts = candidates(ctx, kind, suspended=kind == CANCEL)
    what = "需要补办备案的账号" if kind == RETRO else "可以注销的账号" if kind == CANCEL \
        else "可以办理的正常账号"
    if not accounts:
        how = ("补办备案用于县政数局已导入台账、还没有审批记录的账号。以前开设、但不在台账里的账号（回复「台账」核对），"
               "请联系县政数局导入台账后再补办备案。") if kind == RETRO else ""
        ctx.reply(f"您可以查看的范围内没有{what}。{how}")
        return END
    if kind == RETRO and all(rules.retro_barred(a) for a in accounts):  # 第8条: to be closed, not filed
        ctx.reply("\n".join(rules.retro_barred(a) for a in accounts[:MAX_BARRED]))
        return END
    preset, named_account = fields_named(ctx.args) if kind == CHANGE else ([], ctx.args)
    if preset:
        ctx.args = named_account
    found = match(accounts, ctx.args) if ctx.args else accounts
    ctx.data = {"kind": kind, **({"preset": preset} if preset else {})}
    if len(found) == 1:  # named, or the only one: said, since the next question does not name it
        ctx.reply(f"账号：{label(found[0])}")
        return chosen(ctx, found[0], prefix)
    # 「注销公告已经发了」: news of a closure under way, not a new one (a change's words name what to change)
    if not found and kind in (CANCEL, SUSPEND) and DONE_SAID.fullmatch(ctx.args):
        return done_said(ctx, kind)
    if not found and (meant := platform_misspelled(ctx.args)):  # 「注销 公重号」: offered, never taken silently
        typo = next(typo for typo in PLATFORM_TYPOS if typo in ctx.args)
        found = match(accounts, ctx.args.replace(typo, meant))
        if found:
            ctx.reply(f"没有找到名称像「{ctx.args[:20]}」的{what}。您是说「{meant}」吗？")
    if not found:
        ctx.reply(f"没有找到名称像「{ctx.args[:20]}」的{what}。")
        found = accounts
    if kind == RETRO and len(found) > 1:  # the ones 第8条 bars are told at the choice, not offered
        found = [a for a in found if not rules.retro_barred(a)] or found
        if len(found) == 1:
            ctx.reply(f"账号：{label(found[0])}")
            return chosen(ctx, found[0], prefix)
    ctx.data["account_ids"] = [a.id for a in found[:20]]
    return f"{prefix}.account"


def chosen(ctx: Context, account: Account, prefix: str):
    refusal = rules.filing_refusal(ctx.session, ctx.person, account.unit)
    if ctx.data.get("kind") == RETRO:
        refusal = refusal or rules.retro_barred(account)
    if refusal:
        ctx.reply(refusal)
        return END
    pending = open_request_for_account(ctx.session, account.id)
    if pending is not None:
        ctx.reply(f"账号「{account.name}」已有一件在办的申请（第{pending.id}号，{pending.status}），"
                  f"请等它办结，或先「撤回 {pending.id}」。")
        return END
    draft = draft_of_account(ctx.session, account.id)
    if draft is not None and ctx.data.get("kind") == draft.kind:
        ctx.reply(f"账号「{account.name}」已有一份{draft.kind}申请草稿（第{draft.id}号），请核对后提交。")
        ctx.data = load(draft)
        return CONFIRM[draft.kind]
    ctx.data.update({"account_id": account.id, "unit_id": account.unit_id, "form": snapshot(account)})
    ctx.data.pop("account_ids", None)
    preset = ctx.data.pop("preset", None)
    if prefix == "change" and preset:
        return start_changes(ctx, preset)
    if prefix == "retro" and account.responsible_id is None:  # 第21条: a named person answers for it
        return "retro.responsible"
    return {"change": "change.fields", "close": "close.reason", "retro": "retro.confirm"}[prefix]


def account_prompt(ctx: Context) -> str:
    accounts = [ctx.session.get(Account, i) for i in ctx.data.get("account_ids", [])]
    return numbered([label(a) for a in accounts], "请选择账号：")


def pick_account(ctx: Context, prefix: str):
    accounts = [ctx.session.get(Account, i) for i in ctx.data.get("account_ids", [])]
    return chosen(ctx, accounts[pick(ctx.text, [label(a) for a in accounts])], prefix)


def save(ctx: Context) -> ApprovalRequest | None:
    data = ctx.data
    if data.get("request_id"):
        req = chain.lock(ctx.session, data["request_id"])
        if req is not None and req.status == DRAFT and rules.filing_refusal(ctx.session, ctx.person, req.unit) is None:
            req.applicant_id = ctx.person.id  # whoever completes a drafted request files it
        elif req is None or req.status != RETURNED:
            ctx.reply(f"第{data['request_id']}号申请已不是「已退回」或「草稿」状态，不能再修改提交。")
            return None
        elif refused := takeover.refusal(ctx.session, ctx.person, req, "修改"):
            ctx.reply(refused)
            return None
        else:
            takeover.take_over(ctx, req)
    else:
        req = ApprovalRequest(kind=data["kind"], unit_id=data["unit_id"], applicant_id=ctx.person.id,
                              account_id=data["account_id"], created_at=clock.now())
        ctx.session.add(req)
    form = dict(data["form"])
    if data.get("new_responsible_id"):
        form["responsible_id"] = data["new_responsible_id"]
    if data.get("new_unit_id"):
        form["unit_id"] = data["new_unit_id"]
    req.form, req.changes = form, data.get("changes") or None
    req.reason_kind, req.reason = data.get("reason_kind"), data.get("reason")
    req.announcement = data.get("announcement")
    ctx.session.flush()
    return req


def submit(ctx: Context):
    if "unit_name" in (ctx.data.get("changes") or {}):  # checked again: another request may have come in meanwhile
        new_unit, platform = ctx.session.get(Unit, ctx.data["new_unit_id"]), ctx.data["form"]["platform"]
        try:
            rules.check_one_per_platform(ctx.session, new_unit, platform, ctx.data.get("request_id"))
        except rules.Refused as refused:
            raise Reask(f"{refused}\n申请未提交。请回复「修改」重新选择变更内容，或回复「取消」。") from None
    req = save(ctx)
    if req is None:
        return END
    chain.submit(ctx.session, req, ctx.person, ctx.inbound.dedupe_key)
    ctx.reply(f"已提交第{req.id}号{req.kind}申请，当前环节：{req.status}。审批进展会随时通知您。\n"
              f"回复「查看 {req.id}」查看，「撤回 {req.id}」撤回。")
    return END


def load(req: ApprovalRequest) -> dict:
    form = snapshot(req.account)
    if req.kind == RETRO and form["responsible_id"] is None:  # the 专人 the 补办备案 named (第21条)
        form.update({k: req.form.get(k) for k in ("responsible_id", "responsible_name")})
    return {"kind": req.kind, "account_id": req.account_id, "unit_id": req.unit_id,
            "form": form, "changes": req.changes or {}, "reason_kind": req.reason_kind,
            "reason": req.reason, "announcement": req.announcement, "request_id": req.id,
            "new_responsible_id": req.form.get("responsible_id") if "responsible_name" in (req.changes or {}) else None,
            "new_unit_id": req.form.get("unit_id")}


def summary(ctx: Context) -> list[str]:
    unit = ctx.session.get(Unit, ctx.data["unit_id"])
    bureau = unit.supervising_bureau()
    return text.form_lines(ctx.data["form"], unit.name, bureau.name if bureau else "")


def register(router: Router) -> None:
    from handlers import approvals_change_states
    router.conversation("change", title="变更申请", summary=lambda d: d.get("form", {}).get("name", ""),
                        cancelled=text.left_unchanged, kept_on_cancel=True)
    router.conversation("close", title="注销/关停申请", summary=lambda d: d.get("form", {}).get("name", ""),
                        cancelled=text.left_unchanged, kept_on_cancel=True)
    router.conversation("retro", title="补办备案", summary=lambda d: d.get("form", {}).get("name", ""),
                        cancelled=text.left_unchanged, kept_on_cancel=True)

    @router.command("变更", "申请变更", "变更账号", help="申请变更账号信息（如「变更 抚松教育」）",
                    detail=f"选择账号和要变更的项目（{'、'.join(n for _, n in CHANGEABLE)}），"
                           "填写新内容和变更原因，核对后提交。「变更 抚松教育 负责人」可直接从这一项开始。" + text.FLOW_HELP)
    def change(ctx: Context):
        return begin(ctx, CHANGE, "change")

    @router.pattern(CHANGE_INTENT)
    def change_by_intent(ctx: Context):
        """「换负责人」, 「更换抚松教育的联系电话」: a change of those items (of that account)."""
        ctx.args = re.sub(_CHANGE_VERB, "", ctx.text, count=1)
        return begin(ctx, CHANGE, "change")

    @router.pattern(CHANGE_SAID)
    def change_said(ctx: Context):
        """「我们的公众号要改名字」: that item of the account named by its platform."""
        platform = ctx.match["platform"]
        ctx.args = f"{platform if platform not in ('账号', '帐号', '号') else ''} {ctx.match['field']}".strip()
        return begin(ctx, CHANGE, "change")

    @router.pattern(CHANGE_TO)  # registered second (decorators apply bottom-up): a sentence with 把 is CHANGE_BA's
    @router.pattern(CHANGE_BA)
    def change_ba(ctx: Context):
        """「把抚松教育公众号的负责人换成王局长」: that item of that account (the new value is asked for)."""
        ctx.args = f"{ctx.match['account']} {ctx.match['field']}".strip()
        return begin(ctx, CHANGE, "change")

    @router.pattern(HANDED_OVER)
    def handed_over(ctx: Context):
        """「负责人离职了」: a change of the responsible person (第21条), the account asked for."""
        ctx.args = "负责人"
        return begin(ctx, CHANGE, "change")

    @router.pattern(CLOSE_SAID)
    def close_said(ctx: Context):
        platform = ctx.match["platform"] if ctx.match["platform"] not in (None, "账号", "帐号", "号") else ""
        named = f"{ctx.match['qualifier'] or ''}{platform}" if platform else ""
        ctx.reply(close_advice(ctx, match(candidates(ctx, CANCEL), named) if named else [], platform))

    @router.pattern(CLOSE_NAMED, guess=True)
    def close_named(ctx: Context):
        accounts = [a for a in candidates(ctx, CANCEL) if a.name == ctx.match["name"].strip()]
        if not accounts:
            return PASS
        ctx.reply(close_advice(ctx, accounts, ""))

    @router.command("注销", "申请注销", "注销账号", help="申请注销账号（如「注销 抚松教育」）",
                    detail=f"选择账号，选择原因（{'、'.join(CLOSE_REASONS)}），核对后提交。"
                           + text.FLOW_HELP)
    def cancel(ctx: Context):
        return begin(ctx, CANCEL, "close")

    @router.command("关停", "申请关停", "关停账号", help="申请关停账号（如「关停 抚松教育」）",
                    detail=f"选择账号，选择原因（{'、'.join(CLOSE_REASONS)}），核对后提交。"
                           "长期不更新（超过三个月）的“僵尸”账号必须关停（第15条）。"
                           + text.FLOW_HELP)
    def suspend(ctx: Context):
        return begin(ctx, SUSPEND, "close")

    @router.command("补办备案", "补充备案", help="为已有账号补办备案（第33条）",
                    detail="《办法》施行前已开设的账号须补办备案（第33条）：选择台账中的账号，核对信息后提交。"
                           + text.FLOW_HELP)
    def retro(ctx: Context):
        return begin(ctx, RETRO, "retro")

    for prefix in ("change", "close", "retro"):
        @router.state(f"{prefix}.account", prompt=account_prompt)
        def which(ctx: Context, prefix=prefix):
            return pick_account(ctx, prefix)

    approvals_change_states.register(router)


def close_advice(ctx: Context, accounts: list[Account], platform: str) -> str:
    """What to do with an account no longer used: the drafted 注销 the bureau already made for it (第15条, 停更认定),
    else 注销 or 关停, both approved."""
    # 「这个号不用了」 names no account: the unit's drafted closings are what the sentence most likely means
    pool = accounts or [a for a in candidates(ctx, CANCEL) if a.unit_id == ctx.person.unit_id]
    drafts = [(a, draft) for a in pool
              if (draft := draft_of_account(ctx.session, a.id)) is not None and draft.kind in (CANCEL, SUSPEND)]
    if drafts:
        return "\n".join(f"「{a.name}」（{a.platform}）已有一份{draft.kind}申请草稿（第{draft.id}号）："
                         f"回复「{draft.kind} {a.name} {a.platform}」核对后提交，提交后按审批流程办理。"
                         for a, draft in drafts)
    which = f" {platform}" if platform else f" {accounts[0].name}" if accounts else " 账号名称"
    return (f"不再使用的账号可以申请注销（彻底注销，回复「注销{which}」）或关停（暂停使用，回复「关停{which}」），"
            "都需要审批。长期不更新（超过三个月）的账号按《办法》第15条必须关停。")


def parse_numbers(answer: str, count: int) -> list[int]:
    """「1 3」「1、3」「①③」「第二项」: the numbers of the items chosen (circled digits each a number of its own)."""
    one = number_said(answer)
    numbers = [one] if one is not None else [int(n) for n in re.findall(r"\d+", digits_apart(answer))]
    if not numbers:
        raise Reask("请回复要修改项目的序号（可以多选，例如「1 3」），或写项目名称，例如「负责人 电话」。")
    bad = [n for n in numbers if not 1 <= n <= count]
    if bad:
        raise Reask(f"没有第{bad[0]}项，请回复 1 到 {count} 之间的序号。")
    return list(dict.fromkeys(n - 1 for n in numbers))


def host_units_nearby(ctx: Context) -> list[Unit]:
    """Host units under the same supervising bureau, except the account's own and those that may not
    host an account at all (classified units, internal departments: 第8条)."""
    unit = ctx.session.get(Unit, ctx.data["unit_id"])
    bureau = unit.supervising_bureau()
    ids = org.subtree_ids(ctx.session, bureau.id) if bureau else [unit.id]
    return list(ctx.session.scalars(select(Unit).where(Unit.id.in_(ids), Unit.kind == org.HOST_UNIT,
                                                       Unit.active, Unit.id != unit.id,
                                                       Unit.is_classified.is_(False), Unit.is_internal.is_(False))
                                    .order_by(Unit.id)))


def unit_people(ctx: Context) -> list[Person]:
    return list(ctx.session.scalars(select(Person).where(Person.unit_id == ctx.data["unit_id"], Person.active)
                                    .order_by(Person.id)))


SELF_WORDS = ("我", "我自己", "自己", "本人", "是我", "我来", "我负责")


def pick_person(ctx: Context, answer: str, people: list[Person]) -> Person:
    """The person chosen from the numbered list: by number or name, or 「我」/「本人」 for the sender himself."""
    if answer.strip().rstrip("。.！!") in SELF_WORDS:
        if ctx.person in people:
            return ctx.person
        raise Reask(f"您不是{people[0].unit.name if people else '本单位'}的人员，请从下面选择。")
    try:
        return people[pick(answer, [p.name for p in people])]
    except Reask as wrong:  # 「新来的小李，还没在名单里」, 「都不是」: no way forward without saying how
        raise Reask(f"{wrong.hint}\n负责人须是本单位在通讯录中的人员（第21条）。名单里没有的（如新来的同事），请联系县政数局"
                    "把他加入通讯录后再办理；现在可以先选一位，以后用「变更」更换，或回复「取消」。") from None

