"""Imported accounts of units that may hold none (第8条: 涉密单位, 内设机构): recorded, flagged, steered to 注销/关停 —
never to 补办备案 (第33条)."""
from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from bot.account_import import import_accounts
from tests.registry_helpers import add_account, received_files
from tests.test_accounts_import import make_file, run


def test_import_warns_that_a_classified_units_account_is_for_closing(app, directory, tmp_path):
    rows = [{"主办单位": "抚松县国家保密局", "账号名称": "抚松保密", "账号类型": "微信公众号", "负责人UserID": "bm_staff"},
            {"主办单位": "抚松县教育局办公室", "账号名称": "教育办公", "账号类型": "抖音", "负责人UserID": "jyb_staff"},
            {"主办单位": "抚松县教育局", "账号名称": "抚松教育", "账号类型": "微信公众号", "负责人UserID": "jy_zhang"}]
    result = run(app, "import", str(make_file(tmp_path, rows)))
    assert result.exit_code == 0, result.output
    assert "导入完成：新增 3 个" in result.output  # they exist: recorded, so that they can be closed
    assert ("第2行（提示）：抚松县国家保密局是涉密单位，按《办法》第8条不得开设政务新媒体：账号「抚松保密」照样记入台账，"
            "但不能补办备案，请督促该单位申请注销或关停") in result.output
    assert "第3行（提示）：抚松县教育局办公室是内设机构" in result.output
    assert "第4行（提示）" not in result.output
    assert "新增 3 个，更新 0 个，未变化 0 个；其中 2 个属涉密单位、内设机构（第8条），应注销或关停，不能补办备案。" \
        in result.output


def test_no_responsible_person_is_asked_for_an_account_to_close(app, directory, tmp_path):
    rows = [{"主办单位": "抚松县国家保密局", "账号名称": "抚松保密", "账号类型": "微博"}]
    result = run(app, "import", str(make_file(tmp_path, rows)))
    assert "第8条" in result.output and "未填写负责人UserID" not in result.output, result.output


def test_import_function_reports_the_warning(session, directory, tmp_path):
    rows = [{"主办单位": "抚松县国家保密局", "账号名称": "抚松保密", "账号类型": "微博"}]
    result = import_accounts(session, make_file(tmp_path, rows).read_bytes(), actor="test")
    assert any("第8条" in reason for _n, reason in result.warnings), result.warnings
    session.rollback()


def test_retro_filing_of_a_classified_units_account_is_steered_to_closing(bot):
    add_account(bot, "抚松县国家保密局", "抚松保密", "微信公众号", needs_retro_filing=True)
    reply = bot.send("bm_staff", "补办备案")
    assert "涉密单位" in reply and "不能补办备案" in reply and "「注销 抚松保密」" in reply, reply
    assert "确认" not in reply
    assert "当前没有进行中的操作" in bot.send("bm_staff", "取消")
    assert "注销原因" in bot.send("bm_staff", "注销 抚松保密")  # what it is steered to works


def test_bureau_choosing_the_account_hears_the_same(bot):
    add_account(bot, "抚松县国家保密局", "抚松保密", "微信公众号", needs_retro_filing=True)
    add_account(bot, "抚松县教育局办公室", "教育办公", "抖音", needs_retro_filing=True)
    add_account(bot, "抚松县应急管理局", "抚松应急", "微信公众号", needs_retro_filing=True, responsible="yj_shi")
    reply = bot.send("zsj_review", "补办备案 抚松保密")
    assert "不能补办备案" in reply and "确认" not in reply, reply
    reply = bot.send("zsj_review", "补办备案 教育办公")
    assert "内设机构" in reply and "「变更 教育办公 主办单位」" in reply, reply
    reply = bot.send("zsj_review", "补办备案")  # the one that may be filed is the only one offered
    assert "账号：抚松应急" in reply and "第33条" in reply and "抚松保密" not in reply, reply


def test_registry_flags_them_for_closing(bot):
    add_account(bot, "抚松县国家保密局", "抚松保密", "微信公众号", needs_retro_filing=True)
    add_account(bot, "抚松县应急管理局", "抚松应急", "微信公众号", needs_retro_filing=True)
    reply = bot.send("bm_staff", "台账")
    assert "抚松保密｜微信公众号｜正常，不得开设（第8条），应注销或关停" in reply, reply
    assert "待补办备案" not in reply and "「注销 账号名」" in reply
    reply = bot.send("zsj_admin", "台账")
    assert "待补办备案：1 个（第33条）" in reply, reply
    assert "涉密单位、内设机构名下的账号：1 个，按第8条应注销或关停：抚松县国家保密局1个" in reply
    bot.send("zsj_admin", "导出台账")
    (_name, data), = received_files(bot, "zsj_admin")
    ws = load_workbook(BytesIO(data))["台账"]
    header = [c.value for c in ws[1]]
    column = header.index("需补办备案")
    values = {row[header.index("账号名称")].value: row[column].value for row in ws.iter_rows(min_row=2)}
    assert values["抚松保密"] == "否，第8条不得开设，应注销或关停" and values["抚松应急"] == "是"


def test_a_closed_imported_account_is_no_longer_for_retro_filing(bot):
    """Closed as advised (注销/关停 approved): nothing is left to file retroactively (第33条)."""
    add_account(bot, "抚松县应急管理局", "抚松应急", "微信公众号", needs_retro_filing=True, status="已注销")
    add_account(bot, "抚松县应急管理局", "应急旧号", "抖音", needs_retro_filing=True, status="已关停")
    reply = bot.send("yj_shi", "台账")
    assert "抚松应急｜微信公众号｜已注销\n" in reply and "待补办备案" not in reply, reply
    assert "没有需要补办备案的账号" in bot.send("yj_shi", "补办备案")
    bot.send("zsj_admin", "导出台账")
    (_name, data), = received_files(bot, "zsj_admin")
    ws = load_workbook(BytesIO(data))["台账"]
    header = [c.value for c in ws[1]]
    assert {row[header.index("需补办备案")].value for row in ws.iter_rows(min_row=2)} == {"否"}


def test_retro_filing_of_an_account_without_a_responsible_person_names_one(bot):
    """Imported without 负责人UserID: the 补办备案 asks for the 专人 (第21条) rather than filing an account nobody answers
    for, and the approval records them."""
    from tests.approvals_helpers import approve_all, latest_request_id
    account_id = add_account(bot, "抚松县应急管理局", "抚松应急", "微信公众号", needs_retro_filing=True)
    reply = bot.send("yj_shi", "补办备案")
    assert "还没有负责人" in reply and "第21条" in reply and "施静" in reply, reply
    form = bot.send("yj_shi", "我")
    assert "账号负责人：施静" in form and "回复「确认」提交补办备案申请" in form, form
    bot.send("yj_shi", "确认")
    approve_all(bot, latest_request_id(bot), ("yj_kong", "zsj_review", "city_zhao"))
    with bot.db() as s:
        from models.account import Account
        account = s.get(Account, account_id)
        assert account.responsible.userid == "yj_shi" and account.needs_retro_filing is False
    assert "负责人：施静" in bot.send("yj_shi", "台账")
