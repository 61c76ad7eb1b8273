"""`flask --app bot org import`: the shipped template, YAML, re-import, bad rows, departures."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot import config, db
from models.audit import AuditLog
from models.org import (BUREAU_ADMIN, BUREAU_REVIEWER, CITY_BUREAU, CITY_REVIEWER, COUNTY_BUREAU, HOST_UNIT, STAFF,
                        UNIT_HEAD, Person, Unit)
from models.org_files import PERSON_COLUMNS, UNIT_COLUMNS, write_template
from models.outbox import OutboxMessage

TEMPLATE = config.PROJECT_ROOT / "templates" / "org_template.xlsx"

UNITS = [
    ("白山市政数局", "", "市级主管单位", "", "否", "否", 1),
    ("抚松县政数局", "白山市政数局", "县级主管单位", "", "", "", 2),
    # a child before its parent: the order of rows does not matter
    ("抚松县教育局办公室", "抚松县教育局", "主办单位", "", "否", "是", None),
    ("抚松县教育局", "抚松县政数局", "主办单位", "11220621MB0000001A", "否", "否", 3),
    ("抚松县国家保密局", "抚松县政数局", "主办单位", "", "是", "否", None),
]
PEOPLE = [
    ("zhao", "赵审批", "白山市政数局", "市级审批人", "", "是"),
    ("ma", "马管理", "抚松县政数局", "主管单位管理员，主管单位审核人", "13900000002", "是"),
    ("zhang", "张伟", "抚松县教育局", "", "13800000001", ""),
    ("wang", "王局长", "抚松县教育局", "单位负责人、单位工作人员", "", "是"),
]


def write_xlsx(path: Path, units=UNITS, people=PEOPLE) -> Path:
    """Fill a copy of the shipped template, as a user would."""
    book = load_workbook(TEMPLATE)
    for row in units:
        book["单位"].append(list(row))
    for row in people:
        book["人员"].append(list(row))
    book.save(path)
    return path


def write_yaml(path: Path, units=UNITS, people=PEOPLE) -> Path:
    data = {"单位": [{k: v for k, v in zip(UNIT_COLUMNS, row) if v not in ("", None)} for row in units],
            "人员": [{k: v for k, v in zip(PERSON_COLUMNS, row) if v != ""} for row in people]}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def org(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=["org", *args])
    return invoke


def count(model) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def get_unit(s, name) -> Unit:
    return s.scalar(select(Unit).where(Unit.name == name))


def test_shipped_template_has_the_documented_sheets_and_headers(tmp_path):
    book = load_workbook(TEMPLATE)
    assert book.sheetnames == ["单位", "人员", "填写说明"]
    assert [c.value for c in book["单位"][1]] == list(UNIT_COLUMNS)
    assert [c.value for c in book["人员"][1]] == list(PERSON_COLUMNS)
    assert book["单位"].max_row == 1 and book["人员"].max_row == 1  # blank: no sample rows to import by mistake
    fresh = load_workbook(write_template(tmp_path / "t.xlsx"))  # the committed file is what the code writes
    for sheet in ("单位", "人员", "填写说明"):
        assert [[c.value for c in r] for r in fresh[sheet].iter_rows()] == \
               [[c.value for c in r] for r in book[sheet].iter_rows()]


def test_template_command_writes_a_template(org, tmp_path):
    result = org("template", str(tmp_path / "名册.xlsx"))
    assert result.exit_code == 0 and "已生成导入模板" in result.output
    assert load_workbook(tmp_path / "名册.xlsx").sheetnames == ["单位", "人员", "填写说明"]


def test_import_xlsx_builds_the_tree(org, tmp_path):
    result = org("import", str(write_xlsx(tmp_path / "名册.xlsx")))
    assert result.exit_code == 0, result.output
    assert "单位：新增 5，更新 0，未变 0" in result.output
    assert "人员：新增 4，更新 0，未变 0，停用 0，恢复 0" in result.output
    with db.transaction() as s:
        city, county = get_unit(s, "白山市政数局"), get_unit(s, "抚松县政数局")
        edu, office = get_unit(s, "抚松县教育局"), get_unit(s, "抚松县教育局办公室")
        secret = get_unit(s, "抚松县国家保密局")
        assert (city.kind, city.parent, city.wecom_department_id) == (CITY_BUREAU, None, 1)
        assert (county.kind, county.parent_id, county.wecom_department_id) == (COUNTY_BUREAU, city.id, 2)
        assert (edu.kind, edu.parent_id, edu.registry_code) == (HOST_UNIT, county.id, "11220621MB0000001A")
        assert office.parent_id == edu.id and office.is_internal and not office.is_classified
        assert secret.is_classified and not secret.is_internal
        people = {p.userid: p for p in s.scalars(select(Person))}
        assert people["ma"].roles == {BUREAU_ADMIN, BUREAU_REVIEWER} and people["ma"].unit_id == county.id
        assert people["zhang"].roles == {STAFF}  # blank 角色: 单位工作人员
        assert people["wang"].roles == {UNIT_HEAD, STAFF}
        assert people["zhang"].mobile == "13800000001" and people["zhang"].active
        actions = [a.action for a in s.scalars(select(AuditLog).where(AuditLog.actor == "system:org_import"))]
        assert actions.count("org.unit.create") == 5 and actions.count("org.person.create") == 4
        assert "13800000001" not in str([a.after for a in s.scalars(select(AuditLog))])  # masked


def test_reimport_changes_nothing_and_updates_what_changed(org, tmp_path):
    path = write_xlsx(tmp_path / "名册.xlsx")
    assert org("import", str(path)).exit_code == 0
    audits = count(AuditLog)
    again = org("import", str(path))
    assert again.exit_code == 0
    assert "单位：新增 0，更新 0，未变 5" in again.output and "人员：新增 0，更新 0，未变 4" in again.output
    assert (count(Unit), count(Person), count(AuditLog)) == (5, 4, audits)

    people = [*PEOPLE[:2], ("zhang", "张伟伟", "抚松县国家保密局", "单位负责人", "", "是"), PEOPLE[3]]
    changed = org("import", str(write_xlsx(tmp_path / "v2.xlsx", people=people)))
    assert "人员：新增 0，更新 1，未变 3" in changed.output, changed.output
    with db.transaction() as s:
        zhang = s.scalar(select(Person).where(Person.userid == "zhang"))
        assert (zhang.name, zhang.unit.name, zhang.roles) == ("张伟伟", "抚松县国家保密局", {UNIT_HEAD})
        assert zhang.mobile == "13800000001"  # blank 手机 keeps the number
        row = s.scalars(select(AuditLog).where(AuditLog.action == "org.person.update")).one()
        assert row.before == {"name": "张伟", "unit": "抚松县教育局", "roles": ["staff"]}
        assert row.after == {"name": "张伟伟", "unit": "抚松县国家保密局", "roles": ["unit_head"]}
    assert count(Person) == 4


def test_yaml_of_the_same_shape_gives_the_same_directory(org, tmp_path):
    assert org("import", str(write_yaml(tmp_path / "名册.yaml"))).exit_code == 0
    from_yaml = org("show").output
    assert "抚松县教育局办公室〔主办单位，内设机构〕" in from_yaml
    again = org("import", str(write_xlsx(tmp_path / "名册.xlsx")))  # same content as xlsx: nothing changes
    assert "单位：新增 0，更新 0，未变 5" in again.output and "人员：新增 0，更新 0，未变 4" in again.output
    assert org("show").output == from_yaml


def test_bad_rows_are_listed_with_reasons_and_nothing_is_imported(org, tmp_path):
    units = [*UNITS,
             ("抚松县卫健局", "不存在的局", "主办单位", "", "", "", None),        # row 7
             ("抚松县民政局", "抚松县政数局", "主办", "", "也许", "", "x"),       # row 8
             ("抚松县教育局", "抚松县政数局", "主办单位", "", "", "", None),       # row 9: duplicate
             ("靖宇县政数局", "抚松县教育局", "县级主管单位", "", "", "", 2)]      # row 10
    people = [*PEOPLE,
              ("li si", "李四", "抚松县教育局", "局长", "12", ""),                  # row 6
              ("x1", "", "抚松县民政局", "", "", "离职"),                          # row 7
              ("x2", "某人", "抚松县教育局", "主管单位管理员", "", ""),              # row 8
              ("x3", "某人", "没有的单位", "市级审批人", "", ""),                    # row 9
              ("zhang", "重复", "抚松县教育局", "", "", "")]                       # row 10
    result = org("import", str(write_xlsx(tmp_path / "bad.xlsx", units, people)))
    assert result.exit_code == 1
    out = result.output
    assert "没有导入任何内容" in out
    for expected in [
        "「单位」表第7行：上级单位「不存在的局」不存在",
        "「单位」表第8行：「类型」应为市级主管单位、县级主管单位、主办单位之一，现在是「主办」",
        "「单位」表第8行：「涉密单位」只能填「是」或「否」，现在是「也许」",
        "「单位」表第8行：「企业微信部门ID」应为正整数，现在是「x」",
        "「单位」表第9行：单位名称「抚松县教育局」与「单位」表第5行重复",
        "「单位」表第10行：企业微信部门ID「2」与「单位」表第3行重复",
        "「单位」表第10行：县级主管单位的上级单位必须是市级主管单位",
        "「人员」表第6行：「企业微信UserID」只能由字母、数字和 _ - . @ 组成",
        "「人员」表第6行：没有「局长」这个角色",
        "「人员」表第6行：「手机」格式不正确",
        "「人员」表第7行：「姓名」不能为空",
        "「人员」表第7行：「在职」只能填「是」或「否」，现在是「离职」",
        "「人员」表第8行：「主管单位审核人」「主管单位管理员」只能给主管单位的人员",
        "「人员」表第9行：所在单位「没有的单位」不存在",
        "「人员」表第10行：企业微信UserID「zhang」与「人员」表第4行重复",
    ]:
        assert expected in out, expected
    assert "12" not in out.split("「手机」")[1][:20]  # the number itself is not echoed
    assert (count(Unit), count(Person), count(AuditLog)) == (0, 0, 0)


def test_problems_are_listed_top_down_units_before_people(org, tmp_path):
    """The admin fixes the file from the top: parent-unit problems are not listed after the people's."""
    units = [*UNITS,
             ("抚松县卫健局", "不存在的局", "主办单位", "", "", "", None),      # row 7: unknown parent
             ("抚松县民政局", "", "主办单位", "", "", "", None),               # row 8: no parent
             ("抚松县林业局", "抚松县政数局", "主办", "", "", "", None),        # row 9: bad type
             ("抚松县教育局", "抚松县政数局", "主办单位", "", "", "", None)]    # row 10: duplicate of row 5
    people = [("li si", "李四", "抚松县教育局", "", "", ""),                   # row 2: bad userid
              *PEOPLE,
              ("x3", "某人", "没有的单位", "", "", ""),                        # row 7: unknown unit
              ("zhang", "张伟", "抚松县教育局", "", "", "")]                  # row 8: duplicate of row 5
    result = org("import", str(write_xlsx(tmp_path / "order.xlsx", units, people)))
    assert result.exit_code == 1
    listed = [line.strip().split("：")[0] for line in result.output.splitlines() if line.startswith("  ")]
    assert listed == ["「单位」表第7行", "「单位」表第8行", "「单位」表第9行", "「单位」表第10行",
                      "「人员」表第2行", "「人员」表第7行", "「人员」表第8行"], result.output


