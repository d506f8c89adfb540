"""The portal's operations as trusted documents (issue 16, item 10): the committed manifest is
the operations the portal sends; in production the portal's client (its OAuth client's tokens,
its in-process calls) runs only those, other clients keep full GraphQL, and every portal page
still renders with the check on."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx2
import pytest
from starlette.applications import Starlette

import migrations
from auth.portal_signin import PORTAL_CLIENT_ID
from models.settings import get_settings
from portal import trusted_documents
from portal.app import create_app
from portal.operations import IN_PROCESS_CLIENT, OPERATIONS_DIR
from seeds import loader
from tests.auth.oauth_client import sign_in
from tests.conftest import create_database, drop_database
from tests.portal.conftest import PASSWORD
from tests.portal.test_accessibility import CONSENT, ROLES, get_routes, pages_of
from tests.tokens import mint_access_token

ISSUER = "https://yulu.example.gov.cn"
UNREGISTERED = "query NotThePortals { organisations(first: 1) { edges { node { id name } } } }"


def test_the_committed_manifest_registers_every_portal_operation() -> None:
    manifest = json.loads(trusted_documents.MANIFEST.read_text(encoding="utf-8"))
    assert manifest == trusted_documents.manifest(), (
        "portal/operations changed: run `yulu trusted-documents` and commit the manifest"
    )
    names = {
        match.group(2)
        for path in OPERATIONS_DIR.glob("*.graphql")
        for match in re.finditer(r"^(query|mutation) (\w+)", path.read_text(), re.MULTILINE)
    }
    listed = manifest["operations"]
    assert names and {entry["name"] for entry in listed} == names
    for entry in listed:
        assert entry["id"] == hashlib.sha256(entry["body"].encode()).hexdigest()
        assert re.match(rf"^{entry['type']} {entry['name']}\b", entry["body"])


@dataclass
class Production:
    app: Starlette
    database_url: str

    def client(self, peer: tuple[str, int] = ("203.0.113.7", 50000)) -> httpx2.AsyncClient:
        transport = httpx2.ASGITransport(app=self.app, client=peer)
        return httpx2.AsyncClient(transport=transport, base_url=ISSUER)

    async def token(self, username: str, client_id: str) -> str:
        config = self.app.state.auth.config
        return await mint_access_token(config, self.database_url, username, client_id=client_id)


@pytest.fixture(scope="module")
async def production(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Production]:
    # A database of its own: signing keys are sealed with the secret, and production has its own.
    url = await create_database(tmp_path_factory.mktemp("trusted-documents"))
    try:
        await asyncio.to_thread(migrations.upgrade, url)
        await loader.seed(url, "test")
        settings = get_settings().replace(
            database_url=url,
            production=True,
            issuer=ISSUER,
            secret_key=secrets.token_urlsafe(32),
            federation_key=secrets.token_urlsafe(32),
        )
        app = create_app(settings)
        yield Production(app, url)
        await app.state.engine.dispose()
    finally:
        await drop_database(url)


def registered_body(name: str) -> str:
    listed = json.loads(trusted_documents.MANIFEST.read_text(encoding="utf-8"))["operations"]
    return next(entry["body"] for entry in listed if entry["name"] == name)


async def _ask(client: httpx2.AsyncClient, query: str, token: str | None = None) -> httpx2.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post("/graphql", json={"query": query}, headers=headers)


def _refused(response: httpx2.Response) -> bool:
    codes = {error["extensions"].get("code") for error in response.json().get("errors", [])}
    return response.status_code == 400 and codes == {"PERSISTED_QUERY_NOT_IN_LIST"}


async def test_the_portal_client_runs_only_registered_documents(production: Production) -> None:
    portal_token = await production.token("school", PORTAL_CLIENT_ID)
    async with production.client() as client:
        assert _refused(await _ask(client, UNREGISTERED, portal_token))
        registered = await _ask(client, registered_body("AccountOrganisations"), portal_token)
        assert registered.status_code == 200 and "errors" not in registered.json()
        # The same registered text with one space more is another document.
        assert _refused(
            await _ask(client, registered_body("AccountOrganisations") + " ", portal_token)
        )


async def test_the_portals_in_process_calls_run_only_registered_documents(
    production: Production,
) -> None:
    async with production.client(IN_PROCESS_CLIENT) as client:
        assert _refused(await _ask(client, UNREGISTERED))
        assert "errors" not in (await _ask(client, registered_body("AccountOrganisations"))).json()


async def test_partner_and_member_clients_keep_full_graphql(production: Production) -> None:
    partner_token = await production.token("county", "a-partner-system")
    async with production.client() as client:
        for token in (partner_token, None):
            answer = await _ask(client, UNREGISTERED, token)
            assert answer.status_code == 200 and answer.json()["data"]["organisations"]["edges"]


async def _signed_in(client: httpx2.AsyncClient, username: str) -> None:
    to_authorize = await client.get("/auth/login?next=/")
    to_signin = await client.get(to_authorize.headers["location"])
    signed_in = await sign_in(client, to_signin.headers["location"], username, PASSWORD)
    assert signed_in.status_code == 303, signed_in.text
    to_callback = await client.get(signed_in.headers["location"])
    await client.get(to_callback.headers["location"].removeprefix(ISSUER))
    assert (await client.get("/auth/session")).json()["signed_in"] is True


@pytest.mark.parametrize("role", sorted(ROLES))
async def test_every_portal_page_renders_in_production(production: Production, role: str) -> None:
    spec = ROLES[role]
    pages = [page for page in pages_of(spec, get_routes()) if page != CONSENT and "{" not in page]
    async with production.client() as client:
        if spec.username:
            await _signed_in(client, spec.username)
        statuses = {
            page: (await client.get(page, headers={"Accept": "text/html"})).status_code
            for page in pages
        }
    assert statuses[spec.home] == 200, statuses
    assert all(status < 500 for status in statuses.values()), statuses
