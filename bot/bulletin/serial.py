"""A bulletin as plain JSON and back: kept between generation and publishing (发布通报), and for the
year-end assessment, which adds up the months' scores and deductions."""
from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date, datetime

from bot.bulletin.figures import AccountRow, ApprovalRow, Bulletin, Deduction, NoticeRow, ReportRow, UnitFigures

VERSION = 1
_DATES = {"rectify_by", "issued_on", "last_update", "week", "due_on"}
_MOMENTS = {"generated_at", "submitted_at", "filed_at", "decided_at"}


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def to_json(b: Bulletin) -> dict:
    """A JSON-serialisable dict (dates as ISO strings)."""
    return {"version": VERSION, **_plain(asdict(b))}


def _build(cls, data: dict):
    values = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if value is not None and f.name in _DATES:
            value = date.fromisoformat(value)
        elif value is not None and f.name in _MOMENTS:
            value = datetime.fromisoformat(value)
        elif f.name == "dormancy":
            value = {int(k): v for k, v in value.items()}
        elif f.name == "deductions":
            value = [Deduction(**d) for d in value]
        values[f.name] = value
    return cls(**values)


def from_json(data: dict) -> Bulletin:
    """The bulletin back from `to_json`'s dict."""
    if data.get("version") != VERSION:
        raise ValueError(f"unknown bulletin format version {data.get('version')!r}")
    rows = ("units", "accounts", "reports", "approvals", "notices")
    b = _build(Bulletin, {**{k: v for k, v in data.items() if k not in rows}, "units": []})
    b.units = [_build(UnitFigures, u) for u in data["units"]]
    b.accounts = [_build(AccountRow, a) for a in data.get("accounts", [])]
    b.reports = [_build(ReportRow, r) for r in data.get("reports", [])]
    b.approvals = [_build(ApprovalRow, a) for a in data.get("approvals", [])]
    b.notices = [_build(NoticeRow, n) for n in data.get("notices", [])]  # kept before they were listed: none
    return b
