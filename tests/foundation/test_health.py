from __future__ import annotations

import httpx2
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.partners.social_insurance.app import PARTNER
from gateway.partners.subgraph import PartnerSettings
from gateway.partners.subgraph import create_app as partner_app
from models.settings import get_settings
from portal.app import create_app


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
