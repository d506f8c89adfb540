"""Password hashing (Argon2id) and the sign-in back-off: per (username, address), per address, and
an account-wide slow-down."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from auth.clock import as_utc
from models.oauth import SignInFailure
from models.organisations import User

T = TypeVar("T")
_hasher = PasswordHasher()
# Verified against when the username is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("never-a-real-password")

# Three limits, and why none lets a stranger lock the owner out of their own account:
#
# * per (username, address): after FREE_ATTEMPTS failures in the window, each further failure
#   doubles the wait (30 s, 1 min ... 15 min) — for that address only. An attacker's guesses
#   from their addresses lock their addresses; the owner at their own address is untouched.
#   (Keyed by the name typed, so an unknown username locks exactly like a known one.)
# * per address, whatever the usernames: SOURCE_FAILURES in the window (spraying common
#   passwords across many accounts; a school's office behind one NAT mistypes far less).
# * per account, from every address together: past ACCOUNT_SLOW_AFTER failures in a row, every
#   attempt on the account waits SLOW_DOWN_SECONDS — the owner's too — but is never refused. A
#   lock here would hand anyone who knows a username the power to shut its owner out; a delay
#   only costs a guesser from many addresses (a botnet) time on every try.
FREE_ATTEMPTS = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)
SOURCE_FAILURES = 30
WINDOW = timedelta(minutes=15)
ACCOUNT_SLOW_AFTER = 100
SLOW_DOWN_SECONDS = 2.0
USERNAME_LENGTH = 64  # users.username; a longer name typed is no account, kept to the column


def hash_password(password: str) -> str:
    """Argon2id: about 50 ms of CPU by design. In a request, call it through
    ``asyncio.to_thread`` (``verified`` does), never on the event loop."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Verdict:
    right: bool
    new_hash: str | None = None  # the password hashed again under today's parameters


def verify_and_rehash(password_hash: str | None, password: str) -> Verdict:
    if not verify_password(password_hash, password):
        return Verdict(False)
    assert password_hash is not None
    if _hasher.check_needs_rehash(password_hash):
        return Verdict(True, hash_password(password))
    return Verdict(True)


# Argon2 runs in these threads, never on the event loop: on the loop, eight wrong sign-ins at
# once stalled every other request (the probes included) for the better part of a second. Each
# check already computes its 4 lanes in parallel, so one thread per two cores keeps the hashing
# from starving the event loop of CPU; more sign-ins at once wait their turn here.
_HASHING = ThreadPoolExecutor(
    max_workers=max(1, (os.cpu_count() or 2) // 2), thread_name_prefix="argon2"
)


async def verified(password_hash: str | None, password: str) -> Verdict:
    """``verify_and_rehash`` in a password-hashing thread."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_HASHING, verify_and_rehash, password_hash, password)


async def hashed_off_the_loop(function: Callable[[str], T], password: str) -> T:
    """``function(password)`` (a check and a hash) in a password-hashing thread."""
    return await asyncio.get_running_loop().run_in_executor(_HASHING, function, password)


def _lock_end(session: Session, username: str, source: str, now: datetime) -> datetime | None:
    """Until when ``source`` waits before trying ``username`` again (None: it need not wait)."""
    count, last = session.execute(
        select(func.count(), func.max(SignInFailure.at)).where(
            SignInFailure.source == source,
            SignInFailure.at > now - WINDOW,
            SignInFailure.username == username[:USERNAME_LENGTH],
        )
    ).one()
    if count < FREE_ATTEMPTS:
        return None
    return as_utc(last) + min(FIRST_LOCK * 2 ** min(count - FREE_ATTEMPTS, 10), LONGEST_LOCK)


def locked_for(session: Session, username: str, source: str, now: datetime) -> bool:
    """Whether ``source`` must wait before trying ``username`` again, or is stopped altogether."""
    recent = select(func.count()).where(
        SignInFailure.source == source, SignInFailure.at > now - WINDOW
    )
    if session.execute(recent).scalar_one() >= SOURCE_FAILURES:
        return True
    lock_end = _lock_end(session, username, source, now)
    return lock_end is not None and lock_end > now


def slowed(user: User | None) -> bool:
    """The account-wide back-off: slows every attempt on the account, never refuses one."""
    return user is not None and user.failed_logins >= ACCOUNT_SLOW_AFTER


def record_failure(
    session: Session, user: User | None, username: str, source: str, now: datetime
) -> None:
    """One more failure of ``source`` on ``username``; its failures older than the window go
    (self-pruning, ``yulu tokens purge`` removes those of addresses that never came back). The
    account notes its failures in a row, and until when some address is locked out of it (for
    the admin's list; nothing is refused on it)."""
    session.execute(
        delete(SignInFailure).where(
            SignInFailure.source == source, SignInFailure.at <= now - WINDOW
        )
    )
    session.add(SignInFailure(source=source, username=username[:USERNAME_LENGTH], at=now))
    if user is None:
        return
    user.failed_logins += 1
    lock_end = _lock_end(session, username, source, now)
    if lock_end is not None and (user.locked_until is None or as_utc(user.locked_until) < lock_end):
        user.locked_until = lock_end


def record_success(session: Session, user: User, source: str, new_hash: str | None) -> None:
    """The owner is in: their own mistypes from this address, and the account-wide count, go."""
    session.execute(
        delete(SignInFailure).where(
            SignInFailure.source == source, SignInFailure.username == user.username
        )
    )
    user.failed_logins = 0
    user.locked_until = None
    if new_hash is not None:
        user.password_hash = new_hash


def forget_failures(session: Session, user: User) -> None:
    """Lift every back-off on the account (an operator's unlock, a new password)."""
    session.execute(delete(SignInFailure).where(SignInFailure.username == user.username))
    user.failed_logins = 0
    user.locked_until = None
