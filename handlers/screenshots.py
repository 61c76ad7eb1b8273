"""Screenshots (截图) for what a clerk has just reported: a picture sent within SCREENSHOT_MINUTES of
「已整改」 (a rectification answer) or 「已报送」 (a national registry filing) is attached to it.

No dialogue state: the clerk may type anything in between, and text is handled as usual. When both are
waiting, the newest takes the picture. A picture with nothing waiting gets the usual answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from bot.router import Context, Router

SCREENSHOT_MINUTES = 30


@dataclass
class Waiting:
    """A filing still without its screenshot: when it was made, and how to attach the picture to it."""
    at: datetime
    attach: Callable[[Context], None]


def newest_waiting(ctx: Context, by: InstrumentedAttribute, at: InstrumentedAttribute,
                   shot: InstrumentedAttribute):
    """The sender's newest row (of the columns' model) made within the window and still without a screenshot."""
    model = by.class_
    return ctx.session.scalars(
        select(model).where(by == ctx.userid, at >= ctx.now - timedelta(minutes=SCREENSHOT_MINUTES), shot.is_(None))
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
        """A picture goes to the newest filing waiting for one; everything else as before."""
        if ctx.inbound.msg_type == "image" and ctx.inbound.media_id:
            waiting = [w for w in (find(ctx) for find in finders) if w is not None]
            if waiting:
                max(waiting, key=lambda w: w.at).attach(ctx)
                return None
        return previous(ctx)
