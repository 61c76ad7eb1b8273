"""The monthly bulletin job: what the bureau admins receive, read back; exactly once; catch-up."""
from __future__ import annotations

from io import BytesIO

from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from bot.bulletin import serial
from jobs import schedule
from jobs.bulletin import monthly_bulletin
from models.audit import AuditLog
from models.bulletin import DRAFT, StoredBulletin
from models.org import BUREAU_ADMIN, BUREAU_REVIEWER, Person
from tests.bulletin_job_seed import EXPECTED, POLICE, at, seed_month

UNIT_PEOPLE = ["jy_zhang", "jy_li", "jy_wang", "wj_liu", "wj_chen", "wl_zhao", "wl_sun", "ga_zhou", "ga_wu",
               "rm_cao", "rm_yan"]


def files(bot, userid: str, msgtype: str = "file") -> list[tuple[str, bytes]]:
    """Files of the bulletin received (approval forms sent earlier are left out)."""
    received = [bot.fake._files[m["content"]["media_id"]] for m in bot.inbox(userid) if m["msgtype"] == msgtype]
    return [(name, data) for name, data in received if "通报" in name]


def generate(bot) -> None:
    seed_month(bot)
    at(2026, 12, 1, 9, 0)
    assert "生成通报1份" in monthly_bulletin("2026-12-01")


