"""Screenshots (截图) for what a clerk has just reported: a picture sent within SCREENSHOT_MINUTES of
「已整改」 (a rectification answer) or 「已报送」 (a national registry filing) is attached to it.

No dialogue state: the clerk may type anything in between, and text is handled as usual. When both are
waiting, the newest takes the picture. Each filing keeps one screenshot: a further picture within the window
is not kept, and the clerk is told where the first one is. A picture with nothing recent gets the usual answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from bot.router import Context, Router

SCREENSHOT_MINUTES = 30


@dataclass
class Waiting:
    """A filing of the window: when it was made, and how to attach the picture to it (None: it already has
    its screenshot, kept in `kept_in`, e.g. 「第3号申请的报送记录」)."""
    at: datetime
    attach: Callable[[Context], None] | None
    kept_in: str = ""


def waiting(ctx: Context, by: InstrumentedAttribute, at: InstrumentedAttribute, shot: InstrumentedAttribute,
            attach: Callable[[Context, Any], None], kept_in: Callable[[Any], str]) -> Waiting | None:
    """The sender's newest filing (a row of the columns' model) of the window still without a screenshot,
    to `attach` the picture to; else the newest that has one, named by `kept_in`; else None."""
    row = newest_waiting(ctx, by, at, shot)
    if row is not None:
        return Waiting(getattr(row, at.key), lambda c: attach(c, row))
    row = newest_waiting(ctx, by, at, shot, taken=True)
    return Waiting(getattr(row, at.key), None, kept_in(row)) if row is not None else None


def newest_waiting(ctx: Context, by: InstrumentedAttribute, at: InstrumentedAttribute,
                   shot: InstrumentedAttribute, *, taken: bool = False):
    """The sender's newest row (of the columns' model) made within the window and still without a screenshot
    (taken=True: with one)."""
    model = by.class_
    has_shot = shot.is_not(None) if taken else shot.is_(None)
    return ctx.session.scalars(
        select(model).where(by == ctx.userid, at >= ctx.now - timedelta(minutes=SCREENSHOT_MINUTES), has_shot)
        .order_by(at.desc()).limit(1)).first()


def _finders() -> list[Callable[[Context], Waiting | None]]:
    """What takes a screenshot: one finder per kind of filing."""
    from handlers.approvals_mine import waiting_screenshot as registry_filing
    from handlers.rectification import waiting_screenshot as rectification_answer
    return [rectification_answer, registry_filing]


def register(router: Router) -> None:
    previous = router.fallbacks["unsupported"]
    finders = _finders()

    @router.fallback("unsupported")
    def unsupported(ctx: Context):
        """A picture goes to the newest filing waiting for one; a further one is not kept; everything else as before."""
        if ctx.inbound.msg_type == "image" and ctx.inbound.media_id:
            found = [w for w in (find(ctx) for find in finders) if w is not None]
            waiting = [w for w in found if w.attach is not None]
            if waiting:
                max(waiting, key=lambda w: w.at).attach(ctx)
                return None
            if found:
                kept_in = max(found, key=lambda w: w.at).kept_in
                ctx.reply(f"这张图片没有保存：{kept_in}已经收下了您之前发的截图（每项只保存一张）。")
                return None
        return previous(ctx)
