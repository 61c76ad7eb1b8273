"""台账 and 导出台账 through encrypted callbacks and the fake WeCom."""
from __future__ import annotations

import zipfile
from datetime import date
from io import BytesIO

import pytest
from sqlalchemy import select

from models.audit import AuditLog
from tests.registry_helpers import add_account, received_files, seed_accounts, workbook_of

EVIL = "=cmd|' /C calc'!A0"


def test_unit_user_sees_own_accounts_with_responsible_and_latest_update(bot):
    seed_accounts(bot)
    add_account(bot, "抚松县卫生健康局", "健康抚松", "抖音", responsible="wj_liu", last_update_on=date(2026, 11, 20))
    reply = bot.send("wj_liu", "台账")
    assert "抚松县卫生健康局 的政务新媒体（2个）" in reply
    assert "1. 健康抚松｜微信公众号｜正常\n   负责人：刘洋　最近更新：暂无" in reply
    assert "2. 健康抚松｜抖音｜正常\n   负责人：刘洋　最近更新：2026-11-20" in reply
    assert "抚松教育" not in reply  # another unit's account


def test_unit_user_cannot_look_at_another_unit(bot):
    seed_accounts(bot)
    reply = bot.send("jy_zhang", "台账 抚松县公安局")
    assert "您只能查看本单位（抚松县教育局）的台账" in reply
    assert "抚松公安" not in reply and "抚松教育｜抖音" in reply


def test_unit_user_may_call_his_unit_this_unit(bot):
    seed_accounts(bot)
    for own in ("本单位", "我单位"):
        reply = bot.send("jy_zhang", f"台账 {own}")
        assert "只能查看本单位" not in reply and "抚松教育｜抖音" in reply, reply
    assert bot.send("zsj_admin", "台账 本单位") == ("「本单位」是您所在的抚松县政务服务和数字化建设管理局（主管单位），"
                                                 "这里要写主办单位的名称，例如「教育局」。回复「台账」查看辖区全部单位。")


def test_whether_the_accounts_are_all_right_is_the_registry(bot):
    seed_accounts(bot)
    for asked in ("我们单位的账号都正常吗", "账号状态怎么样"):
        assert bot.send("jy_wang", asked).startswith("抚松县教育局 的政务新媒体"), asked  # was 「没有理解」


def test_unit_without_accounts_gets_a_way_forward(bot):
    reply = bot.send("ny_hua", "台账")
    assert "还没有账号" in reply and "开设" in reply


def test_retro_filing_and_pending_national_registry_are_flagged(bot):
    add_account(bot, "抚松县应急管理局", "抚松应急", "微信公众号", needs_retro_filing=True,
                registry_status="待报送")
    reply = bot.send("yj_shi", "台账")
    assert "抚松应急｜微信公众号｜正常，待补办备案，全国系统待报送" in reply
    assert "负责人：未指定" in reply and "第33条" in reply


def test_bureau_user_sees_counts_by_unit_and_platform_within_scope(bot):
    seed_accounts(bot)
    add_account(bot, "抚松县公安局", "抚松公安旧号", "微博", status="已注销")
    add_account(bot, "靖宇县教育局", "靖宇教育", "微信公众号")  # the neighbouring county's
    reply = bot.send("zsj_admin", "台账")
    assert len(reply.encode()) <= 2048
    assert "台账·抚松县政务服务和数字化建设管理局" in reply
    # the closed one counted apart: the figures add up to the export's 9 rows (they said 在册 8, 正常8 已注销1)
    assert "在册账号 8 个，涉及 5 个单位（另有已注销、已关停 1 个，台账共 9 个）\n在册状态：正常8；已关闭：已注销1\n" in reply
    assert "按平台：微信公众号4 视频号1 微博1 抖音2" in reply
    assert "· 抚松县教育局：微信公众号1、抖音1" in reply
    assert "· 抚松县融媒体中心：微信公众号1、视频号1" in reply
    assert "抚松县农业农村局" in reply.split("暂无在册账号（5个单位）")[1]
    assert "保密局" not in reply and "办公室" not in reply
    assert "靖宇" not in reply
    neighbour = bot.send("jy_admin", "台账")
    assert "在册账号 1 个" in neighbour and "靖宇县教育局：微信公众号1" in neighbour and "抚松" not in neighbour


