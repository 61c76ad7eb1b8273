"""Routing of inbound messages to handlers, in the spirit of Bolt and python-telegram-bot.

Handlers are plain functions of one `Context`. Decorators say what they handle; the
order in which kinds of handler are tried is decided in `Router.dispatch` alone.
A state handler returns the next state (`None` = stay, `END` = finish) or raises
`Reask("hint")`, which answers the hint and asks the same question again.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from bot import clock, db, drafts, phrasing
from bot.claim import Sender
from bot.suggest import Index
from bot.wecom_crypto import Inbound
from models import audit
from models.org import Person
from models.platform import Card

END = "__end__"
PASS = "__pass__"  # a guess that does not apply after all (handlers registered with guess=True): the next is tried
CONTROL_TRAILING = "。.！!～~ "  # punctuation a control word may end with
ARGS_PUNCTUATION = CONTROL_TRAILING + "，,？?、…"  # arguments made only of these are no arguments
# 「周报怎么填」, 「开设是什么意思」: a question about the command, answered with its help, not run
HOW_TO = re.compile(r"(?:要|该|应该)?(?:怎么|咋|如何|怎样)(?:样)?(?:填|写|用|弄|办|操作|做|报|交|提交|使用|申请|改|修改|更正)?"
                    r"(?:呀|啊|呢|的)?"
                    r"|是(?:什么|啥)(?:意思)?(?:呀|啊|呢)?|什么意思|(?:有)?什么用")
Handler = Callable[["Context"], "str | None"]
HELP_ON = ("帮助 ", "帮助\u3000", "帮助：", "帮助:")  # 「帮助 周报」 as typed with an input method's full-width space or colon
# 上一步 as clerks say it (「回到上一步」 was taken as the answer: an account's name, a 周报's problems); not 「退回上一步」,
# which an approver may mean as a decision (退回)
BACK_WORDS = ("返回", "上一步", "返回上一步", "回到上一步", "回上一步", "上一题", "上一个问题", "回到上一个问题",
              "回到上一题")


class NeedsLock(Exception):
    """An unlocked attempt (`Context.unlocked`) reached what only the locked path may do: a handler
    not marked `dialogue_only`, or the database. Nothing of the attempt is kept; the callback is
    processed again under the conversation's row lock (bot/dispatch.py)."""


def dialogue_only(handler: Handler) -> Handler:
    """Marks a handler that reads nothing but the sender and the dialogue, changes nothing but the
    dialogue, and only replies (帮助, suggestions): it may run before the conversation is locked."""
    handler.dialogue_only = True
    return handler


class Reask(Exception):
    """A wrong answer: reply the hint, keep everything, ask the same question again."""

    def __init__(self, hint: str):
        super().__init__(hint)
        self.hint = hint


