"""The monthly bulletin (月度通报, 第29–30条): data shape, score, and its four outputs.

    b = Bulletin(...)                 # figures computed elsewhere
    evaluate(b, settings.load())      # problems, deductions, score, rank
    summary_markdown(b) / summary_text(b) / chart_png(b) / workbook_xlsx(b) / draft_docx(b)
    unit_part(b, unit_id)             # what one unit receives on publishing
    serial.to_json(b) / serial.from_json(d)   # kept between generation and publishing
    changes.summary_lines(old, new)   # what 重新生成通报 would change, in a few Chinese lines

chart_png, workbook_xlsx and draft_docx live in their modules (bot.bulletin.chart, .workbook, .draft),
imported where needed: matplotlib is slow to import.
"""
from bot.bulletin.figures import AccountRow, ApprovalRow, Bulletin, Deduction, ReportRow, Totals, UnitFigures
from bot.bulletin.problems import problems_of
from bot.bulletin.score import deductions_of, evaluate, rank, score_of
from bot.bulletin.settings import BulletinSettings, SettingsError
from bot.bulletin.text import summary_markdown, summary_text, unit_part

__all__ = ["AccountRow", "ApprovalRow", "Bulletin", "BulletinSettings", "Deduction", "ReportRow", "SettingsError",
           "Totals", "UnitFigures", "deductions_of", "evaluate", "problems_of", "rank", "score_of",
           "summary_markdown", "summary_text", "unit_part"]
