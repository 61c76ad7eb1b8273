"""The one source of time. Tests (and `BOT_CLOCK_OFFSET` in sub-processes) can move it."""
from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone

from bot import config

_offset = timedelta(seconds=float(os.environ.get("BOT_CLOCK_OFFSET", "0") or 0))


def now() -> datetime:
    """Aware UTC now."""
    return datetime.now(timezone.utc) + _offset


def local_now() -> datetime:
    """Now in the bot's time zone (Beijing time by default)."""
    return now().astimezone(config.get().tz)


def today() -> date:
    return local_now().date()


def set_now(moment: datetime) -> None:
    """Move the clock so that now() is `moment` (aware, or naive in the bot's time zone)."""
    global _offset
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=config.get().tz)
    _offset = moment - datetime.now(timezone.utc)


def advance(delta: timedelta) -> None:
    global _offset
    _offset += delta


def offset_seconds() -> float:
    return _offset.total_seconds()


def reset() -> None:
    global _offset
    _offset = timedelta(0)


def localize(moment: datetime) -> datetime:
    """A stored (UTC) datetime shown in the bot's time zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(config.get().tz)
