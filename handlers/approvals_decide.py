"""Deciding: card buttons, the text fallback (同意/驳回/退回 12 …), 待办 and 催办."""
from __future__ import annotations

import re

from bot import choices, clock, outbox, workdays
from bot.router import END, Context, Reask, Router
from handlers import approvals_chain as chain
from handlers import approvals_numbers as numbers
from handlers import approvals_text as text
from handlers.approvals_vacancy import NO_LONGER_APPROVER
from models.approval import AGREE, REJECT, RETURN, STEP_NAMES, ApprovalRequest
from models.org import BUREAU_ADMIN, BUREAU_REVIEWER, CITY_REVIEWER, STAFF, UNIT_HEAD, reachable
from models.platform import Card

APPROVER_ROLES = {UNIT_HEAD, BUREAU_REVIEWER, CITY_REVIEWER}
# 「有什么要做的」, 「我有哪些待办」, 「今天有什么事」: 待办
TODO_ASKED = (r"(?:我|我们|本单位)?(?:今天|现在|这周|本周|这个?星期)?(?:还)?(?:有|还有)?(?:什么|哪些|啥)(?:要|需要|该|得)?(?:我)?"
              r"(?:做|办|处理|干|交|报)的?"
              r"(?:事|事情|事项|工作)?(?:吗|呢|么)?[？?。]*$"
              r"|(?:我|我们|本单位)?(?:今天|现在)?(?:有)?(?:什么|啥|哪些)(?:事|事情|事项|待办)(?:吗|呢|么)?[？?。]*$"
              r"|(?:我|我们|本单位)(?:的|有)?(?:哪些|什么)?待办(?:事项)?(?:吗|呢)?[？?。]*$"
              # 「还有啥没弄的」, 「还有什么没办完的」
              r"|(?:我|我们|本单位)?还有(?:啥|什么|哪些)(?:事)?(?:没|没有)(?:弄|办|做|处理|交|报)(?:完|好)?的?(?:吗|呢)?[？?。]*$")
# 待办 asked for in other words: 「审批」, 「我要审批」, 「有什么要审批的」, 「有新申请吗」, 「有要我签字的吗」
PENDING_ASKED = (r"(?:我们?)?(?:有没有|还有|有)?(?:什么|哪些|新的?|几个|几件|多少件?)?(?:要|需要|待|该)?我?"
                 r"(?:审批|审核|签字|签批)的?(?:申请|事项)?(?:吗|么|没|没有)?[？?。]*$"
                 r"|(?:有没有|还有|有)(?:什么|哪些|新的?|几个|几件|多少件?)?(?:要我?(?:审批|审核|签字|签批)的?)?申请"
                 r"(?:吗|么|没|没有)?[？?。]*$"
                 # 「有什么要我批的」, 「待批的」, 「我要审批什么」: 批 alone only after 要/待 (a bare 「批」 is no question)
                 r"|(?:我们?)?(?:有没有|还有|有)?(?:什么|哪些|几个|几件|多少件?)?(?:要|需要|待|该)我?批的?(?:申请|事项)?"
                 r"(?:吗|么|没|没有)?[？?。]*$"
                 r"|(?:我|我们)?(?:要|需要|该)?我?(?:审批|审核|批)(?:什么|哪些|啥)(?:申请|事项)?(?:吗|呢)?[？?。]*$")
WORDS = {"同意": AGREE, "驳回": REJECT, "退回": RETURN}
# 「帮我催一下审批」, 「催一下我的申请」, 「能不能催催审批」
URGE_MINE = (r"(?:请|帮我|麻烦你?|能不能|可以|可不可以)?(?:帮我)?(?:催|催促|催催)(?:一下|下)?(?:我的|我们的)?(?:审批|申请|审核)"
             r"(?:吧|呢|吗|一下)?[。！!？?]*$")
