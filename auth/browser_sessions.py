"""Signed-in browsers that sign-out, a password reset and deactivation really end.

Starlette's session cookie is signed, not stored: a copy of it stays as good as the original
until it expires, whatever the server "forgets". So a sign-in also opens a row in
``browser_sessions`` and puts its random id in the cookie (``sid``); on every request a cookie
that says someone is signed in must name a live row of that user, or the whole session is
dropped before any page, the authorization endpoint or the portal's token handling sees it.
Ending a session deletes its row, and every copy of the cookie is then worth nothing.

The check is one primary-key lookup, and only for requests that carry a signed-in cookie (the
portal's own in-process calls to /graphql and /oauth/token carry none).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from auth.clock import utcnow
from auth.digests import digest, new_secret
from models.oauth import BrowserSession

SESSION_SECONDS = 8 * 3600
SID = "sid"
USER = "uid"
PORTAL_TOKENS = "portal_tokens"  # auth.portal_signin keeps the portal's tokens under this key
# A session holding any of these says someone is signed in, so it must name a live row.
SIGNED_IN_KEYS = frozenset({SID, USER, PORTAL_TOKENS})


def open_session(session: Session, user_id: int) -> str:
    """A new live session of ``user_id``; returns the id for the cookie (only its digest is kept)."""
    sid = new_secret(32)
    now = utcnow()
    session.add(
        BrowserSession(
            id_hash=digest(sid),
            user_id=user_id,
            created_at=now,
            expires_at=now + timedelta(seconds=SESSION_SECONDS),
        )
    )
    return sid


def close_session(session: Session, sid: object) -> None:
    if isinstance(sid, str):
        session.execute(delete(BrowserSession).where(BrowserSession.id_hash == digest(sid)))


def close_all_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(BrowserSession).where(BrowserSession.user_id == user_id))


async def end_browser_session(request: Request) -> None:
    """Sign-out: this session's row goes (so do its copies), then the cookie is emptied."""
    async with request.app.state.sessions() as session:
        await session.run_sync(close_session, request.session.get(SID))
        await session.commit()
    request.session.clear()


async def _is_live(scope: Scope, cookie: dict) -> bool:
    sid, user_id = cookie.get(SID), cookie.get(USER)
    if not isinstance(sid, str):
        return False
    async with scope["app"].state.sessions() as session:
        owner = await session.scalar(
            select(BrowserSession.user_id).where(
                BrowserSession.id_hash == digest(sid), BrowserSession.expires_at > utcnow()
            )
        )
    return owner is not None and owner == user_id


class LiveSessionMiddleware:
    """Between the session cookie middleware and the app: a signed-in cookie whose row is gone
    (ended, expired, or never made: a cookie from before this check) becomes an empty session."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cookie = scope.get("session")
        if (
            scope["type"] == "http"
            and cookie
            and SIGNED_IN_KEYS & cookie.keys()
            and not await _is_live(scope, cookie)
        ):
            cookie.clear()
        await self.app(scope, receive, send)
