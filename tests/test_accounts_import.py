"""`flask --app bot accounts import|template`: existing accounts into the registry (第33条)."""
from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.accounts_cli import TEMPLATE
from bot.registry_xlsx import IMPORT_HEADERS
from models.account import Account, AccountChange
from models.audit import AuditLog

HEADERS = [h for h, _w, _n in IMPORT_HEADERS]


def make_file(tmp_path: Path, rows: list[dict], name: str = "accounts.xlsx") -> Path:
    """Fill the shipped template, as a bureau clerk would."""
    wb = load_workbook(TEMPLATE)
    ws = wb["账号"]
    for r, row in enumerate(rows, 2):
        for header, value in row.items():
            ws.cell(row=r, column=HEADERS.index(header) + 1, value=value)
    path = tmp_path / name
    wb.save(path)
    return path


def run(app, *args):
    return app.test_cli_runner().invoke(args=["accounts", *args])


GOOD = [
    {"主办单位": "抚松县教育局", "账号名称": "抚松教育", "账号类型": "微信公众号", "账号功能": "政务信息发布",
     "主页URL/下载URL": "https://mp.weixin.qq.com/s/abc", "微信biz/oid/账号ID": "MzA5NDc1NzQ4MA==",
     "负责人UserID": "jy_zhang", "联系电话": "0439-1234567", "开设日期": "2021-03-15", "全国系统报送状态": "已报送"},
    {"主办单位": "抚松县卫生健康局", "账号名称": "健康抚松", "账号类型": "抖音", "负责人UserID": "wj_liu",
     "第三方运维机构": "抚松县某某传媒有限公司", "开设日期": date(2020, 9, 10)},
    {"主办单位": "抚松县公安局", "账号名称": "抚松公安", "账号类型": "头条"},
]


def test_shipped_template_matches_the_code(app, tmp_path):
    wb = load_workbook(TEMPLATE)
    assert [c.value for c in wb["账号"][1]] == HEADERS
    assert wb["账号"].freeze_panes == "A2" and "填写说明" in wb.sheetnames
    result = run(app, "template", str(tmp_path / "t.xlsx"))
    assert result.exit_code == 0 and "模板已写入" in result.output
    assert [c.value for c in load_workbook(tmp_path / "t.xlsx")["账号"][1]] == HEADERS


def test_import_creates_accounts_needing_retroactive_filing(app, directory, session, tmp_path):
    result = run(app, "import", str(make_file(tmp_path, GOOD)))
    assert result.exit_code == 0, result.output
    assert "导入完成：新增 3 个，更新 0 个，未变化 0 个" in result.output
    assert "第4行（提示）：未填写负责人UserID" in result.output
    accounts = {a.name: a for a in session.scalars(select(Account))}
    edu = accounts["抚松教育"]
    assert (edu.status, edu.needs_retro_filing, edu.platform) == ("正常", True, "微信公众号")
    assert edu.imported_at is not None and edu.opened_on == date(2021, 3, 15)
    assert edu.responsible.userid == "jy_zhang" and edu.contact == "0439-1234567"
    assert edu.registry_status == "已报送" and edu.registry_code == "11220621MB0000001A"  # the unit's code
    assert accounts["健康抚松"].opened_on == date(2020, 9, 10) and accounts["健康抚松"].operator.startswith("抚松县")
    assert accounts["抚松公安"].platform == "今日头条" and accounts["抚松公安"].responsible is None
    changes = session.scalars(select(AccountChange).where(AccountChange.account_id == edu.id)).all()
    assert [c.kind for c in changes] == ["导入"] and changes[0].changes["name"] == [None, "抚松教育"]
    rows = session.scalars(select(AuditLog).where(AuditLog.action == "account.import")).all()
    assert len(rows) == 3 and all(r.actor == "cli:accounts-import" for r in rows)
    assert "0439" not in str([r.after for r in rows])  # the phone number stays out of the audit log


