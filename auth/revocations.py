"""Revocations made through this process end access tokens here at once, even though the
resource server remembers recently checked tokens (auth.resource.CheckedTokens).

Whatever revokes — the revocation endpoint, a replayed refresh token or authorization code, a
password reset, a deactivated user — marks its session with :func:`revoking`. When that session
commits, the epoch moves on, and every token checked in an earlier epoch is checked against the
database again. Moving it on only after the commit matters: a request that read the database
just before would otherwise remember the token as not revoked under the new epoch.
"""

from __future__ import annotations

import threading

from sqlalchemy import event
from sqlalchemy.orm import Session

_MARK = "yulu_revokes_tokens"
_lock = threading.Lock()  # live tests serve in a thread of their own; commits can race
_epoch = 0


def revoking(session: Session) -> None:
    """Say that ``session`` ends access tokens (a deny-listed jti, a new token generation)."""
    session.info[_MARK] = True


def epoch() -> int:
    return _epoch


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    global _epoch
    if session.info.pop(_MARK, False):
        with _lock:
            _epoch += 1


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_MARK, None)  # nothing was revoked
