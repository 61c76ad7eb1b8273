"""`开设`: the opening request (附件2), one question at a time, checked against 第8/9/13条."""
from __future__ import annotations

import copy
import re

from sqlalchemy import select

from bot import clock
from bot.choices import edit_request, named, numbered, pick, yes
from bot.router import END, Context, Reask, Router, cancel_offer, dialogue_only
from handlers import approvals_chain as chain
from handlers import approvals_rules as rules
from handlers import approvals_takeover as takeover
from handlers import approvals_text as text
from handlers.approvals_change import pick_person
from models import org
from models.account import PLATFORM_TYPOS, PLATFORM_WORDS, PLATFORMS, platform_misspelled, platform_named
from models.approval import OPEN, RETURNED, ApprovalRequest
from models.org import Person, Unit

ORDER = ["open.platform", "open.name", "open.function", "open.url", "open.pid", "open.responsible",
         "open.contact", "open.operator", "open.reason", "open.rules", "open.confirm"]
DATA_KEY = {"open.platform": "platform", "open.name": "name", "open.function": "function", "open.url": "url",
            "open.pid": "platform_account_id", "open.responsible": "responsible_id", "open.contact": "contact",
            "open.operator": "operator", "open.reason": "reason", "open.rules": "rules_submitted"}
EDITABLE = [("账号类型", "open.platform"), ("账号名称", "open.name"), ("账号功能", "open.function"),
            ("主页URL/下载URL", "open.url"), ("平台账号ID", "open.pid"), ("账号负责人", "open.responsible"),
            ("联系电话", "open.contact"), ("第三方机构", "open.operator"), ("开设理由", "open.reason")]
LABELS = [name for name, _ in EDITABLE]
EDIT_ALIASES = {"网址": "主页URL/下载URL", "链接": "主页URL/下载URL", "地址": "主页URL/下载URL", "手机": "联系电话",
                "名字": "账号名称", "平台": "账号类型", "运营": "第三方机构"}
FORM_KEYS = ("platform", "name", "function", "url", "platform_account_id", "responsible_id", "responsible_name",
             "contact", "operator", "name_warning")

# A sentence typed at the form instead of 确认 or 修改 (「家长需要及时了解…」): the items it may be a new answer for
PLACES = ["开设理由", "账号功能", "账号名称", "第三方机构"]
PLACE_KEYS = {"开设理由": "reason", "账号功能": "function", "第三方机构": "operator"}
PLACE_CHECKS = {"开设理由": rules.check_reason, "账号功能": rules.check_function, "第三方机构": rules.check_operator}
PLACED_MIN_CHARS = 6
QUESTION = re.compile(r"[？?]|吗|呢$|怎么|什么|啥|为什么|能不能|可不可以")
ASSENT = re.compile(r"没问题|就这样|确认|确定|提交|可以了|没错|不改|不用改|对的|都对")  # about the form, not an answer


OPEN_INTENT = (r"(?:我们?|咱们?|本单位)?(?:单位|局|中心|镇)?(?:想|要|想要|需要|准备|打算|帮我)?"  # 「申请一个公众号」: 申请 alone
               r"(?:(?:申请)?(?:开设|开通|开个|开一个|新开|新建|注册|建个|建一个|开)|申请|要个|弄个|搞个)(?:一个|个)?(?:新的?)?"
               r"(?P<platform>" + "|".join([*PLATFORM_WORDS, *PLATFORM_TYPOS]) + r")")  # (a typo: offered, see start)


# 附件2's 「主办责任的相关保障制度」, as the regulation names them (第16、21、22条)
RULES_MEANT = ("保障制度指本单位为政务新媒体建立的信息发布审核制度（第16条）、专人负责制度（第21条）和安全管理、保密审查制度、"
               "应急预案（第22条）。")
RULES_GIVEN = re.compile(r"(?:已经?|都)?(?:提交|交|报|报送|附上|上传)(?:过)?了?(?:的)?|有(?:的)?|已有|提交过|交过了?")
RULES_NOT_GIVEN = re.compile(r"(?:还)?(?:没有?|未)(?:提交|交|报|报送|准备|附上)?(?:呢|了)?|还没|暂时没有|无")


def applies(state: str, data: dict) -> bool:
    fields = rules.PLATFORM_FIELDS.get(data.get("platform", ""), (None, False, None, False))
    if state == "open.url":
        return fields[0] is not None
    if state == "open.pid":
        return fields[2] is not None
    return True


