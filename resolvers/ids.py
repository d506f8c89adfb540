"""Relay global IDs: ``base64("Type:key")``, opaque to clients, decodable to a type and a key."""

from __future__ import annotations

import base64
import binascii

# Keys are INTEGER columns (32-bit on PostgreSQL): a larger number names nothing, and sending
# it would make the driver fail instead of the lookup find nothing.
MAX_INTEGER = 2**31 - 1


class InvalidId(ValueError):
    pass


def parse_integer(text: str) -> int | None:
    """``text`` as a non-negative integer a database column can hold, else None. The length is
    checked first: int() refuses more than 4,300 digits with a ValueError of its own, and
    converting a long number costs quadratic time before that."""
    if (
        len(text) <= len(str(MAX_INTEGER))
        and text.isascii()
        and text.isdigit()
        and int(text) <= MAX_INTEGER
    ):
        return int(text)
    return None


def to_global_id(type_name: str, key: object) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def from_global_id(global_id: str) -> tuple[str, str]:
    try:
        type_name, _, key = base64.b64decode(global_id, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidId(f"{global_id!r} 不是本系统的 ID") from error
    if not type_name or not key:
        raise InvalidId(f"{global_id!r} 不是本系统的 ID")
    return type_name, key


def decode_id(global_id: str, expected_type: str) -> int:
    """The integer key of an ID that must name ``expected_type``."""
    type_name, key = from_global_id(global_id)
    number = parse_integer(key)
    if type_name != expected_type or number is None:
        raise InvalidId(f"{global_id!r} 不是 {expected_type} 的 ID")
    return number
