"""GraphQL over HTTP: the npm graphql-http audit suite (pinned in tests/graphql_http_audit/)
against the app served by uvicorn on 127.0.0.1 — all 61 audits must pass, none as a warning."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from models.settings import get_settings
from portal.app import create_app
from tests.live_server import serving

AUDIT_DIR = Path(__file__).resolve().parent.parent / "graphql_http_audit"


@pytest.fixture(scope="module")
def base_url(seeded_url):
    app = create_app(get_settings().replace(database_url=seeded_url))
    with serving(app) as url:
        yield url


@pytest.mark.skipif(
    shutil.which("node") is None, reason="node is needed for the graphql-http audit"
)
async def test_graphql_http_audit_passes_61_of_61(base_url):
    assert (AUDIT_DIR / "node_modules" / "graphql-http").is_dir(), "run `make graphql-http-audit`"
    completed = await asyncio.to_thread(
        subprocess.run,
        ["node", "audit.mjs", f"{base_url}/graphql"],
        cwd=AUDIT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    results = json.loads(completed.stdout)
    not_ok = [r for r in results if r["status"] != "ok"]
    assert len(results) == 61
    assert not_ok == []
