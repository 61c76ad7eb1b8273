"""Authorisation, one table: every role × every command in the router, allowed or refused as designed;
an allowed command never shows another county's units, people or items.

To add a feature's commands (e.g. the approvals 开设/变更/注销), add one line per command to DESIGN."""
from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

import handlers
from bot import clock
from models.org import Unit
from models.rectification import Rectification
from tests.oversight_helpers import add_account

pytestmark = pytest.mark.faults

# role → a demo user holding it (sim/demo.py)
USERS = {"staff": "jy_zhang", "unit_head": "jy_wang", "bureau_reviewer": "zsj_review", "bureau_admin": "zsj_admin",
         "city_reviewer": "city_zhao", "neighbour_admin": "jy_admin", "unknown": "nobody_x"}
EVERYONE = frozenset(USERS) - {"unknown"}
UNIT = frozenset({"staff", "unit_head"})
ADMIN = frozenset({"bureau_admin", "neighbour_admin"})
BUREAU = ADMIN | {"bureau_reviewer"}  # county bureau admins and reviewers
DECIDERS = BUREAU | {"unit_head", "city_reviewer"}  # hold a step of the approval chain

# command → (arguments typed after it, roles allowed). "{item}" is the other county's rectification item,
# "{case}" the other county's follow-up case; "教育局" names a unit in both counties.
DESIGN: dict[str, tuple[str, frozenset[str]]] = {
    "菜单": ("", EVERYONE),
    "台账": ("", EVERYONE),
    "导出台账": ("", EVERYONE),
    "周报": ("", UNIT),
    "修改周报": ("", UNIT),
    "周报情况": ("", EVERYONE),
    "关账": ("", ADMIN),
    "取消关账": ("2026-11", ADMIN),
    "催报": ("", BUREAU),
    "统计": ("", BUREAU | {"city_reviewer"}),
    "说明": ("{item} 账号已恢复更新，今后专人发布", UNIT),
    "跟进事项": ("全部", EVERYONE),
    "停更账号": ("", EVERYONE),
    "接受说明": ("{item}", BUREAU),
    "驳回说明": ("{item} 近一个月仍未更新", BUREAU),
    "整改通知": ("教育局 公众号两周未更新请整改", ADMIN),
    "已整改": ("{item} 已补发本周内容", UNIT),
    "补截图": ("", EVERYONE),  # lists only the sender's own filings (tests/test_screenshots_late.py)
    "通过整改": ("{item}", BUREAU),
    "重新整改": ("{item} 仍未恢复更新", BUREAU),
    "整改清单": ("全部", EVERYONE),
    "约谈": ("教育局", ADMIN),
    "警告": ("教育局", ADMIN),
    "通报": ("教育局", ADMIN),
    "责令关闭": ("教育局", ADMIN),
    "单位记录": ("教育局", EVERYONE),
    "摘要": ("", ADMIN),
    "培训登记": ("", BUREAU),
    "培训台账": ("", BUREAU | {"city_reviewer"}),
    # approvals (who may file is decided by the handler, with its own reason; see test_approvals_authz.py)
    "开设": ("", EVERYONE),
    "变更": ("", EVERYONE),
    "注销": ("", EVERYONE),
    "关停": ("", EVERYONE),
    "补办备案": ("", EVERYONE),
    "同意": ("999 同意", DECIDERS),
    "驳回": ("999 材料不全", DECIDERS),
    "退回": ("999 请补充理由", DECIDERS),
    "待办": ("", DECIDERS | {"staff"}),  # a staff member: his unit's to-do (handlers/unit_todo.py)
    "催办": ("999", EVERYONE),
    "我的申请": ("", EVERYONE),
    "查看": ("999", EVERYONE),
    "撤回": ("999", EVERYONE),
    "收回": ("999", DECIDERS),
    "审批记录": ("", DECIDERS),
    "申请列表": ("", EVERYONE),
    "修改": ("999", EVERYONE),
    "导出": ("999", EVERYONE),
    "已报送": ("999", EVERYONE),
    # monthly bulletin (publishing and its card: test_bulletin_job_publish.py)
    "发布通报": ("2026-11", ADMIN),
    "查看通报": ("", BUREAU | UNIT | {"city_reviewer"}),  # a unit: its own part; the city: the published ones
    "年度考核": ("2026", BUREAU | {"city_reviewer"}),  # reviewers read the bulletins it sums up; the city names a county
    "重新生成通报": ("2026-11", ADMIN),
    # failed pushes (tests/test_outbox_resend.py)
    "重发失败推送": ("", ADMIN),
}

# card kind → roles whose cards of that kind they may click (none in main yet: the approvals add theirs).
# Whoever the card was sent to, a click by anyone else is refused by the router (card.userid check).
CARD_DESIGN: dict[str, frozenset[str]] = {
    "approval": DECIDERS,  # per role and step: tests/test_approvals_authz.py
    "bulletin": ADMIN,  # tests/test_bulletin_job_publish.py
}