def test_a_duplicate_is_reported_even_when_one_of_its_rows_has_another_problem(org, tmp_path):
    units = [*UNITS, ("抚松县教育局", "抚松县政数局", "主办", "", "", "", None)]       # row 7: bad type too
    people = [*PEOPLE, ("zhang", "张伟", "抚松县教育局", "局长", "", "")]             # row 6: bad role too
    result = org("import", str(write_xlsx(tmp_path / "dup.xlsx", units, people)))
    assert result.exit_code == 1
    assert "「单位」表第7行：单位名称「抚松县教育局」与「单位」表第5行重复" in result.output
    assert "「人员」表第6行：企业微信UserID「zhang」与「人员」表第4行重复" in result.output
    assert "「人员」表第6行：没有「局长」这个角色" in result.output


def test_one_bad_row_among_good_ones_imports_nothing(org, tmp_path):
    people = [*PEOPLE, ("ok2", "好人", "抚松县教育局", "市级审批人", "", "")]
    result = org("import", str(write_yaml(tmp_path / "名册.yaml", people=people)))
    assert result.exit_code == 1
    assert "「人员」第5条：「市级审批人」只能给市级主管单位的人员" in result.output
    assert (count(Unit), count(Person)) == (0, 0)


def test_tree_rules_against_units_already_registered(org, tmp_path, directory):
    units = [("抚松县万良镇人民政府", "抚松县融媒体中心", "主办单位", "", "", "", None),
             ("抚松县融媒体中心", "抚松县万良镇人民政府", "主办单位", "", "", "", None),
             ("白山市第二个局", "", "市级主管单位", "", "", "", None),
             ("抚松县政务服务和数字化建设管理局", "", "主办单位", "", "", "", None)]
    result = org("import", str(write_xlsx(tmp_path / "t.xlsx", units, [])))
    assert result.exit_code == 1
    assert "「单位」表第2行：上级单位形成循环" in result.output
    assert "「单位」表第5行：主办单位必须填写上级单位" in result.output


