"""The questions of the change, close and retroactive-filing dialogues."""
from __future__ import annotations

from bot.choices import edit_request, named, numbered, pick, yes
from bot.router import Context, Reask, Router, cancel_offer
from handlers import approvals_change as base
from handlers import approvals_rules as rules
from handlers import approvals_text as text
from models.approval import CHANGE_REASONS, CLOSE_REASONS
from models.org import Unit


def field_prompt(ctx: Context) -> str:
    key = ctx.data["queue"][0]
    current = ctx.data["form"].get(key) or "（空）"
    name = text.FIELD_NAMES[key]
    earlier = (ctx.data.get("earlier") or {}).get(key)  # what was typed before 修改: shown, not lost
    before = f"（您上次填写的是「{earlier[1] or '（空）'}」）" if earlier else ""
    if key == "responsible_name":
        return numbered([p.name for p in base.unit_people(ctx)], f"当前{name}：{current}{before}。请选择新的{name}：")
    if key == "contact" and ctx.data.get("contact_follows"):
        old, new = ctx.data["changes"]["responsible_name"]
        return (f"负责人换成了{new}。当前{name}：{current}（{old}）。请输入{new}的{name}，电话不变回复「不变」：")
    if key == "unit_name":
        return numbered([u.name for u in base.host_units_nearby(ctx)],
                        f"当前{name}：{current}{before}。请选择新的{name}：")
    skip = "，清空请回复「无」" if key in ("url", "platform_account_id", "operator") else ""
    return f"当前{name}：{current}{before}。请输入新的{name}{skip}："


def new_value(ctx: Context, key: str):
    platform = ctx.data["form"]["platform"]
    answer = ctx.text
    if key in ("url", "platform_account_id", "operator") and rules.skipped(answer):
        return None
    if key == "name":
        name = rules.check_name(answer)
        unit = ctx.session.get(Unit, ctx.data["unit_id"])
        warning = rules.name_warning(ctx.session, unit, name, platform)
        if warning:
            ctx.reply(f"提示：{warning}审批人会看到新名称，请确认无误。")
        return name
    if key == "function":
        return rules.check_function(answer)
    if key == "url":
        return rules.check_url(answer, platform)
    if key == "platform_account_id":
        return rules.check_platform_id(answer, platform)
    if key == "contact":
        return rules.check_contact(answer)
    if key == "operator":
        return rules.check_operator(answer)
    if key == "responsible_name":
        person = base.pick_person(ctx, answer, base.unit_people(ctx))
        ctx.data["new_responsible_id"] = person.id
        return person.name
    units = base.host_units_nearby(ctx)
    unit = units[pick(answer, [u.name for u in units])]
    try:
        rules.check_unit_may_open(unit)
        # an account there already, an opening or another move under way (第13条)
        rules.check_one_per_platform(ctx.session, unit, platform, ctx.data.get("request_id"))
    except rules.Refused as refused:
        raise Reask(str(refused)) from None
    ctx.data["new_unit_id"] = unit.id
    return unit.name


# The phone on record kept when the responsible person changes: 「不变」, 「不用改」
KEEP_WORDS = frozenset({"不变", "不改", "不用改", "不用变", "不换", "不用换", "一样", "还是这个", "电话不变"})


def phone_follows(ctx: Context) -> bool:
    """A new responsible person and a phone on record that is not being changed anyway: the phone is the old
    person's (the 开设 form asks it right after him), so it is asked again rather than left under the new name."""
    return bool(ctx.data["form"].get("contact")) and "contact" not in ctx.data["queue"] \
        and "contact" not in ctx.data["changes"]


def unchanged_item(ctx: Context, key: str, old) -> str:
    """The new value is the old one (「无」 for an item that is empty): left out of the change when other items are
    changed; otherwise asked again — with the way back to the list, not 「取消」, which would drop the whole form."""
    label = dict(base.CHANGEABLE)[key]
    shown = old if old not in (None, "") else "空"
    if ctx.data["queue"][1:] or ctx.data["changes"]:
        ctx.reply(f"{label}新旧一样（{shown}），这一项不列入变更。")
        return next_item(ctx)
    raise Reask(f"新的{label}与现在的一样（{shown}），请输入不同的内容；这一项不用变更的话，回复「上一步」重新选择要变更的内容。")