FUSONG_SECRET, JINGYU_SECRET = "抚松独有问题甲", "靖宇独有问题乙"
FUSONG_MARKERS = ("抚松县教育局", "抚松县卫生健康局", "抚松县公安局", "张伟", "王局长", "抚松文旅", FUSONG_SECRET)
JINGYU_MARKERS = ("靖宇县教育局", "邻县职员", "邻县局长", "靖宇教育号", JINGYU_SECRET)
REFUSED = "您没有这个权限"
UNKNOWN_USER = "还没有登记"


def foreign_markers(role: str) -> tuple[str, ...]:
    if role == "city_reviewer":
        return ()  # the city oversees both counties
    return FUSONG_MARKERS if role == "neighbour_admin" else JINGYU_MARKERS


def test_every_command_in_the_router_is_in_the_design_table():
    names = [c.name for c in handlers.build_router().commands]
    assert sorted(names) == sorted(DESIGN), "add the new command to DESIGN with its arguments and roles"
    cards = sorted(handlers.build_router().cards)
    assert cards == sorted(CARD_DESIGN), "add the new card kind to CARD_DESIGN and a click test per role"


def _seed(bot) -> dict[str, int]:
    """Accounts and one rectification item in each county, so that listings have something to leak."""
    from sim import demo
    with bot.db() as s:
        demo.seed_accounts(s)
    add_account(bot, unit="靖宇县教育局", name="靖宇教育号", responsible="jyx_staff")
    items = {}
    with bot.db() as s:
        for county, unit_name, problem in (("fusong", "抚松县教育局", FUSONG_SECRET),
                                           ("jingyu", "靖宇县教育局", JINGYU_SECRET)):
            unit = s.scalar(select(Unit).where(Unit.name == unit_name))
            item = Rectification(unit_id=unit.id, problem=problem, deadline=date(2030, 1, 1), created_by="test",
                                 created_at=clock.now())
            s.add(item)
            s.flush()
            items[county] = item.id
    return items


def _file_texts(bot, messages: list[dict]) -> list[str]:
    """The text of every cell of every workbook pushed (导出台账 and the like)."""
    out = []
    for m in messages:
        if m["msgtype"] == "file":
            _name, data = bot.fake._files[m["content"]["media_id"]]
            wb = load_workbook(BytesIO(data))
            out += [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    return out


@pytest.mark.parametrize("command", sorted(DESIGN))
def test_role_by_command(bot, command):
    items = _seed(bot)
    args, allowed = DESIGN[command]
    for role, userid in USERS.items():
        other = items["fusong"] if role == "neighbour_admin" else items["jingyu"]
        text = f"{command} {args.format(item=other)}".strip()
        before = len(bot.inbox(userid))
        reply = bot.send(userid, text) or ""
        pushed = "\n".join([*bot.texts(userid)[before:], *_file_texts(bot, bot.inbox(userid)[before:])])
        seen = reply + "\n" + pushed
        where = f"{role} ({userid}) → 「{text}」: {seen[:300]}"
        if role == "unknown":
            assert UNKNOWN_USER in reply, where
        elif role in allowed:
            assert REFUSED not in seen and UNKNOWN_USER not in seen, where
            leaked = [m for m in foreign_markers(role) if m in seen]
            assert not leaked, f"{where}\nshows another county's {leaked}"
        else:
            assert REFUSED in reply, where
            assert FUSONG_SECRET not in seen and JINGYU_SECRET not in seen, where
        bot.send(userid, "取消")  # leave any dialogue the command started


def test_a_command_word_inside_a_dialogue_does_not_bypass_roles(bot):
    """Staff mid-dialogue typing an admin command: taken as an answer (or refused), never run."""
    items = _seed(bot)
    assert "发布了几条" in (bot.send("jy_zhang", "周报") or "")
    reply = bot.send("jy_zhang", f"通过整改 {items['fusong']}") or ""
    assert "已通过" not in reply
    with bot.db() as s:
        assert s.get(Rectification, items["fusong"]).status != "已通过"


@pytest.mark.parametrize("userid, sees, hidden", [
    ("zsj_admin", FUSONG_SECRET, JINGYU_SECRET), ("jy_admin", JINGYU_SECRET, FUSONG_SECRET),
    ("jy_zhang", FUSONG_SECRET, JINGYU_SECRET)])
def test_the_leak_check_has_something_to_find(bot, userid, sees, hidden):
    """The markers above are real: each side's listing shows its own item (so its absence means scoping)."""
    _seed(bot)
    reply = bot.send(userid, "整改清单 全部") or ""
    assert sees in reply and hidden not in reply, reply
    city = bot.send("city_zhao", "整改清单 全部") or ""
    assert FUSONG_SECRET in city and JINGYU_SECRET in city, city


def test_the_exported_registry_is_scoped_too(bot):
    _seed(bot)
    exported = {}
    for userid in ("zsj_admin", "jy_admin", "city_zhao"):
        bot.send(userid, "导出台账")
        exported[userid] = "\n".join(_file_texts(bot, bot.inbox(userid)))
    assert "靖宇教育号" not in exported["zsj_admin"] and "抚松县教育局" in exported["zsj_admin"]
    assert "靖宇教育号" in exported["jy_admin"] and "抚松县教育局" not in exported["jy_admin"]
    assert "靖宇教育号" in exported["city_zhao"] and "抚松县教育局" in exported["city_zhao"]
