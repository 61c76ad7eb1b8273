"""Screenshots (截图) for what a clerk has reported: 「已整改」 (a rectification answer) or 「已报送」 (a national
registry filing).

In the window: a picture sent within SCREENSHOT_MINUTES is attached to the newest such filing still without one
and not settled. No dialogue state: the clerk may type anything in between, and text is handled as usual. Each
filing keeps one screenshot: a further picture within the window is not kept, and the clerk is told where the first
one is; a filing settled in the window (an answer the bureau reviewed meanwhile) takes none, as in 补截图, and the
clerk is told why.

Later: 「补截图」 lists the sender's own filings of the last LATE_DAYS still without a screenshot (newest first; with
exactly one, no list) and waits for the picture in the PICTURE state. The router sends every picture to the
"unsupported" fallback, inside a dialogue too, so the picture is taken in the wrapper below and attached just as
in the window. A filing that got its screenshot meanwhile keeps the first one; one settled since (a rectification
answer the bureau has reviewed) takes none (`Kind.settled`). A picture with nothing to take it gets the usual
answer, which names 补截图 when the sender has a filing still without a screenshot.

Kept: the callback records the picture's media id and a pending Screenshot row (`keep`); a job fetches the bytes
from WeCom, which holds them 3 days only (jobs/screenshots.py). If WeCom no longer has them, the filing is without
a screenshot again (补截图 offers it) and the clerk is told so once.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot import clock
from bot.choices import numbered, pick
from bot.router import END, Context, Reask, Router
from jobs import screenshots as keeping
from models.org import userid_is
from models.screenshot import Screenshot

SCREENSHOT_MINUTES = 30
LATE_DAYS = 30  # 补截图 offers the filings of the last LATE_DAYS
LIST_MAX = 10  # at most this many in 补截图's list (the newest)
CHOOSE, PICTURE = "screenshot.choose", "screenshot.picture"
ONE_EACH = "每项只保存一张"


@dataclass(frozen=True)
class Kind:
    """A kind of filing that takes a screenshot, as its feature describes it (the columns are of one model)."""
    name: str  # kept in the 补截图 dialogue's data
    by: InstrumentedAttribute  # the filer's userid
    at: InstrumentedAttribute  # when it was filed
    shot: InstrumentedAttribute  # the screenshot's WeCom media id (None: none yet, or it could not be kept)
    stored: InstrumentedAttribute  # the Screenshot row that keeps the picture (models/screenshot.py)
    attach: Callable[[Context, Any], None]  # after `keep`: audit, reply
    label: Callable[[Any], str]  # 「整改事项 3 的整改情况」
    detail: Callable[[Any], str]  # what it was about, for 补截图's list
    settled: Callable[[Any], str | None] = lambda row: None  # why it takes no 补截图 any more
    # once the picture is stored (jobs/screenshots.py, in its transaction): e.g. forward it to the bureau
    on_stored: Callable[[Session, Any, Screenshot], None] = lambda session, row, shot: None

    @property
    def model(self):
        return self.by.class_


@dataclass
class Waiting:
    """A filing of the window: when it was made, and how to attach the picture to it (None: it takes none, and
    `why` says so, e.g. 「第3号申请的报送记录已经收下了您之前发的截图（每项只保存一张）。」)."""
    at: datetime
    attach: Callable[[Context], None] | None
    why: str = ""


def waiting(ctx: Context, kind: Kind) -> Waiting | None:
    """The sender's newest filing of the kind in the window still without a screenshot and not settled, to
    attach the picture to; else the newest of the window, with why it takes none; else None."""
    rows = in_window(ctx, kind)
    row = next((r for r in rows if getattr(r, kind.shot.key) is None and kind.settled(r) is None), None)
    if row is not None:
        return Waiting(getattr(row, kind.at.key), lambda c: keep(c, kind, row))
    return Waiting(getattr(rows[0], kind.at.key), None, refusal(kind, rows[0])) if rows else None


def in_window(ctx: Context, kind: Kind) -> list:
    """The sender's rows of the kind made within the window, newest first."""
    return list(ctx.session.scalars(
        select(kind.model).where(userid_is(kind.by, ctx.userid),
                                 kind.at >= ctx.now - timedelta(minutes=SCREENSHOT_MINUTES))
        .order_by(kind.at.desc())))


def refusal(kind: Kind, row) -> str:
    """Why `row` takes no picture: it has its screenshot, or it was settled (reviewed) since."""
    if getattr(row, kind.shot.key) is not None:
        return f"{kind.label(row)}已经收下了您之前发的截图（{ONE_EACH}）。"
    return kind.settled(row) or ""


