"""The monthly bulletin job (月度通报, 第29–30条): the first working day of each month at 09:00 (Beijing
time), for the previous month, one bulletin per county bureau.

The bulletin is stored as a draft (`models.bulletin.StoredBulletin`, unique per bureau and month) and
sent to the bureau admins only: the summary, the chart, the workbook, the Word draft and a card with
「发布通报」. Units receive nothing until an admin publishes (handlers/bulletin.py).

    flask --app bot jobs run monthly_bulletin --month 2026-11     # November's bulletin, by hand

A county whose units never filed a weekly report gets no bulletin; its admins are told why, once, in the
month the bulletin would have been generated.

A month already generated for a bureau is not generated or sent again, so running a period twice
(by hand, or a catch-up after the scheduler was down) sends nothing twice.
"""
from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot import clock, db, outbox, workdays
from bot.bulletin import fmt, serial, summary_markdown, summary_text
from bot.bulletin.compute import Month, compute, county_of, first_report_month
from bot.bulletin.figures import Bulletin
from bot.bulletin.problems import items_sentence, rectifiable_count
from jobs.schedule import daily_at, scheduled
from models import audit, org
from models.bulletin import CARD_KIND, DRAFT, StoredBulletin, find
from models.org import COUNTY_BUREAU, Unit
from models.rectification import DEFAULT_WORKDAYS

log = logging.getLogger("bot.bulletin")


def _first_workday(day: date) -> bool:
    return day == workdays.first_workday_of_month(day.year, day.month)


def month_of(period: str) -> tuple[int, int]:
    """"2026-11" → November 2026; a day "2026-12-01" (the scheduled run) → the month before it."""
    if len(period) == 7:
        year, month = int(period[:4]), int(period[5:7])
        if not 1 <= month <= 12:
            raise ValueError(f"bad month {period!r}")
        return year, month
    day = date.fromisoformat(period)
    return (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)


@scheduled("monthly_bulletin", daily_at(9, 0, when=_first_workday, lookback_days=31),
           title="每月第一个工作日生成上月月度通报")
def monthly_bulletin(period: str) -> str:
    year, month = month_of(period)
    if Month(year, month).end > clock.now():
        return f"{year}年{month}月还没有结束，不生成通报"
    with db.transaction() as session:
        bureau_ids = list(session.scalars(select(Unit.id).where(Unit.kind == COUNTY_BUREAU, Unit.active)
                                          .order_by(Unit.id)))
    done = [generate(bureau_id, year, month) for bureau_id in bureau_ids]
    made = [d for d in done if d]
    return (f"{year}年{month}月：生成通报{len(made)}份" + (f"，另有{len(done) - len(made)}个县未生成（没有周报，或该月通报已生成）"
                                                         if len(done) > len(made) else ""))


def generate(bureau_id: int, year: int, month: int) -> int | None:
    """Compute, store and send one bureau's bulletin; None when it exists already or has no units."""
    key = f"{year}-{month:02d}"
    with db.transaction() as session:
        if find(session, bureau_id, key) is not None:
            return None
        started = first_report_month(session, bureau_id)
        if started is None:
            _tell_no_reports(session, bureau_id, year, month)
            return None  # no unit has ever filed a weekly report: everyone would be listed as missing
        if started > key:
            return None  # the bot was not in use yet
        bulletin = compute(session, bureau_id, year, month)
        if not bulletin.units:
            return None
        for problem in bulletin.inconsistencies():  # e.g. more originals than posts in a weekly report
            log.warning("bulletin bureau=%s month=%s inconsistent figures: %s", bureau_id, key, problem)
        row = StoredBulletin(bureau_id=bureau_id, month=key, data=serial.to_json(bulletin), status=DRAFT,
                             generated_at=clock.now())
        try:
            with session.begin_nested():  # a concurrent run got there first: it sends, we don't
                session.add(row)
                session.flush()
        except IntegrityError:
            return None
        audit.record(session, actor="system:monthly_bulletin", action="bulletin.generate", entity="bulletin",
                     entity_id=row.id, after={"month": key, "revision": row.revision,
                                              "scores": {f.unit_name: f.score for f in bulletin.units}})
        send_to_admins(session, row, bulletin)
        log.info("bulletin bureau=%s month=%s units=%s stored as %s", bureau_id, key, len(bulletin.units), row.id)
        return row.id