def test_bureau_user_looks_at_one_unit_by_part_of_its_name(bot):
    seed_accounts(bot)
    reply = bot.send("zsj_review", "台账 卫生")
    assert reply.startswith("抚松县卫生健康局 的政务新媒体（1个）")
    assert "负责人：刘洋" in reply


def test_ambiguous_unit_name_offers_numbered_choices(bot):
    seed_accounts(bot)
    reply = bot.send("zsj_admin", "台账 教育")  # (「教育局」 is the one ending with it: the test below)
    assert "1. 抚松县教育局" in reply and "2. 抚松县教育局办公室" in reply and "回复序号" in reply
    reply = bot.send("zsj_admin", "5")
    assert "没有第5项" in reply
    reply = bot.send("zsj_admin", "1")
    assert reply.startswith("抚松县教育局 的政务新媒体（2个）")
    assert "当前没有等待您回答的问题" in bot.send("zsj_admin", "1")  # the dialogue is over


def test_unit_outside_the_bureaus_scope_is_said_to_be_outside_it(bot):
    """Not 「没有找到」: the unit is there, only not the bureau's; nothing of it shows beyond what was typed."""
    add_account(bot, "靖宇县教育局", "靖宇教育", "微信公众号")
    reply = bot.send("zsj_admin", "台账 靖宇县教育局")
    assert reply.startswith("「靖宇县教育局」不在您的管辖范围内：您只能查看和处理抚松县政务服务和数字化建设管理局所辖的单位。")
    assert "没有找到" not in reply and "靖宇教育" not in reply
    reply = bot.send("zsj_admin", "台账 靖宇")
    assert "「靖宇」不在您的管辖范围内" in reply and "靖宇县教育局" not in reply and "靖宇教育" not in reply
    assert "在您的管辖范围内没有找到「林业局」" in bot.send("zsj_admin", "台账 林业局")  # no such unit anywhere
    assert "靖宇教育" in bot.send("jy_admin", "台账 靖宇")


def test_city_reviewer_sees_both_counties(bot):
    seed_accounts(bot)
    add_account(bot, "靖宇县教育局", "靖宇教育", "微信公众号")
    reply = bot.send("city_zhao", "台账")
    assert "在册账号 9 个" in reply and "靖宇县教育局：微信公众号1" in reply


@pytest.mark.parametrize("asked", ["台账 靖宇县", "靖宇县有几个账号", "靖宇的台账", "台账 靖宇县政数局"])
def test_city_reviewer_names_a_county_and_sees_that_countys_registry(bot, asked):
    seed_accounts(bot)
    add_account(bot, "靖宇县教育局", "靖宇教育", "微信公众号")
    reply = bot.send("city_zhao", asked)
    assert reply.startswith("台账·靖宇县政务服务和数字化建设管理局"), reply
    assert "在册账号 1 个，涉及 1 个单位" in reply and "靖宇县教育局：微信公众号1" in reply
    assert "抚松" not in reply and "开设" not in reply


def test_city_reviewer_naming_a_countys_unit_still_sees_that_unit(bot):
    seed_accounts(bot)
    add_account(bot, "靖宇县教育局", "靖宇教育", "微信公众号")
    reply = bot.send("city_zhao", "台账 靖宇县教育局")
    assert "靖宇县教育局 的政务新媒体（1个）" in reply and "靖宇教育｜微信公众号" in reply, reply


