"""Random credentials and their stored digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    """SHA-256 hex: enough for long random secrets (unlike passwords, they cannot be guessed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored_digest: str | None) -> bool:
    return stored_digest is not None and hmac.compare_digest(digest(secret), stored_digest)