# 「没问题，同意」, 「行，同意吧」, 「我看了没问题，同意」
AGREE_SAID = r"(?:我看了|看过了)?[，,]?(?:没问题|可以|行|好的?|没意见)[，,。\s]*(?:我)?(?:同意|通过|批准)(?:吧|了|的)?[。！!]*$"
ALIASES = {"同意": ("批准", "通过"), "驳回": ("不同意", "不批准"), "退回": ("退回修改",)}
# 「3号同意」, 「第5号申请驳回，材料不全」
# 「3、5号同意」, 「3号和5号都同意」: the numbers before the last are in `numbers` (approvals_numbers)
NUMBER_FIRST = (rf"(?P<numbers>{numbers.LEADING_NUMBERS})第?\s*(?P<number>\d+)\s*号(?:的?申请)?\s*(?:都|均)?\s*[，,]?\s*"
                r"(?P<word>同意|批准|通过|驳回|不同意|不批准|退回修改|退回)(?P<rest>.*)$")
ALL_WORDS = ("全部", "所有", "都", "全都", "所有申请", "全部申请")
ALL_AGREED = r"(?:全部|都|全都|一起|统一)(?:同意|通过|批准)(?:吧|了)?[。！!]*$"  # 「全部同意」, 「都同意」
LABELS = {AGREE: "已同意", REJECT: "已驳回", RETURN: "已退回修改"}


def _closed_card_answer(ctx: Context, card: Card, req: ApprovalRequest | None) -> str:
    """A tap on a card already greyed (WeCom may still show its buttons: the update got lost, or came late). What
    became of the request: who decided which step, or that it waits for him again on a newer card (sent back and
    resubmitted, an agreement taken back, the right given back by the directory)."""
    if req is None:
        return f"这张卡片已经处理过了（{card.result or '已处理'}），无需重复操作。"
    refusal = chain.refusal_to_decide(ctx.session, req, ctx.person)
    by_text = f"或回复「同意 {req.id}」「驳回 {req.id} 原因」「退回 {req.id} 原因」。"
    if card.result == NO_LONGER_APPROVER:  # nobody decided anything: the directory took the right away
        if refusal is None:
            return f"这张卡片已失效：您重新成为审批人后，已收到第{req.id}号申请的新卡片，请在新卡片上处理，{by_text}"
        return f"通讯录变更后，您已不是第{req.id}号申请的审批人，这张卡片已失效，无需处理。"
    if refusal is None:
        return (f"这张卡片已失效（{card.result or '已处理'}）。第{req.id}号申请现在又在等待您审批，"
                f"请在新收到的审批卡片上处理，{by_text}")
    return f"这张卡片已经处理过了。{refusal}"


def one_at_a_time(word: str, number: int, opinion: str) -> str:
    """「3号同意 5号退回 名称不对」: two decisions in one message — neither is made; each is shown to send alone."""
    second = re.match(NUMBER_FIRST, opinion.strip(OPINION_EDGES))
    if second is not None and not second["numbers"]:
        other = next(w for w in WORDS if second["word"] in (w, *ALIASES[w]))
        rest = second["rest"].strip(OPINION_EDGES)
        example = f"「{word} {number}」和「{other} {second['number']}{' ' + rest if rest else ''}」"
    else:
        example = f"「{word} {number}」，再写明另一件的编号和意见"
    return (f"「{opinion[:30]}」里有另一件申请的编号，不能当作第{number}号申请的意见，这条消息没有作出任何处理。"
            f"请分开回复，一条消息处理一件申请，例如{example}。")


def undecided(data: dict) -> str:
    """What an idle 审批意见 dialogue held, for its expiry notice: that nothing was decided (not a vague 「草稿」)."""
    if data.get("request_ids"):
        return f"同意第{'、'.join(str(n) for n in data['request_ids'])}号申请（还没有作出处理，申请仍在等待您审批）"
    if not data.get("request_id"):
        return ""
    word = {AGREE: "同意", REJECT: "驳回", RETURN: "退回修改"}.get(data.get("decision"), "审批")
    said = f"，{'意见' if data.get('decision') == AGREE else '原因'}：{data['opinion']}" if data.get("opinion") else ""
    return f"第{data['request_id']}号申请{word}{said}（还没有作出处理，申请仍在等待您审批）"


