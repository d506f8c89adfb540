"""The federation keys a partner computes (issue 16, item 10), tried as an attacker would: the
person key ``idNumberHmac`` and ``Organisation.creditCode``, over real HTTP to the real app, with
real tokens and the gateway's real signature.

- The person key is HMAC-SHA256 of the ID number under the federation key: computed here with
  ``hmac`` from the stored ID numbers, never by the code under test; no unkeyed hash of an ID
  number matches it, and a key computed under another secret finds nobody.
- It is given only to the gateway's signed fetches, and only for persons whose ID number the
  viewer sees in clear (the portal and API clients read null).
- ``_entities`` by the key answers exactly the persons whose ID number the viewer sees in clear:
  a person outside the viewer's rows, or shown masked, answers null like a key nobody has, so
  the key cannot probe who is registered.
- ``_entities`` by credit code answers the organisations the viewer may list, and nothing to a
  viewer who may not read credit codes.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx2
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations
from models.db import create_engine
from models.organisations import Organisation
from models.people import Person, id_number_hmac, rekey_all
from models.settings import get_settings
from portal import trusted_documents
from portal.app import create_app
from resolvers.ids import decode_id, to_global_id
from seeds import loader
from tests.api.conftest import counting
from tests.federation.queries import gateway_signature
from tests.tokens import mint_access_token

pytestmark = pytest.mark.db

USERNAMES = ("school", "enterprise", "agency", "county", "city", "graduate", "admin")
# The development key (models.settings), which the test database was seeded under.
FEDERATION_KEY = "development-only-federation-key-change-me"
PAGE = 100
TEST_SCALE_PERSONS = 310  # seeds.demo's test scale: 160 graduates, 120 students, 30 children
SMALL_BATCH_STATEMENTS = 3  # measured: 3 for the first request of the module, then 2
PERSON_PAGE = """
query ($after: String) {
  persons(first: 100, after: $after) {
    edges { node { id idNumber idNumberHmac } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
PERSON_ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Person { id idNumber } }
}
"""
ORGANISATION_ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Organisation { id name } }
}
"""
VISIBLE_ORGANISATIONS = """
query ($after: String) {
  organisations(first: 100, after: $after) {
    edges { node { id } } pageInfo { hasNextPage endCursor }
  }
}
"""


def hmac_of(id_number: str, key: str = FEDERATION_KEY) -> str:
    return hmac.new(key.encode(), id_number.encode(), hashlib.sha256).hexdigest()


@dataclass
class Alliance:
    client: httpx2.AsyncClient
    engine: AsyncEngine
    gateway_secret: str
    tokens: dict[str, str]
    id_numbers: dict[int, str]  # person id → ID number, read from the database
    credit_codes: dict[int, str]  # organisation id → credit code

    async def post(
        self, query: str, variables: dict, username: str | None, signed: bool = True
    ) -> dict:
        body: dict = {"query": query, "variables": variables}
        if signed:
            body["extensions"] = {
                "hmac-signature": gateway_signature(self.gateway_secret, query, variables)
            }
        headers = {"Authorization": f"Bearer {self.tokens[username]}"} if username else {}
        response = await self.client.post("/graphql", json=body, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def person_rows(self, username: str, signed: bool = True) -> list[dict]:
        rows, after = [], None
        while True:
            body = await self.post(PERSON_PAGE, {"after": after}, username, signed)
            assert "errors" not in body, body
            page = body["data"]["persons"]
            rows += [edge["node"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return rows
            after = page["pageInfo"]["endCursor"]

    def clear_ids(self, rows: list[dict]) -> set[int]:
        """The persons of ``rows`` whose ID number came in clear (as stored, not masked)."""
        return {
            decode_id(row["id"], "Person")
            for row in rows
            if row["idNumber"] == self.id_numbers[decode_id(row["id"], "Person")]
        }


@pytest.fixture(scope="module")
async def alliance(seeded_url: str) -> AsyncIterator[Alliance]:
    secret = secrets.token_urlsafe(32)
    app = create_app(get_settings().replace(database_url=seeded_url, gateway_hmac_secret=secret))
    engine = create_engine(seeded_url)
    async with engine.connect() as connection:
        id_numbers = dict((await connection.execute(select(Person.id, Person.id_number))).all())
        credit_codes = dict(
            (await connection.execute(select(Organisation.id, Organisation.credit_code))).all()
        )
    await engine.dispose()
    tokens = {
        name: await mint_access_token(app.state.auth.config, seeded_url, name) for name in USERNAMES
    }
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Alliance(client, app.state.engine, secret, tokens, id_numbers, credit_codes)
    await app.state.engine.dispose()


async def test_the_stored_key_is_the_keyed_hash_and_no_unkeyed_hash(seeded_url: str) -> None:
    # Every seeded row, by the insert default.
    engine = create_engine(seeded_url)
    async with engine.connect() as connection:
        rows = (await connection.execute(select(Person.id_number, Person.id_number_hmac))).all()
    await engine.dispose()
    assert rows and all(key == hmac_of(number) for number, key in rows)
    for number, key in rows[:50]:
        unkeyed = {
            hashlib.new(name, number.encode()).hexdigest() for name in ("sha256", "sha1", "md5")
        }
        assert key not in unkeyed and key != hmac_of(number, "")


@pytest.mark.parametrize("username", USERNAMES)
async def test_the_key_goes_to_the_gateway_where_the_id_number_is_clear(
    alliance: Alliance, username: str
) -> None:
    rows = await alliance.person_rows(username)
    clear = alliance.clear_ids(rows)
    for row in rows:
        person_id = decode_id(row["id"], "Person")
        expected = hmac_of(alliance.id_numbers[person_id]) if person_id in clear else None
        assert row["idNumberHmac"] == expected, (username, person_id)
    if username in ("school", "county", "graduate"):
        assert clear  # not vacuous: these roles see some ID numbers in clear


@pytest.mark.parametrize("username", ["school", "county", "graduate"])
async def test_the_portal_and_api_clients_never_read_the_key(
    alliance: Alliance, username: str
) -> None:
    rows = await alliance.person_rows(username, signed=False)
    assert alliance.clear_ids(rows)  # they see ID numbers in clear, and still no key
    assert {row["idNumberHmac"] for row in rows} == {None}


def _signed_entities_answer(body: dict) -> list:
    assert "errors" not in body, body
    return body["data"]["_entities"]


@pytest.mark.parametrize("username", [*USERNAMES, None])
async def test_entities_by_key_find_only_persons_whose_id_number_is_clear(
    alliance: Alliance, username: str | None
) -> None:
    clear = alliance.clear_ids(await alliance.person_rows(username)) if username else set()
    everyone = sorted(alliance.id_numbers)
    for start in range(0, len(everyone), PAGE):
        batch = everyone[start : start + PAGE]
        keys = [hmac_of(alliance.id_numbers[person_id]) for person_id in batch]
        representations = [{"__typename": "Person", "idNumberHmac": key} for key in keys]
        body = await alliance.post(PERSON_ENTITIES, {"representations": representations}, username)
        if username is None:  # Person is @authenticated: refused, and nothing said about whom
            assert body["data"] is None or set(body["data"]["_entities"]) == {None}
            continue
        answers = _signed_entities_answer(body)
        for person_id, answer in zip(batch, answers, strict=True):
            expected = (
                {
                    "id": to_global_id("Person", person_id),
                    "idNumber": alliance.id_numbers[person_id],
                }
                if person_id in clear
                else None
            )
            assert answer == expected, (username, person_id)


async def test_keys_nobody_has_and_keys_under_another_secret_find_nobody(
    alliance: Alliance,
) -> None:
    id_number = next(iter(alliance.id_numbers.values()))
    keys = [
        hmac_of(id_number, "not-the-federation-key"),
        hashlib.sha256(id_number.encode()).hexdigest(),
        secrets.token_hex(32),
        id_number,
        "",
    ]
    representations = [{"__typename": "Person", "idNumberHmac": key} for key in keys]
    body = await alliance.post(PERSON_ENTITIES, {"representations": representations}, "admin")
    assert _signed_entities_answer(body) == [None] * len(keys)


async def _visible_organisations(alliance: Alliance, username: str | None) -> set[int]:
    found, after = set(), None
    while True:
        body = await alliance.post(VISIBLE_ORGANISATIONS, {"after": after}, username, False)
        page = body["data"]["organisations"]
        found |= {decode_id(edge["node"]["id"], "Organisation") for edge in page["edges"]}
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("username", ["city", "enterprise", "school", None])
async def test_entities_by_credit_code_follow_the_organisation_rows(
    alliance: Alliance, username: str | None
) -> None:
    visible = await _visible_organisations(alliance, username)
    ids = sorted(alliance.credit_codes)
    representations = [
        {"__typename": "Organisation", "creditCode": alliance.credit_codes[id_]} for id_ in ids
    ]
    body = await alliance.post(
        ORGANISATION_ENTITIES, {"representations": representations}, username
    )
    found = {
        decode_id(answer["id"], "Organisation")
        for answer in _signed_entities_answer(body)
        if answer is not None
    }
    # Anonymous callers list approved members but may not read credit codes: no lookup by them.
    assert found == (set() if username is None else visible)
    assert visible


def test_the_documented_test_vector() -> None:
    # gateway/PARTNERS.md: what a partner checks its own implementation against.
    assert (
        id_number_hmac("11010519491231002x ", key="example-federation-key-0123456789abcdef")
        == "b037c36a460d5a7dd88392b5e8d2725b34d07620c3011543d73974a399a007d2"
    )


def test_no_portal_operation_asks_for_the_key() -> None:
    manifest = json.loads(trusted_documents.MANIFEST.read_text(encoding="utf-8"))
    assert manifest["operations"]
    assert not [
        entry["name"] for entry in manifest["operations"] if "idNumberHmac" in entry["body"]
    ]


@pytest.mark.parametrize("batch", [10, 100])
async def test_entities_by_key_take_the_same_statements_for_any_batch(
    alliance: Alliance, batch: int
) -> None:
    keys = [hmac_of(number) for number in sorted(alliance.id_numbers.values())[:batch]]
    representations = [{"__typename": "Person", "idNumberHmac": key} for key in keys]
    with counting(alliance.engine) as statements:
        body = await alliance.post(PERSON_ENTITIES, {"representations": representations}, "county")
    assert len(_signed_entities_answer(body)) == batch
    # The token checks, the lookup by key, the clear check for idNumber: none per row.
    assert statements.count <= SMALL_BATCH_STATEMENTS, statements.count


@pytest.mark.parametrize(
    ("environment", "expected_key"),
    [
        ({}, "development-only-federation-key-change-me"),
        ({"YULU_FEDERATION_KEY": "k" * 40}, "k" * 40),
        ({"YULU_FEDERATION_PERSON_KEY": "0"}, None),
        # Production without a key starts only with the person key off, and then has none.
        ({"YULU_PRODUCTION": "1", "YULU_FEDERATION_PERSON_KEY": "0"}, None),
        ({"YULU_PRODUCTION": "1", "YULU_FEDERATION_KEY": "p" * 40}, "p" * 40),
    ],
)
def test_the_federation_key_setting(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected_key: str | None
) -> None:
    for name in ("YULU_PRODUCTION", "YULU_FEDERATION_KEY", "YULU_FEDERATION_PERSON_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        settings = get_settings()
        assert settings.federation_key == expected_key
        assert (id_number_hmac("11010519491231002X") is None) is (expected_key is None)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


async def test_rekeying_recomputes_every_person_key(
    empty_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await asyncio.to_thread(migrations.upgrade, empty_url)
    await loader.seed(empty_url, "test")
    monkeypatch.setenv("YULU_FEDERATION_KEY", "the-next-federation-key-0123456789abcdef")
    get_settings.cache_clear()
    try:
        assert await rekey_all(empty_url) == TEST_SCALE_PERSONS
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    engine = create_engine(empty_url)
    async with engine.connect() as connection:
        rows = (await connection.execute(select(Person.id_number, Person.id_number_hmac))).all()
    await engine.dispose()
    assert len(rows) == TEST_SCALE_PERSONS
    assert all(
        key == hmac_of(number, "the-next-federation-key-0123456789abcdef") for number, key in rows
    )
