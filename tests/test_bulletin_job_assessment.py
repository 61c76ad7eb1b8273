"""The year-end assessment: the year's scores per unit from the monthly bulletins, with the evidence."""
from __future__ import annotations

from datetime import date
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from bot.bulletin.compute import compute
from jobs.bulletin import monthly_bulletin
from models.org import Unit
from sim.demo import COUNTY
from tests.bulletin_job_seed import CULTURE, EDU, EXPECTED, POLICE, at, seed_month
from tests.weekly_support import file_report


def seeded_with_october(bot) -> float:
    """November as seeded (stored by the job) plus one October report: October is computed on the fly.
    Returns 公安局's October score."""
    seed_month(bot)
    at(2026, 10, 30, 16)
    file_report(bot, CULTURE, "wl_zhao", date(2026, 10, 26), {"抚松文旅（抖音）": (1, 1, date(2026, 10, 30), 0, 0)})
    at(2026, 12, 1, 9, 0)
    monthly_bulletin("2026-12-01")
    at(2026, 12, 2, 9, 0)
    with bot.db() as s:
        october = compute(s, s.scalar(select(Unit.id).where(Unit.name == COUNTY)), 2026, 10)
    return next(f.score for f in october.units if f.unit_name == POLICE), october


def rows_of(ws) -> list[dict]:
    header = [c.value for c in ws[1]]
    return [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]


