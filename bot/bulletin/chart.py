"""The bulletin as a picture: each unit's on-time weekly-report rate as a bar, idle accounts marked.

A CJK font is looked up among the fonts matplotlib knows (Noto CJK, WenQuanYi, Source Han…). Without
one, Chinese would render as empty boxes, so the chart then labels units by their rank number and
keeps all text in ASCII; the workbook's 单位 sheet gives the name for each number.
"""
from __future__ import annotations

from functools import lru_cache
from io import BytesIO

import matplotlib

matplotlib.use("Agg")  # no display: render to memory only

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from bot.bulletin.figures import NATIONAL_FAIL_DAYS, Bulletin, UnitFigures  # noqa: E402

# Preferred families first; any other font that claims Chinese coverage is the last resort.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC",
                "Noto Serif CJK SC", "AR PL UMing CN", "Droid Sans Fallback")
PROBE = "通报按时率单位停更账号"
GOOD, FAIR, POOR, IDLE = "#2e7d32", "#f9a825", "#c62828", "#6a1b9a"


def _covers(path: str, text: str = PROBE) -> bool:
    try:
        from matplotlib.ft2font import FT2Font
        font = FT2Font(path)
        return all(font.get_char_index(ord(ch)) for ch in text)
    except (OSError, RuntimeError, ValueError):
        return False


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The path of a font with Chinese glyphs, or None when the machine has none."""
    entries = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in entries and _covers(entries[family]):
            return entries[family]
    for name, path in sorted(entries.items()):
        if any(key in name for key in ("CJK", "Hei", "Song", "Ming", "Kai", "Han")) and _covers(path):
            return path
    # matplotlib caches its font list (~/.cache/matplotlib) and does not notice fonts installed
    # after that cache was made: look at the font files themselves before giving up.
    for path in sorted(font_manager.findSystemFonts(), key=lambda p: ("Bold" in p, p)):  # regular first
        if any(key in path for key in ("CJK", "wqy", "SourceHan", "DroidSansFallback")) and _covers(path):
            return path
    return None


def _color(rate: float | None) -> str:
    if rate is None:
        return "#9e9e9e"
    return GOOD if rate >= 0.9 else FAIR if rate >= 0.6 else POOR


def _labels(units: list[UnitFigures], chinese: bool) -> list[str]:
    if chinese:
        return [f"{f.rank or ''} {f.unit_name}".strip() for f in units]
    return [f"#{n}" for n in range(1, len(units) + 1)]


def figure(b: Bulletin, font_path: str | None) -> Figure:
    """The chart with the given font (None: ASCII labels only)."""
    units = b.ranked()
    chinese = font_path is not None
    props = font_manager.FontProperties(fname=font_path) if chinese else font_manager.FontProperties()
    height = max(3.5, 1.6 + 0.32 * len(units))
    longest = max((len(label) for label in _labels(units, chinese)), default=4)
    fig = Figure(figsize=(min(16.0, 7 + 0.13 * longest), height), dpi=110)
    ax = fig.add_subplot()
    rows = list(range(len(units)))[::-1]  # the first ranked unit on top
    rates = [f.on_time_rate for f in units]
    ax.barh(rows, [100 * (r or 0) for r in rates], color=[_color(r) for r in rates], height=0.65)
    ax.set_yticks(rows, _labels(units, chinese), fontproperties=props, fontsize=9)
    ax.set_xlim(0, 128)
    ax.set_xticks([0, 20, 40, 60, 80, 100], ["0", "20%", "40%", "60%", "80%", "100%"])
    ax.axvline(100, color="#bdbdbd", linewidth=0.8)
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)
    for row, f, rate in zip(rows, units, rates):
        text = ("无应报" if chinese else "n/a") if rate is None else f"{100 * rate:.0f}%"
        ax.text(100 * (rate or 0) + 1, row, text, va="center", fontsize=8, fontproperties=props)
        idle = f.idle_accounts(NATIONAL_FAIL_DAYS)
        if idle:
            ax.text(113, row, (f"▲停更{idle}" if chinese else f"idle {idle}"), va="center", fontsize=8,
                    color=IDLE, fontproperties=props)
    if chinese:
        title = f"{b.county}{b.period} 各单位周报按时率（▲{NATIONAL_FAIL_DAYS}天以上未更新的账号数）"
        xlabel = "周报按时率（绿：≥90%，黄：≥60%，红：<60%）"
    else:
        title = f"{b.year}-{b.month:02d} on-time weekly reports by unit (idle = accounts idle {NATIONAL_FAIL_DAYS}+ days)"
        xlabel = "on-time rate; #n = No. in the workbook (sheet 1)"
    ax.set_title(title, fontproperties=props, fontsize=11)
    ax.set_xlabel(xlabel, fontproperties=props, fontsize=9)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def render(b: Bulletin, font_path: str | None) -> bytes:
    out = BytesIO()
    figure(b, font_path).savefig(out, format="png")
    return out.getvalue()


def chart_png(b: Bulletin) -> bytes:
    """The chart as PNG bytes, with Chinese labels when the machine has a CJK font."""
    return render(b, cjk_font())