class Context:
    """One inbound message as a handler sees it.

    `sender` (plain values: name, unit, roles) is always there for a known sender. `session` and
    `person` are made on first use: a message answered from the sender and the dialogue alone
    (帮助, a suggestion) builds no ORM session or objects. The session joins the callback's
    transaction; what it holds is flushed before the callback commits.
    """

    def __init__(self, inbound: Inbound, *, session: Session | None = None, person: Person | None = None,
                 sender: Sender | None = None, connection: Connection | None = None, conv=None,
                 text: str = "") -> None:
        self.inbound = inbound
        self.text = text
        self.sender = sender if sender is not None or person is None else Sender.of(person)
        self.conv = conv  # the locked Dialogue (router and the 取消/上一步/继续 handlers)
        self.args = ""  # the text after the command word
        self.match: re.Match | None = None
        self.state: str | None = None
        self.data: dict = {}
        self.card: Card | None = None
        self.replies: list[str] = []
        self.button_label: str | None = None  # passive update_button reply for card clicks
        self.handler_name: str | None = None
        self.deactivated = False  # no sender: the directory has him, deactivated (调离、离职), not an unknown userid
        # A command that answers its dialogue's first question itself (「开设 抖音」) sets (that question, the
        # data before the answer), so that 上一步 goes back to it
        self.answered: tuple[str, dict] | None = None
        self.kept_draft = False  # the state's handler kept the dialogue as a draft itself (「不」 at a confirmation)
        self.expired: str | None = None  # the title of the dialogue this message found timed out (dispatch._expire)
        self.unlocked = False  # an attempt before the row lock: only `dialogue_only` handlers, no database
        self.needs_lock = False  # a handler not marked `dialogue_only` ran, or the database was used
        self._session, self._person, self._connection = session, person, connection

    @property
    def session(self) -> Session:
        self.needs_lock = True
        if self.unlocked:
            raise NeedsLock("session")
        if self._session is None:
            self._session = db.session_factory(callback=True)(
                bind=self._connection, join_transaction_mode="rollback_only")
            self._session.info[audit.SOURCE_MSG] = self.inbound.dedupe_key  # the audit rows name this message
        return self._session

    @property
    def person(self) -> Person | None:
        if self._person is None and self.sender is not None:
            self._person = self.sender.person(self.session)
        return self._person

    def flush(self) -> None:
        """Write what the handlers changed through the session (if they used one)."""
        if self._session is not None:
            self._session.flush()

    def committed(self) -> None:
        """The callback's transaction committed: queue the pushes it wrote."""
        if self._session is not None:
            from bot import outbox
            outbox.enqueue_committed(self._session)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    @property
    def now(self) -> datetime:
        return clock.now()

    @property
    def userid(self) -> str:
        return self.inbound.userid

    def reply(self, text: str) -> None:
        self.replies.append(text)

    def audit(self, action: str, entity: str, entity_id=None, before=None, after=None) -> None:
        audit.record(self.session, actor=self.userid, action=action, entity=entity, entity_id=entity_id,
                     before=before, after=after, source_msg=self.inbound.dedupe_key)


@dataclass
class Command:
    name: str
    aliases: tuple[str, ...]
    handler: Handler
    roles: frozenset[str] | None
    help: str | None
    detail: str | None
    menu_key: str | None
    questions: bool = False  # its handler answers a question put after its word (「周报交了吗」)
    # Beyond the roles: why this sender is not offered it (his unit may not use it, say), or None. Left out of
    # 帮助 and suggestions; 「帮助 <command>」 gives the reason; the handler still answers whoever says it.
    withheld: Callable[[Sender], str | None] | None = None

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass
class State:
    name: str
    handler: Handler
    prompt: Callable[[Context], str]


@dataclass
class _Menu:
    """The commands one set of roles sees in 帮助, and the same taken apart for suggestions."""
    commands: list[Command]
    index: Index | None = None


@dataclass
class ConversationInfo:
    prefix: str
    title: str
    summary: Callable[[dict], str] | None
    where: Callable[[dict], str | None] | None = None  # the item being filled in, said on 上一步/继续
    cancelled: Callable[[Context], str] | None = None  # what 取消 left standing, instead of 「没有提交任何内容」
    kept_on_cancel: bool = False  # 取消 after some answers keeps them as the draft 继续 resumes (a long form)


