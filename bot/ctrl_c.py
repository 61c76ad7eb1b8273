"""Ctrl-C, remembered, for code that catches `Exception` and would otherwise carry on.

A Ctrl-C is a KeyboardInterrupt, which `except Exception` lets through; but one that lands in the connection
pool's ping comes out as an ordinary error: SQLAlchemy restores autocommit in a `finally` on the connection
psycopg has just cancelled, and that ProgrammingError replaces the KeyboardInterrupt. Code that catches errors
asks the list `remembered()` yields whether an error was really a Ctrl-C.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator


_pressed: list[int] | None = None  # the list of the outermost `remembered()` (a command group, then its command)


@contextmanager
def remembered() -> Iterator[list[int]]:
    """While inside, a Ctrl-C is noted in the yielded list, then raised as usual. Nested, the outer list is
    shared. Outside the main thread, or where Ctrl-C is ignored or handled by someone else, nothing is installed
    and the list stays empty."""
    global _pressed
    if _pressed is not None:
        yield _pressed
        return
    pressed: list[int] = []
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield pressed
        return

    def press(signum, frame):
        pressed.append(signum)
        signal.default_int_handler(signum, frame)

    signal.signal(signal.SIGINT, press)
    _pressed = pressed
    try:
        yield pressed
    finally:
        _pressed = None
        signal.signal(signal.SIGINT, signal.default_int_handler)