def nothing_decided(ctx: Context) -> str:
    """取消 at the reason: nothing was decided, and the request still waits for this person."""
    number = ctx.data.get("request_id")
    req = ctx.session.get(ApprovalRequest, number) if number else None
    refusal = chain.refusal_to_decide(ctx.session, req, ctx.person) if req else ""
    if refusal is None:
        return (f"第{number}号申请没有作出任何处理，仍在等待您审批。审批卡片上的按钮仍然可以使用，"
                f"也可以回复「同意 {number}」「驳回 {number} 原因」或「退回 {number} 说明」。")
    return f"您没有对第{number}号申请作出处理。{refusal}"


OPINION_EDGES = " \t\n。.！!，,、；;：:～~…"  # 「同意 4。」, 「同意３！」: punctuation alone is no opinion


def number_and_rest(args: str) -> tuple[int, str] | None:
    """(the request's number, what follows it): 「12 名称要改」, 「第12号申请，名称要改」."""
    match = re.match(r"^第?\s*(\d+)\s*(?:号(?:的?申请(?!人))?)?(.*)$", args.strip(), re.S)
    return (int(match.group(1)), match.group(2).strip(OPINION_EDGES)) if match else None


def waited(req: ApprovalRequest) -> int:
    from sqlalchemy.orm import object_session
    workdays.prime(object_session(req))
    return workdays.workdays_between(clock.localize(req.step_started_at).date(), clock.today())


def waited_text(req: ApprovalRequest) -> str:
    """「3个工作日」, or 「不足1个工作日」 on the day the step started (or over a weekend): never 「0个工作日」."""
    days = waited(req)
    return f"{days}个工作日" if days else "不足1个工作日"