def after(ctx: Context, state: str) -> str:
    """The next question; while editing, the first unanswered one or straight back to the form."""
    if ctx.data.get("editing"):
        for candidate in ORDER[:-1]:
            if applies(candidate, ctx.data) and DATA_KEY[candidate] not in ctx.data:
                return candidate
        return "open.confirm"
    for candidate in ORDER[ORDER.index(state) + 1:]:
        if applies(candidate, ctx.data):
            return candidate
    return "open.confirm"


def unit_of(ctx: Context) -> Unit:
    return ctx.session.get(Unit, ctx.data["unit_id"])


def unit_people(ctx: Context) -> list[Person]:
    return list(ctx.session.scalars(select(Person).where(Person.unit_id == ctx.data["unit_id"], Person.active)
                                    .order_by(Person.id)))


def form_text(ctx: Context) -> str:
    unit = unit_of(ctx)
    bureau = unit.supervising_bureau()
    data = {**ctx.data, "registry_code": unit.registry_code}
    lines = ["请核对开设申请（附件2）：", *text.form_lines(data, unit.name, bureau.name if bureau else ""),
             text.reason_line(OPEN, None, ctx.data.get("reason")), "已同时提交主办责任保障制度：是"]
    if ctx.data.get("name_warning"):
        lines.append("第9条提示：申请人已确认名称")
    lines.append(f"回复「确认」提交，「修改」修改某一项，{cancel_offer(ctx)}。")
    return "\n".join(lines)


def platform_field(ctx: Context, label: str, required: bool, check):
    """The answer for a per-platform field (link or platform id): 「无」 where it is optional, else checked."""
    if rules.skipped(ctx.text):
        if required:
            platform = ctx.data["platform"]
            raise Reask(f"{platform}账号必须填写{label}（审批表和国办登记都要用）。如果账号还没有注册，请先在{platform}上"
                        f"注册（注册后暂不发布内容），取得{label}后再回复；也可以回复{cancel_offer(ctx)}，以后再接着申请。")
        return None
    return check(ctx.text, ctx.data["platform"])


def opening_summary(data: dict) -> str:
    """What a kept 开设 draft holds, as the 取消 and timeout notices say it: the platform, then the name once given;
    "" before either (a clerk's 开设 left at its first question keeps nothing — it said 「已填写的内容已保存：账号类型：
    （未选）」 and offered 继续)."""
    said = [f"{label}：{data[key]}" for key, label in (("platform", "账号类型"), ("name", "账号名称")) if data.get(key)]
    return "，".join(said)