def test_admins_receive_summary_chart_workbook_draft_and_card_units_nothing(bot):
    seed_month(bot)
    before = {u: len(bot.inbox(u)) for u in UNIT_PEOPLE + ["zsj_review"]}
    at(2026, 12, 1, 9, 0)
    monthly_bulletin("2026-12-01")
    kinds = [m["msgtype"] for m in bot.inbox("zsj_admin")]
    assert kinds[-6:] == ["markdown", "image", "file", "file", "template_card", "text"]
    summary = [m["content"]["content"] for m in bot.inbox("zsj_admin") if m["msgtype"] == "markdown"][-1]
    assert "抚松县2026年11月政务新媒体检查通报" in summary and "共5个单位" in summary
    assert "应报20次，按时13次，迟报1次，缺报6次" in summary
    assert len(summary.encode()) <= 2048
    card = bot.cards("zsj_admin")[-1]
    assert card["main_title"]["title"] == "2026年11月月度通报（草稿）待发布"
    assert [b["text"] for b in card["button_list"]] == ["发布通报"]
    assert {u: len(bot.inbox(u)) for u in before} == before  # nothing to units (or reviewers) before publishing
    with bot.db() as s:
        row = s.scalar(select(StoredBulletin))
        assert (row.month, row.status, row.published_at) == ("2026-11", DRAFT, None)
        stored = serial.from_json(row.data)
    assert {f.unit_name: f.score for f in stored.units} == {name: e["score"] for name, e in EXPECTED.items()}
    with bot.db() as s:
        (actor, entity_id, after), = s.execute(select(AuditLog.actor, AuditLog.entity_id, AuditLog.after).where(
            AuditLog.action == "bulletin.generate")).all()
    assert (actor, entity_id) == ("system:monthly_bulletin", str(row.id))
    assert after["month"] == "2026-11" and after["scores"] == {name: e["score"] for name, e in EXPECTED.items()}
    (name, png), = files(bot, "zsj_admin", "image")
    assert name.endswith(".png") and png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_workbook_and_word_draft_read_back(bot):
    generate(bot)
    (xlsx_name, xlsx), (docx_name, docx) = files(bot, "zsj_admin")
    assert xlsx_name == "抚松县2026年11月政务新媒体通报.xlsx" and docx_name.endswith("（草稿）.docx")
    wb = load_workbook(BytesIO(xlsx))
    assert wb.sheetnames[:5] == ["单位", "账号", "周报", "审批", "问题"]
    ws = wb["单位"]
    header = [c.value for c in ws[1]]
    rows = {r[header.index("单位")]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == set(EXPECTED)
    for name, expected in EXPECTED.items():
        row = rows[name]
        assert row["得分"] == expected["score"] and row["排名"] == expected["rank"], name
        assert (row["应报周报"], row["按时"], row["迟报"], row["缺报"]) == tuple(
            expected[k] for k in ("reports_due", "reports_on_time", "reports_late", "reports_missing")), name
    reports = list(wb["周报"].iter_rows(min_row=2, values_only=True))
    assert len(reports) == 20 and sum(1 for r in reports if "缺报" in r) == 6
    approvals = list(wb["审批"].iter_rows(min_row=2, values_only=True))
    assert len(approvals) == 2 and any(29.0 in r for r in approvals)
    doc = Document(BytesIO(docx))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "关于2026年11月全县政务新媒体检查情况的通报" in text
    assert "抚松县政务服务和数字化建设管理局" in text
    table = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert table[0][:3] == ["排名", "单位", "得分"]
    assert {row[1]: (int(row[0]), float(row[2])) for row in table[1:]} == \
        {name: (e["rank"], e["score"]) for name, e in EXPECTED.items()}
    police = next(row for row in table if row[1] == POLICE)
    assert police[3] == "0%" and police[4] == "1"  # on-time rate, accounts idle 14 days or more
    assert "缺报周报4次" in text  # 公安局's problem, in 二、存在的问题


def test_a_month_not_yet_ended_is_not_generated(bot):
    seed_month(bot)
    at(2026, 11, 30, 23, 59)
    assert monthly_bulletin("2026-11") == "2026年11月还没有结束，不生成通报"
    with bot.db() as s:
        assert s.scalar(select(StoredBulletin)) is None


def test_rerun_sends_nothing_twice(bot):
    generate(bot)
    count = len(bot.inbox("zsj_admin"))
    assert "生成通报0份" in monthly_bulletin("2026-11")
    assert "生成通报0份" in monthly_bulletin("2026-12-01")
    assert len(bot.inbox("zsj_admin")) == count
    with bot.db() as s:
        assert len(s.scalars(select(StoredBulletin)).all()) == 1


def test_scheduled_once_on_the_first_working_day_with_catch_up(bot):
    seed_month(bot)
    started = []

    def enqueue(name, period):
        started.append((name, period))

    at(2026, 12, 1, 8, 55)
    schedule.tick(enqueue)  # November's first working day is still within reach: October's bulletin
    assert [s for s in started if s[0] == "monthly_bulletin"] == [("monthly_bulletin", "2026-11-02")]
    assert "生成通报0份" in schedule.run_job("monthly_bulletin", "2026-11-02")  # no data in October
    # the scheduler was down on 12-01; on 12-03 it catches up, once
    at(2026, 12, 3, 10, 0)
    schedule.tick(enqueue)
    schedule.tick(enqueue)
    assert [s for s in started if s[0] == "monthly_bulletin"][1:] == [("monthly_bulletin", "2026-12-01")]
    assert "生成通报1份" in schedule.run_job("monthly_bulletin", "2026-12-01")
    at(2026, 12, 31, 10, 0)
    schedule.tick(enqueue)
    assert [s for s in started if s[0] == "monthly_bulletin"][1:] == [("monthly_bulletin", "2026-12-01")]
    with bot.db() as s:
        assert s.scalar(select(StoredBulletin.month)) == "2026-11"


def test_first_working_day_after_a_holiday(bot):
    """2026-10-01…07 is the National Day holiday: September's bulletin is due on 10-08."""
    seed_month(bot)
    started = []
    at(2026, 10, 1, 9, 30)
    schedule.tick(lambda name, period: started.append((name, period)))
    at(2026, 10, 8, 9, 1)
    schedule.tick(lambda name, period: started.append((name, period)))
    # 10-01 catches up 09-01 (August's); nothing on the holiday itself; 10-08 for September
    assert [s for s in started if s[0] == "monthly_bulletin"] == [("monthly_bulletin", "2026-09-01"),
                                                                   ("monthly_bulletin", "2026-10-08")]
    # no weekly report before November: the bot was not in use, no bulletin for September
    assert "生成通报0份" in monthly_bulletin("2026-10-08")


def test_every_admin_gets_the_package_and_cli_runs_by_hand(bot, app):
    with bot.db() as s:
        review = s.scalar(select(Person).where(Person.userid == "zsj_review"))
        review.set_roles({BUREAU_ADMIN, BUREAU_REVIEWER})
    seed_month(bot)
    at(2026, 12, 1, 9, 0)
    result = app.test_cli_runner().invoke(args=["jobs", "run", "monthly_bulletin", "--month", "2026-11"])
    assert result.exit_code == 0 and "生成通报1份" in result.output, result.output
    for admin in ("zsj_admin", "zsj_review"):
        assert len(files(bot, admin)) == 2 and len(bot.cards(admin)) >= 1
    assert not [m for m in bot.inbox("jy_admin") if m["msgtype"] == "file"]  # the neighbouring county's admin



def test_a_county_that_never_filed_a_weekly_report_is_told_why_there_is_no_bulletin(bot):
    """靖宇's units never filed a weekly report: no bulletin, and its admin hears why — once, in the month the
    bulletin would have been generated. 抚松 (which files) gets its bulletin and no such message."""
    seed_month(bot)
    at(2026, 12, 1, 9, 0)
    assert "生成通报1份，另有1个县未生成" in monthly_bulletin("2026-12-01")
    told = [t for t in bot.texts("jy_admin") if "月度通报没有生成" in t]
    assert len(told) == 1 and "靖宇县2026年11月的月度通报没有生成" in told[0] and "还没有任何单位报送过周报" in told[0]
    assert not [t for t in bot.texts("zsj_admin") if "没有生成" in t]
    at(2026, 12, 3, 10, 0)  # a re-run or catch-up in the same month: nothing twice
    monthly_bulletin("2026-12-01")
    monthly_bulletin("2026-11")
    monthly_bulletin("2026-10")  # an old month by hand: not its month any more, nothing said
    assert len([t for t in bot.texts("jy_admin") if "没有生成" in t]) == 1
    with bot.db() as s:
        assert len(s.scalars(select(StoredBulletin)).all()) == 1