class Router:
    def __init__(self) -> None:
        self.commands: list[Command] = []
        self.patterns: list[tuple[re.Pattern, Handler, frozenset[str] | None]] = []
        self.guesses: list[tuple[re.Pattern, Handler, frozenset[str] | None]] = []  # tried last (pattern(guess=True))
        self.refusals: dict[Handler, str] = {}  # pattern handler → the command whose refusal answers the others
        self.events: dict[str, Handler] = {}
        self.cards: dict[str, Handler] = {}
        self.states: dict[str, State] = {}
        self.conversations: dict[str, ConversationInfo] = {}
        self.fallbacks: dict[str, Handler] = {}  # "unknown_user", "unsupported", "unknown_text", "help", …
        self._words: dict[str, list[tuple[str, Command]]] | None = None  # command words by first character
        self._menus: dict[tuple, _Menu] = {}  # per set of roles (and of commands withheld: menu_key)

    # --- registration (every decorator ends in _register) -----------------------------

    def command(self, name: str, *aliases: str, roles=None, help: str | None = None,
                detail: str | None = None, menu_key: str | None = None, questions: bool = False,
                withheld: Callable[[Sender], str | None] | None = None):
        """`questions`: a short question after the command's word (「待办有吗」) is still run by the handler;
        otherwise it is answered with the command's help (「注销要多久」), after the patterns.
        `withheld`: see Command."""
        def deco(fn: Handler) -> Handler:
            self.commands.append(Command(name, aliases, fn, frozenset(roles) if roles else None,
                                         help, detail, menu_key, questions, withheld))
            self._words, self._menus = None, {}
            return fn
        return deco

    def pattern(self, regex: str, roles=None, refused_as: str | None = None, guess: bool = False):
        """`refused_as`: the command a matching sentence stands for, whose role refusal answers a sender without
        the roles (「给教育局发个整改通知…」 from a unit's staff: 「整改通知」仅限…), instead of 「没有理解」.
        `guess`: a loose reading (「公众号已经发了三条了」 as the 整改情况 of the unit's one item), tried only when
        nothing else, command or pattern, understood the text; its handler returns PASS when it does not apply after all
        (no item to fix), and the next guess is tried."""
        def deco(fn: Handler) -> Handler:
            kept = self.guesses if guess else self.patterns
            kept.append((re.compile(regex), fn, frozenset(roles) if roles else None))
            if refused_as:
                self.refusals[fn] = refused_as
            return fn
        return deco

    def event(self, name: str):
        def deco(fn: Handler) -> Handler:
            self.events[name] = fn
            return fn
        return deco

    def card(self, kind: str):
        def deco(fn: Handler) -> Handler:
            self.cards[kind] = fn
            return fn
        return deco

    def state(self, name: str, prompt: str | Callable[[Context], str]):
        if name in self.states:  # a second feature's state of the same name would silently replace the first
            raise ValueError(f"conversation state {name!r} is registered twice")

        def deco(fn: Handler) -> Handler:
            ask = prompt if callable(prompt) else (lambda _ctx, p=prompt: p)
            self.states[name] = State(name, fn, ask)
            return fn
        return deco

    def conversation(self, prefix: str, title: str, summary: Callable[[dict], str] | None = None,
                     where: Callable[[dict], str | None] | None = None,
                     cancelled: Callable[[Context], str] | None = None, kept_on_cancel: bool = False) -> None:
        if prefix in self.conversations:
            raise ValueError(f"conversation {prefix!r} is registered twice")
        self.conversations[prefix] = ConversationInfo(prefix, title, summary, where, cancelled, kept_on_cancel)

    def where(self, state: str | None, data: dict) -> str:
        """「（正在填写：…）」for a dialogue that goes item by item, else empty."""
        info = self.conversation_of(state)
        item = info.where(data) if info and info.where else None
        return f"（正在填写：{item}）" if item else ""

    def fallback(self, name: str):
        def deco(fn: Handler) -> Handler:
            self.fallbacks[name] = fn
            return fn
        return deco

    # --- lookups ---------------------------------------------------------------------------

    def conversation_of(self, state: str | None) -> ConversationInfo | None:
        if not state:
            return None
        return self.conversations.get(state.split(".", 1)[0])

    def find_command(self, text: str) -> tuple[Command, str] | None:
        # The words of every command, longest first: "周报情况" beats "周报" whoever declares it;
        # grouped by first character, so a text is compared only with the words it can start with.
        if self._words is None:
            self._words = {}
            for word, command in sorted(((w, c) for c in self.commands for w in c.words), key=lambda wc: -len(wc[0])):
                self._words.setdefault(word[:1], []).append((word, command))
        for word, command in self._words.get(text[:1], ()):
            if text.startswith(word):
                return command, text[len(word):].strip()
        return None

    def _in_sentence(self, text: str, bare: bool = False) -> tuple[Command, str] | None:
        """The command a sentence asks for once the words opening it are taken off (bot/phrasing.py);
        `bare`: only a command with nothing after it."""
        for candidate in phrasing.command_texts(text):
            found = self.find_command(candidate)
            if found and not (bare and found[1]):
                return found
        return None

    def command_in(self, text: str) -> tuple[Command, str] | None:
        """The command a text starts with or a sentence asks for (「我要看一下台账」), or None."""
        return self.find_command(text) or self._in_sentence(text)

    def command_for_menu(self, key: str) -> Command | None:
        for command in self.commands:
            if key in (command.menu_key, command.name):
                return command
        return None

    def allowed(self, command: Command, sender: Sender | None) -> bool:
        return command.roles is None or (sender is not None and sender.has_role(*command.roles))

    def withheld(self, command: Command, sender: Sender | None) -> str | None:
        """Why `command` is not offered to this sender beyond his roles (Command.withheld), or None."""
        if command.withheld is None or sender is None:
            return None
        return command.withheld(Sender.of(sender) if isinstance(sender, Person) else sender)

    def menu_key(self, sender: Sender | None) -> tuple:
        """What decides which commands a sender is offered: his roles, and the commands withheld from him."""
        roles = frozenset(sender.roles) if sender is not None else frozenset()
        return roles, tuple(c.name for c in self.commands if c.withheld is not None and self.withheld(c, sender))

    def _menu(self, sender: Sender | None) -> _Menu:
        key = self.menu_key(sender)
        menu = self._menus.get(key)
        if menu is None:  # the commands are fixed once registered: one menu per set of roles (and withheld ones)
            roles, withheld = key
            menu = self._menus[key] = _Menu([c for c in self.commands if c.help and c.name not in withheld
                                             and (c.roles is None or not c.roles.isdisjoint(roles))])
        return menu

    def menu(self, sender: Sender | None) -> list[Command]:
        """The commands shown in 帮助 that this sender may use, in registration order."""
        return self._menu(sender).commands

    def suggest(self, text: str, sender: Sender | None) -> list[str]:
        """Names of the commands (shown in 帮助, allowed to this sender) the text most likely meant."""
        menu = self._menu(sender)
        if menu.index is None:
            menu.index = Index(menu.commands)
        return menu.index.closest(text)

    def prompt(self, ctx: Context, state: str) -> str:
        return self.states[state].prompt(ctx)

    # --- dispatch: the one place that decides order -----------------------------------

    def dispatch(self, ctx: Context, conv) -> None:
        """Route one inbound message; `conv` is the caller's locked Dialogue."""
        inbound = ctx.inbound
        if ctx.sender is None:
            return self._run(ctx, conv, self.fallbacks["unknown_user"], "unknown_user")
        if inbound.msg_type == "event":
            if inbound.event == "template_card_event":
                return self._card_event(ctx, conv)
            if inbound.event == "click" and inbound.event_key:
                command = self.command_for_menu(inbound.event_key)
                if command:
                    return self._command(ctx, conv, command, "")
                control = self.control_word(inbound.event_key)  # a 帮助/取消 menu item
                if control:
                    return self._run(ctx, conv, self.fallbacks[control], control)
            handler = self.events.get(inbound.event or "")
            return self._run(ctx, conv, handler or self.fallbacks["unsupported"], inbound.event or "event")
        if inbound.msg_type != "text":
            return self._run(ctx, conv, self.fallbacks["unsupported"], "unsupported")

        text = ctx.text
        control = self.control_word(text)
        if control:
            return self._run(ctx, conv, self.fallbacks[control], control)
        if conv.state and conv.state in self.states:
            return self._state(ctx, conv)
        found = self.find_command(text)
        if found and found[1]:  # 「查看 周报情况」: a verb, then a command of its own
            found = self._in_sentence(text, bare=True) or found
        asked = None
        if found and self._asks_about(*found):  # 「通报发了吗」: a pattern may know the question
            asked, found = found, None
        if found and self.allowed(found[0], ctx.sender):
            return self._command(ctx, conv, found[0], found[1])
        barred = None  # a command this sender may not use, in a sentence: other readings first
        if found and self._runs_on(text, found[1]) and not HOW_TO.fullmatch(found[1].strip(ARGS_PUNCTUATION)):
            barred, found = found, None  # 「通报里说我们不合格」 from a unit: a sentence, not 通报
        if asked and not self.allowed(asked[0], ctx.sender):
            barred, asked = asked, None  # 「约谈我们了吗」 from a unit: its record, else what 约谈 is
        refused = None
        for regex, handler, roles in self.patterns:  # also before a command this sender may not use:
            match = regex.match(text)                 # a bureau user's 「周报交了吗」 is the roll-up's question
            if match and (roles is None or ctx.sender.has_role(*roles)):
                ctx.match = match
                return self._run(ctx, conv, handler, handler.__name__)
            if match and refused is None:
                refused = self.refusals.get(handler)
        found = found or self._in_sentence(text)  # 「我要交周报」, 「帮我查一下台账」
        if found is None and refused:  # a sentence standing for a command this sender may not use
            found = self.find_command(refused)
        found = found or asked  # its help (or why not)
        if found:  # says why not, if it may not be used
            return self._command(ctx, conv, found[0], found[1])
        for regex, handler, roles in self.guesses:
            match = regex.match(text)
            if match and (roles is None or ctx.sender.has_role(*roles)):
                ctx.match = match
                if self._run(ctx, conv, handler, handler.__name__) != PASS:
                    return None
        if barred and (self._asks_about(*barred) or not self.suggest(text, ctx.sender)):
            return self._command(ctx, conv, *barred)  # its help, or why not (nothing closer this sender may use)
        return self._run(ctx, conv, self.fallbacks["unknown_text"], "unknown_text")

    def control_word(self, text: str) -> str | None:
        # 「取消。」「返回！」「HELP」 are the same words: never taken as an answer to the question
        word = text.rstrip(CONTROL_TRAILING).lower()
        # 「算了吧」「取消吧」「我不想填了」 too: a way out, said as clerks say it
        quit_said = word.removesuffix("吧").rstrip(CONTROL_TRAILING).removeprefix("我").replace("不想", "不", 1)
        if quit_said in ("取消", "退出", "算了", "不弄了", "先不弄了", "不申请了", "不办了", "先不办了", "不填了", "不报了",
                         "不做了"):
            return "cancel"
        if word in BACK_WORDS:
            return "back"
        if word == "继续":
            return "resume"
        if word in ("帮助", "菜单", "帮忙", "怎么用", "使用说明", "help", "?", "？") or text.startswith(HELP_ON) \
                or self._help_on(text):
            return "help"
        return None

    @staticmethod
    def _runs_on(text: str, args: str) -> bool:
        """The command's word runs on into the words after it (「通报里说…」), rather than being given them
        (「通报 教育局」, 「通报：教育局」)."""
        start = len(text.rstrip()) - len(args)
        return bool(args) and start > 0 and not (text[start - 1].isspace() or text[start - 1] in ARGS_PUNCTUATION)

    def _help_on(self, text: str) -> bool:
        """「帮助周报」: 帮助 run together with a command word (other text starting 帮助 is an answer)."""
        found = self.find_command(help_topic(text)) if text.startswith("帮助") else None
        return found is not None and not found[1]

    def _command(self, ctx: Context, conv, command: Command, args: str) -> None:
        allowed = self.allowed(command, ctx.sender)
        stands = phrasing.how_it_stands(args) if command.questions and allowed else None
        if stands is not None:  # 「周报情况怎么样」, 「周报怎么样了」: shown as it stands (what is seen of 周报 is its roll-up)
            seen = self.find_command(phrasing.SEEN_AS.get(command.name, command.name))
            return self._command(ctx, conv, seen[0] if seen else command, stands)
        if HOW_TO.fullmatch(args.strip(ARGS_PUNCTUATION)) or self._asks_about(command, args):
            ctx.text = f"帮助 {command.name}"  # (「约谈是什么」 from a unit: what it is, and who uses it)
            return self._run(ctx, conv, self.fallbacks["help"], "help")
        if not allowed:
            return self._run(ctx, conv, self.fallbacks["forbidden"], "forbidden", command=command)
        ctx.args = "" if not args.strip(ARGS_PUNCTUATION) else args  # 「周报。」 is 「周报」
        if conv.state:  # starting a new command (a menu item) leaves the open dialogue, saying so
            left = self.set_aside(conv)
            if left:
                ctx.reply(left)
            _clear(conv)
        self._run(ctx, conv, command.handler, command.name)

    def _state(self, ctx: Context, conv) -> None:
        state = self.states[conv.state]
        ctx.state = conv.state
        saved = copy.deepcopy(conv.data)
        ctx.data = copy.deepcopy(conv.data)
        ctx.handler_name = state.name
        _may_run(ctx, state.handler)
        command = self._unoffered_command(ctx, state)
        try:
            result = state.handler(ctx)
        except Reask as wrong:
            ctx.data = saved
            ctx.reply(wrong.hint + self._escape_hint(ctx))
            ctx.reply(state.prompt(ctx))
            return
        # answered: a form begun anew gives up its older draft now (said when it began), unless the answer kept one
        if conv.draft and self.conversation_of(conv.state) and not ctx.kept_draft:
            drafts.drop(conv, self.conversation_of(conv.state).prefix)
        if command and result in self.states:  # taken as the answer; the next question follows
            info = self.conversation_of(conv.state)
            title = f"「{info.title}」" if info else "当前对话"
            ctx.reply(f"（已把「{command}」记作上面这个问题的回答。如果您是想使用「{command}」功能，"
                      f"请回复「上一步」改回，或回复「取消」结束{title}后再发送「{command}」。）")
        self._apply(ctx, conv, result, previous=(conv.state, saved))

    @staticmethod
    def _asks_about(command: Command, args: str) -> bool:
        return not command.questions and phrasing.asks_about(args)

    def _unoffered_command(self, ctx: Context, state: State) -> str | None:
        """A bare command word (「台账」) the question does not itself offer: most questions take any
        text, so it becomes the answer — the user is told so, and how to undo it."""
        word = ctx.text.rstrip(ARGS_PUNCTUATION)
        found = self.find_command(word)
        if found is None or found[1] or not self.allowed(found[0], ctx.sender):
            return None
        return None if f"「{word}」" in state.prompt(ctx) else word

    def _escape_hint(self, ctx: Context) -> str:
        """A command word (or a request a pattern knows, 「我要开个抖音号」) typed mid-dialogue is taken as an
        answer; say how to leave instead."""
        found = self.find_command(ctx.text) or self._in_sentence(ctx.text)  # 「我要看台账」 too
        info = self.conversation_of(ctx.state)
        title = f"「{info.title}」" if info else "当前对话"
        if found is not None and info and found[0].name in (info.title, info.title.removesuffix("申请")):
            return f"\n（您正在填写{title}，请回答下面的问题；想重新开始请先回复「取消」。）"  # 「周报」 while filling one
        kept = "，已填的内容会留作草稿，办完后回复「继续」接着填" if info and info.kept_on_cancel and answers_typed(ctx.conv) else ""
        if found is not None and self.allowed(found[0], ctx.sender):
            return f"\n（如果想使用「{found[0].name}」，请先回复「取消」结束{title}{kept}。）"
        if found is None and any(regex.match(ctx.text) and (roles is None or ctx.sender.has_role(*roles))
                                 for regex, _handler, roles in self.patterns):
            return f"\n（如果想另办一件事，请先回复「取消」结束{title}{kept}。）"
        return ""

    def _card_event(self, ctx: Context, conv) -> None:
        inbound = ctx.inbound
        card = ctx.session.get(Card, inbound.task_id or "")
        kind = (inbound.task_id or "").split("-", 1)[0]
        handler = self.cards.get(kind)
        # WeCom ignores case in userids: the card went to the directory's spelling, the tap comes in WeCom's
        if card is None or handler is None or card.userid.lower() != inbound.userid.lower():
            ctx.reply("这张卡片已失效或不属于您，请回复「帮助」查看可用操作。")
            ctx.handler_name = "card:unknown"
            return
        if inbound.response_code:
            card.response_code = inbound.response_code
        ctx.card = card
        self._run(ctx, conv, handler, f"card:{kind}")

    def _run(self, ctx: Context, conv, handler: Handler, name: str, **extra) -> str | None:
        ctx.handler_name = name
        ctx.data = copy.deepcopy(conv.data) if conv.state else {}
        ctx.state = conv.state
        if extra:
            ctx.data["_extra"] = extra  # only for fallbacks that need the command
        _may_run(ctx, handler)
        result = handler(ctx)
        ctx.data.pop("_extra", None)
        if result == PASS or name in ("cancel", "back", "resume", "help", "forbidden", "unknown_text"):
            return result  # (these manage `conv` themselves)
        # (marked: the command answered it, the user typed no answer — see `answers_typed`)
        self._apply(ctx, conv, result, previous=(*ctx.answered, "command") if ctx.answered else None)
        return None

    def _apply(self, ctx: Context, conv, result: str | None, previous) -> None:
        if result == END:
            _clear(conv)
        elif result is None:
            if conv.state:
                conv.data = ctx.data
        else:
            if result not in self.states:
                raise KeyError(f"unknown state {result!r}")
            if previous is not None:
                conv.history = [*conv.history, list(previous)]
            elif conv.state != result:
                conv.history = []
            if conv.state is None:
                self._replace_draft(ctx, conv, result)
            conv.state = result
            conv.data = ctx.data
            ctx.reply(self.states[result].prompt(ctx))

    def keep_draft(self, conv) -> tuple[str, str | None]:
        """Keep the open dialogue as the draft 继续 resumes, beside other forms' drafts (bot/drafts.py); (what it
        holds, the title of the same form's draft it replaced)."""
        info = self.conversation_of(conv.state)
        title = info.title if info else "上次的操作"
        replaced = drafts.keep(conv, {"state": conv.state, "data": conv.data, "history": conv.history, "title": title})
        return (info.summary(conv.data) if info and info.summary else ""), replaced

    def set_aside(self, conv) -> str:
        """Another task is begun mid-dialogue (a menu item, a card's 驳回): a long form with answers typed is kept as
        the draft 继续 resumes, others are dropped; what to say of it ("" if it is no dialogue of a feature)."""
        info = self.conversation_of(conv.state)
        if info is None:
            return ""
        if info.kept_on_cancel and answers_typed(conv):
            self.keep_draft(conv)
            return f"（未完成的「{info.title}」已保存为草稿，办完这件事后回复「继续」可接着填写）{drafts.earlier_kept(conv)}"
        return f"（已放弃未完成的「{info.title}」）"

    def _replace_draft(self, ctx: Context, conv, starting: str) -> None:
        """Starting a form anew while its draft waits (「周报」 typed again after 取消): the draft is kept until the
        first answer (`_state` drops it then; a later 继续 must not revive it), and 继续 before that takes it up."""
        info = self.conversation_of(starting)
        old = self.draft_of(conv, info)
        if old is not None:
            summary = info.summary(old.get("data") or {}) if info.summary else ""
            ctx.reply(f"（您有未完成的「{info.title}」草稿{f'（{summary}）' if summary else ''}，回复「继续」接着填写草稿；"
                      "回答下面的问题则重新填写，草稿作废。）")

    @staticmethod
    def draft_of(conv, info: ConversationInfo | None) -> dict | None:
        """The draft of the form `info` is, if one waits."""
        return next((d for d in drafts.all_of(conv) if drafts.form_of(d) == info.prefix), None) if info else None