def test_department_id_of_another_registered_unit_is_refused(org, tmp_path, directory):
    with db.transaction() as s:
        get_unit(s, "抚松县公安局").wecom_department_id = 7
    units = [("抚松县教育局", "抚松县政务服务和数字化建设管理局", "主办单位", "", "", "", 7)]
    result = org("import", str(write_xlsx(tmp_path / "t.xlsx", units, [])))
    assert "企业微信部门ID 7 已属于单位「抚松县公安局」" in result.output and result.exit_code == 1


def test_file_level_problems_are_explained(org, tmp_path):
    assert "找不到文件" in org("import", str(tmp_path / "none.xlsx")).output
    (tmp_path / "a.csv").write_text("x")
    assert "不支持的文件类型「.csv」" in org("import", str(tmp_path / "a.csv")).output
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    assert "无法打开 Excel 文件" in org("import", str(tmp_path / "broken.xlsx")).output
    book = load_workbook(TEMPLATE)
    book["人员"]["C1"] = "单位"
    book.save(tmp_path / "header.xlsx")
    out = org("import", str(tmp_path / "header.xlsx")).output
    assert "「人员」表第1行缺少列：所在单位" in out
    (tmp_path / "bad.yaml").write_text("单位:\n  - 单位名称: 甲\n    级别: 高\n", encoding="utf-8")
    assert "「单位」第1条有未知的列：级别" in org("import", str(tmp_path / "bad.yaml")).output
    (tmp_path / "empty.xlsx").write_bytes(TEMPLATE.read_bytes())
    assert "文件中没有任何单位或人员" in org("import", str(tmp_path / "empty.xlsx")).output


def test_an_xlsx_sheet_that_names_a_column_twice_is_refused_naming_the_columns(org, tmp_path):
    book = load_workbook(write_xlsx(tmp_path / "filled.xlsx"))
    sheet = book["人员"]
    sheet.cell(row=1, column=sheet.max_column + 1, value="姓名")  # a second 姓名 column at the end
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row=row, column=sheet.max_column, value="另一个名字")
    book.save(tmp_path / "twice.xlsx")
    before = count(Person)
    result = org("import", str(tmp_path / "twice.xlsx"))
    column = sheet.cell(row=1, column=sheet.max_column).column_letter
    assert result.exit_code == 1, result.output
    assert f"「人员」表第1行「姓名」列出现了2次（B、{column}列）：导入时无法判断用哪一列，请删去多余的列。" in result.output
    assert count(Person) == before


@pytest.mark.parametrize("text, where, hint", [
    # a key indented one space too far: the parser stops at its colon
    ("单位:\n  - 单位名称: 甲\n    类型: 主办单位\n     上级单位: 乙\n", "第4行第10列", "冒号"),
    ("人员:\n  - 企业微信UserID: a\n\t姓名: 张三\n", "第3行第1列", "Tab"),
    ("人员:\n  - 企业微信UserID: a\n    姓名: \"张三\n", "第4行第1列", "第3行开始的引号"),
    ("人员:\n  - 企业微信UserID: a\n  姓名: 张三\n", "第3行第3列", "缩进"),
], ids=["colon", "tab", "quote", "indent"])
def test_a_yaml_syntax_error_names_its_line_in_chinese(org, tmp_path, text, where, hint):
    (tmp_path / "名册.yaml").write_text(text, encoding="utf-8")
    result = org("import", str(tmp_path / "名册.yaml"))
    assert result.exit_code != 0
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"错误：YAML 格式错误（{where}）") and hint in line, line  # not click's 「Error:」
    assert not any(word in line for word in ("mapping", "found", "expected", "scanning")), line  # no parser English
    assert (count(Unit), count(Person), count(AuditLog)) == (0, 0, 0)


