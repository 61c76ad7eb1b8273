"""Approvals (issue 3): requests through conversation, the approval chain, the registry countdown.

One feature in FEATURES; its parts live in the approvals_* modules."""
from __future__ import annotations

from bot.router import Router


def register(router: Router) -> None:
    from handlers import (approvals_change, approvals_decide, approvals_due, approvals_history, approvals_list,
                          approvals_mine, approvals_open, approvals_retract)
    approvals_open.register(router)
    approvals_change.register(router)
    approvals_decide.register(router)
    approvals_mine.register(router)
    approvals_due.register(router)
    approvals_retract.register(router)
    approvals_history.register(router)
    approvals_list.register(router)