def register(router: Router) -> None:
    router.conversation("open", title="开设申请", summary=opening_summary,
                        cancelled=text.left_unchanged, kept_on_cancel=True)

    @router.command("开设", "申请开设", "新开账号", "开设账号", "开通账号", "新建账号", "开号", "开个号", "开新号",
                    help="申请开设政务新媒体账号", withheld=rules.opening_withheld,
                    detail=f"逐项填写审批表（附件2）：账号类型（{'、'.join(PLATFORMS[:-1])}等）、名称、功能、主页URL、"
                           "平台账号ID、账号负责人和联系电话、"
                           "第三方运营机构、开设理由，以及本单位是否已提交保障制度；最后核对全表再提交。\n"
                           "每个单位在同一平台只能开设一个账号（第13条），涉密单位和内设机构不得开设（第8条）。"
                           + text.FLOW_HELP)
    def start(ctx: Context):
        person = ctx.person
        if rules.may_file_for_others(person) and person.unit.is_bureau:
            if not host_units(ctx)[0]:  # an empty numbered list would be a dead end
                ctx.reply(f"{person.unit.name}辖区的通讯录中还没有可以开设账号的主办单位"
                          "（涉密单位和内设机构按第8条不得开设），无法代为申请。请先用「flask --app bot org import」"
                          "导入单位，或联系系统管理员。")
                return END
            ctx.data = {}
            return "open.unit"
        state = begin(ctx, person.unit)
        platform = platform_named(ctx.args)
        if state == "open.platform" and platform is None:
            offer_platform(ctx, ctx.args)  # 「开设 抖因」
        if state != "open.platform" or platform is None:
            return state
        asked = copy.deepcopy(ctx.data)
        try:  # 「开设 抖音」: the platform is the first answer
            state = choose_platform(ctx, platform)
            ctx.answered = ("open.platform", asked)
            ctx.reply(f"好的，申请开设{platform}账号（选错了可以回复「上一步」重新选择）。")
            return state
        except Reask as refused:
            ctx.reply(refused.hint)
            return state

    @router.pattern(OPEN_INTENT)
    def start_by_intent(ctx: Context):
        """「我要开个快手号」, 「帮我开通抖音」: an opening request on that platform."""
        ctx.args = ctx.match.group("platform")
        return start(ctx)

    def begin(ctx: Context, unit: Unit):
        refusal = rules.filing_refusal(ctx.session, ctx.person, unit)
        if refusal:
            ctx.reply(refusal)
            return END
        try:
            rules.check_unit_may_open(unit)
        except rules.Refused as refused:
            ctx.reply(str(refused))
            return END
        ctx.data = {"unit_id": unit.id}
        return "open.platform"

    def host_units(ctx: Context) -> tuple[list[Unit], list[Unit]]:
        """(the units in scope that may open accounts, those that may not: 涉密单位 and 内设机构, 第8条)."""
        units = org.visible_host_units(ctx.session, ctx.person)
        barred = [u for u in units if u.is_classified or u.is_internal]
        return [u for u in units if u not in barred], barred

    def unit_prompt(ctx: Context) -> str:
        units, barred = host_units(ctx)
        left_out = "\n（涉密单位和内设机构按第8条不得开设，不在列表中。）" if barred else ""
        return numbered([u.name for u in units], "替哪个单位申请开设？") + left_out

    @router.state("open.unit", prompt=unit_prompt)
    def choose_unit(ctx: Context):
        units, barred = host_units(ctx)
        try:
            chosen = units[pick(ctx.text, [u.name for u in units])]
        except Reask as wrong:
            raise Reask(barred_reason(barred, ctx.text) or wrong.hint) from None
        return begin(ctx, chosen)

    def barred_reason(barred: list[Unit], answer: str) -> str | None:
        """Why the unit left out of the list that `answer` names may not open (第8条), else None."""
        text = answer.strip()
        named = [u for u in barred if u.name == text] or [u for u in barred if text and text in u.name]
        if len(named) != 1:
            return None
        try:
            rules.check_unit_may_open(named[0])
        except rules.Refused as refused:
            return f"{refused}\n请从列表中选择单位，或回复「取消」。"
        return None

    @router.state("open.platform", prompt=lambda ctx: numbered(PLATFORMS, "请选择账号类型："))
    def platform(ctx: Context):
        guess = ctx.data.pop("platform_guess", None)
        if guess and yes(ctx.text) is not None:  # the answer to 「您是说「抖音」吗？」
            if yes(ctx.text):
                return choose_platform(ctx, guess)
            raise Reask("好的，请从下面的列表中选择账号类型（回复序号）。")
        try:
            return choose_platform(ctx, PLATFORMS[pick(ctx.text, PLATFORMS, loose=True)])
        except Reask:
            if not offer_platform(ctx, ctx.text):
                raise
            return None

    def offer_platform(ctx: Context, said: str) -> bool:
        """A mistyped platform (「抖因」): ask whether the likely one was meant, keeping the question open."""
        meant = platform_misspelled(said)
        if meant is None:
            return False
        ctx.data["platform_guess"] = meant
        ctx.reply(f"您是说「{meant}」吗？回复「是」申请开设{meant}账号，或回复序号选择其他类型。")
        return True

    def choose_platform(ctx: Context, chosen: str) -> str:
        try:
            rules.check_one_per_platform(ctx.session, unit_of(ctx), chosen, ctx.data.get("request_id"))
        except rules.Refused as refused:
            raise Reask(f"{refused}\n请选择其他平台，或回复「取消」。") from None
        if chosen != ctx.data.get("platform"):
            ctx.data.pop("url", None)
            ctx.data.pop("platform_account_id", None)
        ctx.data["platform"] = chosen
        return after(ctx, "open.platform")

    @router.state("open.name", prompt="请输入账号名称（与平台上显示的名称一致）：")
    def name(ctx: Context):
        return take_name(ctx, rules.check_name(ctx.text))

    def take_name(ctx: Context, value: str):
        warning = rules.name_warning(ctx.session, unit_of(ctx), value, ctx.data["platform"])
        if warning and ctx.data.get("name_ack") != value:
            ctx.data["pending_name"], ctx.data["pending_warning"] = value, warning
            return "open.name_ack"
        ctx.data["name"] = value
        ctx.data.pop("name_warning", None)
        return after(ctx, "open.name")

    @router.state("open.name_ack", prompt=lambda ctx: f"{ctx.data.get('pending_warning', '')}\n"
                  f"回复「确认」仍使用「{ctx.data.get('pending_name', '')}」，或直接输入新的账号名称。")
    def name_ack(ctx: Context):
        if yes(ctx.text):
            ctx.data["name"] = ctx.data["name_ack"] = ctx.data.pop("pending_name")
            ctx.data["name_warning"] = ctx.data.pop("pending_warning")
            return after(ctx, "open.name")
        return take_name(ctx, rules.check_name(ctx.text))

    @router.state("open.function", prompt="请简要说明账号功能（如：发布本单位政策、通知和服务信息）：")
    @dialogue_only
    def function(ctx: Context):
        ctx.data["function"] = rules.check_function(ctx.text)
        return after(ctx, "open.function")

    def url_prompt(ctx: Context) -> str:
        label, required, _, _ = rules.PLATFORM_FIELDS[ctx.data["platform"]]
        return f"请输入{label}（以 https:// 开头）" + ("：" if required else "，没有请回复「无」：")

    @router.state("open.url", prompt=url_prompt)
    @dialogue_only
    def url(ctx: Context):
        label, required, _, _ = rules.PLATFORM_FIELDS[ctx.data["platform"]]
        ctx.data["url"] = platform_field(ctx, label, required, rules.check_url)
        return after(ctx, "open.url")

    def pid_prompt(ctx: Context) -> str:
        _, _, label, required = rules.PLATFORM_FIELDS[ctx.data["platform"]]
        return f"请输入{label}" + ("：" if required else "，没有请回复「无」：")

    @router.state("open.pid", prompt=pid_prompt)
    def pid(ctx: Context):
        _, _, label, required = rules.PLATFORM_FIELDS[ctx.data["platform"]]
        ctx.data["platform_account_id"] = platform_field(ctx, label, required, rules.check_platform_id)
        return after(ctx, "open.pid")

    @router.state("open.responsible", prompt=lambda ctx: numbered(
        [p.name for p in unit_people(ctx)], "请选择账号负责人（第21条，须为本单位人员）："))
    def responsible(ctx: Context):
        people = unit_people(ctx)
        if not people:
            raise Reask("本单位在通讯录中还没有人员，请先联系县政数局登记。")
        chosen = pick_person(ctx, ctx.text, people)
        ctx.data["responsible_id"], ctx.data["responsible_name"] = chosen.id, chosen.name
        return after(ctx, "open.responsible")

    @router.state("open.contact", prompt="请输入联系电话（手机或座机）：")
    @dialogue_only
    def contact(ctx: Context):
        ctx.data["contact"] = rules.check_contact(ctx.text)
        return after(ctx, "open.contact")

    @router.state("open.operator", prompt="如委托第三方机构运营，请输入机构全称；没有请回复「无」：")
    @dialogue_only
    def operator(ctx: Context):
        ctx.data["operator"] = rules.check_operator(ctx.text)
        return after(ctx, "open.operator")

    @router.state("open.reason", prompt="请填写开设理由（为什么需要开设这个账号）：")
    @dialogue_only
    def reason(ctx: Context):
        ctx.data["reason"] = rules.check_reason(ctx.text)
        return after(ctx, "open.reason")

    @router.state("open.rules", prompt="本单位是否已同时提交政务新媒体主办责任的相关保障制度？（回复「是」或「否」）")
    def rules_tick(ctx: Context):
        answer = yes(ctx.text)
        if answer is None:  # 「已提交」, 「还没有」: said as the question asks it
            said = ctx.text.strip().rstrip("。.！!")
            answer = True if RULES_GIVEN.fullmatch(said) else False if RULES_NOT_GIVEN.fullmatch(said) else None
        if answer is None:
            raise Reask(RULES_MEANT + "已提交请回复「是」，还没有请回复「否」。" if re.search(r"什么|啥|哪些", ctx.text)
                        else "请回复「是」或「否」。")
        if not answer:
            raise Reask("按附件2要求，开设申请须同时提交主办责任保障制度。" + RULES_MEANT
                        + f"请按县政数局的要求准备并报送后回复「是」，或回复{cancel_offer(ctx)}，以后再接着申请。")
        ctx.data["rules_submitted"] = True
        return after(ctx, "open.rules")

    @router.state("open.confirm", prompt=form_text)
    def confirm(ctx: Context):
        wanted = edit_request(ctx.text)
        field = named(wanted, LABELS, EDIT_ALIASES) if wanted is not None else named(ctx.text, LABELS, bare=True)
        if field is not None:  # 「修改 开设理由」, 「改电话」 or the item's name alone: straight to its question
            return edit_field(ctx, EDITABLE[field][1])
        if wanted is not None:
            if wanted:
                ctx.reply(f"没能识别要修改的「{wanted[:20]}」，请从下面选择。")
            return "open.edit"
        if yes(ctx.text) is not True:
            if looks_like_an_item(ctx.text):  # a new 开设理由 typed straight in: ask where it goes, keep it
                ctx.data["pending_text"] = ctx.text.strip()
                return "open.place"
            raise Reask(f"请回复「确认」提交、「修改」修改某一项，或{cancel_offer(ctx)}。")
        unit = unit_of(ctx)
        try:
            rules.check_unit_may_open(unit)
            rules.check_one_per_platform(ctx.session, unit, ctx.data["platform"], ctx.data.get("request_id"))
        except rules.Refused as refused:
            ctx.reply(f"{refused}\n申请未提交。")
            return END
        req = save(ctx, OPEN)
        if req is None:
            return END
        chain.submit(ctx.session, req, ctx.person, ctx.inbound.dedupe_key)
        ctx.reply(f"已提交第{req.id}号开设申请，当前环节：{req.status}。审批进展会随时通知您。\n"
                  f"回复「查看 {req.id}」查看，「撤回 {req.id}」撤回。")
        return END

    def looks_like_an_item(said: str) -> bool:
        """A sentence of content (not a question, not a command): meant as a new answer for one of the items."""
        said = said.strip()
        return (len(said) >= PLACED_MIN_CHARS and not QUESTION.search(said) and not ASSENT.search(said)
                and named(said, LABELS, EDIT_ALIASES) is None and router.command_in(said) is None)

    def place_prompt(ctx: Context) -> str:
        said = ctx.data.get("pending_text", "")
        shown = said if len(said) <= 30 else said[:30] + "…"
        return numbered(PLACES, f"您发的「{shown}」要填到审批表的哪一项？") + \
            "\n不是要修改的话，回复「不是」回到审批表。"

    @router.state("open.place", prompt=place_prompt)
    def place(ctx: Context):
        if yes(ctx.text) is False:
            ctx.data.pop("pending_text", None)
            return "open.confirm"
        item = PLACES[pick(ctx.text, PLACES)]
        said = ctx.data["pending_text"]
        ctx.data["editing"] = True
        if item == "账号名称":  # (第9条's warning, if any, is asked first)
            ctx.data.pop("pending_text")
            return take_name(ctx, rules.check_name(said))
        ctx.data[PLACE_KEYS[item]] = PLACE_CHECKS[item](said)
        ctx.data.pop("pending_text")
        ctx.reply(f"好的，{item}改为：{said}")
        return "open.confirm"

    @router.state("open.edit", prompt=lambda ctx: numbered([n for n, _ in EDITABLE], "要修改哪一项？"))
    def edit(ctx: Context):
        return edit_field(ctx, EDITABLE[pick(ctx.text, LABELS)][1])