def test_a_yaml_file_not_in_utf8_is_explained(org, tmp_path):
    (tmp_path / "名册.yaml").write_bytes("人员:\n  - 姓名: 张三\n".encode("gbk"))
    result = org("import", str(tmp_path / "名册.yaml"))
    assert result.exit_code != 0 and "UTF-8" in result.output and "codec" not in result.output


def test_yaml_values_that_are_not_text_are_refused_naming_entry_and_column(org, tmp_path):
    (tmp_path / "名册.yaml").write_text("""\
单位:
  - 单位名称: 白山市政数局
    类型: [市级主管单位]
人员:
  - 企业微信UserID: a1
    姓名: {a: 1}
    所在单位: 白山市政数局
    手机: [13800000001]
  - 企业微信UserID: no
    姓名: 李四
    所在单位: 白山市政数局
""", encoding="utf-8")
    result = org("import", str(tmp_path / "名册.yaml"))
    assert result.exit_code == 1
    out = result.output
    assert "「单位」第1条：「类型」应填写文字，现在是一个列表" in out
    assert "「人员」第1条：「姓名」应填写文字，现在是一组「名称: 值」" in out
    assert "「人员」第1条：「手机」应填写文字，现在是一个列表" in out
    assert "「人员」第2条：「企业微信UserID」应填写文字，现在是「no」" in out and "加引号" in out
    assert "不能为空" not in out and "{'a': 1}" not in out and "13800000001" not in out
    assert "导入失败：发现 4 处问题" in out
    assert (count(Unit), count(Person), count(AuditLog)) == (0, 0, 0)


def test_a_yaml_key_written_twice_in_one_entry_is_refused_naming_its_lines(org, tmp_path):
    """YAML itself would keep the later value silently; the problems are listed in file order with the others."""
    (tmp_path / "名册.yaml").write_text("""\
单位:
  - 单位名称: 白山市政数局
    类型: 市级主管单位
    类型: 县级主管单位
人员:
  - 企业微信UserID: a1
    姓名: 张三
    所在单位: 白山市政数局
    姓名: 李四
  - 企业微信UserID: b2
    姓名: 王五
    所在单位: 没有的单位
  - 企业微信UserID: c3
    姓名: 赵六
    "所在单位": 白山市政数局
    手机: 13800000001
    所在单位: 白山市政数局
    手机: 13800000002
""", encoding="utf-8")
    result = org("import", str(tmp_path / "名册.yaml"))
    assert result.exit_code == 1
    assert [line.strip() for line in result.output.splitlines()[1:]] == [
        "「单位」第1条：「类型」写了2次（第3、4行），请只保留一个。",
        "「人员」第1条：「姓名」写了2次（第7、9行），请只保留一个。",
        "「人员」第2条：所在单位「没有的单位」不存在（本文件和系统中都没有）。",
        "「人员」第3条：「所在单位」写了2次（第15、17行），请只保留一个。",
        "「人员」第3条：「手机」写了2次（第16、18行），请只保留一个。"], result.output
    assert (count(Unit), count(Person), count(AuditLog)) == (0, 0, 0)


def test_a_yaml_list_written_twice_is_refused(org, tmp_path):
    (tmp_path / "名册.yaml").write_text("人员:\n  - 企业微信UserID: a1\n人员:\n  - 企业微信UserID: b2\n",
                                        encoding="utf-8")
    result = org("import", str(tmp_path / "名册.yaml"))
    assert result.exit_code == 1
    assert result.output.strip() == "错误：YAML 中「人员」写了2次（第1、3行），后面的会整个替换前面的：请合并成一个列表。"


def test_yaml_numbers_are_text_as_written(org, tmp_path):
    """Digits need no quotes: a userid or phone number keeps its leading zero or +86; yes/no fit 是/否 columns."""
    (tmp_path / "名册.yaml").write_text("""\
单位:
  - 单位名称: 白山市政数局
    类型: 市级主管单位
    企业微信部门ID: 1
人员:
  - 企业微信UserID: 10086
    姓名: 张三
    所在单位: 白山市政数局
    手机: 13800000001
    在职: yes
  - 企业微信UserID: 0755
    姓名: 2024
    所在单位: 白山市政数局
    手机: +8613800000002
    角色: [市级审批人, 单位工作人员]
""", encoding="utf-8")
    result = org("import", str(tmp_path / "名册.yaml"))
    assert result.exit_code == 0, result.output
    with db.transaction() as s:
        people = {p.userid: p for p in s.scalars(select(Person))}
        assert set(people) == {"10086", "0755"}
        assert (people["10086"].mobile, people["10086"].active) == ("13800000001", True)
        assert (people["0755"].name, people["0755"].mobile) == ("2024", "+8613800000002")
        assert people["0755"].roles == {CITY_REVIEWER, STAFF}
        assert get_unit(s, "白山市政数局").wecom_department_id == 1


def test_dry_run_checks_without_writing(org, tmp_path):
    result = org("import", "--dry-run", str(write_xlsx(tmp_path / "名册.xlsx")))
    assert result.exit_code == 0 and "检查通过" in result.output and "单位：新增 5" in result.output
    assert (count(Unit), count(Person), count(AuditLog)) == (0, 0, 0)