def _tell_no_reports(session, bureau_id: int, year: int, month: int) -> None:
    """The bureau admins hear why there is no bulletin: once per month, and only in the month it would have
    been generated (the scheduled run or its catch-up), not for an old month run by hand."""
    if (clock.today().year, clock.today().month) != ((year, month + 1) if month < 12 else (year + 1, 1)):
        return
    admins = org.people_with_role(session, org.BUREAU_ADMIN, [bureau_id])
    county = county_of(session.get(Unit, bureau_id).name)
    outbox.push_text(session, admins,
                     f"【月度通报】{county}{year}年{month}月的月度通报没有生成：本县还没有任何单位报送过周报。"
                     "通报以周报为依据，没有周报时所有单位都会被算作“缺报”。"
                     "请督促各单位每周报送周报；有单位报送后，从报送的那个月起，每月第一个工作日生成上月的通报。",
                     dedupe_key=f"bulletin-none:{bureau_id}:{year}-{month:02d}")
    log.info("bulletin bureau=%s month=%s-%02d: no weekly report ever, admins told", bureau_id, year, month)


def file_stem(b: Bulletin) -> str:
    return f"{b.county}{b.year}年{b.month}月政务新媒体通报"


def publish_card(b: Bulletin, revision: int = 1) -> dict:
    """The publish card of one revision of the draft: its button key names the revision it shows
    (「publish:r2」), so a click publishes that revision or nothing (handlers/bulletin.py)."""
    totals = b.totals
    scores = [f.score for f in b.units if f.score is not None]
    facts = [("单位", f"{totals.units}个"), ("周报按时率", _pct(totals.on_time_rate)),
             ("14天以上未更新", f"{totals.idle_accounts()}个账号"),
             ("存在问题", f"{sum(len(f.problems) for f in b.units)}项（建立整改事项{rectifiable_count(b.units)}项）"),
             ("平均得分", f"{round(sum(scores) / len(scores), 1) if scores else '—'}分")]
    return {
        "card_type": "button_interaction",
        "source": {"desc": "政务新媒体月度通报", "desc_color": 0},
        "main_title": {"title": f"{b.period}月度通报（{'草稿' if revision == 1 else f'第{revision}版草稿'}）待发布",
                       "desc": "核对摘要、通报表和通报稿后发布"},
        "sub_title_text": f"发布后各单位收到本单位的通报，{items_sentence(b.units, DEFAULT_WORKDAYS)}。",
        "horizontal_content_list": [{"keyname": k, "value": v} for k, v in facts],
        "button_list": [{"text": "发布通报", "style": 1, "key": f"publish:r{revision}"}],
    }


def _pct(value: float | None) -> str:
    return fmt.pct(value)


def send_to_admins(session, row: StoredBulletin, b: Bulletin) -> None:
    """The summary, chart, workbook, Word draft and the publish card, to the bureau's admins (once per revision)."""
    from bot.bulletin.chart import chart_png
    from bot.bulletin.draft import draft_docx
    from bot.bulletin.workbook import workbook_xlsx
    admins = org.people_with_role(session, org.BUREAU_ADMIN, [row.bureau_id])
    if not admins:
        log.warning("bulletin %s: bureau %s has no admin to send it to", row.id, row.bureau_id)
        return
    # Each version of the draft (重新生成通报) is sent once; version 1 keeps the keys it always had.
    key = f"bulletin:{row.id}" if row.revision == 1 else f"bulletin:{row.id}:r{row.revision}"
    outbox.push_markdown(session, admins, summary_markdown(b), text=summary_text(b), dedupe_key=f"{key}:summary")
    stem = file_stem(b)
    outbox.push_file(session, admins, f"{stem}图表.png", chart_png(b), media_type="image", dedupe_key=f"{key}:chart")
    outbox.push_file(session, admins, f"{stem}.xlsx", workbook_xlsx(b), dedupe_key=f"{key}:xlsx")
    outbox.push_file(session, admins, f"{stem}（草稿）.docx", draft_docx(b), dedupe_key=f"{key}:docx")
    outbox.push_card(session, admins, kind=CARD_KIND, ref_id=row.id, card=publish_card(b, row.revision),
                     dedupe_key=f"{key}:card")
    # From the second draft on, the hint names the draft it came with, as the card's title does: an admin
    # scrolling back through several drafts' messages sees which hint is the current one. (Delivery's own
    # 「（HH:MM 再次发送）」 for an identical text within WeCom's duplicate window says only when, not which.)
    version = "" if row.revision == 1 else f"第{row.revision}版草稿"
    outbox.push_text(session, admins, f"如果卡片按钮无法使用，也可以回复「发布通报 {row.month}」发布{version}。",
                     dedupe_key=f"{key}:hint")