def next_item(ctx: Context) -> str:
    ctx.data["queue"] = ctx.data["queue"][1:]
    if ctx.data["queue"]:
        return "change.value"
    ctx.data.pop("earlier", None)
    ctx.data.pop("contact_follows", None)
    if "unit_name" in ctx.data["changes"] and ctx.data.get("announcement") is None:
        return "change.announce"
    return after_contents(ctx)


def after_contents(ctx: Context) -> str:
    """After the new contents: the reason, unless it was given before 修改."""
    return "change.confirm" if ctx.data.get("reason_kind") else "change.reason"


def reason_choice(answer: str, reasons: tuple[str, ...]) -> tuple[str, str | None]:
    """(the reason chosen, the words of 「其他」): a number or a reason's words pick it (「没人维护了」 → 无力维护);
    a sentence that is none of them is taken as 「其他」 with itself as the explanation (shown on the form)."""
    try:
        return reasons[pick(answer, reasons, loose=True)], None
    except Reask:
        text = answer.strip()
        if len(text) < 4 or text.isdigit():
            raise
        return "其他", rules.check_reason(text, 4)


def edit_choices(ctx: Context) -> list[tuple[str, str]]:
    """What 修改 at the change form offers: the contents (chosen anew), the reason, the 第12条 announcement."""
    choices = [("变更内容（重新选择要变更的项目）", "change.fields"), ("变更原因", "change.reason")]
    if "unit_name" in (ctx.data.get("changes") or {}):
        choices.append(("是否发布第12条公告", "change.announce"))
    return choices


def change_confirm_text(ctx: Context) -> str:
    lines = ["请核对变更申请（附件2）：", *base.summary(ctx), "变更内容：", *text.changes_lines(ctx.data.get("changes")),
             text.reason_line("变更", ctx.data.get("reason_kind"), ctx.data.get("reason"))]
    if "unit_name" in (ctx.data.get("changes") or {}):
        lines.append(f"第12条公告：{'将按要求发布' if ctx.data.get('announcement') else '暂未承诺'}")
    lines.append(f"回复「确认」提交，「修改」修改变更内容或原因，{cancel_offer(ctx)}。")
    return "\n".join(lines)


def close_confirm_text(ctx: Context) -> str:
    kind = ctx.data["kind"]
    return "\n".join([f"请核对{kind}申请（附件2）：", *base.summary(ctx),
                      text.reason_line(kind, ctx.data.get("reason_kind"), ctx.data.get("reason")),
                      f"提醒：按《办法》第12条，{kind}后须向社会发布公告，告知公众账号{kind}情况。",
                      f"回复「确认」提交，「修改」重新选择原因，{cancel_offer(ctx)}。"])


def retro_confirm_text(ctx: Context) -> str:
    return "\n".join(["补办备案（第33条）：以下账号在《办法》施行前已开设，需补办审批备案。", *base.summary(ctx),
                      "如信息有误，请先办理「变更」或联系县政数局更正台账。",
                      f"回复「确认」提交补办备案申请，{cancel_offer(ctx)}。"])