def test_export_sends_an_xlsx_file_to_the_asker(bot):
    seed_accounts(bot)
    add_account(bot, "靖宇县教育局", "靖宇教育", "微信公众号")
    reply = bot.send("zsj_admin", "导出台账")
    assert reply.startswith("台账已生成，稍后以文件发送") and "8个账号" in reply
    files = received_files(bot, "zsj_admin")
    assert len(files) == 1
    name, data = files[0]
    assert name.startswith("政务新媒体台账_抚松县政务服务和数字化建设管理局_") and name.endswith(".xlsx")
    ws = workbook_of(data)["台账"]
    headers = [c.value for c in ws[1]]
    assert headers[:5] == ["序号", "主办单位", "主管单位", "账号名称", "账号类型"]
    for header in ("国办登记系统单位标识码", "负责人UserID", "联系电话", "第三方运维机构", "全国系统报送状态",
                   "需补办备案", "最近更新日期", "微信biz/oid/账号ID", "主页URL/下载URL"):
        assert header in headers
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width >= 20
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert len(rows) == 8
    first = dict(zip(headers, rows[0]))
    assert first["主办单位"] == "抚松县教育局" and first["主管单位"] == "抚松县政务服务和数字化建设管理局"
    assert first["负责人UserID"] == "jy_zhang" and first["最近更新日期"] == "暂无"
    assert all(r[1] != "靖宇县教育局" for r in rows)
    with bot.db() as s:
        row = s.scalar(select(AuditLog).where(AuditLog.action == "registry.export"))
        assert row.actor == "zsj_admin" and row.after["accounts"] == 8


def test_a_bureau_export_naming_a_unit_holds_only_that_units_accounts(bot):
    """「导出台账 教育局」 silently sent the whole county's registry."""
    seed_accounts(bot)
    reply = bot.send("zsj_admin", "导出台账 教育局")
    assert reply.startswith("台账已生成，稍后以文件发送（2个账号）"), reply
    name, data = received_files(bot, "zsj_admin")[-1]
    assert name.startswith("政务新媒体台账_抚松县教育局_")
    rows = [[c.value for c in r] for r in workbook_of(data)["台账"].iter_rows(min_row=2)]
    assert len(rows) == 2 and all(r[1] == "抚松县教育局" for r in rows)
    assert bot.send("zsj_admin", "导出台账 林业局") == \
        "在您的管辖范围内没有找到「林业局」；回复「导出台账」导出辖区全部账号。"
    assert "不在您的管辖范围内" in bot.send("zsj_admin", "导出台账 靖宇县教育局")
    assert len(received_files(bot, "zsj_admin")) == 1  # nothing else sent
    assert bot.send("zsj_admin", "导出台账 农业农村局") == "抚松县农业农村局的台账中还没有账号，没有可导出的内容。"


def test_unit_export_holds_only_the_units_accounts(bot):
    seed_accounts(bot)
    bot.send("jy_li", "导出台账")
    (_name, data), = received_files(bot, "jy_li")
    ws = workbook_of(data).active
    units = {r[1].value for r in ws.iter_rows(min_row=2)}
    assert units == {"抚松县教育局"} and ws.max_row == 3
    assert received_files(bot, "jy_zhang") == []  # only the asker gets it


