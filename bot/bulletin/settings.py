"""The bulletin's score weights and thresholds: defaults, overridable with JSON in an env variable.

    BOT_BULLETIN_SETTINGS='{"missing_report": 3, "dormancy": {"90": 15}, "reply_rate_min": 0.8}'

Keys not given keep their defaults; `dormancy` is merged rung by rung. docs/bulletin.md lists every key.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace

ENV_VAR = "BOT_BULLETIN_SETTINGS"


class SettingsError(SystemExit):
    """A malformed BOT_BULLETIN_SETTINGS; the message says which key and why (Chinese)."""


@dataclass(frozen=True)
class BulletinSettings:
    base: float = 100                 # every unit starts here
    floor: float = 0                  # a score never goes below this
    missing_report: float = 2         # per weekly report not submitted (缺报)
    late_report: float = 1            # per weekly report submitted late (迟报)
    dormancy: dict[int, float] = field(default_factory=lambda: {14: 2, 60: 5, 90: 10})  # per account, by rung
    registry_overdue: float = 3       # per national-registry filing overdue (第11条)
    rectification_overdue: float = 5  # per rectification item past its deadline
    low_original: float = 3           # once, when the original share is below original_share_min
    original_share_min: float = 0.3
    original_min_posts: int = 5       # the share is judged only from this many posts on
    low_reply: float = 3              # once, when the reply rate is below reply_rate_min
    reply_rate_min: float = 0.9
    untrained: float = 2              # once, when no one of the unit is trained this year (第28条)
    idle_problem_days: int = 14       # accounts idle this long are named as a problem
    attention_score: float = 80       # units below this score are listed as needing attention

    def to_dict(self) -> dict:
        return asdict(self)


DEFAULTS = BulletinSettings()
_NUMBER_KEYS = {f.name for f in fields(BulletinSettings)} - {"dormancy"}


def _number(key: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingsError(f"配置错误: {ENV_VAR} 中 {key} 必须是数字（现在是 {value!r}）")
    if value < 0:
        raise SettingsError(f"配置错误: {ENV_VAR} 中 {key} 不能为负数")
    return value


def from_dict(overrides: dict, base: BulletinSettings = DEFAULTS) -> BulletinSettings:
    """Settings with `overrides` applied; unknown keys and bad values are refused, naming the key."""
    if not isinstance(overrides, dict):
        raise SettingsError(f"配置错误: {ENV_VAR} 必须是 JSON 对象")
    changes: dict = {}
    for key, value in overrides.items():
        if key == "dormancy":
            if not isinstance(value, dict):
                raise SettingsError(f"配置错误: {ENV_VAR} 中 dormancy 必须是 {{天数: 扣分}} 对象")
            rungs = dict(base.dormancy)
            for days, points in value.items():
                try:
                    rung = int(days)
                except (TypeError, ValueError):
                    raise SettingsError(f"配置错误: {ENV_VAR} 中 dormancy 的键必须是天数（现在是 {days!r}）") from None
                rungs[rung] = _number(f"dormancy.{days}", points)
            changes["dormancy"] = dict(sorted(rungs.items()))
        elif key in _NUMBER_KEYS:
            changes[key] = _number(key, value)
        else:
            raise SettingsError(f"配置错误: {ENV_VAR} 中没有 {key} 这一项（可用：{'、'.join(sorted(_NUMBER_KEYS | {'dormancy'}))}）")
    return replace(base, **changes)


def load(env: dict | None = None) -> BulletinSettings:
    """The settings from BOT_BULLETIN_SETTINGS (JSON) over the defaults."""
    raw = (os.environ if env is None else env).get(ENV_VAR, "").strip()
    if not raw:
        return DEFAULTS
    try:
        overrides = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"配置错误: {ENV_VAR} 不是有效的 JSON（{exc.msg}，第{exc.colno}列）") from None
    return from_dict(overrides)