def register(router: Router) -> None:
    @router.state("change.fields", prompt=lambda ctx: numbered([n for _, n in base.CHANGEABLE],
                                                                "要变更哪些内容？（可多选，如「1 3」）"))
    def fields(ctx: Context):
        named, _rest = base.fields_named(ctx.text)  # 「负责人 电话」 as well as 「5 6」
        if named and not any(ch.isdigit() for ch in ctx.text):
            return base.start_changes(ctx, named)
        chosen = base.parse_numbers(ctx.text, len(base.CHANGEABLE))
        return base.start_changes(ctx, [base.CHANGEABLE[i][0] for i in chosen])

    @router.state("change.value", prompt=field_prompt)
    def value(ctx: Context):
        key = ctx.data["queue"][0]
        if key == "contact" and ctx.data.get("contact_follows") and ctx.text.strip("。.！! ") in KEEP_WORDS:
            return next_item(ctx)  # the phone stays (a shared office phone): no change of it
        new = new_value(ctx, key)
        old = ctx.data["form"].get(key)
        if new == old and key == "contact" and ctx.data.get("contact_follows"):
            return next_item(ctx)
        if new == old:
            return unchanged_item(ctx, key, old)
        ctx.data["changes"] = {**ctx.data["changes"], key: [old, new]}
        if key == "responsible_name" and phone_follows(ctx):
            ctx.data["queue"] = [*ctx.data["queue"], "contact"]
            ctx.data["contact_follows"] = True
        return next_item(ctx)

    @router.state("change.announce", prompt="主办单位调整的，按《办法》第12条应及时变更账号并向社会发布公告。"
                  "是否按要求发布变更公告？（回复「是」或「否」）")
    def announce(ctx: Context):
        answer = yes(ctx.text)
        if answer is None:
            raise Reask("请回复「是」或「否」。")
        ctx.data["announcement"] = answer
        if not answer:
            ctx.reply("已记录：暂未承诺发布公告。审批人会看到这一点。")
        return after_contents(ctx)

    @router.state("change.reason", prompt=lambda ctx: numbered(CHANGE_REASONS, "变更原因："))
    def change_reason(ctx: Context):
        ctx.data["reason_kind"], ctx.data["reason"] = reason_choice(ctx.text, CHANGE_REASONS)
        return "change.reason_text" if ctx.data["reason_kind"] == "其他" and not ctx.data["reason"] else "change.confirm"

    @router.state("change.reason_text", prompt="请说明变更原因：")
    def change_reason_text(ctx: Context):
        ctx.data["reason"] = rules.check_reason(ctx.text, 4)
        return "change.confirm"

    @router.state("change.confirm", prompt=change_confirm_text)
    def change_confirm(ctx: Context):
        wanted, choices = edit_request(ctx.text), edit_choices(ctx)
        chosen = named(wanted if wanted is not None else ctx.text, [n for n, _ in choices], bare=wanted is None)
        if chosen is not None:  # 「修改原因」 or 「变更原因」: straight to it
            return choices[chosen][1]
        if wanted is not None:
            if wanted:
                ctx.reply(f"没能识别要修改的「{wanted[:20]}」，请从下面选择。")
            return "change.edit"
        if yes(ctx.text) is not True:
            raise Reask(f"请回复「确认」提交、「修改」修改变更内容或原因，或{cancel_offer(ctx)}。")
        return base.submit(ctx)

    @router.state("change.edit", prompt=lambda ctx: numbered([n for n, _ in edit_choices(ctx)], "要修改哪一项？"))
    def change_edit(ctx: Context):
        """Only what is chosen is asked again: the rest of the form (the reason, the 公告 answer) stays."""
        choices = edit_choices(ctx)
        return choices[pick(ctx.text, [n for n, _ in choices])][1]

    @router.state("close.reason", prompt=lambda ctx: numbered(CLOSE_REASONS, f"{ctx.data.get('kind')}原因："))
    def close_reason(ctx: Context):
        ctx.data["reason_kind"], ctx.data["reason"] = reason_choice(ctx.text, CLOSE_REASONS)
        return "close.reason_text" if ctx.data["reason_kind"] == "其他" and not ctx.data["reason"] else "close.confirm"

    @router.state("close.reason_text", prompt="请说明具体原因：")
    def close_reason_text(ctx: Context):
        ctx.data["reason"] = rules.check_reason(ctx.text, 4)
        return "close.confirm"

    @router.state("close.confirm", prompt=close_confirm_text)
    def close_confirm(ctx: Context):
        if ctx.text.strip() == "修改":
            return "close.reason"
        if yes(ctx.text) is not True:
            raise Reask(f"请回复「确认」提交、「修改」重新选择原因，或{cancel_offer(ctx)}。")
        return base.submit(ctx)

    @router.state("retro.responsible", prompt=lambda ctx: numbered(
        [p.name for p in base.unit_people(ctx)], "台账中这个账号还没有负责人。按《办法》第21条，每个账号须有专人负责，"
        "请选择账号负责人（也可以回复「我」）："))
    def retro_responsible(ctx: Context):
        person = base.pick_person(ctx, ctx.text, base.unit_people(ctx))
        ctx.data["form"] = {**ctx.data["form"], "responsible_id": person.id, "responsible_name": person.name}
        return "retro.confirm"

    @router.state("retro.confirm", prompt=retro_confirm_text)
    def retro_confirm(ctx: Context):
        if yes(ctx.text) is not True:
            raise Reask(f"请回复「确认」提交，或{cancel_offer(ctx)}。")
        ctx.data["reason_kind"], ctx.data["reason"] = "补办备案", "《办法》第33条：施行前开设的账号补办备案"
        return base.submit(ctx)