def missing(ctx: Context) -> list[tuple[Kind, Any]]:
    """The sender's filings of the last LATE_DAYS still without a screenshot and not settled, newest first."""
    since = ctx.now - timedelta(days=LATE_DAYS)
    found = [(kind, row) for kind in kinds().values()
             for row in ctx.session.scalars(select(kind.model).where(
                 userid_is(kind.by, ctx.userid), kind.at >= since, kind.shot.is_(None)))
             if kind.settled(row) is None]
    return sorted(found, key=lambda pair: getattr(pair[1], pair[0].at.key), reverse=True)


def line(kind: Kind, row) -> str:
    """「整改事项 3 的整改情况（11月20日：公众号两周未更新）」"""
    day = clock.localize(getattr(row, kind.at.key))
    return f"{kind.label(row)}（{day.month}月{day.day}日：{kind.detail(row)}）"


@cache
def kinds() -> dict[str, Kind]:
    """What takes a screenshot, by name: one kind per feature."""
    from handlers.approvals_mine import SCREENSHOTS as registry_filing
    from handlers.rectification import SCREENSHOTS as rectification_answer
    return {kind.name: kind for kind in (rectification_answer, registry_filing)}


def register(router: Router) -> None:
    router.conversation("screenshot", title="补截图", summary=chosen_line,
                        cancelled=lambda ctx: "没有保存截图，需要时可以再回复「补截图」。")

    @router.command("补截图", "补发截图", "上传截图", "发截图", "交截图", "截图", help="给「已整改」「已报送」补发截图",
                    detail=f"回复「补截图」列出您最近{LATE_DAYS}天提交、还没有截图的整改情况（已整改）和报送记录（已报送），"
                           "回复序号选好后发送截图（图片）；只有一项时直接请您发送图片。"
                           f"\n回复「已整改」「已报送」后{SCREENSHOT_MINUTES}分钟内直接发送的图片不用补。"
                           "县政数局已审核的整改情况不再补截图；每项只保存一张截图。")
    def late(ctx: Context):
        found = missing(ctx)
        if not found:
            ctx.reply(f"您最近{LATE_DAYS}天没有需要补截图的整改情况或报送记录。\n"
                      f"「补截图」用于回复「已整改」「已报送」超过{SCREENSHOT_MINUTES}分钟后补发截图：列出您还没有截图的事项，"
                      "选好后发送图片（已有截图的、县政数局已审核的整改情况不用补）。")
            return END
        ctx.data["options"] = [[kind.name, row.id, line(kind, row)] for kind, row in found[:LIST_MAX]]
        ctx.data["more"] = max(len(found) - LIST_MAX, 0)
        if len(found) == 1:
            ctx.data["chosen"] = 0
            return PICTURE
        return CHOOSE

    def choose_prompt(ctx: Context) -> str:
        more = f"（另有{ctx.data['more']}项较早的没有列出）" if ctx.data.get("more") else ""
        return numbered([option[2] for option in ctx.data["options"]],
                        f"您最近{LATE_DAYS}天还没有截图的事项{more}，给哪一项补截图？")

    @router.state(CHOOSE, prompt=choose_prompt)
    def choose(ctx: Context):
        index = pick(ctx.text, [option[2] for option in ctx.data["options"]])
        why = unavailable(ctx, index)
        if why:
            raise Reask(f"{why}\n请选择其他事项，或回复「取消」。")
        ctx.data["chosen"] = index
        return PICTURE

    @router.state(PICTURE, prompt=lambda ctx: f"请发送截图（图片），补在{chosen_line(ctx.data)}中。"
                                              "不补了请回复「取消」。")
    def text_instead_of_picture(ctx: Context):
        raise Reask("收到的是文字，没有保存：补截图需要直接发送图片。")

    previous = router.fallbacks["unsupported"]

    @router.fallback("unsupported")
    def unsupported(ctx: Context):
        """A picture goes to 补截图's choice, else to the newest filing of the window; a further one is not kept;
        a late one is pointed to 补截图; everything else as before."""
        if ctx.inbound.msg_type != "image" or not ctx.inbound.media_id:
            if ctx.state == PICTURE and ctx.inbound.msg_type != "event":  # e.g. the screenshot sent as a file
                ctx.reply("这条消息没有保存：补截图只收图片，请把截图直接作为图片发送（不要作为文件发送）。")
                ctx.reply(router.prompt(ctx, PICTURE))
                return None
            return previous(ctx)
        if ctx.state == PICTURE:
            return take_late(ctx)
        if ctx.state == CHOOSE:
            ctx.reply("这张图片没有保存：请先回复序号选好给哪一项补截图，再发送图片。")
            ctx.reply(router.prompt(ctx, CHOOSE))
            return None
        if ctx.state in BEFORE_SUBMITTING:  # the 整改情况 being written: the picture belongs after it goes
            ctx.reply(f"这张图片没有保存：请先{BEFORE_SUBMITTING[ctx.state]}，提交后{SCREENSHOT_MINUTES}分钟内直接发送图片，"
                      "就会作为截图附在这次整改情况中。")
            ctx.reply(router.prompt(ctx, ctx.state))
            return None
        dialogue = router.conversation_of(ctx.state) if ctx.state in router.states else None
        title = dialogue.title if dialogue else None
        if take_in_window(ctx, title):
            return None
        hint = late_hint(ctx, title)
        if not hint:
            return previous(ctx)
        ctx.reply(f"这张图片没有保存：图片只在回复「已整改」「已报送」后{SCREENSHOT_MINUTES}分钟内直接收下。\n{hint}")
        if dialogue:  # mid-dialogue: the question still stands
            ctx.reply("（当前对话仍在进行）\n" + router.prompt(ctx, ctx.state))
        return None


