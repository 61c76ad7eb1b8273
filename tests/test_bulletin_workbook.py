"""The bulletin workbook read back with openpyxl: sheets, headers, frozen rows, widths, numbers."""
from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from bot.bulletin import evaluate
from bot.bulletin.workbook import workbook_xlsx
from tests.bulletin_sample import bulletin, large

SHEETS = ["单位", "账号", "周报", "审批", "问题", "扣分明细"]


def read(b):
    return load_workbook(BytesIO(workbook_xlsx(b)))


def rows(ws) -> list[dict]:
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row)) for row in values[1:]]


def test_a_sheet_per_view_with_frozen_chinese_headers_and_widths(cfg):
    wb = read(evaluate(bulletin()))
    assert wb.sheetnames == SHEETS
    for ws in wb:
        assert ws.freeze_panes == "A2", ws.title
        assert ws["A1"].font.bold
        assert ws.column_dimensions["A"].width >= 6
    assert [c.value for c in wb["账号"][1]] == ["单位", "账号名称", "账号类型", "状态", "最近更新日期", "未更新天数",
                                                "停更阶梯（天）"]
    assert wb["单位"].column_dimensions["C"].width == 28  # 序号, 排名, 单位
    assert wb.properties.title == "抚松县2026年11月政务新媒体检查通报"


def test_units_sheet_has_every_figure_score_and_rank_as_numbers(cfg):
    ws = read(evaluate(bulletin()))["单位"]
    headers = [c.value for c in ws[1]]
    for title in ("序号", "排名", "单位", "得分", "扣分合计", "账号数", "微信公众号", "状态：变更中", "应报周报", "按时", "迟报",
                  "缺报", "按时率", "发布数", "原创率", "回复率", "停更阶梯14天", "停更阶梯90天", "提交审批", "办结审批",
                  "审批用时中位数（小时）", "全国系统逾期报送", "整改未完成", "整改逾期", "本年未培训", "问题数"):
        assert title in headers, title
    table = rows(ws)
    assert [r["单位"] for r in table] == ["抚松县文化广播电视和旅游局", "抚松县农业农村局", "抚松县教育局", "抚松县卫生健康局"]
    health = table[3]
    assert (health["排名"], health["得分"], health["扣分合计"], health["账号数"]) == (4, 69, 31, 3)
    assert (health["应报周报"], health["按时"], health["迟报"], health["缺报"]) == (4, 2, 1, 1)
    assert health["按时率"] == 0.5 and health["原创率"] == 0.2 and health["回复率"] == 0.75
    assert health["停更阶梯14天"] == 1 and health["停更阶梯90天"] == 1 and health["停更阶梯7天"] == 0
    assert health["审批用时中位数（小时）"] == 30 and health["本年未培训"] == "是" and health["问题数"] == 9
    assert table[1]["回复率"] == 1 and table[0]["回复率"] is None  # 文旅局 received no messages
    col = headers.index("按时率") + 1
    assert ws.cell(row=5, column=col).number_format == "0.0%"


def test_account_report_and_approval_rows(cfg):
    wb = read(evaluate(bulletin()))
    accounts = rows(wb["账号"])
    assert len(accounts) == 9
    idle = [a for a in accounts if a["停更阶梯（天）"] == 90][0]
    assert idle["账号名称"] == '=HYPERLINK("http://x")' and idle["最近更新日期"] == "暂无" and idle["未更新天数"] == 120
    cell = [c for c in wb["账号"]["B"] if c.value == idle["账号名称"]][0]
    assert cell.data_type == "s" and cell.quotePrefix  # stays text in Excel, WPS and LibreOffice
    reports = rows(wb["周报"])
    assert len(reports) == 16
    assert [r["情况"] for r in reports].count("缺报") == 2 and [r["情况"] for r in reports].count("迟报") == 1
    late = [r for r in reports if r["情况"] == "迟报"][0]
    assert late["单位"] == "抚松县卫生健康局" and late["周（周一）"] == "2026-11-16" and late["报送时间"] == "2026-11-22 16:00"
    approvals = rows(wb["审批"])
    assert [(a["编号"], a["结果"], a["用时（小时）"]) for a in approvals] == [(7, "同意", 5), (8, "同意", 30), (9, "办理中", None)]
    assert approvals[0]["提交时间"] == "2026-11-03 09:00"


def test_problems_and_deductions_sheets_carry_the_evidence(cfg):
    wb = read(evaluate(bulletin()))
    problems = rows(wb["问题"])
    assert len(problems) == 10
    # a late report and a year without training open no rectification item on publishing: no deadline for them;
    # overdue items keep their own numbers and deadlines
    for p in problems:
        expected = "不建立整改事项（只指出）" if p["问题及整改要求"].startswith(("迟报周报", "本年度尚无人员参加")) \
            else "按原整改事项（不另建）" if "整改逾期" in p["问题及整改要求"] else "2026-12-08"
        assert p["整改期限"] == expected, p
    assert [p["整改期限"] for p in problems].count("不建立整改事项（只指出）") == 2
    assert problems[0] == {"单位": "抚松县教育局", "序号": 1, "问题及整改要求": "缺报周报1次（本月应报4次），须按第30条每周报送账号更新维护情况",
                           "整改期限": "2026-12-08"}
    deductions = rows(wb["扣分明细"])
    assert len(deductions) == 10 and sum(d["扣分"] for d in deductions) == 33  # 2 (教育局) + 31 (卫健局)
    assert deductions[3] == {"单位": "抚松县卫生健康局", "扣分项": "1个账号90天以上未更新（每个扣10分）", "次数/个数": 1,
                             "扣分": 10, "项目代码": "dormancy_90"}


def test_a_hundred_units(cfg):
    ws = read(evaluate(large(100)))["单位"]
    assert ws.max_row == 101 and [c.value for c in ws["A"]][1:] == list(range(1, 101))