def test_leaving_person_is_deactivated_and_their_accounts_listed_for_their_bureau(bot, org, tmp_path):
    with bot.db() as s:
        from sim import demo
        demo.seed_accounts(s)
    people = [("jy_zhang", "张伟", "抚松县教育局", "单位工作人员", "", "否"),
              ("jyx_staff", "邻县职员", "靖宇县教育局", "单位工作人员", "", "是")]
    result = org("import", str(write_xlsx(tmp_path / "t.xlsx", [], people)))
    assert result.exit_code == 0, result.output
    assert "停用 1" in result.output and "张伟 jy_zhang（抚松县教育局）负责账号：抚松教育（微信公众号）" in result.output
    with bot.db() as s:
        zhang = s.scalar(select(Person).where(Person.userid == "jy_zhang"))
        assert not zhang.active and zhang.deactivated_at is not None
    [notice] = bot.texts("zsj_admin")
    assert "张伟（抚松县教育局，jy_zhang）" in notice and "负责账号：抚松教育（微信公众号，正常）" in notice
    assert bot.texts("jy_admin") == []  # the neighbouring county hears nothing of it
    assert bot.send("jy_zhang", "帮助").startswith("您好，您在政务新媒体助手的通讯录中已停用")  # inactive: no menu
    again = org("import", str(write_xlsx(tmp_path / "t.xlsx", [], people)))
    assert "停用 0" in again.output
    with bot.db() as s:
        departures = [m for m in s.scalars(select(OutboxMessage)) if "人员停用" in m.payload["content"]]
    assert [m.userid for m in departures] == ["zsj_admin"]  # once, not again on re-import
    blank = org("import", str(write_xlsx(tmp_path / "b.xlsx", [], [(*people[0][:5], "")])))
    assert "恢复 0" in blank.output  # blank 在职 leaves the person as they are
    back = org("import", str(write_xlsx(tmp_path / "b.xlsx", [], [(*people[0][:5], "是")])))
    assert "恢复 1" in back.output and "同步停用" not in back.output
    with bot.db() as s:
        zhang = s.scalar(select(Person).where(Person.userid == "jy_zhang"))
        assert zhang.active and zhang.deactivated_at is None


def test_show_prints_the_tree_with_roles_but_no_phone_numbers(org, tmp_path):
    org("import", str(write_xlsx(tmp_path / "名册.xlsx")))
    out = org("show").output
    lines = out.splitlines()
    assert lines[0] == "白山市政数局〔市级主管单位〕 部门ID 1"
    assert "  抚松县政数局〔县级主管单位〕 部门ID 2" in lines
    assert "    · 马管理 ma（主管单位审核人、主管单位管理员）" in lines
    assert "    抚松县教育局〔主办单位〕 标识码 11220621MB0000001A 部门ID 3" in lines
    assert "      · 王局长 wang（单位工作人员、单位负责人）" in lines
    assert "      抚松县教育局办公室〔主办单位，内设机构〕" in lines
    assert "    抚松县国家保密局〔主办单位，涉密单位〕" in lines
    assert "1380000" not in out and "1390000" not in out
    sub = org("show", "--unit", "抚松县教育局").output.splitlines()
    assert sub[0].startswith("抚松县教育局〔主办单位〕") and len(sub) == 4
    assert "没有名为「无」的单位" in org("show", "--unit", "无").output


def test_userids_are_matched_without_regard_to_case(org, tmp_path, directory):
    people = [("JY_ZHANG", "张伟", "抚松县教育局", "单位负责人", "", ""), ("Jy_Zhang", "张伟", "抚松县教育局", "", "", "")]
    dup = org("import", str(write_xlsx(tmp_path / "t.xlsx", [], people)))
    assert "「人员」表第3行：企业微信UserID「jy_zhang」与「人员」表第2行重复" in dup.output
    result = org("import", str(write_xlsx(tmp_path / "t.xlsx", [], people[:1])))
    assert "人员：新增 0，更新 1" in result.output
    with db.transaction() as s:
        assert s.scalar(select(Person).where(Person.userid == "jy_zhang")).roles == {UNIT_HEAD}


def test_blank_optional_columns_keep_known_values(org, tmp_path):
    org("import", str(write_xlsx(tmp_path / "名册.xlsx")))
    blank = [(*row[:3], "", *row[4:6], None) for row in UNITS]  # no 标识码, no 部门ID this time
    result = org("import", str(write_xlsx(tmp_path / "v2.xlsx", blank, [])))
    assert "单位：新增 0，更新 0，未变 5" in result.output, result.output
    with db.transaction() as s:
        edu = get_unit(s, "抚松县教育局")
        assert (edu.registry_code, edu.wecom_department_id) == ("11220621MB0000001A", 3)


def test_a_department_id_can_move_between_units_in_one_file(org, tmp_path):
    org("import", str(write_xlsx(tmp_path / "名册.xlsx")))
    moved = [UNITS[0], UNITS[1], (*UNITS[4][:6], 3), (*UNITS[3][:6], 30)]  # the taker comes first
    result = org("import", str(write_xlsx(tmp_path / "v2.xlsx", moved, [])))
    assert "单位：新增 0，更新 2，未变 2" in result.output, result.output
    with db.transaction() as s:
        edu = get_unit(s, "抚松县教育局")
        row = s.scalars(select(AuditLog).where(AuditLog.action == "org.unit.update",
                                               AuditLog.entity_id == str(edu.id))).one()
        assert (row.before, row.after) == ({"wecom_department_id": 3}, {"wecom_department_id": 30})
    kept = [UNITS[0], UNITS[1], (*UNITS[4][:6], 30)]  # 教育局 keeps 30: 保密局 cannot take it
    refused = org("import", str(write_xlsx(tmp_path / "v3.xlsx", kept, [])))
    assert "企业微信部门ID 30 已属于单位「抚松县教育局」" in refused.output


