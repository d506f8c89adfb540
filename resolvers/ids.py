"""Relay global IDs: ``base64("Type:key")``, opaque to clients, decodable to a type and a key."""

from __future__ import annotations

import base64
import binascii


class InvalidId(ValueError):
    pass


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
    if type_name != expected_type or not key.isdigit():
        raise InvalidId(f"{global_id!r} 不是 {expected_type} 的 ID")
    return int(key)