def test_reimport_updates_and_never_duplicates(app, directory, session, tmp_path):
    assert run(app, "import", str(make_file(tmp_path, GOOD))).exit_code == 0
    again = [dict(GOOD[0], 联系电话="13900000000", 账号功能=None), GOOD[1], GOOD[2]]
    result = run(app, "import", str(make_file(tmp_path, again, "again.xlsx")))
    assert result.exit_code == 0, result.output
    assert "新增 0 个，更新 1 个，未变化 2 个" in result.output
    assert session.scalar(select(func.count()).select_from(Account)) == 3
    edu = session.scalar(select(Account).where(Account.name == "抚松教育"))
    assert edu.contact == "13900000000" and edu.function == "政务信息发布"  # empty cells keep the value
    kinds = session.scalars(select(AccountChange.changes).where(AccountChange.account_id == edu.id)
                            .order_by(AccountChange.id)).all()
    assert kinds[-1] == {"contact": ["0439-1234567", "13900000000"]}
    update = session.scalar(select(AuditLog).where(AuditLog.action == "account.import_update"))
    assert update.after == {"contact": "（已填写）"}


def test_bad_rows_are_reported_and_nothing_is_imported(app, directory, session, tmp_path):
    rows = GOOD[:1] + [
        {"主办单位": "抚松县不存在局", "账号名称": "甲", "账号类型": "微博"},
        {"主办单位": "抚松县教育局", "账号名称": "乙", "账号类型": "推特"},
        {"主办单位": "抚松县教育局", "账号名称": "丙", "账号类型": "微博", "负责人UserID": "wj_liu"},
        {"主办单位": "抚松县教育局", "账号名称": "丁", "账号类型": "微博", "主页URL/下载URL": "www.example.com"},
        {"主办单位": "抚松县教育局", "账号名称": "戊", "账号类型": "微博", "开设日期": "去年"},
        {"主办单位": "抚松县教育局", "账号名称": "抚松教育", "账号类型": "微信公众号"},
        {"主办单位": "抚松县政务服务和数字化建设管理局", "账号名称": "己", "账号类型": "微博"},
        {"账号名称": "庚", "账号类型": "微博"},
        {"主办单位": "抚松县教育局", "账号名称": "辛", "账号类型": "微博", "负责人UserID": "nobody"},
        {"主办单位": "抚松县教育局", "账号名称": "壬", "账号类型": "微博", "全国系统报送状态": "报了"},
    ]
    result = run(app, "import", str(make_file(tmp_path, rows)))
    assert result.exit_code != 0
    out = result.output
    assert "第3行：通讯录中没有单位「抚松县不存在局」" in out
    assert "第4行：账号类型「推特」无法识别" in out
    assert "第5行：负责人 刘洋（wj_liu）不属于抚松县教育局" in out
    assert "第6行：主页URL「www.example.com」应以 http:// 或 https:// 开头" in out
    assert "第7行：开设日期「去年」无法识别" in out
    assert "第8行：与第2行是同一账号" in out
    assert "第9行：「抚松县政务服务和数字化建设管理局」是主管单位" in out
    assert "第10行：「主办单位」未填写" in out
    assert "第11行：负责人UserID「nobody」不在通讯录中" in out
    assert "第12行：全国系统报送状态应为「已报送」或「待报送」" in out
    assert "有 10 行错误，未导入任何账号" in out
    assert session.scalar(select(func.count()).select_from(Account)) == 0
    assert session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_skip_bad_imports_the_good_rows_in_one_go(app, directory, session, tmp_path):
    rows = GOOD[:2] + [{"主办单位": "抚松县教育局", "账号名称": "乙", "账号类型": "推特"}]
    result = run(app, "import", "--skip-bad", str(make_file(tmp_path, rows)))
    assert result.exit_code == 0, result.output
    assert "第4行：账号类型「推特」无法识别" in result.output and "新增 2 个" in result.output
    assert "跳过 1 行错误" in result.output
    assert session.scalar(select(func.count()).select_from(Account)) == 2