def edit_field(ctx: Context, state: str) -> str:
    if not applies(state, ctx.data):
        raise Reask(f"{ctx.data['platform']}账号不需要填写这一项，请选择其他项。")
    ctx.data["editing"] = True
    return state


def save(ctx: Context, kind: str) -> ApprovalRequest | None:
    """Create the request from the dialogue, or update the sent-back one being corrected."""
    data = ctx.data
    form = {k: data.get(k) for k in FORM_KEYS if data.get(k) is not None}
    if data.get("request_id"):
        req = chain.lock(ctx.session, data["request_id"])
        if req is None or req.status != RETURNED:
            ctx.reply(f"第{data['request_id']}号申请已不是「已退回」状态，不能再修改提交。")
            return None
        if refused := takeover.refusal(ctx.session, ctx.person, req, "修改"):
            ctx.reply(refused)
            return None
        takeover.take_over(ctx, req)
        if kind == OPEN:
            req.form = form
    else:
        req = ApprovalRequest(kind=kind, unit_id=data["unit_id"], applicant_id=ctx.person.id,
                              account_id=data.get("account_id"), form=form, created_at=clock.now())
        ctx.session.add(req)
    if kind == OPEN:
        req.reason, req.rules_submitted = data.get("reason"), bool(data.get("rules_submitted"))
    ctx.session.flush()
    return req


def load(req: ApprovalRequest) -> dict:
    """The dialogue data of a sent-back open request, for `修改 <编号>`."""
    answered = {key: None for key in DATA_KEY.values()}
    return {**answered, **req.form, "unit_id": req.unit_id, "reason": req.reason, "rules_submitted": req.rules_submitted,
            "request_id": req.id, "editing": True, "name_ack": req.form.get("name")}
