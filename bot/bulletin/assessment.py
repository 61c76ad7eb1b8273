"""The year-end assessment (年度考核, 第30–31条): each unit's year from the monthly bulletins.

    result = assess(session, bureau_id, 2026)     # stored bulletins; missing months computed now
    result = assess(session, bureau_id, 2026, published_only=True)  # the city's: published months alone
    data = assessment_xlsx(result)                # 年度得分, 说明, and one evidence sheet per unit

A unit's annual score is the average of its monthly scores (the months it appears in). Only complete
months count, and a month is computed on the fly only from the first month with data (the first stored
bulletin or weekly report of the bureau's units): months before the bot was in use are left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO

from openpyxl import Workbook
from sqlalchemy.orm import Session

from bot import clock
from bot.bulletin import fmt, serial
from bot.bulletin.figures import Bulletin, Deduction
from bot.registry_xlsx import _header as write_header
from bot.registry_xlsx import safe_cell
from models import org
from models.bulletin import DRAFT, PUBLISHED, of_bureau

COMPUTED = "临时计算"
BAD_SHEET_CHARS = set('[]:*?/\\')


@dataclass
class UnitYear:
    unit_id: int
    name: str
    scores: dict[int, float] = field(default_factory=dict)             # month → score
    deductions: list[tuple[int, Deduction]] = field(default_factory=list)  # (month, deduction)
    rank: int | None = None

    @property
    def score(self) -> float | None:
        return round(sum(self.scores.values()) / len(self.scores), 2) if self.scores else None

    @property
    def points(self) -> float:
        return round(sum(d.points for _m, d in self.deductions), 2)


@dataclass
class Assessment:
    year: int
    bureau: str
    months: list[int]
    sources: dict[int, str]            # month → 已发布 / 草稿 / 临时计算
    units: list[UnitYear]
    left_out: dict[int, str] = field(default_factory=dict)  # month → 草稿 / 临时计算: not counted (published_only)


def bulletins_of_year(session: Session, bureau_id: int, year: int,
                      published_only: bool = False) -> list[tuple[Bulletin | None, int, str]]:
    """(bulletin, month, source) for each complete month of the year that has data; with published_only the
    bulletin of a month not published is None (not computed: it is not counted)."""
    from bot.bulletin.compute import Month, compute, first_report_month
    stored = {s.month: s for s in of_bureau(session, bureau_id)}
    first = min([k for k in (first_report_month(session, bureau_id), *stored) if k], default=None)
    now = clock.now()
    out = []
    for month in range(1, 13):
        m = Month(year, month)
        if m.end > now:
            break
        if m.key in stored:
            row = stored[m.key]
            shown = not published_only or row.status == PUBLISHED
            out.append((serial.from_json(row.data) if shown else None, month, row.status))
        elif first is not None and m.key >= first:
            out.append((None if published_only else compute(session, bureau_id, year, month), month, COMPUTED))
    return out


def assess(session: Session, bureau_id: int, year: int, published_only: bool = False) -> Assessment:
    """The year's assessment; published_only (the city's view) counts the published months alone and lists the
    others in left_out: a draft is the county's working copy, which no unit has seen (第30条)."""
    bureau = session.get(org.Unit, bureau_id)
    units: dict[int, UnitYear] = {}
    months, sources, left_out = [], {}, {}
    for b, month, source in bulletins_of_year(session, bureau_id, year, published_only):
        if b is None:
            left_out[month] = source
            continue
        months.append(b.month)
        sources[b.month] = source
        for fig in b.units:
            unit = units.setdefault(fig.unit_id, UnitYear(fig.unit_id, fig.unit_name))
            if fig.score is not None:
                unit.scores[b.month] = fig.score
            unit.deductions += [(b.month, d) for d in fig.deductions]
    ranked = sorted(units.values(), key=lambda u: -(u.score or 0))
    previous, place = None, 0
    for n, unit in enumerate(ranked, 1):
        if unit.score != previous:
            place, previous = n, unit.score
        unit.rank = place
    return Assessment(year, bureau.name, months, sources, ranked, left_out)


