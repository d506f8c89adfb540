from __future__ import annotations

import httpx

from models.settings import get_settings
from portal.app import create_app
import dataclasses


async def test_healthz_reports_database_and_revision(seeded_url: str) -> None:
    app = create_app(dataclasses.replace(get_settings(), database_url=seeded_url))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.get("/healthz")
    await app.state.engine.dispose()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["revision"] == body["head"]
