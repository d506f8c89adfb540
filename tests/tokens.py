"""Real access tokens for tests: signed with the database's current key by the same code the
token endpoint uses, so the app under test validates them exactly like production tokens."""

from __future__ import annotations

from sqlalchemy import select

from auth import scopes
from auth.config import AuthConfig
from auth.tokens import issue_access_token
from models.db import create_engine, session_factory
from models.organisations import User

TEST_CLIENT_ID = "yulu-tests"
USER_SCOPES = scopes.join({scopes.READ, scopes.WRITE, scopes.PERSONAL, scopes.PROFILE})


async def mint_access_token(
    config: AuthConfig,
    database_url: str,
    username: str,
    scope: str = USER_SCOPES,
    client_id: str = TEST_CLIENT_ID,
) -> str:
    """An access token for ``username`` as the app with ``config`` (``app.state.auth.config``)
    expects it. The admin scope is granted only to admins, as at the token endpoint."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            token = await session.run_sync(_issue, config, username, scope, client_id)
            await session.commit()  # the first token creates the signing key
    finally:
        await engine.dispose()
    return token


def _issue(session, config: AuthConfig, username: str, scope: str, client_id: str) -> str:
    user = session.scalars(select(User).where(User.username == username)).one()
    return issue_access_token(
        session, config, user=user, client_id=client_id, subject=str(user.id), scope=scope
    ).access_token
