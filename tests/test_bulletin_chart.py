"""The bulletin's chart: a PNG with readable Chinese labels (or ASCII labels when there is no CJK font)."""
from __future__ import annotations

import os
import warnings
from io import BytesIO

import pytest
from PIL import Image

from bot.bulletin import evaluate
from bot.bulletin.chart import GOOD, IDLE, POOR, chart_png, cjk_font, figure, render
from tests.bulletin_sample import bulletin, large


def require_cjk_font() -> str:
    path = cjk_font()
    if path:
        return path
    hint = "no CJK font for the chart: apt-get install -y fonts-noto-cjk (or fonts-wqy-microhei)"
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"CI requires a CJK font: {hint}", pytrace=False)
    pytest.skip(f"local run: {hint}")


def rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))


def draw_without_warnings(b, font) -> bytes:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render(b, font)
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert not missing, missing  # a missing glyph renders as an empty box
    return png


def test_chart_is_a_png_with_bars_in_the_rate_colours():
    require_cjk_font()
    b = evaluate(bulletin())
    png = chart_png(b)
    image = Image.open(BytesIO(png))
    assert image.format == "PNG" and image.width >= 900 and 380 <= image.height <= 800
    colours = {c for _n, c in image.convert("RGB").getcolors(maxcolors=1 << 20)}
    assert rgb(GOOD) in colours and rgb(POOR) in colours  # 100% bars green, 卫健局's 50% red


def test_chart_labels_are_chinese_in_a_cjk_font_and_no_glyph_is_missing():
    font = require_cjk_font()
    b = evaluate(bulletin())
    draw_without_warnings(b, font)
    ax = figure(b, font).axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["1 抚松县文化广播电视和旅游局", "1 抚松县农业农村局", "3 抚松县教育局", "4 抚松县卫生健康局"]
    assert list(ax.get_yticks()) == [3, 2, 1, 0]  # the first ranked on top
    assert all(t.get_fontproperties().get_file() == font for t in ax.get_yticklabels())
    texts = [t.get_text() for t in ax.texts]
    assert "▲停更2" in texts and "50%" in texts and texts.count("100%") == 2
    assert ax.get_title().startswith("抚松县2026年11月 各单位周报按时率")


def test_without_a_cjk_font_the_chart_numbers_the_units_in_ascii():
    b = evaluate(bulletin())
    png = draw_without_warnings(b, None)
    assert Image.open(BytesIO(png)).format == "PNG"
    ax = figure(b, None).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["#1", "#2", "#3", "#4"]
    every_text = [t.get_text() for t in ax.get_yticklabels() + ax.texts] + [ax.get_title(), ax.get_xlabel()]
    assert all(text.isascii() for text in every_text), every_text
    assert "idle 2" in every_text


def test_a_hundred_units_make_a_taller_chart_that_still_renders():
    font = require_cjk_font()
    png = draw_without_warnings(evaluate(large(100)), font)
    image = Image.open(BytesIO(png))
    assert image.height > 3000 and 50_000 < len(png) < 2_000_000  # WeCom takes pictures up to 10 MB
    colours = {c for _n, c in image.convert("RGB").getcolors(maxcolors=1 << 22)}
    assert rgb(IDLE) in colours
