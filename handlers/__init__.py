"""Conversation handlers, one feature per module. The list below is the one place that
decides which features exist and in which order their handlers are registered."""
from __future__ import annotations

from bot.router import Router

FEATURES = [
    "handlers.basics",
    "handlers.account_count",  # 「全县有几个抖音号」 before the registry's 「我们有几个号」, 「教育局有几个账号」
    "handlers.registry",
    "handlers.approvals",
    "handlers.weekly",
    "handlers.weekly_status",
    "handlers.weekly_close",
    "handlers.weekly_urge",
    "handlers.weekly_head_urge",  # a unit head asking one of his clerks for the report: 「让张伟把周报交了」
    "handlers.notice_replies",
    "handlers.dormancy",
    "handlers.dormancy_ask",  # a unit asking whether its 说明 was reviewed: where it stands, not how to write one
    "handlers.dormancy_list",
    "handlers.rectification",
    "handlers.rectification_ask",  # a unit asking about its items' deadlines, and why one was sent back
    "handlers.screenshots",
    "handlers.measures",
    "handlers.oversight_ask",
    "handlers.unit_record",
    "handlers.digest",
    "handlers.training",
    "handlers.training_list",
    "handlers.bulletin",
    "handlers.bulletin_list",
    "handlers.resend",
    "handlers.bulletin_regenerate",
    "handlers.org_questions",
    "handlers.regulation",  # 「第15条是什么」: the article the notices cite
    "handlers.statistics",
]


def build_router() -> Router:
    import importlib

    router = Router()
    for name in FEATURES:
        importlib.import_module(name).register(router)
    return router
