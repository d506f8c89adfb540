"""The alliance app on 127.0.0.1 over its own seeded database, with real tokens for every viewer.

Each test module that writes gets its own database and server (seeding the ``test`` scale takes
under a second), so mutation cells never change what the read cells see, nor what other test
packages see in the shared ``seeded_url`` database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2

import migrations
from auth import scopes
from models.db import create_engine, session_factory
from models.settings import get_settings
from portal.app import create_app
from seeds import loader
from tests.authz.cast import USERNAMES, Cast, build
from tests.conftest import create_database, drop_database
from tests.live_server import free_port, serving
from tests.tokens import USER_SCOPES, mint_access_token

ANONYMOUS = "anonymous"
READ_ONLY = scopes.join({scopes.READ, scopes.PERSONAL})  # no alliance:write
NOT_PERSONAL = scopes.join({scopes.READ, scopes.WRITE})  # no personal:read


class GraphQLResult:
    def __init__(self, body: dict[str, Any], status: int) -> None:
        self.status = status
        self.data = body.get("data")
        self.errors = body.get("errors") or []

    def errors_at(self, *path: Any) -> list[dict]:
        return [e for e in self.errors if tuple(e.get("path") or ()) == path]

    def code_at(self, *path: Any) -> str | None:
        found = self.errors_at(*path)
        return found[0].get("extensions", {}).get("code") if found else None

    def under(self, *path: Any) -> list[dict]:
        """Errors at ``path`` or below it."""
        return [e for e in self.errors if tuple(e.get("path") or ())[: len(path)] == path]


@dataclass
class Alliance:
    url: str
    database_url: str
    cast: Cast
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)
    http: httpx2.Client = field(default_factory=lambda: httpx2.Client(timeout=30))

    def token(self, viewer: str, scope: str = USER_SCOPES) -> str | None:
        return None if viewer == ANONYMOUS else self.tokens[(viewer, scope)]

    def graphql(
        self,
        viewer: str,
        query: str,
        variables: dict | None = None,
        *,
        scope: str = USER_SCOPES,
        operation: str | None = None,
    ) -> GraphQLResult:
        token = self.token(viewer, scope)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = {"query": query, "variables": variables or {}}
        if operation:
            body["operationName"] = operation
        response = self.http.post(f"{self.url}/graphql", json=body, headers=headers)
        assert response.status_code == 200, response.text
        return GraphQLResult(response.json(), response.status_code)


async def _cast(url: str) -> Cast:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            cast = await session.run_sync(build)
            await session.commit()
    finally:
        await engine.dispose()
    return cast


@asynccontextmanager
async def running_alliance(tmp_path) -> AsyncIterator[Alliance]:
    url = await create_database(tmp_path)
    try:
        await asyncio.to_thread(migrations.upgrade, url)
        await loader.seed(url, "test")
        cast = await _cast(url)
        port = free_port()
        settings = get_settings().replace(database_url=url, issuer=f"http://127.0.0.1:{port}")
        app = create_app(settings)
        tokens = {}
        for username in USERNAMES:
            for scope in (USER_SCOPES, READ_ONLY, NOT_PERSONAL):
                tokens[(username, scope)] = await mint_access_token(
                    app.state.auth.config, url, username, scope
                )
        with serving(app, port) as base:
            alliance = Alliance(base, url, cast, tokens)
            try:
                yield alliance
            finally:
                alliance.http.close()
    finally:
        await drop_database(url)