def test_formula_text_is_neutralised_in_the_export(bot):
    add_account(bot, "抚松县教育局", EVIL, "微博", function="+SUM(1,2)", contact="-1", operator="@now")
    bot.send("jy_zhang", "导出台账")
    (_name, data), = received_files(bot, "jy_zhang")
    ws = workbook_of(data).active
    headers = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(headers, ws[2])}
    assert row["账号名称"].value == EVIL and row["账号名称"].data_type == "s" and row["账号名称"].quotePrefix
    for header, text in (("账号功能", "+SUM(1,2)"), ("联系电话", "-1"), ("第三方运维机构", "@now")):
        assert row[header].value == text and row[header].data_type == "s" and row[header].quotePrefix
    sheet_xml = zipfile.ZipFile(BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_a_slightly_wrong_unit_name_is_still_found(bot):
    seed_accounts(bot)
    reply = bot.send("zsj_admin", "台账 抚松教育局")
    assert reply.startswith("抚松县教育局 的政务新媒体")


def test_export_of_an_empty_registry_says_so_and_sends_nothing(bot):
    reply = bot.send("ny_hua", "导出台账")
    assert "还没有账号，没有可导出的内容" in reply
    assert received_files(bot, "ny_hua") == []


def test_a_large_county_is_answered_in_parts_within_the_limit(bot):
    from models.org import HOST_UNIT, Unit
    with bot.db() as s:
        county = s.scalar(select(Unit).where(Unit.name == "抚松县政务服务和数字化建设管理局"))
        for n in range(45):
            s.add(Unit(name=f"抚松县第{n + 1}号测试事业发展服务中心", kind=HOST_UNIT, parent=county))
    for n in range(45):
        add_account(bot, f"抚松县第{n + 1}号测试事业发展服务中心", f"测试{n + 1}", "微信公众号")
        add_account(bot, f"抚松县第{n + 1}号测试事业发展服务中心", f"测试{n + 1}", "抖音")
    reply = bot.send("zsj_admin", "台账")
    assert len(reply.encode()) <= 2048 and "在册账号 90 个，涉及 45 个单位" in reply
    rest = bot.texts("zsj_admin")
    assert rest and all(len(t.encode()) <= 2048 for t in rest)
    whole = reply + "".join(rest)
    assert "· 抚松县第45号测试事业发展服务中心：微信公众号1、抖音1" in whole


def test_too_many_matching_units_asks_for_a_more_specific_name(bot):
    reply = bot.send("zsj_admin", "台账 抚松县")
    assert "匹配到" in reply and "请写得更具体一些" in reply and "回复序号" not in reply


def test_an_account_moved_to_another_host_unit_shows_who_files_its_registry_change_and_by_when(bot):
    from tests.approvals_helpers import approve_all, latest_request_id
    from tests.approvals_helpers import seed_accounts as seed_approval_accounts
    seed_approval_accounts(bot)
    bot.say("wj_liu", "变更 健康抚松", "8", "抚松县应急管理局", "是", "其他", "机构改革职能划转", "确认")
    number = latest_request_id(bot)
    approve_all(bot, number, ("wj_chen", "zsj_admin", "city_zhao"))
    reminder = next(t for t in bot.texts("wj_liu") if "已审批通过" in t)
    deadline = reminder.split("最迟于")[1].split("在全国")[0]  # e.g. 12月1日（周二）
    # The new host unit sees the account as still to be filed, with the deadline and who files it (the unit that
    # applied was told to), not a bare 待报送 it can neither act on nor date.
    reply = bot.send("yj_shi", "台账")
    at = reply.index("健康抚松｜微信公众号")
    assert "全国系统待报送" in reply[at:].splitlines()[0], reply
    due = next(l for l in reply[at:].splitlines() if "全国系统报送：" in l)
    assert f"截止{deadline}" in due and f"由原主办单位抚松县卫生健康局报送（第{number}号申请）" in due, due
    assert "已报送" not in due
    assert f"由原主办单位抚松县卫生健康局报送（第{number}号申请）" in bot.send("zsj_admin", "台账 抚松县应急管理局")
    # once the applying unit has filed it, the line goes
    assert "已记录" in bot.send("wj_liu", f"已报送 {number}")
    assert "全国系统报送：" not in bot.send("yj_shi", "台账")


@pytest.mark.parametrize("asked", ["教育局的台账", "教育局有几个账号", "教育局的账号有哪些", "台账 教育局"])
def test_a_bureau_user_names_the_unit_in_his_own_words(bot, asked):
    """「教育局」 is 抚松县教育局, not also its internal department 抚松县教育局办公室 (the name ends with it)."""
    seed_accounts(bot)
    reply = bot.send("zsj_admin", asked)
    assert reply.startswith("抚松县教育局 的政务新媒体（2个）") and "找到多个单位" not in reply, reply
