"""Shared steps for the approval tests: complete dialogues as a real user would type them."""
from __future__ import annotations

from sqlalchemy import select

from models.account import Account
from models.approval import ApprovalRequest
from models.audit import AuditLog

OPEN_WEIBO = ["开设", "微博", "抚松教育", "发布教育政策和通知", "https://weibo.com/u/1234567890", "无", "1",
              "13912345678", "无", "及时发布教育政策，服务群众", "是"]


def open_request(bot, userid: str = "jy_zhang", answers=OPEN_WEIBO) -> str:
    """Walk the 开设 dialogue up to the form; return the last reply (the form)."""
    reply = None
    for answer in answers:
        reply = bot.send(userid, answer)
    return reply


def submit_open(bot, userid: str = "jy_zhang", answers=OPEN_WEIBO) -> int:
    form = open_request(bot, userid, answers)
    assert "请核对开设申请" in form, form
    reply = bot.send(userid, "确认")
    assert "已提交第" in reply, reply
    return latest_request_id(bot)


def submit_open_for(bot, filer: str, unit_name: str) -> int:
    """A bureau user files 开设 on a unit's behalf: asked which unit first, then the same form."""
    bot.say(filer, "开设", unit_name)
    return submit_open(bot, filer, OPEN_WEIBO[1:])


def change_responsible(bot, userid: str, account_query: str, choice: str) -> int:
    """File a change of the account's responsible person to `choice` (a name); returns the request's number."""
    bot.send(userid, f"变更 {account_query}")
    assert "请选择新的账号负责人" in bot.send(userid, "5")
    assert "变更原因" in bot.send(userid, choice)
    form = bot.send(userid, "整改")
    assert "账号负责人：" in form
    assert "已提交第" in bot.send(userid, "确认")
    return latest_request_id(bot)


def latest_request_id(bot) -> int:
    with bot.db() as s:
        return s.scalar(select(ApprovalRequest.id).order_by(ApprovalRequest.id.desc()))


def request(bot, number: int) -> dict:
    with bot.db() as s:
        req = s.get(ApprovalRequest, number)
        return {"status": req.status, "step": req.step, "round": req.round, "account_id": req.account_id,
                "decisions": [(d.step, d.decider.userid, d.decision, d.opinion) for d in req.decisions]}


def card_for(bot, userid: str, number: int) -> dict:
    """The newest approval card about request `number` in the user's inbox."""
    cards = [c for c in bot.cards(userid) if c["main_title"]["title"].startswith(f"第{number}号")]
    assert cards, f"no card for {number} in {userid}'s inbox: {bot.texts(userid)}"
    return cards[-1]


def click(bot, userid: str, number: int, key: str):
    return bot.click(userid, card_for(bot, userid, number)["task_id"], key)


def audit_actions(bot, entity_id: int, prefix: str = "approval.") -> list[str]:
    with bot.db() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.entity == "approval_request",
                                                AuditLog.entity_id == str(entity_id)).order_by(AuditLog.id))
        return [r.action for r in rows if r.action.startswith(prefix)]


def account(bot, account_id: int) -> dict:
    with bot.db() as s:
        a = s.get(Account, account_id)
        return {"name": a.name, "platform": a.platform, "status": a.status, "opened_on": a.opened_on,
                "closed_on": a.closed_on, "responsible": a.responsible.userid if a.responsible else None,
                "unit": a.unit.name, "registry_status": a.registry_status,
                "changes": [(c.kind, c.changes) for c in a.changes]}


def seed_accounts(bot) -> None:
    from sim import demo
    with bot.db() as s:
        demo.seed_accounts(s)


def account_id(bot, name: str, platform: str) -> int:
    with bot.db() as s:
        return s.scalar(select(Account.id).where(Account.name == name, Account.platform == platform))


def without_city_admin(bot) -> None:
    """The demo city bureau's admin (钱管理) keeps only the city reviewer's role: the city bureau has no admin."""
    from models.org import CITY_REVIEWER, Person
    with bot.db() as s:
        s.scalar(select(Person).where(Person.userid == "city_qian")).set_roles({CITY_REVIEWER})


def approve_all(bot, number: int, people=("jy_wang", "zsj_review", "city_zhao")) -> None:
    """Approve every step by the text fallback."""
    for userid in people:
        reply = bot.send(userid, f"同意 {number}")
        assert "已同意" in reply, reply
