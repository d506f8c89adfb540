"""How personal data looks to a viewer without the task to see it in clear (PIPL: minimum necessary).

Names keep the surname (张*), resident ID numbers the first 4 and last 4 characters (the province
and city of registration and the check digit), phones the first 3 and last 4 digits. The masked
forms match what Chinese government systems print, so users recognise them.
"""

from __future__ import annotations


def mask_name(name: str) -> str:
    # Compound surnames (欧阳, 司马) are rare among the target group; one character is the norm.
    return name[:1] + "*" * max(len(name) - 1, 1)


def _keep_ends(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_id_number(id_number: str) -> str:
    return _keep_ends(id_number, 4, 4)


def mask_phone(phone: str) -> str:
    return _keep_ends(phone, 3, 4)


MASKS = {"name": mask_name, "id_number": mask_id_number, "phone": mask_phone}
"""Person fields shown masked rather than in clear, and how."""