def help_topic(text: str) -> str:
    """「周报」 of 「帮助 周报」, 「帮助　周报」 (a full-width space), 「帮助：周报」."""
    return text.removeprefix("帮助").strip().strip(ARGS_PUNCTUATION + "：:").strip()


def answers_typed(conv) -> int:
    """How many answers the user typed in the open dialogue (not those its command answered: 「开设 抖音」)."""
    return sum(1 for entry in conv.history if len(entry) == 2)


def cancel_offer(ctx: Context, action: str = "暂不提交") -> str:
    """「取消」 as a long form's question offers it: once an answer was typed, 取消 keeps the answers as the draft
    继续 resumes (a form the command filled in, 「说明 3 已恢复」, or 修改 N, has nothing typed to keep)."""
    typed = ctx.conv is not None and answers_typed(ctx.conv)
    return f"「取消」{action}（已填的内容留作草稿）" if typed else "「取消」放弃"


def _may_run(ctx: Context, handler: Handler) -> None:
    if not getattr(handler, "dialogue_only", False):
        ctx.needs_lock = True
        if ctx.unlocked:
            raise NeedsLock(getattr(handler, "__name__", "handler"))


def _clear(conv) -> None:
    conv.state = None
    conv.data = {}
    conv.history = []
    conv.expires_at = None