def test_dry_run_writes_nothing(app, directory, session, tmp_path):
    result = run(app, "import", "--dry-run", str(make_file(tmp_path, GOOD)))
    assert result.exit_code == 0 and "检查完成（未写入）：新增 3 个" in result.output
    assert session.scalar(select(func.count()).select_from(Account)) == 0


def test_a_header_that_names_a_column_twice_is_refused_naming_the_columns(app, directory, session, tmp_path):
    wb = load_workbook(make_file(tmp_path, GOOD))
    ws = wb["账号"]
    last = ws.max_column + 1
    ws.cell(row=1, column=last, value="账号名称")
    ws.cell(row=2, column=last, value="另一个名称")
    wb.save(tmp_path / "twice.xlsx")
    result = run(app, "import", str(tmp_path / "twice.xlsx"))
    at = f"{chr(ord('A') + HEADERS.index('账号名称'))}、{ws.cell(row=1, column=last).column_letter}"
    assert result.exit_code != 0 and f"第1行「账号名称」列出现了2次（{at}列）" in result.output, result.output
    assert session.scalar(select(func.count()).select_from(Account)) == 0


def test_formula_cells_and_non_xlsx_files_are_refused(app, directory, session, tmp_path):
    path = make_file(tmp_path, [{"主办单位": "抚松县教育局", "账号名称": "=1+1", "账号类型": "微博"}])
    result = run(app, "import", str(path))
    assert result.exit_code != 0 and "第2行：B2 含公式，请改为纯文本" in result.output
    junk = tmp_path / "junk.xlsx"
    junk.write_text("主办单位,账号名称\n")
    result = run(app, "import", str(junk))
    assert result.exit_code != 0 and "无法读取文件，请确认是 .xlsx 格式" in result.output
    wb = load_workbook(TEMPLATE)
    wb["账号"].delete_cols(1)
    wb.save(tmp_path / "nohead.xlsx")
    result = run(app, "import", str(tmp_path / "nohead.xlsx"))
    assert result.exit_code != 0 and "缺少必需的列：主办单位" in result.output


