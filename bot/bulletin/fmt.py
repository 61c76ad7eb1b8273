"""Small formatting helpers shared by the bulletin's outputs (Chinese conventions)."""
from __future__ import annotations

from datetime import date


def number(value: float | None) -> str:
    """92 → "92", 92.5 → "92.5", 92.25 → "92.25", None → "—"."""
    if value is None:
        return "—"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def pct(value: float | None) -> str:
    """0.9375 → "93.8%", 1 → "100%", None → "—"."""
    return "—" if value is None else f"{number(round(value * 100, 1))}%"


def day(value: date | None) -> str:
    """A date as in an official document: 2026年12月8日."""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def hours(value: float | None) -> str:
    return "—" if value is None else f"{number(round(value, 1))}小时"


def counts(mapping: dict[str, int]) -> str:
    """{"微信公众号": 2, "抖音": 1} → "微信公众号2、抖音1" (largest first, zeros left out)."""
    items = sorted(((k, v) for k, v in mapping.items() if v), key=lambda kv: -kv[1])
    return "、".join(f"{k}{v}" for k, v in items) or "无"