def test_show_as_a_person_prints_only_their_part_of_the_tree(org, directory):
    county = org("show", "--as", "zsj_admin").output
    assert county.startswith("抚松县政务服务和数字化建设管理局〔县级主管单位〕")
    assert "抚松县教育局" in county and "靖宇" not in county and "白山市" not in county
    unit = org("show", "--as", "jy_zhang").output.splitlines()
    assert unit[0].startswith("抚松县教育局〔主办单位〕") and "办公室" not in "".join(unit)
    assert "白山市" in org("show", "--as", "city_zhao").output and "靖宇" in org("show", "--as", "city_zhao").output
    assert "通讯录中没有 UserID 为「nobody」的人员" in org("show", "--as", "nobody").output


def test_a_renamed_header_is_refused_naming_sheet_column_and_the_header_meant(org, tmp_path):
    book = load_workbook(write_xlsx(tmp_path / "filled.xlsx"))
    book["人员"]["E1"], book["人员"]["F1"] = "手机号码", "是否在职"
    book["单位"]["G1"] = "部门ID"
    book.save(tmp_path / "renamed.xlsx")
    result = org("import", "--dry-run", str(tmp_path / "renamed.xlsx"))
    assert result.exit_code == 1, result.output
    assert "「单位」表第1行G列「部门ID」不是模板中的列（是不是「企业微信部门ID」？）" in result.output
    assert "「人员」表第1行E列「手机号码」不是模板中的列（是不是「手机」？）" in result.output
    assert "「人员」表第1行F列「是否在职」不是模板中的列（是不是「在职」？）" in result.output
    assert "「人员」表可用的列：企业微信UserID、姓名、所在单位、角色、手机、在职" in result.output
    assert "导入完成" not in result.output and "检查通过" not in result.output
    assert count(Person) == 0


def test_a_column_with_content_but_no_header_is_refused(org, tmp_path):
    """A clerk typed phone numbers into column G of 人员 without a header: they were dropped without a word."""
    book = load_workbook(write_xlsx(tmp_path / "filled.xlsx"))
    book["人员"]["G3"] = "13800000000"
    book.save(tmp_path / "unnamed.xlsx")
    result = org("import", "--dry-run", str(tmp_path / "unnamed.xlsx"))
    assert result.exit_code == 1, result.output
    assert "「人员」表G列（第3行起）有内容但没有表头，这些内容不会导入。整个文件没有导入" in result.output
    assert "13800000000" not in result.output and count(Person) == 0


def test_a_renamed_sheet_is_refused_naming_the_sheets_expected(org, tmp_path):
    book = load_workbook(write_xlsx(tmp_path / "filled.xlsx"))
    book["人员"].title = "人员名单"
    book.create_sheet("Sheet1")  # an empty extra sheet is harmless
    book.save(tmp_path / "renamed.xlsx")
    result = org("import", "--dry-run", str(tmp_path / "renamed.xlsx"))
    assert result.exit_code == 1, result.output
    assert "工作表「人员名单」不是模板中的工作表（是不是「人员」？）" in result.output
    assert "导入只读「单位」「人员」两个工作表" in result.output and "检查通过" not in result.output
    (tmp_path / "top.yaml").write_text("人员名单:\n  - 企业微信UserID: a\n单位:\n  - 单位名称: 甲\n    类型: 主办单位\n",
                                       encoding="utf-8")
    result = org("import", "--dry-run", str(tmp_path / "top.yaml"))
    assert result.exit_code == 1 and "YAML 中的「人员名单」不是模板中的工作表（是不是「人员」？）" in result.output


COUNTY = "抚松县政务服务和数字化建设管理局"


def test_dry_run_lists_each_persons_changes(org, tmp_path, directory):
    people = [("jy_zhang", "张伟", "抚松县卫生健康局", "单位负责人", "13800000009", ""),
              ("zsj_review", "杨审核", COUNTY, "主管单位审核人、主管单位管理员", "", "否"),
              ("jy_wang", "王局长", "抚松县教育局", "单位负责人", "", "")]  # as registered: not listed
    result = org("import", "--dry-run", str(write_xlsx(tmp_path / "t.xlsx", [], people)))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert ("  「人员」表第2行 张伟 jy_zhang：所在单位 抚松县教育局 → 抚松县卫生健康局；角色去掉「单位工作人员」，"
            "加上「单位负责人」；手机号已更新") in lines, result.output
    assert "  「人员」表第3行 杨审核 zsj_review：角色加上「主管单位管理员」；停用" in lines
    assert "王局长" not in result.output and "13800000009" not in result.output
    assert "（试运行：以上变动没有写入。）" in lines


def test_an_import_that_leaves_a_bureau_without_an_admin_is_refused_unless_confirmed(org, tmp_path, directory):
    people = [("zsj_admin", "马管理", COUNTY, "", "13900000009", "")]  # 角色 left blank: only 单位工作人员
    path = write_xlsx(tmp_path / "t.xlsx", [], people)
    dry = org("import", "--dry-run", str(path))
    assert dry.exit_code == 0, dry.output
    warning = (f"注意：导入后「{COUNTY}」将没有主管单位管理员（马管理 zsj_admin 不再担任）：人员停用、陌生人来访、"
               "审批无人等通知将无人接收。")
    assert warning in dry.output
    assert "角色去掉「主管单位审核人」「主管单位管理员」，加上「单位工作人员」" in dry.output
    assert "正式导入时会拒绝" in dry.output and "--allow-no-admin" in dry.output
    refused = org("import", str(path))
    assert refused.exit_code == 1 and warning in refused.output, refused.output
    assert "没有导入任何内容" in refused.output and "留空表示只是「单位工作人员」" in refused.output
    with db.transaction() as s:
        assert BUREAU_ADMIN in s.scalar(select(Person).where(Person.userid == "zsj_admin")).roles
    done = org("import", "--allow-no-admin", str(path))
    assert done.exit_code == 0 and warning in done.output, done.output
    with db.transaction() as s:
        assert s.scalar(select(Person).where(Person.userid == "zsj_admin")).roles == {STAFF}