def unpublished_note(a: Assessment) -> str:
    """A warning when the workbook rests on drafts or months computed now: the published bulletins are what count
    (第30条, 通报情况纳入年末考核) — the units never saw the others. Empty when every month was published."""
    def months(source: str) -> str:
        return "、".join(f"{m}月" for m in a.months if a.sources[m] == source)
    drafts, computed = months(DRAFT), months(COMPUTED)
    said = ([f"{drafts}的通报还没有发布（表中用的是草稿，各单位没有收到）"] if drafts else []) \
        + ([f"{computed}没有生成通报（表中按现有数据临时计算）"] if computed else [])
    if not said:
        return ""
    return "注意：" + "；".join(said) + "。考核以已发布的通报为准，请先发布再生成考核表。"


def left_out_note(a: Assessment) -> str:
    """The months the city's view leaves out, and why; empty when none was left out."""
    def months(source: str) -> str:
        return "、".join(f"{m}月" for m in sorted(a.left_out) if a.left_out[m] == source)
    drafts, computed = months(DRAFT), months(COMPUTED)
    said = ([f"{drafts}的通报还没有发布（草稿由县政数局核对后发布）"] if drafts else []) \
        + ([f"{computed}没有生成通报"] if computed else [])
    if not said:
        return ""
    return "注意：" + "；".join(said) + "，这些月份没有计入。考核以已发布的通报为准（第30条）。"


def _sheet_name(n: int, name: str, used: set[str]) -> str:
    clean = "".join(ch for ch in name if ch not in BAD_SHEET_CHARS)
    title = f"{n}.{clean}"[:31]
    while title in used:
        title = f"{n}.{clean}"[:28] + f"~{len(used)}"
    used.add(title)
    return title


def assessment_xlsx(a: Assessment) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "年度得分"
    write_header(ws, [("排名", 6), ("单位", 30)] + [(f"{m}月", 8) for m in a.months]
                 + [("参评月数", 9), ("年度得分（月均）", 12), ("扣分合计", 10), ("扣分明细表", 24)])
    used = {"年度得分", "说明"}
    sheets = []
    for row, unit in enumerate(a.units, 2):
        sheet = _sheet_name(row - 1, unit.name, used)
        sheets.append((sheet, unit))
        values = [unit.rank, unit.name] + [unit.scores.get(m) for m in a.months] \
            + [len(unit.scores), unit.score, unit.points, sheet]
        for col, value in enumerate(values, 1):
            safe_cell(ws.cell(row=row, column=col), value)
    notes = wb.create_sheet("说明")
    write_header(notes, [("项目", 16), ("内容", 90)])
    lines = [("考核年度", f"{a.year}年"), ("主管单位", a.bureau),
             ("计分办法", "各月通报得分的平均分（只计该单位出现的月份）；每项扣分的月份、原因、次数和分值见各单位明细表。"),
             ("生成时间", clock.local_now().strftime("%Y-%m-%d %H:%M"))]
    lines += [(f"{m}月数据来源", _source_said(a, m)) for m in sorted([*a.months, *a.left_out])]
    for row, (key, value) in enumerate(lines, 2):
        safe_cell(notes.cell(row=row, column=1), key)
        safe_cell(notes.cell(row=row, column=2), value)
    for sheet, unit in sheets:
        _evidence(wb.create_sheet(sheet), unit)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _source_said(a: Assessment, month: int) -> str:
    if month in a.left_out:
        return "未计入：" + ("该月通报还没有发布" if a.left_out[month] == DRAFT else "该月没有生成通报")
    return {"已发布": "已发布的月度通报", "草稿": "未发布的月度通报（草稿）"}.get(a.sources[month], "本表生成时按现有数据计算")


def _evidence(ws, unit: UnitYear) -> None:
    write_header(ws, [("月份", 8), ("扣分原因", 60), ("次数", 8), ("扣分", 8), ("扣分项", 22)])
    row = 2
    for month, d in unit.deductions:
        for col, value in enumerate((f"{month}月", d.reason, d.count, d.points, d.kind), 1):
            safe_cell(ws.cell(row=row, column=col), value)
        row += 1
    summary = f"{unit.name}：参评{len(unit.scores)}个月，年度得分{fmt.number(unit.score)}分，扣分合计{fmt.number(unit.points)}分"
    safe_cell(ws.cell(row=row + 1, column=2), summary if unit.deductions else summary + "（全年无扣分）")


__all__ = ["Assessment", "UnitYear", "assess", "assessment_xlsx", "bulletins_of_year", "left_out_note",
           "unpublished_note"]
