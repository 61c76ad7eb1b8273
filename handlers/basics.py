"""Greeting, help, cancel, back, resume, and the answers for everything else."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy import select, text

from bot import clock, drafts, outbox
from bot.choices import number_said
from bot.router import ARGS_PUNCTUATION, PASS, Context, Router, answers_typed, dialogue_only, help_topic
from bot.suggest import Index
from handlers import unit_todo
from handlers.screenshots import SCREENSHOT_MINUTES
from models import org
from models.org import ROLE_NAMES, UnknownSender

GREETING = "您好，{name}！我是政务新媒体助手。"
# Said to the bot as to a person: answered as a person would, with what the bot can do.
# (Compared after lower-casing and dropping trailing ！~。)
GREETINGS = frozenset({"你好", "您好", "你好呀", "在吗", "在不在", "哈喽", "嗨", "hi", "hello",
                       "早", "早上好", "上午好", "下午好", "晚上好"})
# The menu of a person the directory knows without a role: the commands need one (they would refuse him)
NO_ROLE = ("{name}（{unit}）在通讯录中还没有分配角色，暂时不能使用助手的功能（填报周报、提交和审批申请等）。"
           "请联系县政数局政务新媒体管理员在名册中为您指定角色（单位工作人员、单位负责人等）。")
# A new user asking what the bot is for: answered with the menu
WHAT_FOR = re.compile(r"(?:请问)?(?:我|你|您|助手|这个)?(?:都)?(?:能|可以|会)(?:做|干|帮我?|办)?(?:些)?(?:什么|啥|哪些)(?:事情?|功能)?"
                      r"|(?:请问)?(?:你|您|助手|这个)?(?:都)?有(?:什么|啥|哪些)功能"
                      r"|(?:请问)?(?:这个|助手)?(?:要|该)?(?:怎么|如何|怎样)使用")
# Asking who the bot is: answered as a greeting (it says what it is, then the menu)
WHO_ASKED = re.compile(r"(?:你|您|这个?)是?(?:谁|什么|啥|干什么的|干啥的|干嘛的|做什么的|机器人吗|真人吗)")
THANKS = frozenset({"谢谢", "好的谢谢", "谢谢你", "辛苦了", "感谢", "多谢", "谢了", "[抱拳]", "[握手]"})
# Acknowledging a notice (「收到」 is how a clerk answers one): said back, not taken for a command
ACKS = frozenset({"收到", "收到了", "已收到", "收到收到", "知道了", "明白", "明白了", "了解", "好嘞", "嗯", "嗯嗯",
                  "👍", "👌", "🙏", "[强]", "[ok]", "[好的]"})
# Answers to a question nobody asked (the dialogue ended, expired or was never started).
HOW_FIRST = re.compile(r"(?:请问)?(?:我们?)?(?:要|该|应该)?(?:怎么|咋|如何|怎样)样?(?:才能)?(?:填|写|用|交|报|提交|申请|办|弄|做|使用)?"
                       r"(?P<topic>.+?)[？?呢啊呀。]*")
HOW_TOPICS = {"审批": "同意", "签字": "同意", "审核": "同意", "批": "同意"}  # 「怎么审批」: how an approver approves
# An answer, or an acknowledgement: taken for the latter unless a draft waits
OKAYS = frozenset({"好", "好的", "ok", "行", "好滴", "好哒"})
ANSWERS = frozenset({"确认", "确定", "提交", "是", "是的", "好", "好的", "对", "ok", "否", "不", "不用"})
MEDIA_ANSWER = ("暂时只能处理文字消息和卡片按钮。图片只在回复「已整改」「已报送」后"
                f"{SCREENSHOT_MINUTES}分钟内、或回复「补截图」选好事项后作为截图收下；语音、文件等请改用文字，"
                "回复「帮助」查看可用功能。")

# Events nobody sent to the bot on purpose: answered with silence. Any other event the bot has no handler for
# (a scan, a photo, a location picked from a menu, an event WeCom adds later) was a member's own action in the
# app and gets MEDIA_ANSWER. (Event names as WeCom's 事件格式 page gives them, lower-cased by bot/wecom_crypto.)
AUTOMATIC_EVENTS = frozenset({
    "subscribe", "unsubscribe",  # an admin put the member into the app's visible range, or took him out
    "location",  # LOCATION: reported by the app on entering its chat, once the member allowed it
    "view", "view_miniprogram",  # a menu item that opens a web page or mini program: the member has left the chat
    "change_contact",  # members, departments or tags changed in the directory (the sender is "sys")
    "batch_job_result",  # an asynchronous directory import finished (the sender is the admin who started it)
    "open_approval_change",  # the status of an approval in WeCom's own approval flow changed
})


FEATURE_TITLES = {  # handler module (without its _suffix) → the menu's group title
    "registry": "台账", "approvals": "开设变更注销审批", "weekly": "周报", "dormancy": "监督检查",
    "rectification": "监督检查", "screenshots": "监督检查", "measures": "监督检查", "unit_record": "监督检查", "digest": "监督检查",
    "statistics": "监督检查",
    "training": "培训台账", "bulletin": "月度通报", "resend": "推送",
}


@dataclass(frozen=True)
class _Topic:
    """A section of the menu, shaped like a command for bot.suggest (its title is its only word)."""
    name: str
    help: str | None = None
    detail: str | None = None

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name,)


@dataclass
class _Help:
    """帮助 for one set of roles: the commands by section, the menu, and both taken apart for 帮助 <topic>."""
    groups: dict[str, list]
    menu: str
    index: Index | None = None  # made on the first 帮助 <unknown topic>


@lru_cache(maxsize=None)
def feature_title(module: str) -> str:
    name = module.rsplit(".", 1)[-1]
    return FEATURE_TITLES.get(name) or FEATURE_TITLES.get(name.split("_", 1)[0]) or "其他"


# The platform account itself (its password, a ban): not what the bot holds — said, when nothing else understood it
PLATFORM_LOGIN = r".*(?:密码|登录不上|登不上|登陆不上|被封|封号|解封|找回账号|收不到验证码)"

# The account taken over or misused (第20、22、23条): what to do at once, and whom at the bureau to tell
ACCOUNT_INCIDENT = r".*(?:被盗|被黑|被攻击|被篡改|被冒用|被人冒充|有人冒充|假冒我们|被仿冒|发了不该发|误发|发错了?(?:内容|消息|文章))"


def register(router: Router) -> None:
    @router.pattern(ACCOUNT_INCIDENT, guess=True)
    def account_incident(ctx: Context):
        from models.oversight import bureau_admins
        admins = "、".join(p.name for p in bureau_admins(ctx.session, ctx.person.unit) if p.id != ctx.person.id)
        ctx.reply("账号出现安全问题或发布了不当内容，请立即处理（《办法》第20、22、23条）：\n"
                  "1. 按平台的官方办法修改密码、冻结或找回账号，删除或更正有问题的内容；\n"
                  "2. 向单位负责人报告，并尽快告知县政数局" + (f"（{admins}）" if admins else "") + "；\n"
                  "3. 涉及违法有害信息或可能引发重大舆情的，按程序上报网信部门。\n"
                  "助手不能登录或操作平台账号；处理后如需变更负责人或注销账号，请回复「变更」或「注销」。")

    @router.pattern(PLATFORM_LOGIN, guess=True)
    def platform_login(ctx: Context):
        ctx.reply("助手管理的是政务新媒体账号的审批、周报和监管，不保存、也不能找回平台账号的密码。登录、密码、封号等问题"
                  "请按平台的官方办法处理（如微信公众平台的“找回密码”），或联系账号负责人；账号负责人变了请回复"
                  "「变更 账号名称 负责人」。")

    def help_text(ctx: Context) -> str:
        topic = help_topic(ctx.text) if ctx.text.startswith("帮助") else ""
        sender = ctx.sender
        if topic:
            found = router.find_command(topic)
            title = topic.strip("【】「」")
            section = help_of(sender).groups.get(title)
            if section and not (found and not found[1]):  # 「帮助 周报」 is the command's, not the section's
                return section_text(title, section)
            if found and router.allowed(found[0], sender) and (why := router.withheld(found[0], sender)):
                return f"「{found[0].name}」：{why}"  # (开设 for a classified unit's clerk, 第8条)
            if found and router.allowed(found[0], sender):  # 「帮助 同意 7」 too
                command = found[0]
                aliases = f"（也可以说：{'、'.join(command.aliases)}）" if command.aliases else ""
                return f"「{command.name}」{aliases}\n{command.detail or command.help or ''}"
            return not_found(topic, found[0] if found else None, sender)
        if not sender.roles:  # a bureau's new member until the roster names his role (docs/org.md)
            return NO_ROLE.format(name=sender.name, unit=sender.unit_name)
        roles = "、".join(ROLE_NAMES[r] for r in sorted(sender.roles))
        return f"{sender.name}（{sender.unit_name}，{roles}）可以使用：\n" + help_of(sender).menu

    def section_text(title: str, commands: list) -> str:
        lines = [f"【{title}】{len(commands)}项功能："]
        lines += [f"·{c.name}：{c.help}" for c in commands]
        lines.append("回复「帮助 功能名」查看某一功能的详细说明。")
        return "\n".join(lines)

    def not_found(topic: str, command, sender) -> str:
        if command is not None:  # a command this sender may not use: what it is, and who uses it
            who = "、".join(ROLE_NAMES[r] for r in sorted(command.roles or ()))
            what = f"：{command.help.rstrip('。')}" if command.help else ""
            return f"「{command.name}」是{who}使用的功能{what}。您没有这个权限，回复「帮助」查看您可以使用的功能。"
        known = help_of(sender)
        if known.index is None:  # the closest section titles and commands, taken apart once per set of roles
            known.index = Index([*(_Topic(title) for title in known.groups), *router.menu(sender)])
        close = known.index.closest(topic)
        hint = f"您是不是想看：{'、'.join(f'「帮助 {name}」' for name in close)}？\n" if close else ""
        return f"没有找到「{topic[:20]}」的帮助。{hint}回复「帮助」查看全部功能。"

    def help_of(sender) -> _Help:
        key = router.menu_key(sender)
        found = helps.get(key)
        if found is None:  # the commands are fixed once registered: one help per set of roles (and withheld ones)
            groups: dict[str, list] = {}
            for command in router.menu(sender):  # in registration order (features as listed)
                commands = groups.setdefault(feature_title(command.handler.__module__), [])
                if all(c.name != command.name for c in commands):
                    commands.append(command)
            # One line per feature keeps the menu within one WeCom message for every role.
            menu = "\n".join([*(f"【{title}】{'、'.join(c.name for c in commands)}" for title, commands in groups.items()),
                              "对话中随时可以回复「取消」结束、「上一步」返回上一问。",
                              "回复「帮助 功能名」查看说明，例如「帮助 周报」；「帮助 监督检查」等列出一组功能。"])
            found = helps[key] = _Help(groups, menu)
        return found
    helps: dict[tuple, _Help] = {}

    @router.fallback("help")
    @dialogue_only
    def show_help(ctx: Context):
        ctx.reply(help_text(ctx))
        conv_state = ctx.state
        if conv_state and conv_state in router.states:
            ctx.reply("（当前对话仍在进行）\n" + router.prompt(ctx, conv_state))

    def greeting_text(ctx: Context) -> str:
        """「您好，张伟！…」, then what waits for him (handlers/unit_todo.py), then the menu."""
        waiting = unit_todo.waiting_line(ctx)
        return "\n".join([GREETING.format(name=ctx.sender.name), *([waiting] if waiting else []), help_text(ctx)])

    @router.event("enter_agent")
    def greet(ctx: Context):
        already = bool(ctx.replies)  # the expiry notice of a dialogue that timed out just now
        ctx.reply(greeting_text(ctx))
        if ctx.state and ctx.state in router.states:  # back from a break: the question still stands
            ctx.reply("（当前对话仍在进行）\n" + router.prompt(ctx, ctx.state))
        elif ctx.conv.draft and not already:
            ctx.reply(f"回复「继续」接着填写未完成的「{ctx.conv.draft.get('title', '')}」{others_waiting(ctx.conv)}。")

    @router.command("菜单", "功能", help=None)
    @dialogue_only
    def menu(ctx: Context):
        ctx.reply(help_text(ctx))

    @router.fallback("cancel")
    @dialogue_only
    def cancel(ctx: Context):
        conv = ctx.conv
        info = router.conversation_of(conv.state)
        if not conv.state:
            ctx.reply("当前没有进行中的操作。回复「帮助」查看可用功能。")
            return
        note = info.cancelled(ctx) if info and info.cancelled else None  # None: nothing of it was kept
        kept = kept_as_draft(conv, info)
        older = router.draft_of(conv, info) if not kept else None  # begun anew, left before an answer
        if older is not None:
            kept = f"\n之前保存的「{info.title}」草稿仍保留，回复「继续」可接着填写。"
        _reset(conv)
        ctx.reply(f"已取消「{info.title if info else '当前操作'}」" + (f"：{note}" if note else "，没有提交任何内容。")
                  + kept)

    def kept_as_draft(conv, info) -> str:
        """A long form left by one word after answers were given: kept as the draft 继续 resumes, as on a timeout."""
        if not (info and info.kept_on_cancel and answers_typed(conv)):
            return ""
        summary, replaced = router.keep_draft(conv)
        what = f"已填写的内容（{summary}）" if summary else "已填写的内容"
        older = f"（之前保存的「{replaced}」草稿已被这份取代。）" if replaced else ""
        return f"\n{what}已保存为草稿，回复「继续」可接着填写（不需要就不用理会）。{older}{drafts.earlier_kept(conv)}"

    @router.fallback("back")
    @dialogue_only
    def back(ctx: Context):
        conv = ctx.conv
        if not conv.state:
            ctx.reply("当前没有进行中的操作。")
            return
        if not conv.history:
            ctx.reply("已经是第一步了。")
            ctx.reply(router.prompt(ctx, conv.state))
            return
        state, data = conv.history[-1][:2]
        conv.history = conv.history[:-1]
        conv.state, conv.data = state, data
        ctx.data = data
        ctx.state = state
        ctx.reply(f"好的，回到上一步{router.where(state, data)}。\n" + router.prompt(ctx, state))

    @router.fallback("resume")
    @dialogue_only
    def resume(ctx: Context):
        conv = ctx.conv
        if conv.state in router.states:
            info = router.conversation_of(conv.state)
            if answers_typed(conv) or router.draft_of(conv, info) is None:
                ctx.reply(router.prompt(ctx, conv.state))
                return
            drafts.bring_forward(conv, info.title)  # the form begun anew, not yet answered: back to its draft
        if not conv.draft or conv.draft.get("state") not in router.states:
            ctx.reply("没有可以继续的草稿。回复「帮助」查看可用功能。")
            return
        draft = drafts.take(conv)  # (another form's draft left before it becomes the one 继续 resumes next)
        conv.state, conv.data, conv.history = draft["state"], draft["data"], draft["history"]
        ctx.data, ctx.state = conv.data, conv.state
        later = others_waiting(conv, now=True)
        ctx.reply(f"好的，继续「{draft.get('title', '')}」{router.where(conv.state, conv.data)}。{later}\n"
                  + router.prompt(ctx, conv.state))

    def others_waiting(conv, now: bool = False) -> str:
        """The other forms' drafts, said where one is offered or resumed: nothing of them is lost meanwhile."""
        titles = drafts.titles(conv)[0 if now else 1:]
        if not titles:
            return ""
        named = "、".join(f"「{title}」" for title in titles)
        return (f"（另有未完成的{named}草稿，这件办完后回复「继续」接着填写）" if now
                else f"（另有{named}的草稿，回复「继续 {titles[0]}」接着填写）")

    @router.pattern(r"继续\s*(?P<form>\S.{0,19})$", guess=True)
    def resume_named(ctx: Context):
        """「继续 周报」: the draft of that form, when several forms wait (「继续」 takes the latest)."""
        wanted = ctx.match["form"].strip(ARGS_PUNCTUATION).removeprefix("填写").removeprefix("填")
        if not drafts.bring_forward(ctx.conv, wanted):
            if not ctx.conv.draft:
                return PASS
            named = "、".join(f"「{title}」" for title in drafts.titles(ctx.conv))
            ctx.reply(f"没有「{wanted}」的草稿。未完成的草稿有：{named}，回复「继续」加名称接着填写，例如「继续 "
                      f"{drafts.titles(ctx.conv)[0]}」。")
            return None
        return resume(ctx)

    @router.fallback("forbidden")
    def forbidden(ctx: Context):
        command = ctx.data.get("_extra", {}).get("command")
        who = "、".join(ROLE_NAMES[r] for r in sorted(command.roles)) if command else "指定角色"
        ctx.reply(f"「{command.name if command else '该功能'}」仅限{who}使用，您没有这个权限。"
                  f"如需开通请联系{granting_office(ctx)}。")

    def granting_office(ctx: Context) -> str:
        """Who grants roles to the asker: the city bureau's own people ask its admin, everyone else the county."""
        return "市政数局管理员" if ctx.person and ctx.person.unit.kind == org.CITY_BUREAU else "县政数局"

    @router.fallback("unknown_text")
    @dialogue_only
    def unknown(ctx: Context):
        greeting = unicodedata.normalize("NFKC", ctx.text).lower().rstrip("~～!！。.")  # 「ＯＫ」 full-width
        if greeting in THANKS:
            ctx.reply("不客气！还有需要随时找我，回复「帮助」查看可用功能。")
            return
        if greeting in GREETINGS:
            ctx.reply(greeting_text(ctx))
            return
        if WHO_ASKED.fullmatch(ctx.text.rstrip("？?呢呀啊。!！~～ ")):  # 「你是谁」「这是什么」
            ctx.reply(greeting_text(ctx))
            return
        if WHAT_FOR.fullmatch(ctx.text.rstrip("？?呢呀啊。!！~～ ")):  # 「我能做什么」「有什么功能」
            ctx.reply(help_text(ctx))
            return
        if greeting in ACKS or (greeting in OKAYS and not ctx.conv.draft):  # 「好的」 to a notice is 「收到」
            ctx.reply("好的。还有需要随时找我，回复「帮助」查看可用功能。")
            return
        if greeting in ANSWERS:
            draft = ctx.conv.draft
            title = draft.get("title") if draft else None
            ctx.reply("当前没有等待您确认的操作，什么也没有提交。"
                      + (f"\n未完成的「{title}」已保存为草稿，回复「继续」可接着填写。" if title else
                         "\n回复「帮助」查看可用功能。"))
            return
        if ctx.text.startswith("帮助"):  # 「帮助监督检查」: a topic run together with 帮助 (the router knows commands only)
            ctx.reply(help_text(ctx))
            return
        how = HOW_FIRST.fullmatch(ctx.text)  # 「怎么填周报」: the command's help
        topic = how.group("topic") if how else ""
        found = router.find_command(HOW_TOPICS.get(topic, topic)) if how else None
        if found and not found[1]:  # (one the sender may not use: who may)
            ctx.text = f"帮助 {found[0].name}"
            ctx.reply(help_text(ctx))
            return
        if ctx.expired is not None:  # the dialogue expired just now (bot/dispatch.py said so): meant as its answer
            ctx.reply(not_recorded(ctx))
            return
        if number_said(ctx.text) is not None:  # 「2」: a choice from a list no longer asked, not a command's words
            draft = ctx.conv.draft
            ctx.reply(f"当前没有等待您回答的问题，「{ctx.text.strip()[:10]}」没有记入。"
                      + (f"\n未完成的「{draft.get('title')}」已保存为草稿，回复「继续」可接着填写。" if draft else
                         "\n回复「帮助」查看可用功能。"))
            return
        close = router.suggest(ctx.text, ctx.sender)
        if close:
            ctx.reply(f"没有理解「{ctx.text[:20]}」。您是不是想用：{'、'.join(close)}？\n回复「帮助」查看全部功能。")
        else:
            ctx.reply("没有理解您的消息。回复「帮助」查看可用功能。")

    def not_recorded(ctx: Context) -> str:
        """An answer to a dialogue that expired just now: 继续 takes it up again only if it was kept as the latest
        draft — with nothing typed yet it was not, and 继续 would open another form's draft."""
        draft = ctx.conv.draft
        if draft and draft.get("title") == ctx.expired:
            return "（您刚才的回复没有记入，回复「继续」后请重新回答。）"
        return f"（您刚才的回复没有记入。「{ctx.expired}」还没有填写内容，需要时请重新开始。）"

    @router.fallback("unsupported")
    def unsupported(ctx: Context):
        if automatic(ctx):
            return None  # not addressed to us: no answer
        if ctx.inbound.msg_type == "event" and ctx.inbound.event == "click":  # a menu key no command claims
            ctx.reply("这个菜单项暂时不可用。回复「帮助」查看可用功能。")
            return None
        media_answer(ctx)  # a picture, a voice note, a file, or an event we have no handler for

    def media_answer(ctx: Context) -> None:
        ctx.reply(MEDIA_ANSWER)
        if ctx.state and ctx.state in router.states:  # a voice note mid-dialogue: the question still stands
            ctx.reply("（当前对话仍在进行）\n" + router.prompt(ctx, ctx.state))

    @router.fallback("unknown_user")
    def unknown_user(ctx: Context):
        if automatic(ctx):  # "sys" tells of a directory change; a newcomer's subscribe was the admin's doing
            return
        if ctx.deactivated:  # the roster took him off: not a stranger to report, nor one who was never registered
            ctx.reply("您好，您在政务新媒体助手的通讯录中已停用（调离或离职时会停用），暂时无法使用。"
                      "如果您仍负责政务新媒体工作，请联系县政数局政务新媒体管理员恢复。")
            return
        ctx.reply("您好，您的账号还没有登记在政务新媒体助手的通讯录中，暂时无法使用。"
                  "请联系县政数局政务新媒体管理员开通。")
        _tell_bureau_once_a_day(ctx)

    def _reset(conv) -> None:
        conv.state, conv.data, conv.history, conv.expires_at = None, {}, [], None


