"""Several request numbers in one decision: 「同意 3、5」, 「同意3,5」, 「3、5号同意」, 「3号和5号都同意」.

Read as a list, so that a second number is never recorded as the opinion on the first (「同意3,5」 agreed to 3
with the opinion 「5」 and left 5 waiting), and a second decision in the same message (「3号同意 5号退回 名称不对」)
is not recorded as the opinion on the first while the second is lost."""
from __future__ import annotations

import re

SEPARATOR = r"[\s,，、和及与]"
_NUMBER = r"第?\s*\d+\s*号?(?:的?申请)?"
# nothing but further numbers, perhaps with 都/也 and the decision word again: 「5」, 「5号」, 「、5号 6号」, 「5都同意」
_ONLY_NUMBERS = re.compile(rf"(?:{SEPARATOR}*{_NUMBER})+{SEPARATOR}*(?:都|均|也)?\s*(?:同意|通过|批准)?[。！!]*")
WORD = r"(?:同意|批准|通过|驳回|不同意|不批准|退回修改|退回)"
# another request's number first: 「5号退回 名称不对」, 「5 名称不对」, 「5不同意」, 「5、6号」, or a decision on one:
# 「不同意 5」 — but not 「3个字段填错了」, 「2024年的材料」, nor an opinion's own list 「1、名称规范 2、内容合规」
_ANOTHER_FIRST = re.compile(rf"{SEPARATOR}*(?:{WORD}\s*)?第?\s*\d+\s*(?:号|[\s,，和及与]|$|{WORD}|、\s*第?\s*\d)")
# the numbers before the last one of 「3、5号同意」, 「3号和5号都同意」 (NUMBER_FIRST's `numbers` group)
LEADING_NUMBERS = r"(?:第?\s*\d+\s*号?\s*[、，,和及与]\s*)*"


def more_numbers(opinion: str) -> list[int] | None:
    """The further request numbers when what follows the first is nothing but numbers, else None."""
    if opinion and _ONLY_NUMBERS.fullmatch(opinion):
        return [int(n) for n in re.findall(r"\d+", opinion)]
    return None


def names_another(opinion: str) -> bool:
    """What follows the first number starts with another request's number: no opinion to record."""
    return bool(_ANOTHER_FIRST.match(opinion))


def numbers_in(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text or "")]