# Dialogue states where a screenshot arrives too early: what to do first
BEFORE_SUBMITTING = {"rectification.text": "写明整改情况并回复「确认」提交", "rectification.confirm": "回复「确认」提交整改情况"}


def take_in_window(ctx: Context, dialogue: str | None) -> bool:
    """The picture goes to the newest filing of the window still without a screenshot and not settled; if none
    takes it, it is not kept and the clerk is told why (where the first is, or that it was reviewed). False:
    nothing in the window."""
    found = [w for w in (waiting(ctx, kind) for kind in kinds().values()) if w is not None]
    open_ones = [w for w in found if w.attach is not None]
    if open_ones:
        max(open_ones, key=lambda w: w.at).attach(ctx)
        return True
    if not found:
        return False
    why = max(found, key=lambda w: w.at).why
    hint = late_hint(ctx, dialogue)
    ctx.reply(f"这张图片没有保存：{why}" + (f"\n{hint}" if hint else ""))
    return True


def take_late(ctx: Context) -> str:
    """The picture 补截图 waits for: attached to the chosen filing as in the window; the dialogue ends."""
    chosen = ctx.data.get("chosen", 0)
    why = unavailable(ctx, chosen)
    if why:
        ctx.reply(f"这张图片没有保存：{why}")
        return END
    name, row_id, _ = ctx.data["options"][chosen]
    kind = kinds()[name]
    keep(ctx, kind, ctx.session.get(kind.model, row_id))
    return END


def keep(ctx: Context, kind: Kind, row) -> None:
    """Attach the picture: its media id with the row now, its bytes fetched by a job after the callback has
    answered (jobs/screenshots.py), then the kind's audit and reply."""
    setattr(row, kind.shot.key, ctx.inbound.media_id)
    setattr(row, kind.stored.key, keeping.receive(ctx.session, ctx.inbound.media_id, ctx.userid).id)
    kind.attach(ctx, row)


def unavailable(ctx: Context, index: int) -> str | None:
    """Why option `index` of the dialogue takes no screenshot now: it got one meanwhile, or was settled."""
    name, row_id, _ = ctx.data["options"][index]
    kind = kinds()[name]
    row = ctx.session.get(kind.model, row_id)
    if row is None:
        return "这项记录已不存在。"
    if getattr(row, kind.shot.key) is not None:
        return f"{kind.label(row)}已经有截图了（{ONE_EACH}）。"
    return kind.settled(row)


def late_hint(ctx: Context, dialogue: str | None) -> str:
    """「…还没有截图：要补发，请先回复「补截图」…」 when the sender has a filing still without one, else empty;
    inside the dialogue titled `dialogue` the word would be taken as an answer, so 取消 comes first."""
    found = missing(ctx)
    if not found:
        return ""
    more = f"等{len(found)}项" if len(found) > 1 else ""
    first = f"回复「取消」结束「{dialogue}」，再" if dialogue else ""
    return (f"您的{found[0][0].label(found[0][1])}{more}还没有截图：要补发，请先{first}回复「补截图」选好事项，"
            "再发送图片。")


def evidence(row) -> str:
    """Whether a filing's picture is kept, as the bureau reads it in 查看, 单位记录 and `report screenshot`:
    「截图已存档（96 KB）」 (every kind names its Screenshot `screenshot`, its media id `screenshot_media_id`)."""
    if row.screenshot is not None:
        return row.screenshot.shown
    if row.screenshot_media_id is not None:  # received before screenshots were kept (migration 0017)
        return "有截图（升级前收到，图片未存档）"
    return "无截图"


def chosen_line(data: dict) -> str:
    """The filing chosen in the 补截图 dialogue, as listed (empty before the choice)."""
    options, chosen = data.get("options") or [], data.get("chosen")
    return options[chosen][2] if chosen is not None and chosen < len(options) else ""