def test_cli_writes_scores_and_evidence(bot, app, tmp_path):
    police_october, october = seeded_with_october(bot)
    out = tmp_path / "考核.xlsx"
    result = app.test_cli_runner().invoke(args=["report", "assessment", "--year", "2026", "--bureau", "抚松",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "5个单位，10月、11月" in result.output
    assert "注意：11月的通报还没有发布（表中用的是草稿，各单位没有收到）" in result.output, result.output
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == ["年度得分", "说明"] and len(wb.sheetnames) == 7
    scores = {r["单位"]: r for r in rows_of(wb["年度得分"])}
    police = scores[POLICE]
    assert (police["10月"], police["11月"]) == (police_october, EXPECTED[POLICE]["score"])
    assert police["年度得分（月均）"] == round((police_october + 80) / 2, 2) and police["参评月数"] == 2
    notes = {r["项目"]: r["内容"] for r in rows_of(wb["说明"])}
    assert notes["10月数据来源"] == "本表生成时按现有数据计算" and notes["11月数据来源"] == "未发布的月度通报（草稿）"
    evidence = rows_of(wb[police["扣分明细表"]])
    november = [(r["扣分原因"], r["次数"], r["扣分"]) for r in evidence if r["月份"] == "11月"]
    assert november == [("缺报周报4次（每次扣2分）", 4, 8), ("1个账号90天以上未更新（每个扣10分）", 1, 10),
                        ("本年度无人参加培训（扣2分）", 1, 2)]
    oct_fig = next(f for f in october.units if f.unit_name == POLICE)
    assert [(r["扣分原因"], r["扣分"]) for r in evidence if r["月份"] == "10月"] == \
        [(d.reason, d.points) for d in oct_fig.deductions]
    total = sum(r["扣分"] for r in evidence if r["扣分"] is not None)
    assert police["扣分合计"] == total
    ranks = {name: r["排名"] for name, r in scores.items()}
    assert ranks[min(scores, key=lambda n: -scores[n]["年度得分（月均）"])] == 1


def test_cli_says_in_one_line_when_the_file_cannot_be_written(bot, app, tmp_path):
    seeded_with_october(bot)
    out = tmp_path / "没有这个文件夹" / "考核.xlsx"
    result = app.test_cli_runner().invoke(args=["report", "assessment", "--year", "2026", "--bureau", "抚松",
                                                "--out", str(out)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert result.output.strip() == f"错误：无法写入文件「{out}」：所在的文件夹不存在。请换一个位置或文件名，例如写到当前文件夹。"


def test_cli_without_data_says_so(bot, app, tmp_path):
    at(2026, 12, 2, 9, 0)
    result = app.test_cli_runner().invoke(args=["report", "assessment", "--year", "2026", "--out", str(tmp_path / "x.xlsx")])
    assert result.exit_code != 0 and "没有可用于考核的月度通报数据" in result.output


def test_bureau_command_sends_the_workbook_to_the_asker(bot):
    seeded_with_october(bot)
    reply = bot.send("zsj_admin", "年度考核 2026")
    assert "2026年度考核表已生成（5个单位，2个月：10月、11月）" in reply
    # 第30条: the published bulletins count; a draft no unit has seen, or a month computed now, is said plainly
    assert ("注意：11月的通报还没有发布（表中用的是草稿，各单位没有收到）；10月没有生成通报（表中按现有数据临时计算）。"
            "考核以已发布的通报为准，请先发布再生成考核表。") in reply, reply
    (name, data), = [bot.fake._files[m["content"]["media_id"]] for m in bot.inbox("zsj_admin")
                     if m["msgtype"] == "file" and "考核" in bot.fake._files[m["content"]["media_id"]][0]]
    assert name == "抚松县政务服务和数字化建设管理局2026年政务新媒体年度考核.xlsx"
    wb = load_workbook(BytesIO(data))
    edu = next(r for r in rows_of(wb["年度得分"]) if r["单位"] == EDU)
    assert edu["11月"] == EXPECTED[EDU]["score"]
    assert "仅限" in bot.send("jy_wang", "年度考核 2026")
    assert "「前年」不是年份。请写明年份，例如「年度考核 2026」" in bot.send("zsj_admin", "年度考核 前年")
    assert bot.send("zsj_admin", "年度考核 去年").startswith("2025年还没有可用于考核的月度通报数据。")


def test_a_county_reviewer_gets_the_assessment_too(bot):
    """A reviewer of the county bureau asking 「年度考核」 was told to 「联系县政数局」, where he works: he reads every
    month's bulletin (查看通报), and the assessment only sums them up, so he is sent it as an admin is."""
    seeded_with_october(bot)
    reply = bot.send("zsj_review", "年度考核 2026")
    assert "2026年度考核表已生成（5个单位，2个月：10月、11月）" in reply, reply
    names = [bot.fake._files[m["content"]["media_id"]][0] for m in bot.inbox("zsj_review") if m["msgtype"] == "file"]
    assert names == ["抚松县政务服务和数字化建设管理局2026年政务新媒体年度考核.xlsx"]


def test_the_city_counts_the_published_months_alone(bot):
    """The city's 年度考核 of a county averaged in the county's unpublished draft (and a month computed on the fly)
    as if final, saying nothing: the city reads what the county published (第30条), as 查看通报 does — the other
    months are left out and named."""
    seeded_with_october(bot)
    reply = bot.send("city_zhao", "年度考核 2026 抚松")
    assert reply == ("抚松县政务服务和数字化建设管理局2026年还没有已发布的月度通报，不能生成考核表。\n"
                     "注意：11月的通报还没有发布（草稿由县政数局核对后发布）；10月没有生成通报，这些月份没有计入。"
                     "考核以已发布的通报为准（第30条）。"), reply
    assert not [m for m in bot.inbox("city_zhao") if m["msgtype"] == "file"]
    bot.send("zsj_admin", "发布通报 2026-11")
    bot.send("zsj_admin", "确认")
    reply = bot.send("city_zhao", "年度考核 2026 抚松")
    assert reply == ("2026年度考核表已生成（5个单位，1个月：11月），稍后以文件发给您。\n"
                     "注意：10月没有生成通报，这些月份没有计入。考核以已发布的通报为准（第30条）。"), reply
    (data,) = [bot.fake._files[m["content"]["media_id"]][1] for m in bot.inbox("city_zhao") if m["msgtype"] == "file"]
    wb = load_workbook(BytesIO(data))
    scores = {r["单位"]: r for r in rows_of(wb["年度得分"])}
    assert "10月" not in scores[POLICE]
    assert all(scores[unit]["年度得分（月均）"] == EXPECTED[unit]["score"] for unit in EXPECTED)
    notes = {r["项目"]: r["内容"] for r in rows_of(wb["说明"])}
    assert notes["10月数据来源"] == "未计入：该月没有生成通报" and notes["11月数据来源"] == "已发布的月度通报"
    assert "10月" in bot.send("zsj_admin", "年度考核 2026")  # the county's own still shows every month, marked


def test_in_january_the_assessment_without_a_year_is_of_the_year_just_ended(bot):
    """「年度考核」 on 4 January (the turn of the year, when the assessment is made) answered 「2027年还没有可用于考核的月度
    通报数据」: without a year it is the year of the latest complete month."""
    seeded_with_october(bot)
    at(2027, 1, 4, 10)
    assert bot.send("zsj_admin", "年度考核").startswith("2026年度考核表已生成（5个单位，3个月：10月、11月、12月）")
    assert bot.send("zsj_admin", "年度考核 今年").startswith("2027年还没有可用于考核的月度通报数据")  # said: as said
    at(2026, 12, 2, 10)
    assert bot.send("zsj_admin", "年度考核").startswith("2026年度考核表已生成")
