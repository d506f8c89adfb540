"""How personal data looks to a viewer without the task to see it in clear (PIPL: minimum necessary).

Names keep the surname and one ``*`` whatever the given name's length (张*, 欧阳*), so the mask
hides the length too; resident ID numbers the first 4 and last 4 characters (the province
and city of registration and the check digit), phones the first 3 and last 4 digits. The masked
forms match what Chinese government systems print, so users recognise them.
"""

from __future__ import annotations

COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
    }
)
"""Two-character surnames kept whole (欧阳娜娜 → 欧阳*); every other name keeps one character."""


def surname(name: str) -> str:
    name = name.strip()
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    return name[:1]


def mask_name(name: str) -> str:
    return surname(name) + "*"


def _keep_ends(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_id_number(id_number: str) -> str:
    return _keep_ends(id_number, 4, 4)


def mask_phone(phone: str) -> str:
    return _keep_ends(phone, 3, 4)
