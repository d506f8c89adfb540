"""The supergraph keeps the alliance's rules (issue 11, item 9), tried as an attacker would: real
processes (the alliance over this run's database, both partner subgraphs, Hive Gateway), real
tokens, real HTTP.

- A partner's Person fields appear exactly where the alliance shows the caller that person's
  employment records, for every role, asked straight at the partner or through the gateway;
  the expected persons come from the alliance's own public API (``node(id)``), never from the
  code under test.
- Subgraphs answer only what the gateway signed (partners: every request; the alliance: its
  federation fields ``_entities`` / ``_service``), while plain alliance queries stay open.
- The gateway refuses deep, wide and costly operations before any subgraph is asked, and each
  partner bounds its own work whoever signs; a production gateway answers no introspection,
  shows no GraphiQL and rate-limits callers.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx2
import pytest

from auth.gateway_signature import SECRET_VARIABLE
from auth.portal_signin import PORTAL_CLIENT_ID
from gateway.local import Federation, ProcessGroup, another_gateway, free_port, running_federation
from gateway.partners.job_board.app import PARTNER as JOB_BOARD
from gateway.partners.social_insurance import data as social_insurance_data
from gateway.partners.social_insurance.app import PARTNER as SOCIAL_INSURANCE
from models.db import create_engine, session_factory
from models.oauth import RevokedAccessToken
from models.settings import get_settings
from portal import trusted_documents
from resolvers.ids import decode_id, to_global_id
from tests.federation.queries import INSURED_ENTITIES, gateway_signature, post, representations
from tests.tokens import mint_access_token

USERNAMES = ("school", "enterprise", "agency", "county", "city", "graduate", "admin")
# The social insurance bureau's own rule: an employer never reads another employer's payroll,
# whatever the alliance shows it.
REFUSED_BY_THE_BUREAU = {"enterprise"}
ALIASES_PER_QUERY = 20  # the alliance allows 30 aliases per operation
QUICKLY_SECONDS = 2.0


@pytest.fixture(scope="module")
def federation_under_attack(
    seeded_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Federation]:
    # The signing keys in the test database are encrypted under the settings' secret key.
    workdir = tmp_path_factory.mktemp("federation-privacy")
    with running_federation(
        seeded_url, workdir, scale="test", secret_key=get_settings().secret_key
    ) as federation:
        yield federation


@pytest.fixture(scope="module")
async def federation_token(federation_under_attack: Federation, seeded_url: str):
    tokens: dict[str, str] = {}

    async def token(username: str) -> str:
        if username not in tokens:
            tokens[username] = await mint_access_token(
                federation_under_attack.auth_config(), seeded_url, username
            )
        return tokens[username]

    return token


@pytest.fixture(scope="module")
def insured_person_ids() -> list[int]:
    ((_, rows),) = social_insurance_data.seed_rows("test")
    return sorted(row["person_id"] for row in rows)


def _sql_statements(federation: Federation, partner: str) -> int:
    log = federation.sql_logs[partner]
    return len(log.read_text().splitlines()) if log.exists() else 0


def alliance_shows_employment(
    federation: Federation, token: str, person_ids: list[int]
) -> set[int]:
    """Persons whose employment records the alliance itself shows this token (``node(id)``)."""
    shown = set()
    for start in range(0, len(person_ids), ALIASES_PER_QUERY):
        chunk = person_ids[start : start + ALIASES_PER_QUERY]
        selections = " ".join(
            f'p{person_id}: node(id: "{to_global_id("Person", person_id)}") {{ ... on Person {{ employmentRecords {{ id }} }} }}'
            for person_id in chunk
        )
        response = post(federation.alliance_url, f"{{ {selections} }}", token=token)
        assert response.status_code == 200, response.text
        answered = response.json()["data"] or {}
        shown |= {
            person_id
            for person_id in chunk
            if (answered.get(f"p{person_id}") or {}).get("employmentRecords")
        }
    return shown


def partner_shows_insured(
    federation: Federation, token: str | None, person_ids: list[int]
) -> tuple[set[int], dict]:
    """Persons whose insured employment the partner answers when asked directly (signed), and the body."""
    ids = [to_global_id("Person", person_id) for person_id in person_ids]
    response = post(
        federation.partner_urls["social_insurance"],
        INSURED_ENTITIES,
        {"representations": representations("Person", ids)},
        token,
        signed_with=federation.gateway_secret,
    )
    body = response.json()
    entities = (body.get("data") or {}).get("_entities") or [None] * len(person_ids)
    return {
        person_id
        for person_id, entity in zip(person_ids, entities, strict=True)
        if entity and entity["insuredEmployment"]
    }, body


# ------------------------------------------------------------------------- the alliance's remit


@pytest.mark.parametrize("username", USERNAMES)
async def test_a_partner_shows_a_person_exactly_where_the_alliance_shows_their_employment(
    federation_under_attack: Federation,
    federation_token,
    insured_person_ids: list[int],
    username: str,
) -> None:
    token = await federation_token(username)
    shown_by_alliance = alliance_shows_employment(
        federation_under_attack, token, insured_person_ids
    )

    shown_by_partner, _ = partner_shows_insured(federation_under_attack, token, insured_person_ids)

    expected = set() if username in REFUSED_BY_THE_BUREAU else shown_by_alliance
    assert shown_by_partner == expected


async def test_a_school_token_straight_at_the_partner_gets_nothing_outside_its_remit(
    federation_under_attack: Federation, federation_token, insured_person_ids: list[int]
) -> None:
    token = await federation_token("school")
    own = alliance_shows_employment(federation_under_attack, token, insured_person_ids)
    outside = [person_id for person_id in insured_person_ids if person_id not in own]
    assert (
        own and outside
    )  # not vacuous: the school has insured graduates, and others are insured too

    shown, body = partner_shows_insured(federation_under_attack, token, outside)

    assert shown == set()
    assert all(entity == {"insuredEmployment": None} for entity in body["data"]["_entities"])
    assert partner_shows_insured(federation_under_attack, token, sorted(own))[0] == own


async def test_through_the_gateway_an_agency_sees_insured_employment_only_with_employment_records(
    federation_under_attack: Federation, federation_token, insured_person_ids: list[int]
) -> None:
    query = """query ($after: String) { persons(ledger: GRADUATES, first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { id employmentRecords { id } insuredEmployment { employer } } } } }"""
    token = await federation_token("agency")
    persons, after = [], None
    while True:
        response = post(federation_under_attack.gateway_url, query, {"after": after}, token)
        body = response.json()
        assert "errors" not in body, body
        page = body["data"]["persons"]
        persons += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    insured = set(insured_person_ids)
    with_records = [p for p in persons if p["employmentRecords"]]
    hidden = [
        p for p in persons if not p["employmentRecords"] and decode_id(p["id"], "Person") in insured
    ]
    assert (
        hidden and with_records
    )  # not vacuous: the bureau insures persons whose employment the agency may not see
    assert all(person["insuredEmployment"] is None for person in hidden)
    assert all(
        (person["insuredEmployment"] is not None) == (decode_id(person["id"], "Person") in insured)
        for person in with_records
    )


async def test_a_token_the_alliance_revoked_gets_nothing_from_the_partner(
    federation_under_attack: Federation, seeded_url: str, insured_person_ids: list[int]
) -> None:
    token = await mint_access_token(federation_under_attack.auth_config(), seeded_url, "city")
    assert partner_shows_insured(federation_under_attack, token, insured_person_ids)[
        0
    ]  # valid: it sees some
    await _revoke(seeded_url, token)
    # Written from outside the alliance's process, which checked the token a moment ago: it is
    # refused there within the recheck bound (auth.resource.CheckedTokens), not at once.
    await asyncio.sleep(federation_under_attack.auth_config().revocation_recheck_seconds)

    shown, body = partner_shows_insured(federation_under_attack, token, insured_person_ids)

    assert shown == set()
    assert {error["extensions"]["code"] for error in body["errors"]} == {"UNAUTHENTICATED"}


async def test_a_partner_that_cannot_ask_the_alliance_shows_nothing(
    federation_under_attack: Federation, federation_token, insured_person_ids: list[int]
) -> None:
    # The same partner, seeded alike, but its remit check goes to a port where nothing listens.
    port, nowhere = free_port(), f"http://127.0.0.1:{free_port()}/graphql"
    env = {
        **federation_under_attack.env,
        "YULU_ALLIANCE_GRAPHQL_URL": nowhere,
        "PARTNER_DATABASE_URL": f"sqlite+aiosqlite:///{federation_under_attack.workdir / 'cut-off.db'}",
    }
    group = ProcessGroup(federation_under_attack.workdir)
    try:
        partner = group.start(
            "cut-off",
            [
                sys.executable,
                "-m",
                "gateway.partners.social_insurance",
                "serve",
                "--port",
                str(port),
                "--seed",
                "test",
            ],
            f"http://127.0.0.1:{port}",
            env,
        )
        group.wait_until_ready(partner, "/healthz")
        cut_off = replace(federation_under_attack, partner_urls={"social_insurance": partner.url})

        shown, body = partner_shows_insured(
            cut_off, await federation_token("city"), insured_person_ids
        )
    finally:
        group.stop_all()

    assert shown == set()
    assert {error["extensions"]["code"] for error in body["errors"]} == {"REMIT_UNAVAILABLE"}


async def _revoke(database_url: str, token: str) -> None:
    """Put the token's jti on the alliance's deny list, as /oauth/revoke does."""
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            session.add(
                RevokedAccessToken(
                    jti=claims["jti"], expires_at=datetime.now(UTC) + timedelta(minutes=15)
                )
            )
            await session.commit()
    finally:
        await engine.dispose()


def test_the_remit_check_is_not_part_of_the_supergraph_api(
    federation_under_attack: Federation,
) -> None:
    body = post(
        federation_under_attack.gateway_url, "{ personsWithVisibleEmployment(ids: []) }"
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", body


# ------------------------------------------------------------------------- signed by the gateway


@pytest.mark.parametrize("partner", [SOCIAL_INSURANCE, JOB_BOARD], ids=lambda partner: partner.name)
def test_a_partner_does_not_start_without_the_gateway_secret(partner, monkeypatch) -> None:
    monkeypatch.delenv(SECRET_VARIABLE, raising=False)
    with pytest.raises(SystemExit, match=SECRET_VARIABLE):
        partner.create_app()


PARTNER_QUERIES = {
    "social_insurance": (
        INSURED_ENTITIES,
        {"representations": representations("Person", [to_global_id("Person", 30)])},
    ),
    "job_board": ("{ jobBoardPostings(first: 2) { title } }", None),
}


@pytest.mark.parametrize("partner", sorted(PARTNER_QUERIES))
async def test_a_partner_refuses_every_request_the_gateway_did_not_sign(
    federation_under_attack: Federation, federation_token, partner: str
) -> None:
    url = federation_under_attack.partner_urls[partner]
    query, variables = PARTNER_QUERIES[partner]
    token = await federation_token("city")
    before = _sql_statements(federation_under_attack, partner)
    other_variables = {"representations": representations("Person", [to_global_id("Person", 31)])}
    attempts = {
        "unsigned": post(url, query, variables, token),
        "wrong secret": post(url, query, variables, token, signed_with="not-the-gateway-secret"),
        "signature of another query": _with_signature_of(
            url, query, variables, "{ __typename }", token, federation_under_attack.gateway_secret
        ),
        "variables changed after signing": _with_signature_of(
            url,
            query,
            other_variables,
            query,
            token,
            federation_under_attack.gateway_secret,
            variables,
        ),
        "GET, unsigned": httpx2.get(
            f"{url}/graphql", params={"query": "{ _service { sdl } }"}, timeout=10
        ),
    }

    for attempt, response in attempts.items():
        assert response.status_code == 403, attempt
        assert response.json()["errors"][0]["extensions"]["code"] == "GATEWAY_SIGNATURE_REQUIRED", (
            attempt
        )
    assert _sql_statements(federation_under_attack, partner) == before
    signed = post(url, query, variables, token, signed_with=federation_under_attack.gateway_secret)
    assert signed.status_code == 200 and "errors" not in signed.json(), signed.text


def _with_signature_of(
    url: str,
    query: str,
    variables: dict | None,
    signed_query: str,
    token: str,
    secret: str,
    signed_variables: dict | None = None,
) -> httpx2.Response:
    """Sends ``query`` with ``variables`` under a valid signature of something else."""
    body = {
        "query": query,
        "variables": variables or {},
        "extensions": {"hmac-signature": gateway_signature(secret, signed_query, signed_variables)},
    }
    return httpx2.post(
        f"{url}/graphql", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


ENTITIES = '{ _entities(representations: [{__typename: "Organisation", id: "%s"}]) { ... on Organisation { name } } }'
SMUGGLED = "query { ...Federation } fragment Federation on Query { _service { sdl } }"


async def test_the_alliance_refuses_unsigned_federation_requests_but_serves_its_clients(
    federation_under_attack: Federation, federation_token
) -> None:
    url = federation_under_attack.alliance_url
    secret = federation_under_attack.gateway_secret
    entities = ENTITIES % to_global_id("Organisation", 1)
    token = await federation_token("city")
    refused = {
        "_entities, unsigned": post(url, entities, token=token),
        "_service, unsigned, anonymous": post(url, "{ _service { sdl } }"),
        "_service in a fragment": post(url, SMUGGLED),
        "_entities under an alias": post(
            url, entities.replace("_entities", "lookup: _entities", 1), token=token
        ),
        "_entities, wrong secret": post(
            url, entities, token=token, signed_with="not-the-gateway-secret"
        ),
        "GET _service, unsigned": httpx2.get(
            f"{url}/graphql", params={"query": "{ _service { sdl } }"}, timeout=10
        ),
        # Valid JSON for the endpoint's parser (orjson: 1,024 levels), too deep for Python's json.
        "a body nested deeper than the check parses": httpx2.post(
            f"{url}/graphql",
            content='{"query": "{ _service { sdl } }", "x": ' + "[" * 1010 + "]" * 1010 + "}",
            headers={"Content-Type": "application/json"},
            timeout=10,
        ),
    }
    for attempt, response in refused.items():
        assert response.status_code == 403, attempt
        assert response.json()["errors"][0]["extensions"]["code"] == "GATEWAY_SIGNATURE_REQUIRED", (
            attempt
        )

    signed = post(url, entities, token=token, signed_with=secret).json()
    assert signed["data"]["_entities"][0]["name"], signed
    # The portal's and third-party clients' API is unchanged: no signature needed for it.
    plain = post(
        url, "{ viewer { role } organisations(first: 1) { edges { node { name } } } }", token=token
    )
    assert plain.status_code == 200 and plain.json()["data"]["viewer"]["role"] == "BUREAU", (
        plain.text
    )


# ------------------------------------------------------------------------- bounded work


def _nested_postings(levels: int, first: int = 100) -> str:
    query = "title"
    for _ in range(levels):
        query = f"jobBoardPostings(first: {first}) {{ title employer {{ {query} }} }}"
    return f"{{ {query.replace('employer { title }', 'employer { id }')} }}"


def _wide(field: str, aliases: int) -> str:
    return "{ " + " ".join(f"a{index}: {field}" for index in range(aliases)) + " }"


DEPTH, COST = "depth limit", "COST_ESTIMATED_TOO_EXPENSIVE"
ATTACKS_THROUGH_THE_GATEWAY = {  # attack: (query, what refuses it)
    "deep": (_nested_postings(levels=8), DEPTH),
    "nested lists within the depth": (_nested_postings(levels=3), COST),
    "wide": (
        _wide(
            "jobBoardPostings(first: 100) { title employer { jobBoardPostings(first: 100) { title } } }",
            30,
        ),
        COST,
    ),
    "alliance lists nested": (
        "{ organisations(first: 100) { edges { node { positions { title enterprise { positions "
        "{ title enterprise { positions { title } } } } } } } } }",
        COST,
    ),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS_THROUGH_THE_GATEWAY))
def test_an_anonymous_costly_query_is_refused_quickly_by_the_gateway(
    federation_under_attack: Federation, attack: str
) -> None:
    query, refused_by = ATTACKS_THROUGH_THE_GATEWAY[attack]
    before = _sql_statements(federation_under_attack, "job_board")
    started = time.monotonic()

    response = post(federation_under_attack.gateway_url, query)

    elapsed = time.monotonic() - started
    body = response.json()
    assert body.get("errors") and not (body.get("data") or {}), body
    assert refused_by in json.dumps(body["errors"]), body
    assert elapsed < QUICKLY_SECONDS
    assert _sql_statements(federation_under_attack, "job_board") == before  # no partner was asked


def test_a_small_anonymous_query_still_passes_the_gateway(
    federation_under_attack: Federation,
) -> None:
    body = post(federation_under_attack.gateway_url, _nested_postings(levels=2, first=2)).json()
    assert "errors" not in body, body
    assert len(body["data"]["jobBoardPostings"]) == 2


ATTACKS_ON_A_PARTNER = {  # attack: (query, variables, what refuses it)
    "deep": (_nested_postings(levels=6, first=1), None, "maximum operation depth"),
    "costly": (_nested_postings(levels=3), None, "开销可能达到"),
    "wide": (_wide("jobBoardPostings(first: 1) { title }", 11), None, "aliases found"),
    "too many representations": (
        "query ($representations: [_Any!]!) { _entities(representations: $representations) { __typename } }",
        {
            "representations": representations(
                "Organisation", [to_global_id("Organisation", n) for n in range(501)]
            )
        },
        "representations 最多 500 个",
    ),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS_ON_A_PARTNER))
def test_a_partner_bounds_its_own_work_even_when_signed(
    federation_under_attack: Federation, attack: str
) -> None:
    query, variables, refused_by = ATTACKS_ON_A_PARTNER[attack]
    before = _sql_statements(federation_under_attack, "job_board")

    response = post(
        federation_under_attack.partner_urls["job_board"],
        query,
        variables,
        signed_with=federation_under_attack.gateway_secret,
    )

    body = response.json()
    assert body.get("errors") and not body.get("data"), body
    assert refused_by in json.dumps(body["errors"], ensure_ascii=False), body
    assert _sql_statements(federation_under_attack, "job_board") == before


# ------------------------------------------------------------------------- production gateway

PRODUCTION_RATE_LIMIT = 8


@pytest.fixture(scope="module")
def production_gateway(federation_under_attack: Federation) -> Iterator[str]:
    env = {"YULU_PRODUCTION": "1", "YULU_GATEWAY_RATE_LIMIT": str(PRODUCTION_RATE_LIMIT)}
    with another_gateway(federation_under_attack, "gateway-production", env) as url:
        yield url


@pytest.mark.parametrize(
    "query", ["{ __schema { types { name } } }", '{ __type(name: "Person") { fields { name } } }']
)
def test_a_production_gateway_answers_no_introspection(production_gateway: str, query: str) -> None:
    body = post(production_gateway, query).json()
    assert body.get("errors") and not body.get("data"), body


def test_a_production_gateway_shows_no_graphiql_and_no_suggestions(production_gateway: str) -> None:
    page = httpx2.get(f"{production_gateway}/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert "graphiql" not in page.text.lower() and not page.headers.get(
        "content-type", ""
    ).startswith("text/html")
    landing = httpx2.get(production_gateway, headers={"Accept": "text/html"}, timeout=10)
    assert "hive gateway" not in landing.text.lower()
    typo = post(production_gateway, "{ jobBoardPosting(first: 1) { title } }").json()
    assert typo["errors"] and "did you mean" not in json.dumps(typo).lower()
    assert (
        "errors" not in post(production_gateway, "{ jobBoardPostings(first: 1) { title } }").json()
    )


async def test_a_production_gateway_rate_limits_each_caller(
    production_gateway: str, federation_token
) -> None:
    token = await federation_token("county")
    answers = [
        post(production_gateway, "{ jobBoardPostings(first: 1) { title } }", token=token)
        for _ in range(PRODUCTION_RATE_LIMIT + 1)
    ]

    assert all("errors" not in answer.json() for answer in answers[:PRODUCTION_RATE_LIMIT])
    limited = answers[-1].json()
    assert limited["errors"] and "rate limit" in limited["errors"][0]["message"].lower(), limited
    # Another caller has a budget of its own.
    other = post(
        production_gateway,
        "{ jobBoardPostings(first: 1) { title } }",
        token=await federation_token("city"),
    )
    assert "errors" not in other.json(), other.text


# The portal's trusted documents (portal/trusted_documents.json) through the gateway.
ARBITRARY = "{ jobBoardPostings(first: 1) { title } }"


def _by_document_id(url: str, name: str, token: str) -> httpx2.Response:
    listed = json.loads(trusted_documents.MANIFEST.read_text(encoding="utf-8"))["operations"]
    document_id = next(entry["id"] for entry in listed if entry["name"] == name)
    body = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": document_id}}}
    headers = {"Authorization": f"Bearer {token}"}
    return httpx2.post(f"{url}/graphql", json=body, headers=headers, timeout=30)


async def test_a_production_gateway_runs_only_registered_documents_for_the_portals_client(
    production_gateway: str, federation_under_attack: Federation, seeded_url: str, federation_token
) -> None:
    portal = await mint_access_token(
        federation_under_attack.auth_config(), seeded_url, "agency", client_id=PORTAL_CLIENT_ID
    )
    refused = post(production_gateway, ARBITRARY, token=portal).json()
    assert refused.get("data") is None and refused["errors"][0]["message"] == "PersistedQueryOnly"

    registered = _by_document_id(production_gateway, "AccountOrganisations", portal).json()
    assert "errors" not in registered and registered["data"]["organisations"]["edges"], registered

    # A partner's client keeps full GraphQL, and may use the registered documents too.
    partner = await federation_token("graduate")
    assert "errors" not in post(production_gateway, ARBITRARY, token=partner).json()
    assert (
        "errors" not in _by_document_id(production_gateway, "AccountOrganisations", partner).json()
    )
    # Outside production the portal's client is not held to them.
    assert "errors" not in post(federation_under_attack.gateway_url, ARBITRARY, token=portal).json()
