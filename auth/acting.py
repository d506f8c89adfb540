"""Acting as a user without a token: the Viewer a background job or the ``yulu`` command runs
under is built from the same claims a token of theirs carries (auth.tokens.viewer_claims) and
the scopes of the sign-in it acts for, so its rules are the portal's."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth import scopes
from auth.portal_signin import PORTAL_SCOPES
from auth.tokens import allowed_scope, viewer_claims
from auth.viewer import Viewer, viewer_from_claims
from models.organisations import User


class UnknownUser(LookupError):
    """No active account of that username (the message is for the operator)."""


def granted_scope(user: User, requested: tuple[str, ...]) -> str:
    """The scope a sign-in asking for ``requested`` grants ``user`` (admin for admins only)."""
    return allowed_scope(user, scopes.join(requested))


async def viewer_of(session: AsyncSession, user: User, scope: str) -> Viewer:
    """The viewer ``user`` is with ``scope``, as a token of theirs would describe them."""
    claims = await session.run_sync(lambda sync: viewer_claims(sync, user))
    return viewer_from_claims(claims, scopes.parse(scope))


async def user_named(session: AsyncSession, username: str) -> User:
    user = (await session.scalars(select(User).where(User.username == username))).first()
    if user is None or not user.is_active:
        raise UnknownUser(f"没有名为 {username} 的有效账号。")
    return user


async def portal_viewer(session: AsyncSession, username: str) -> Viewer:
    """The viewer ``username`` is when signed in to the portal: the commands that act as a user
    (``yulu ledger``, ``yulu report``) run under exactly the portal's rules."""
    user = await user_named(session, username)
    return await viewer_of(session, user, granted_scope(user, PORTAL_SCOPES))