def test_template_refuses_to_overwrite_a_file_unless_forced(org, tmp_path):
    filled = write_xlsx(tmp_path / "名册.xlsx")
    kept = filled.read_bytes()
    result = org("template", str(filled))
    assert result.exit_code == 1, result.output
    assert f"错误：文件「{filled}」已存在，没有覆盖（里面可能是已填好的内容）。请换一个文件名，或加 --force 覆盖。" in result.output
    assert filled.read_bytes() == kept
    forced = org("template", "--force", str(filled))
    assert forced.exit_code == 0 and load_workbook(filled)["人员"].max_row == 1


def test_show_unit_as_a_person_shows_the_unit_only_if_they_may_see_it(org, directory):
    refused = org("show", "--unit", "抚松县教育局", "--as", "jy_admin")
    assert refused.exit_code == 1
    assert refused.output.strip() == ("错误：邻县管理员（jy_admin，靖宇县政务服务和数字化建设管理局）看不到「抚松县教育局」："
                                      "它不在此人的权限范围内。去掉 --unit 可以查看此人能看到的全部单位。")
    own = org("show", "--unit", "抚松县教育局", "--as", "zsj_admin")
    assert own.exit_code == 0 and own.output.startswith("抚松县教育局〔主办单位〕"), own.output
    unit = org("show", "--unit", "抚松县教育局", "--as", "jy_zhang").output
    assert unit.startswith("抚松县教育局〔主办单位〕") and "办公室" not in unit  # only what jy_zhang sees


def wide(text: str) -> str:
    """`text` as a Chinese input method in full-width mode types it."""
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_full_width_characters_and_padding_spaces_are_read_as_the_clerk_meant(org, tmp_path):
    """A Chinese input method types ｊｙ＿ｚｈａｎｇ and １３８…; a clerk pads 「杨　审核」: the import reads what they see."""
    units = [*UNITS[:3], ("抚松县教育局", "抚松县政数局", "主办单位", wide("11220621MB0000001A"), "否", "否", wide("3")),
             UNITS[4]]
    people = [*PEOPLE[:2], (wide("zhang"), "张　伟", "抚松县　教育局", "", wide("13800000001"), ""),
              ("wang", "王 局长", "抚松县 教育局", "单位负责人", wide("139 000 00003"), "是")]
    result = org("import", str(write_xlsx(tmp_path / "名册.xlsx", units, people)))
    assert result.exit_code == 0, result.output
    with db.transaction() as s:
        edu = get_unit(s, "抚松县教育局")
        assert (edu.registry_code, edu.wecom_department_id) == ("11220621MB0000001A", 3)
        people = {p.userid: p for p in s.scalars(select(Person))}
        assert (people["zhang"].name, people["zhang"].unit_id, people["zhang"].mobile) == ("张伟", edu.id,
                                                                                         "13800000001")
        assert (people["wang"].name, people["wang"].mobile) == ("王局长", "13900000003")
    again = org("import", str(write_xlsx(tmp_path / "名册.xlsx")))  # the same roster typed plainly
    assert "单位：新增 0，更新 0，未变 5" in again.output and "人员：新增 0，更新 1，未变 3" in again.output  # wang's 手机


def test_a_unit_listed_twice_in_two_spellings_is_refused_naming_both_rows(org, tmp_path):
    units = [*UNITS, ("抚松县人民政府办公室（县政府办）", "抚松县政数局", "主办单位", "", "", "", None),   # row 7
             ("抚松县人民政府办公室(县政府办)", "抚松县政数局", "主办单位", "", "", "", None)]       # row 8
    result = org("import", str(write_xlsx(tmp_path / "dup.xlsx", units)))
    assert result.exit_code == 1
    assert ("「单位」表第8行：单位名称「抚松县人民政府办公室(县政府办)」与「单位」表第7行的「抚松县人民政府办公室（县政府办）」"
            "重复（写法只差空格或全角、半角字符，是同一个单位），请只保留一行。") in result.output
    assert count(Unit) == 0


def test_a_unit_name_spelled_another_way_means_the_unit_already_registered(org, tmp_path):
    units = [*UNITS, ("抚松县人民政府办公室（县政府办）", "抚松县政数局", "主办单位", "", "", "", None)]
    assert org("import", str(write_xlsx(tmp_path / "名册.xlsx", units))).exit_code == 0
    units = [("抚松县人民政府办公室(县政府办)", "抚松县政数局", "主办单位", "11220621MB0000011L", "", "", None)]
    people = [("zf_li", "李秘书", "抚松县人民政府办公室 (县政府办)", "", "", "")]
    result = org("import", str(write_xlsx(tmp_path / "v2.xlsx", units, people)))
    assert result.exit_code == 0, result.output
    assert "单位：新增 0，更新 1，未变 0" in result.output  # not a second 县政府办
    with db.transaction() as s:
        office = get_unit(s, "抚松县人民政府办公室（县政府办）")
        assert office.registry_code == "11220621MB0000011L"
        assert s.scalar(select(Person).where(Person.userid == "zf_li")).unit_id == office.id
    assert count(Unit) == 6