def test_an_exported_registry_can_be_imported_back(bot, app, session, tmp_path):
    assert run(app, "import", str(make_file(tmp_path, GOOD))).exit_code == 0
    bot.send("zsj_admin", "导出台账")
    (_name, data), = [bot.fake._files[m["content"]["media_id"]] for m in bot.inbox("zsj_admin")
                      if m["msgtype"] == "file"]
    path = tmp_path / "export.xlsx"
    path.write_bytes(data)
    result = run(app, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "新增 0 个，更新 0 个，未变化 3 个" in result.output
    assert BytesIO(data).getbuffer().nbytes > 0


def test_export_carries_the_history_of_changes(bot, app, tmp_path):
    assert run(app, "import", str(make_file(tmp_path, GOOD))).exit_code == 0
    again = [dict(GOOD[0], 负责人UserID="jy_li", 账号功能="@HYPERLINK(\"http://x\")")]
    assert run(app, "import", str(make_file(tmp_path, again, "again.xlsx"))).exit_code == 0
    bot.send("jy_wang", "导出台账")
    (_name, data), = [bot.fake._files[m["content"]["media_id"]] for m in bot.inbox("jy_wang")
                      if m["msgtype"] == "file"]
    ws = load_workbook(BytesIO(data))["变更历史"]
    assert [c.value for c in ws[1]] == ["主办单位", "账号名称", "账号类型", "时间", "事项", "申请编号", "内容", "操作人"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert len(rows) == 2 and all(r[4] == "导入" and r[7] == "cli:accounts-import" for r in rows)
    assert "负责人UserID：jy_zhang" in rows[0][6] and "开设日期：2021-03-15" in rows[0][6]
    assert "负责人UserID：jy_zhang → jy_li" in rows[1][6]
    assert ws.cell(row=3, column=7).value.startswith("账号功能：政务信息发布 → @HYPERLINK")
    assert ws.cell(row=3, column=7).data_type == "s"


def test_the_history_names_the_person_who_made_a_change(bot):
    """The 操作人 column held bare userids (「city_qian」)."""
    from tests.approvals_helpers import approve_all, submit_open
    number = submit_open(bot)
    approve_all(bot, number)
    bot.send("jy_zhang", "导出台账")
    _name, data = [bot.fake._files[m["content"]["media_id"]] for m in bot.inbox("jy_zhang")
                   if m["msgtype"] == "file"][-1]  # (the approval form came before)
    rows = [[c.value for c in r] for r in load_workbook(BytesIO(data))["变更历史"].iter_rows(min_row=2)]
    assert {r[7] for r in rows if r[5] == number} == {"赵审批（city_zhao）"}  # the city's approval made it


def test_a_renamed_header_is_refused_naming_its_column_and_the_header_meant(app, directory, session, tmp_path):
    wb = load_workbook(make_file(tmp_path, GOOD))
    at = HEADERS.index("负责人UserID") + 1
    wb["账号"].cell(row=1, column=at, value="负责人")
    wb["账号"].cell(row=1, column=HEADERS.index("账号功能") + 1, value="功能")
    wb.save(tmp_path / "renamed.xlsx")
    result = run(app, "import", "--dry-run", str(tmp_path / "renamed.xlsx"))
    assert result.exit_code == 1, result.output
    letter = wb["账号"].cell(row=1, column=at).column_letter
    assert f"第1行{letter}列「负责人」不是导入模板中的列（是不是「负责人UserID」？）" in result.output
    assert "第1行D列「功能」不是导入模板中的列（是不是「账号功能」？）" in result.output
    assert "可用的列：主办单位、账号名称、账号类型、账号功能" in result.output
    assert "未填写负责人UserID" not in result.output and "检查完成" not in result.output


def test_template_never_overwrites_a_file_nor_writes_into_the_repository(app, tmp_path, monkeypatch):
    filled = make_file(tmp_path, GOOD)
    kept = filled.read_bytes()
    result = run(app, "template", str(filled))
    assert result.exit_code == 1, result.output
    assert f"错误：文件「{filled}」已存在，没有覆盖（里面可能是已填好的内容）。请换一个文件名，或加 --force 覆盖。" in result.output
    assert filled.read_bytes() == kept
    assert run(app, "template", "--force", str(filled)).exit_code == 0
    assert load_workbook(filled)["账号"].max_row == 1
    shipped = TEMPLATE.stat().st_mtime_ns
    monkeypatch.chdir(tmp_path)
    default = run(app, "template")
    assert default.exit_code == 0 and "模板已写入 账号导入模板.xlsx" in default.output, default.output
    assert (tmp_path / "账号导入模板.xlsx").is_file() and TEMPLATE.stat().st_mtime_ns == shipped


def test_every_problem_of_a_row_is_listed_and_a_deactivated_person_is_said_so(app, directory, session, tmp_path):
    from bot import db
    from models.org import Person
    with db.transaction() as s:
        s.scalar(select(Person).where(Person.userid == "jy_li")).active = False
    rows = [{"主办单位": "抚松县不存在局", "账号名称": "甲", "账号类型": "推特", "主页URL/下载URL": "www.example.com",
             "开设日期": "去年", "负责人UserID": "nobody"},
            {"主办单位": "抚松县教育局", "账号名称": "乙", "账号类型": "微博", "负责人UserID": "jy_li"}]
    result = run(app, "import", str(make_file(tmp_path, rows)))
    assert result.exit_code == 1, result.output
    assert ("第2行：通讯录中没有单位「抚松县不存在局」，请填写完整的单位名称；账号类型「推特」无法识别，应为："
            in result.output), result.output
    assert "；主页URL「www.example.com」应以 http:// 或 https:// 开头；开设日期「去年」无法识别" in result.output
    assert "；负责人UserID「nobody」不在通讯录中" in result.output
    assert "第3行：负责人 李娜（jy_li）已停用，请填写在职的负责人" in result.output
    assert "有 2 行错误" in result.output
