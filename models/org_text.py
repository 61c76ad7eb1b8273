"""A directory file as a clerk types it: full-width letters and digits from a Chinese input method where only
ASCII makes sense (UserID, 手机, 标识码, 部门ID), spaces that pad a Chinese name (「杨　审核」, 「抚松县 教育局」),
and one unit's name written two ways (「（县政府办）」 and 「(县政府办)」)."""
from __future__ import annotations

import re
import unicodedata

from models.org_files import Row

ASCII_COLUMNS = ("企业微信UserID", "手机", "国办登记系统单位标识码", "企业微信部门ID")
NAME_COLUMNS = ("单位名称", "上级单位", "所在单位", "姓名", "类型")
_CJK = "\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"  # ideographs and CJK/full-width punctuation
_PADDING = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


def half_width(text: str) -> str:
    """「ｊｙ＿ｚｈａｎｇ」 → 「jy_zhang」, 「１３８…」 → 「138…」 (NFKC: what the clerk sees is what is meant)."""
    return unicodedata.normalize("NFKC", text).strip()


def tidy_name(text: str) -> str:
    """A name without the spaces that pad Chinese characters (「杨　审核」 → 「杨审核」); 「John Smith」 stays."""
    return _PADDING.sub("", text).strip()


def name_key(text: str) -> str:
    """What two spellings of one unit name share: no spaces, full-width and half-width alike, any case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def tidied(row: Row) -> Row:
    """The row with its ASCII columns in half-width and its names without padding."""
    values = {column: half_width(value) if column in ASCII_COLUMNS
              else tidy_name(value) if column in NAME_COLUMNS else value
              for column, value in row.values.items()}
    return Row(row.sheet, row.where, values, row.problems)


class UnitNames:
    """Unit names as the file and the system spell them: a name written another way (spaces, full-width or
    half-width brackets) is the same unit, under the spelling already registered, else the file's first."""

    def __init__(self, registered: list[str]):
        self._spelling = {name_key(name): name for name in registered}

    def add(self, name: str) -> str:
        """The spelling `name` (a 单位名称 of the file) is known by; adds it if it is new."""
        return self._spelling.setdefault(name_key(name), name)

    def spelled(self, name: str | None) -> str | None:
        """A reference (上级单位, 所在单位) in the spelling of the unit it means; unknown names as written."""
        if not name:
            return name
        return self._spelling.get(name_key(name), name)
