"""The alliance app on 127.0.0.1 over its own seeded database, with real tokens for every viewer.

Each test module that writes gets its own database and server (seeding the ``test`` scale takes
under a second), so mutation cells never change what the read cells see, nor what other test
packages see in the shared ``seeded_url`` database.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
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


# What `yulu serve` needs to run as production (YULU_PRODUCTION=1 refuses development secrets).
PRODUCTION = {
    "YULU_PRODUCTION": "1",
    "YULU_ISSUER": "https://yulu.example.gov.cn",
    "YULU_SECRET_KEY": "authz-production-secret-0123456789-abcdefghij",
    "YULU_FEDERATION_KEY": "authz-production-federation-key-of-48-characters",
}


# The deployed path runs on PostgreSQL only, the database production uses (make test's second
# stage): it is the same code on either, and the suite's time stays within its budget.
_ON_POSTGRESQL = os.environ.get("YULU_TEST_DATABASE_URL", "").startswith("postgresql")
BOTH_PATHS: dict[str, Any] = (
    {"params": [False, True], "ids": ["in-process", "deployed"]}
    if _ON_POSTGRESQL
    else {"params": [False], "ids": ["in-process"]}
)
"""A module fixture's parameters for running its cells on both paths (``running_alliance``)."""


@contextmanager
def deployed(database_url: str, port: int) -> Iterator[str]:
    """`yulu serve --workers 2` in production mode, as deployed (its own worker processes, each
    with its socket, frozen GC and caches of verified tokens), until the block ends."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("YULU_")}
    command = [sys.executable, "-m", "portal.cli", "serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(
        command,
        env={**env, **PRODUCTION, "YULU_DATABASE_URL": database_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, "yulu serve exited"
            assert time.monotonic() < deadline, "yulu serve did not come up"
            try:
                if httpx2.get(f"{base}/livez", timeout=5).status_code == 200:
                    break
            except httpx2.TransportError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(30)


@asynccontextmanager
async def running_alliance(tmp_path, *, as_deployed: bool = False) -> AsyncIterator[Alliance]:
    """``as_deployed``: served by `yulu serve --workers 2` in production mode rather than by the
    app in this process (the same matrix over both paths a request can take)."""
    url = await create_database(tmp_path)
    try:
        await asyncio.to_thread(migrations.upgrade, url)
        await loader.seed(url, "test")
        cast = await _cast(url)
        port = free_port()
        issuer = PRODUCTION["YULU_ISSUER"] if as_deployed else f"http://127.0.0.1:{port}"
        app = create_app(get_settings().replace(database_url=url, issuer=issuer))
        tokens = {}
        for username in USERNAMES:
            for scope in (USER_SCOPES, READ_ONLY, NOT_PERSONAL):
                tokens[(username, scope)] = await mint_access_token(
                    app.state.auth.config, url, username, scope
                )
        with deployed(url, port) if as_deployed else serving(app, port) as base:
            alliance = Alliance(base, url, cast, tokens)
            try:
                yield alliance
            finally:
                alliance.http.close()
    finally:
        await drop_database(url)
