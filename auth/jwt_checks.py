"""Verification of JWT access tokens (RFC 9068) against a key set — pure, no I/O.

Every failure raises :class:`TokenRejected`; the reason is for our logs only, never for the
caller (a precise reason would tell an attacker which part of a forgery to fix).
"""

from __future__ import annotations

import base64
import json
import time

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet


class TokenRejected(Exception):
    """The token is not acceptable; ``str(error)`` is a reason for the logs."""


class UnknownKeyId(TokenRejected):
    """The token names a key we do not hold — perhaps the issuer rotated; refetch once."""


def unverified_parts(token: str) -> tuple[dict, dict]:
    """Header and claims as the token states them, before any check: used to pick the issuer
    and its key, and never trusted for anything else."""
    try:
        header_segment, claims_segment, _signature = token.split(".")
        return _decode_segment(header_segment), _decode_segment(claims_segment)
    except (ValueError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise TokenRejected("malformed token") from error


def _decode_segment(segment: str) -> dict:
    value = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    if not isinstance(value, dict):
        raise ValueError("segment is not a JSON object")
    return value


def check_header(header: dict, algorithms: tuple[str, ...], token_types: tuple[str, ...]) -> None:
    if header.get("alg") not in algorithms:  # refuses "none" and algorithm confusion
        raise TokenRejected(f"algorithm {header.get('alg')!r} not accepted")
    if _media_type(header.get("typ")) not in {_media_type(kind) for kind in token_types}:
        raise TokenRejected(f"token type {header.get('typ')!r} not accepted")
    if not header.get("kid"):
        raise TokenRejected("no key id")


def _media_type(typ: object) -> str | None:
    """RFC 7515 §4.1.9: ``at+jwt`` and ``application/at+jwt`` are the same type."""
    if not isinstance(typ, str):
        return None
    typ = typ.lower()
    return typ.removeprefix("application/")


def verify(
    token: str,
    keys: KeySet,
    *,
    issuer: str,
    audience: str,
    algorithms: tuple[str, ...],
    token_types: tuple[str, ...],
    leeway: int,
    now: int | None = None,
) -> dict:
    """The verified claims of ``token``, or TokenRejected."""
    header, _ = unverified_parts(token)
    check_header(header, algorithms, token_types)
    if not any(key.kid == header["kid"] for key in keys.keys):
        raise UnknownKeyId(f"unknown key id {header['kid']!r}")
    try:
        decoded = jwt.decode(token, keys, algorithms=list(algorithms))
        _claims_registry(issuer, audience, leeway, now).validate(decoded.claims)
    except (JoseError, ValueError) as error:
        raise TokenRejected(f"{type(error).__name__}: {error}") from error
    return decoded.claims


def _claims_registry(issuer: str, audience: str, leeway: int, now: int | None):
    return jwt.JWTClaimsRegistry(
        now=now if now is not None else int(time.time()),
        leeway=leeway,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": audience},
        exp={"essential": True},
        iat={"essential": True},
        sub={"essential": True},
        jti={"essential": True},
    )