def register(router: Router) -> None:
    router.conversation("decide", title="审批意见", cancelled=nothing_decided, summary=undecided)

    def text_decision(ctx: Context, word: str):
        parsed = number_and_rest(ctx.args)
        if parsed is None:
            return without_number(ctx, word)
        number, opinion = parsed
        others = numbers.more_numbers(opinion)
        if others is not None:  # 「同意 3、5」: two requests, not 3 with the opinion 「5」
            return several(ctx, word, [number, *others], "")
        if numbers.names_another(opinion):  # 「3号同意 5号退回 名称不对」: not an opinion on 3
            ctx.reply(one_at_a_time(word, number, opinion))
            return END
        decision = WORDS[word]
        if decision != AGREE and len(opinion) < 2:
            what = '原因' if decision == REJECT else '需要修改的地方'
            short = f"「{opinion}」太短，请至少写2个字说明{what}" if opinion else f"{word}需要写明{what}"
            ctx.reply(f"{short}，例如「{word} {number} 账号名称与单位职能不符」。申请还没有处理。")
            return END
        if decision == REJECT:  # final, and a mistyped number rejects someone else's request: shown, confirmed
            req, refusal = decidable(ctx, number)
            if refusal:
                ctx.reply(refusal)
                return END
            ctx.reply(text.describe(req, with_history=False))
            ctx.data = {"request_id": req.id, "decision": decision, "opinion": opinion}
            return "decide.confirm"
        ctx.reply(run(ctx, number, decision, opinion or None, card=None))
        return END

    def without_number(ctx: Context, word: str):
        """「同意」, 「退回 名称要改」 with no number: the one request waiting for this person, shown and confirmed
        (or its reason asked); when several wait, the list, to say which."""
        items = chain.pending_for(ctx.session, ctx.person)
        example = "同意" if word == "同意" else "原因"
        if not items:
            ctx.reply("目前没有等待您审批的申请，没有作出任何处理。")
            return END
        if word == "同意" and ctx.args.strip(" 。.！!") in ALL_WORDS:  # 「同意 全部」: no opinion said
            if len(items) > 1:
                return agree_all(ctx, items)
            ctx.args = ""
        if len(items) > 1:
            lines = [f"有{len(items)}件申请等待您审批，请写明编号，例如「{word} {items[0].id} {example}」："]
            lines += [f"· 第{req.id}号 {req.title} — {req.unit.name}" for req in items]
            ctx.reply("\n".join(lines))
            return END
        req, opinion = items[0], ctx.args.strip(" ，,。:：")[:500]
        ctx.reply(text.describe(req, with_history=False))
        ctx.data = {"request_id": req.id, "decision": WORDS[word], "opinion": opinion}
        if WORDS[word] != AGREE and len(opinion) < 2:
            return "decide.reason"
        return "decide.confirm"

    def several(ctx: Context, word: str, asked: list[int], opinion: str):
        """Several numbers in one message: 同意 lists the ones this person may decide now and asks 确认 (as
        「全部同意」); 驳回 and 退回 need a reason each, so they are asked one at a time."""
        asked = list(dict.fromkeys(asked))
        listed = "、".join(str(n) for n in asked)
        if WORDS[word] != AGREE:
            ctx.reply(f"{word}要写明每件申请的原因，请一件一件回复，例如「{word} {asked[0]} 原因」。"
                      f"第{listed}号申请都还没有处理。")
            return END
        found, refused = [], []
        for number in asked:
            req, refusal = decidable(ctx, number)
            if refusal:
                refused.append(refusal)
            else:
                found.append(req)
        if not found:
            ctx.reply("\n".join(refused))
            return END
        said = f"（意见：{opinion}）" if opinion else ""
        lines = [f"将同意以下{len(found)}件申请{said}：",
                 *(f"· 第{req.id}号 {req.title} — {req.unit.name}，{STEP_NAMES[req.step]}" for req in found)]
        if refused:
            lines += ["以下不作处理：", *(f"· {why}" for why in refused)]
        ctx.reply("\n".join(lines))
        ctx.data = {"request_ids": [req.id for req in found], "opinion": opinion}
        return "decide.all"

    def agree_all(ctx: Context, items: list):
        """「全部同意」 with several waiting: each is listed, then 确认 agrees to them one by one."""
        ctx.reply("\n".join([f"等待您审批的申请（{len(items)}件）：",
                             *(f"· 第{req.id}号 {req.title} — {req.unit.name}，{STEP_NAMES[req.step]}" for req in items)]))
        ctx.data = {"request_ids": [req.id for req in items]}
        return "decide.all"

    @router.state("decide.all", prompt=lambda ctx: f"确认同意以上{len(ctx.data['request_ids'])}件申请吗？"
                                                   "回复「确认」全部同意，回复「取消」不作处理。")
    def all_confirmed(ctx: Context):
        if choices.confirmed(ctx, "", "没有作出任何处理，这些申请仍在等待您审批。"):
            opinion = ctx.data.get("opinion") or None
            ctx.reply("\n".join(run(ctx, number, AGREE, opinion, card=None) for number in ctx.data["request_ids"]))
        return END

    @router.pattern(ALL_AGREED, roles=APPROVER_ROLES, refused_as="同意")
    def all_agreed(ctx: Context):
        ctx.args = "全部"
        return text_decision(ctx, "同意")

    def confirm_prompt(ctx: Context) -> str:
        word = next(w for w, d in WORDS.items() if d == ctx.data["decision"])
        opinion = ctx.data.get("opinion")
        said = f"（{'意见' if word == '同意' else '原因'}：{opinion}）" if opinion else ""
        final = "驳回后申请即办结，单位需要重新申请；只需修改的请用「退回」。" if ctx.data["decision"] == REJECT else ""
        return f"确认{word}第{ctx.data['request_id']}号申请{said}吗？{final}回复「确认」{word}，回复「取消」不作处理。"

    @router.state("decide.confirm", prompt=confirm_prompt)
    def confirm(ctx: Context):
        number = ctx.data["request_id"]
        if choices.confirmed(ctx, "", nothing_decided(ctx),
                             hint=f"请回复「确认」，或回复「取消」不作处理（第{number}号申请仍在等待您审批）。"):
            ctx.reply(run(ctx, number, ctx.data["decision"], ctx.data.get("opinion") or None, card=None))
        return END

    for word in WORDS:
        @router.command(word, *ALIASES[word], roles=APPROVER_ROLES, help=f"{word}审批申请（如「{word} 12 意见」）",
                        detail="有申请等您审批时，您会收到审批卡片，点「同意」「驳回」或「退回修改」即可"
                               "（驳回、退回需写明原因）。\n也可以用文字审批：同意 12 意见 / 驳回 12 原因 / 退回 12 说明；"
                               "只有一件申请等您时可以不写编号。回复「待办」查看等待您审批的申请。")
        def by_text(ctx: Context, word=word):
            return text_decision(ctx, word)

    @router.pattern(AGREE_SAID, roles=APPROVER_ROLES, refused_as="同意")
    def agree_said(ctx: Context):
        """「没问题，同意」, 「行，同意吧」: 同意 without a number (the one waiting, shown and confirmed)."""
        ctx.args = ""
        return text_decision(ctx, "同意")

    @router.pattern(NUMBER_FIRST, roles=APPROVER_ROLES, refused_as="同意")
    def number_first(ctx: Context):
        """「3号同意」, 「第5号申请驳回，材料不全」: the number before the decision."""
        word = next(w for w in WORDS if ctx.match["word"] in (w, *ALIASES[w]))
        before = numbers.numbers_in(ctx.match["numbers"])
        if before:  # 「3、5号同意」, 「3号和5号都同意，材料齐全」
            return several(ctx, word, [*before, int(ctx.match["number"])], ctx.match["rest"].strip(OPINION_EDGES))
        ctx.args = f"{ctx.match['number']} {ctx.match['rest']}"
        return text_decision(ctx, word)

    def decidable(ctx: Context, number: int) -> tuple[ApprovalRequest | None, str | None]:
        """(the locked request, None) when this person may decide it now, else (…, why not)."""
        req = chain.lock(ctx.session, number)
        if req is None:
            return None, f"没有找到第{number}号申请，请核对编号。回复「待办」查看待审批事项。"
        return req, chain.refusal_to_decide(ctx.session, req, ctx.person)

    def run(ctx: Context, number: int, decision: str, opinion: str | None, card: Card | None) -> str:
        req, refusal = decidable(ctx, number)
        if refusal:
            return refusal
        return chain.decide(ctx.session, req, ctx.person, decision, opinion, ctx.inbound.dedupe_key, clicked=card)

    @router.card(chain.CARD_KIND)
    def on_click(ctx: Context):
        card = ctx.card
        decision = {"approve": AGREE, "reject": REJECT, "return": RETURN}.get(ctx.inbound.event_key or "")
        # Lock the request before writing to any card row (the router has just set the click's
        # response code on this card): lock order request → cards, or two clicks deadlock.
        code = card.response_code
        with ctx.session.no_autoflush:
            req = chain.lock(ctx.session, card.ref_id)
        ctx.session.refresh(card)  # a concurrent click may have closed it meanwhile
        card.response_code = code or card.response_code
        if card.status != "open":
            ctx.reply(_closed_card_answer(ctx, card, req))
            ctx.button_label = card.result or "已处理"
            return None
        refusal = "卡片按钮无效。" if decision is None or req is None else \
            chain.refusal_to_decide(ctx.session, req, ctx.person)
        if refusal:
            ctx.reply(refusal)
            if req is not None and not req.is_pending:
                card.status, card.result = "closed", req.status
                ctx.button_label = req.status
            return None
        if decision == AGREE:
            ctx.reply(chain.decide(ctx.session, req, ctx.person, AGREE, None, ctx.inbound.dedupe_key, clicked=card))
            ctx.button_label = card.result or LABELS[AGREE]
            if ctx.state == "decide.reason" and ctx.data.get("request_id") == req.id:
                # 驳回/退回 was tapped first: its reason is no longer asked for (the next message is not one)
                ctx.reply(f"（不再需要输入第{req.id}号申请的原因）")
                return END
            if ctx.state == "decide.confirm" and ctx.data.get("request_id") == req.id:
                ctx.reply("（不再需要回复「确认」）")
                return END
            return None
        info = router.conversation_of(ctx.state)
        if info is not None and info.prefix != "decide":
            ctx.reply(router.set_aside(ctx.conv))
        ctx.data = {"request_id": req.id, "decision": decision, "task_id": card.task_id}
        return "decide.reason"

    def reason_prompt(ctx: Context) -> str:
        what = "驳回原因" if ctx.data.get("decision") == REJECT else "需要申请人修改的地方"
        return f"请输入第{ctx.data.get('request_id')}号申请的{what}（必填），回复「取消」不作处理："

    def command_typed(answer: str):
        """(command, args) when `answer` is a command rather than a reason: the word alone or with a request
        number (「查看 12」, 「同意 12 意见」). A reason may start with a command word: 「修改名称后再提交」."""
        found = router.find_command(answer)
        if found is None or not found[1]:
            return found
        parsed = number_and_rest(found[1])
        if parsed is None or (parsed[1] and found[0].name not in WORDS):
            return None
        return found

    @router.state("decide.reason", prompt=reason_prompt)
    def reason(ctx: Context):
        number = ctx.data.get("request_id")
        req = ctx.session.get(ApprovalRequest, number) if number else None
        refusal = chain.refusal_to_decide(ctx.session, req, ctx.person) if req is not None else None
        if refusal:  # decided meanwhile (another approver, withdrawn…): no reason is wanted, whatever was sent
            said = ctx.text.strip()[:20]
            unsent = (f"「{said}」没有执行，请再发一次" if command_typed(ctx.text.strip()) is not None
                      else f"「{said}」没有发给申请人")
            ctx.reply(f"{refusal}不再需要输入原因；{unsent}。")
            return END
        if len(ctx.text.strip()) < 2:
            raise Reask("请至少写2个字，让申请人知道原因。")
        found = command_typed(ctx.text.strip())
        if found is not None:  # e.g. 「查看 12」 to read the form first: not a reason to send the applicant
            number = ctx.data.get("request_id")
            parsed = number_and_rest(found[1])
            req = ctx.session.get(ApprovalRequest, number)
            if found[0].name != "查看" or (parsed is not None and parsed[0] != number) or req is None:
                raise Reask(f"「{ctx.text.strip()[:20]}」是一条命令，不是原因，第{number}号申请还没有作出处理。")
            ctx.reply(f"{text.describe(req)}\n\n{reason_prompt(ctx)}")
            return None
        ctx.reply(run(ctx, ctx.data["request_id"], ctx.data["decision"], ctx.text.strip()[:500], card=None))
        return END

    @router.command("待办", "待审批", "我的待办", roles=APPROVER_ROLES | {STAFF, BUREAU_ADMIN}, questions=True,
                    help="查看等待我办理的事项：审批，以及本单位的周报、退回的申请、报送、整改",
                    detail="审批人：等待您审批的申请，最早的在前。\n"
                           "县政数局：还有单位提交的、等待审核的整改情况和跟进事项说明。\n"
                           "单位工作人员、单位负责人：还有本单位未报的周报、被退回或待核对的申请、待报送全国系统的申请、"
                           "待整改的事项和待说明的跟进事项，每项写明怎么回复。")
    def todo(ctx: Context):
        parts = []
        if ctx.person.has_role(*APPROVER_ROLES):
            items = chain.pending_for(ctx.session, ctx.person)
            if items:
                lines = [f"等待您审批的申请（{len(items)}件，最早的在前）："]
                for req in items:
                    lines.append(f"· 第{req.id}号 {req.title} — {req.unit.name}，{STEP_NAMES[req.step]}，"
                                 f"已等{waited_text(req)}")
                lines.append("回复「查看 编号」看详情，「同意 编号 意见」「驳回 编号 原因」「退回 编号 说明」审批。")
                parts.append("\n".join(lines))
            else:
                parts.append("目前没有等待您审批的申请。")
        from handlers import unit_todo
        if reviews := unit_todo.review_lines(ctx):
            parts.append(f"等待您审核（{len(reviews)}项）：\n" + "\n".join(reviews))
        if ctx.person.has_role(STAFF, UNIT_HEAD) and not ctx.person.unit.is_bureau:
            lines = unit_todo.lines(ctx)
            parts.append(f"{ctx.person.unit.name}待办（{len(lines)}项）：\n" + "\n".join(lines) if lines
                         else f"{ctx.person.unit.name}目前没有待办事项。")
        ctx.reply("\n\n".join(parts) or "目前没有等待您审核的整改情况或说明。")
        return END

    @router.pattern(PENDING_ASKED, roles=APPROVER_ROLES)
    def todo_asked(ctx: Context):
        return todo(ctx)

    @router.pattern(TODO_ASKED, roles=APPROVER_ROLES | {STAFF, BUREAU_ADMIN})
    def things_to_do_asked(ctx: Context):
        return todo(ctx)

    @router.pattern(URGE_MINE)
    def urge_said(ctx: Context):
        """「帮我催一下审批」, 「催一下我的申请」: 催办 (not the bureau's 催报 of weekly reports)."""
        ctx.args = ""
        return urge(ctx)

    @router.command("催办", help="催促审批人处理我的申请（每天一次）")
    def urge(ctx: Context):
        parsed = number_and_rest(ctx.args)
        if parsed is None:  # the one request of his still waiting, or the list of them
            from handlers.approvals_mine import find, urgeable
            req = find(ctx, "催办", urgeable, "您没有正在审批中的申请，不需要催办。回复「我的申请」查看申请进度。")
            if req is None:
                return END
        else:
            req = chain.lock(ctx.session, parsed[0])
        if req is None or req.applicant_id != ctx.person.id or req.applicant_left:  # (moved out of its unit)
            ctx.reply(f"没有找到您提交的第{parsed[0]}号申请。回复「我的申请」查看。")
            return END
        if not req.is_pending:
            ctx.reply(f"第{req.id}号申请当前状态是「{req.status}」，不需要催办。")
            return END
        if req.urged_on == clock.today():
            ctx.reply(f"今天已经催办过第{req.id}号申请了，每天只能催办一次，请明天再试。")
            return END
        # nobody, or only people WeCom refused: a 催办 would reach no one, so say so rather than "已提醒审批人"
        people = reachable(chain.holders(ctx.session, req))
        if not people:
            from handlers.approvals_vacancy import nobody_to_urge
            ctx.reply(nobody_to_urge(ctx.session, req))
            return END
        req.urged_on = clock.today()
        outbox.push_text(ctx.session, people, f"催办：{ctx.person.name}请您尽快审批第{req.id}号申请（{req.title}），"
                         f"已等待{waited_text(req)}。回复「查看 {req.id}」查看。")
        ctx.audit("approval.urge", "approval_request", req.id)
        ctx.reply(f"已提醒{'、'.join(p.name for p in people) or '审批人'}尽快处理第{req.id}号申请。")
        return END
