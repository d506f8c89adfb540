from __future__ import annotations

import asyncio

import httpx2
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

import migrations
from gateway.partners.social_insurance.app import PARTNER
from gateway.partners.subgraph import PartnerSettings
from gateway.partners.subgraph import create_app as partner_app
from models.settings import get_settings
from portal.app import create_app
from tests.conftest import create_database, drop_database


async def test_healthz_reports_database_and_revision(seeded_url: str) -> None:
    app = create_app(get_settings().replace(database_url=seeded_url))
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url="http://t"
    ) as client:
        response = await client.get("/healthz")
    await app.state.engine.dispose()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["revision"] == body["head"]


async def test_livez_answers_while_the_database_is_away_and_healthz_does_not(tmp_path) -> None:
    # A directory is no SQLite database: the engine cannot open it.
    unreachable = f"sqlite+aiosqlite:///{tmp_path}"
    app = create_app(get_settings().replace(database_url=unreachable))
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url="http://t"
    ) as client:
        live, ready = await client.get("/livez"), await client.get("/healthz")
    await app.state.engine.dispose()
    assert (live.status_code, live.json()) == (200, {"status": "alive"})
    assert ready.status_code == 503


async def test_a_partners_readiness_reads_its_own_database(tmp_path) -> None:
    database = tmp_path / "partner.db"
    settings = PartnerSettings(
        database_url=f"sqlite+aiosqlite:///{database}",
        issuer="http://127.0.0.1:1",
        audience="http://127.0.0.1:1/graphql",
        jwks_url="http://127.0.0.1:1/jwks",
        alliance_graphql_url="http://127.0.0.1:1/graphql",
        gateway_secret="s" * 32,
        sql_log=None,
    )

    async def probe() -> tuple[int, int]:
        app = partner_app(PARTNER.schema, settings, PARTNER.metadata)
        async with httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=app), base_url="http://t"
        ) as client:
            return (await client.get("/healthz")).status_code, (
                await client.get("/livez")
            ).status_code

    # An empty file (the data went missing): alive, not ready.
    assert await probe() == (503, 200)
    engine = create_async_engine(settings.database_url)
    async with engine.begin() as connection:
        await connection.run_sync(PARTNER.metadata.create_all)
    await engine.dispose()
    assert await probe() == (200, 200)


async def test_the_request_after_the_server_dropped_every_connection_succeeds(tmp_path) -> None:
    """PostgreSQL restarted, failed over, or an operator ran pg_terminate_backend: the pooled
    connections are dead. The next request gets a fresh connection (models.db checks at checkout
    whether the server closed it), not an error."""
    url = await create_database(tmp_path)
    if make_url(url).get_backend_name() != "postgresql":
        await drop_database(url)
        pytest.skip("PostgreSQL closes connections; an SQLite file has none to drop")
    await asyncio.to_thread(migrations.upgrade, url)
    app = create_app(get_settings().replace(database_url=url))
    region = {"query": '{ region(code: "500229") { name } }'}
    try:
        async with httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=app), base_url="http://t"
        ) as client:
            # Several connections in the pool, all alive.
            answers = await asyncio.gather(
                *(client.post("/graphql", json=region) for _ in range(3))
            )
            assert [answer.status_code for answer in answers] == [200] * 3
            assert (await client.get("/healthz")).status_code == 200
            assert await _terminate_backends(url) >= 1

            assert (await client.get("/healthz")).status_code == 200
            answer = await client.post("/graphql", json=region)
            assert answer.status_code == 200 and answer.json() == {"data": {"region": None}}
    finally:
        await app.state.engine.dispose()
        await drop_database(url)


async def _terminate_backends(url: str) -> int:
    database = make_url(url).database
    admin = create_async_engine(make_url(url).set(database="postgres"))
    try:
        async with admin.connect() as connection:
            ended = await connection.scalars(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :database AND pid <> pg_backend_pid()"
                ),
                {"database": database},
            )
            return sum(ended)
    finally:
        await admin.dispose()
