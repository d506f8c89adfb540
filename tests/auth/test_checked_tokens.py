"""A token that passed every check is taken again without a database query or a signature check
(auth.resource.CheckedTokens) — and still ends at once when it is revoked through this process,
and within ``revocation_recheck_seconds`` when another process revokes it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import httpx2
import pytest
from sqlalchemy import event

from auth import admin
from auth.install import AuthState
from auth.jwt_checks import unverified_parts
from auth.resource import TokenValidator
from models.db import create_engine, session_factory
from models.oauth import RevokedAccessToken
from models.organisations import Role
from models.settings import get_settings
from portal.app import create_app
from tests.auth.conftest import PASSWORD, SECRET_KEY
from tests.tokens import mint_access_token

RECHECK_SECONDS = 1.0


@pytest.fixture
def app(auth_database_url):
    settings = get_settings().replace(database_url=auth_database_url, secret_key=SECRET_KEY)
    app = create_app(settings)
    config = replace(app.state.auth.config, revocation_recheck_seconds=RECHECK_SECONDS)
    app.state.auth = AuthState(config, TokenValidator(config, app.state.sessions))
    return app


async def _run(database_url: str, function, *args):
    """``function(session, *args)`` in a session of its own, committed."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            result = await session.run_sync(lambda sync: function(sync, *args))
            await session.commit()
            return result
    finally:
        await engine.dispose()


async def _new_user(app) -> tuple[str, str]:
    username = f"checked-{uuid.uuid4().hex[:8]}"
    await _run(str(app.state.engine.url), _create, username)
    url = app.state.engine.url.render_as_string(hide_password=False)
    return username, await mint_access_token(app.state.auth.config, url, username)


def _create(session, username: str) -> None:
    admin.create_user(session, username, PASSWORD, role=Role.ADMIN)


async def _status(app, token: str, query: str = "{ __typename }") -> int:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as http:
        answer = await http.post(
            "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
        )
    return answer.status_code


def _database_url(app) -> str:
    return app.state.engine.url.render_as_string(hide_password=False)


class Statements:
    def __init__(self, engine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1


async def test_a_checked_token_costs_no_statement_until_its_recheck(app):
    _, token = await _new_user(app)
    statements = Statements(app.state.engine)
    assert await _status(app, token) == 200
    assert statements.count == 2  # the key set (loaded once), the revocation check
    for _ in range(3):
        assert await _status(app, token) == 200
    assert statements.count == 2
    await asyncio.sleep(RECHECK_SECONDS)
    assert await _status(app, token) == 200
    assert statements.count == 3  # checked again: revoked meanwhile, or its user's sessions ended?


async def test_the_viewer_of_a_checked_token_costs_only_the_viewers_own_reads(app):
    _, token = await _new_user(app)
    query = "{ viewer { displayName organisation { name } } }"
    assert await _status(app, token, query) == 200
    statements = Statements(app.state.engine)
    assert await _status(app, token, query) == 200
    # The user (an admin: no organisation to read); the token none.
    assert statements.count == 1


async def test_a_revocation_through_this_process_ends_a_checked_token_at_once(app):
    username, token = await _new_user(app)
    assert await _status(app, token) == 200
    await _run(_database_url(app), admin.deactivate_user, username)
    assert await _status(app, token) == 401


async def test_a_deny_listed_jti_through_this_process_ends_a_checked_token_at_once(app):
    from auth.server import YuluAuthorizationServer

    _, token = await _new_user(app)
    assert await _status(app, token) == 200
    config = app.state.auth.config

    def deny(session) -> None:
        record = YuluAuthorizationServer(session, config).find_access_token(token)
        assert record is not None
        YuluAuthorizationServer(session, config).deny_access_token(
            record.claims["jti"], record.claims["exp"]
        )

    await _run(_database_url(app), deny)
    assert await _status(app, token) == 401


async def test_a_revocation_by_another_process_takes_effect_within_the_recheck_bound(app):
    _, token = await _new_user(app)
    assert await _status(app, token) == 200
    _, stated = unverified_parts(token)
    # What another worker's revocation looks like from here: a row this process never marked.
    denied = RevokedAccessToken(
        jti=stated["jti"], expires_at=datetime.fromtimestamp(stated["exp"], UTC)
    )
    await _run(_database_url(app), lambda session: session.add(denied))
    assert await _status(app, token) == 200  # checked a moment ago: taken on trust...
    await asyncio.sleep(RECHECK_SECONDS)
    assert await _status(app, token) == 401  # ...until the bound has passed


async def test_a_password_changed_on_the_command_line_ends_the_token_within_the_bound(app):
    username, token = await _new_user(app)
    assert await _status(app, token) == 200
    env = {**os.environ, "YULU_DATABASE_URL": _database_url(app), "YULU_SECRET_KEY": SECRET_KEY}
    changed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "portal.cli", "users", "passwd", username, "--password-stdin"],
        input=f"{PASSWORD}-new\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert changed.returncode == 0, changed.stderr
    await asyncio.sleep(RECHECK_SECONDS)
    assert await _status(app, token) == 401