def automatic(ctx: Context) -> bool:
    """An event of AUTOMATIC_EVENTS: the member did not address the bot."""
    return ctx.inbound.msg_type == "event" and ctx.inbound.event in AUTOMATIC_EVENTS


# Any number that stays the same; takes turns between unknown senders of the same moment (PostgreSQL).
UNKNOWN_SENDER_LOCK = 0x7A776D74


def bureau_admins_for_unknown_senders(session) -> list:
    """Who hears about unknown senders: the admins of the topmost bureau level that has any.

    A userid the directory does not know carries no unit, so we cannot tell which county it
    belongs to. The city bureau oversees every county, so its admins hear about it if it has
    any; a deployment run by the counties (the city bureau without an admin, as in the demo)
    tells every county bureau's admins, since any of them may be the one to register the
    person. Host units' admins never hear: this is the bureaus' business.
    """
    for kind in (org.CITY_BUREAU, org.COUNTY_BUREAU):
        units = list(session.scalars(select(org.Unit.id).where(org.Unit.kind == kind, org.Unit.active)))
        admins = org.people_with_role(session, org.BUREAU_ADMIN, units) if units else []
        if admins:
            return admins
    return []


def _tell_bureau_once_a_day(ctx: Context) -> None:
    """At most one push per day: only the day's first unknown sender causes one, to each recipient."""
    session = ctx.session
    day = clock.today().isoformat()
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = postgresql.insert if postgres else sqlite.insert
    # RETURNING tells whether the row is new (rowcount is -1 on PostgreSQL for an ORM insert)
    inserted = session.execute(insert(UnknownSender).values(userid=ctx.userid, day=day, first_seen=clock.now())
                               .on_conflict_do_nothing().returning(UnknownSender.id)).first()
    if inserted is None:
        return
    if postgres:  # two unknown senders at once must not both count as the first (SQLite: BEGIN IMMEDIATE)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UNKNOWN_SENDER_LOCK})
    already = session.scalar(select(UnknownSender.id).where(UnknownSender.day == day,
                                                            UnknownSender.userid != ctx.userid))
    if already:
        return  # the bureau hears at most once a day
    admins = bureau_admins_for_unknown_senders(session)
    outbox.push_text(session, admins, f"提醒：今天有未登记的企业微信成员（{ctx.userid}）给助手发消息。"
                     "如需开通，请在通讯录中登记后执行「flask --app bot org import」或「org sync」。"
                     "（当天其他未登记成员的消息不再另行提醒。）")