def test_a_unit_without_a_head_is_named_after_the_import_until_it_has_one(org, tmp_path):
    units = [*UNITS, ("抚松县应急管理局", "抚松县政数局", "主办单位", "", "", "", None)]
    people = [*PEOPLE, ("yj_shi", "施静", "抚松县应急管理局", "", "", "")]
    gap = ("提醒：「抚松县应急管理局」在通讯录中没有在职的单位负责人，申请到「开设单位意见」环节时将无人审批。"
           "请在名册「人员」表中把相应人员的「角色」填为「单位负责人」，然后重新导入。")
    dry = org("import", "--dry-run", str(write_xlsx(tmp_path / "名册.xlsx", units, people)))
    assert dry.exit_code == 0 and gap in dry.output.splitlines(), dry.output
    assert "抚松县教育局」" not in dry.output and "保密局" not in dry.output  # a head; classified: opens no account
    done = org("import", str(write_xlsx(tmp_path / "名册.xlsx", units, people)))
    assert done.exit_code == 0 and gap in done.output.splitlines(), done.output
    head = org("import", str(write_xlsx(tmp_path / "v2.xlsx", [], [("yj_kong", "孔局长", "抚松县应急管理局", "单位负责人",
                                                                     "", "")])))
    assert head.exit_code == 0 and "提醒" not in head.output, head.output


def test_a_bureau_without_a_reviewer_is_named_after_the_import(org, tmp_path):
    people = [("zhao", "赵审批", "白山市政数局", "主管单位管理员", "", ""), *PEOPLE[1:]]
    result = org("import", str(write_xlsx(tmp_path / "名册.xlsx", people=people)))
    assert result.exit_code == 0, result.output
    assert ("提醒：「白山市政数局」在通讯录中没有在职的市级审批人，申请到「市级审批意见」环节时将无人审批。"
            "请在名册「人员」表中把相应人员的「角色」填为「市级审批人」，然后重新导入。") in result.output.splitlines()


def test_show_unit_finds_a_unit_typed_with_other_spaces_or_brackets_and_suggests_near_names(org, directory):
    with db.transaction() as s:
        get_unit(s, "抚松县公安局").name = "抚松县公安局（交警大队）"
    shown = org("show", "--unit", "抚松县公安局(交警大队) ")
    assert shown.exit_code == 0 and shown.output.startswith("抚松县公安局（交警大队）〔主办单位〕"), shown.output
    assert org("show", "--unit", "抚松县 教育局").output.startswith("抚松县教育局〔主办单位〕")
    near = org("show", "--unit", "抚松县教育")
    assert near.exit_code == 1 and near.output.startswith("错误：没有名为「抚松县教育」的单位。您是不是要找「抚松县教育局」"), \
        near.output


def test_a_responsible_person_moved_by_the_roster_is_listed_for_the_accounts_bureau(bot, org, tmp_path):
    with bot.db() as s:
        from sim import demo
        demo.seed_accounts(s)
    people = [("jy_zhang", "张伟", "抚松县卫生健康局", "单位工作人员", "", "")]
    result = org("import", str(write_yaml(tmp_path / "t.yaml", [], people)))
    assert result.exit_code == 0, result.output
    assert "  · 抚松县教育局「抚松教育（微信公众号）」：张伟 jy_zhang 已从抚松县教育局调到抚松县卫生健康局" in result.output
    [notice] = [t for t in bot.texts("zsj_admin") if t.startswith("【账号负责人调离】")]
    assert notice.startswith("【账号负责人调离】名册导入：") and "负责人张伟（jy_zhang）已调离抚松县教育局" in notice
    assert bot.texts("jy_admin") == []
    again = org("import", str(write_yaml(tmp_path / "t.yaml", [], people)))
    assert "账号负责人调离" not in again.output


def test_a_row_with_a_problem_has_its_place_in_the_tree_checked_too(org, tmp_path):
    """Every problem of a row at the first attempt: a typo in 在职 or 涉密单位 did hide an unknown unit or a role the
    unit cannot have, which the admin only saw after correcting the typo and importing again."""
    units = [*UNITS, ("抚松县卫健局", "不存在的局", "主办单位", "", "也许", "", None)]              # row 7
    people = [*PEOPLE,
              ("x1", "某人", "没有的单位", "", "", "离职"),                                       # row 6
              ("x2", "某人", "抚松县教育局", "主管单位管理员、局长", "", ""),                      # row 7
              ("x3", "", "抚松县卫健局", "", "", "")]                                             # row 8
    result = org("import", str(write_xlsx(tmp_path / "bad.xlsx", units, people)))
    assert result.exit_code == 1
    listed = [line.strip() for line in result.output.splitlines() if line.startswith("  ")]
    assert listed == [
        "「单位」表第7行：「涉密单位」只能填「是」或「否」，现在是「也许」。",
        "「单位」表第7行：上级单位「不存在的局」不存在（本文件和系统中都没有）。",
        "「人员」表第6行：「在职」只能填「是」或「否」，现在是「离职」。",
        "「人员」表第6行：所在单位「没有的单位」不存在（本文件和系统中都没有）。",
        "「人员」表第7行：没有「局长」这个角色。可选：单位工作人员、单位负责人、主管单位审核人、主管单位管理员、市级审批人。",
        "「人员」表第7行：「主管单位审核人」「主管单位管理员」只能给主管单位的人员，「抚松县教育局」是主办单位。",
        "「人员」表第8行：「姓名」不能为空。",  # its unit is the broken row 7: not said twice
    ], result.output
    assert (count(Unit), count(Person)) == (0, 0)
