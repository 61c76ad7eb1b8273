"""Shared helpers for the platform tests: a small test feature registered next to the real
ones, row counts of every table, and a raw client for hand-made callbacks."""
from __future__ import annotations

import threading
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot import db, outbox
from bot.router import END, Context, Reask, Router
from models import audit
from models.base import Base
from models.org import BUREAU_ADMIN, people_with_role

# enter/exit trace of the "慢" handler, for the serialisation tests
TRACE: list[tuple[str, str, str, float]] = []
TRACE_LOCK = threading.Lock()
SLOW_SECONDS = 0.3


def wait_until(check, seconds: float = 10.0, why: str = "timed out") -> None:
    """Poll `check` until it holds: for what another thread or process does in its own time."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, why
        time.sleep(0.01)


def register_test_feature(router: Router) -> None:
    """A three-step dialogue, an effectful command, a role-only command, a slow command and a card."""
    router.conversation("t", title="测试登记", summary=lambda d: f"名称：{d.get('name', '')}")

    @router.command("测试登记", "登记测试", help="登记一个测试账号", menu_key="TEST_REG")
    def start(ctx: Context):
        return "t.name"

    @router.state("t.name", prompt="请输入名称（回复「取消」可随时退出）")
    def name(ctx: Context):
        if len(ctx.text) < 2:
            raise Reask("名称太短，请至少输入2个字。")
        ctx.data["name"] = ctx.text
        return "t.phone"

    @router.state("t.phone", prompt="请输入联系电话（11位手机号）")
    def phone(ctx: Context):
        if not (ctx.text.isdigit() and len(ctx.text) == 11):
            raise Reask("手机号应为11位数字。")
        ctx.data["phone"] = ctx.text
        return "t.confirm"

    @router.state("t.confirm", prompt=lambda ctx: f"确认提交「{ctx.data.get('name')}」吗？回复「确认」提交")
    def confirm(ctx: Context):
        if ctx.text != "确认":
            raise Reask("请回复「确认」提交，或回复「上一步」修改。")
        ctx.audit("test.submit", "test", 1, None, {"name": ctx.data["name"]})
        admins = people_with_role(ctx.session, BUREAU_ADMIN, [ctx.person.unit.supervising_bureau().id])
        outbox.push_text(ctx.session, admins, f"{ctx.person.name}提交了测试登记「{ctx.data['name']}」")
        ctx.reply("已提交。")
        return END

    @router.command("记一笔", help="写一条审计记录并通知管理员")
    def record_one(ctx: Context):
        audit.record(ctx.session, actor=ctx.userid, action="test.note", entity="test", entity_id=ctx.args,
                     source_msg=ctx.inbound.dedupe_key)
        outbox.push_text(ctx.session, "zsj_admin", f"记录：{ctx.args}")
        ctx.reply(f"已记录 {ctx.args}")

    @router.command("管理专用", roles={BUREAU_ADMIN}, help="只有主管单位管理员能用的功能")
    def admin_only(ctx: Context):
        ctx.reply("管理员你好")

    @router.command("慢", help=None)
    def slow(ctx: Context):
        with TRACE_LOCK:
            TRACE.append(("enter", ctx.userid, ctx.args, time.monotonic()))
        time.sleep(SLOW_SECONDS)
        audit.record(ctx.session, actor=ctx.userid, action="test.slow", entity="test", entity_id=ctx.args)
        with TRACE_LOCK:
            TRACE.append(("exit", ctx.userid, ctx.args, time.monotonic()))
        ctx.reply(f"完成 {ctx.args}")

    @router.command("发卡片", help=None)
    def send_card(ctx: Context):
        outbox.push_card(ctx.session, ctx.person, kind="tcard", ref_id=1, card={
            "card_type": "button_interaction", "main_title": {"title": "测试卡片"},
            "button_list": [{"text": "同意", "key": "yes"}, {"text": "退回", "key": "no"}]})
        ctx.reply("卡片已发送")

    @router.card("tcard")
    def on_card(ctx: Context):
        audit.record(ctx.session, actor=ctx.userid, action="test.card", entity="card", entity_id=ctx.card.task_id,
                     after={"key": ctx.inbound.event_key}, source_msg=ctx.inbound.dedupe_key)
        ctx.button_label = "已同意" if ctx.inbound.event_key == "yes" else "已退回"
        ctx.reply("已处理")


@pytest.fixture
def tbot(bot):
    """The demo bot with the test feature added to the real router."""
    import handlers
    router = handlers.build_router()
    register_test_feature(router)
    bot.app.extensions["router"] = router
    TRACE.clear()
    return bot


def row_counts() -> dict[str, int]:
    with db.transaction() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def post_raw(client, query: dict, body: bytes):
    return client.post(f"/wecom/callback?{urlencode(query)}", data=body, content_type="application/xml")
