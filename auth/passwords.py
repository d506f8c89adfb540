"""Password hashing (Argon2id) and the sign-in back-off: per account, and per network address."""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from auth.clock import as_utc
from models.oauth import SignInFailure
from models.organisations import User

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("never-a-real-password")

FREE_ATTEMPTS = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)
# One address may fail this often in the window, across all usernames (a school's office behind
# one NAT mistypes far less; a script trying many accounts with common passwords does not).
SOURCE_FAILURES = 30
SOURCE_WINDOW = timedelta(minutes=15)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and as_utc(user.locked_until) > now


def record_failure(user: User, now: datetime) -> None:
    """After FREE_ATTEMPTS failures in a row, each further failure doubles the wait (30 s, 1 min,
    2 min ... 15 min): guessing gets slow while a user who mistypes is barely delayed."""
    user.failed_logins += 1
    over = user.failed_logins - FREE_ATTEMPTS
    if over >= 0:
        user.locked_until = now + min(FIRST_LOCK * 2**min(over, 10), LONGEST_LOCK)


def record_success(user: User, password: str) -> None:
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)


def source_blocked(session: Session, source: str, now: datetime) -> bool:
    recent = select(func.count()).where(SignInFailure.source == source, SignInFailure.at > now - SOURCE_WINDOW)
    return session.scalar(recent) >= SOURCE_FAILURES


def record_source_failure(session: Session, source: str, now: datetime) -> None:
    """One more failure from ``source``; its failures older than the window go (self-pruning)."""
    session.execute(delete(SignInFailure).where(SignInFailure.source == source,
                                                SignInFailure.at <= now - SOURCE_WINDOW))
    session.add(SignInFailure(source=source, at=now))
