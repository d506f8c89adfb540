"""Bad user input over HTTP is the client's error: a 4xx or a GraphQL error with a code, never a
500 and never a masked "unexpected error"."""

from __future__ import annotations

import base64

import httpx2
import pytest
from sqlalchemy import func, select

from models.db import create_engine
from models.organisations import Organisation
from models.settings import get_settings
from portal.app import create_app
from portal.graphql_http import GRAPHQL_RESPONSE, MAX_BODY_BYTES
from seeds.identity import credit_code

POSITIONS = "query($n: Int, $filter: PositionFilter, $after: String) { positions(first: $n, filter: $filter, after: $after) { edges { node { title } } } }"
JOIN = "mutation($input: MembershipRequestInput!) { requestMembership(input: $input) { errors { code } } }"
A_JOIN_REQUEST = {"kind": "ENTERPRISE", "name": "某公司", "creditCode": "x", "regionCode": "500229"}


@pytest.fixture(scope="module")
async def client(seeded_url):
    app = create_app(get_settings().replace(database_url=seeded_url))
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app),
        base_url="http://test",
        headers={"Accept": GRAPHQL_RESPONSE},
    ) as client:
        yield client
    await app.state.engine.dispose()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


REQUEST_ERRORS = {  # refused before execution: 400 in the graphql-response media type
    "string for Int": {"query": POSITIONS, "variables": {"n": "ten"}},
    "beyond 32-bit Int": {"query": POSITIONS, "variables": {"n": 2**40}},
    "unknown enum value": {"query": POSITIONS, "variables": {"filter": {"kind": "FULL_TIME"}}},
    "lower-case enum value": {"query": POSITIONS, "variables": {"filter": {"kind": "regular"}}},
    "unknown input field": {"query": POSITIONS, "variables": {"filter": {"colour": "red"}}},
    "variables not an object": {"query": POSITIONS, "variables": [1, 2]},
    "missing required input field": {"query": JOIN, "variables": {"input": {"kind": "ENTERPRISE"}}},
    "null for a required variable": {"query": JOIN, "variables": {"input": None}},
    "list for an input object": {"query": JOIN, "variables": {"input": [A_JOIN_REQUEST]}},
    "syntax error": {"query": "{ positions(first: ) }"},
    "unknown field": {"query": "{ positions { edges { node { salary } } } }"},
    "query not a string": {"query": {"positions": True}},
    # PostgreSQL text cannot hold U+0000: refused before it reaches a LIKE or an INSERT.
    "NUL in a variable": {"query": POSITIONS, "variables": {"filter": {"search": "a\x00b"}}},
    "NUL in a literal": {
        "query": '{ positions(filter: {search: "a\\u0000b"}) { edges { node { title } } } }'
    },
}

ARGUMENT_ERRORS = {  # valid documents whose argument values a resolver refuses: BAD_USER_INPUT
    "huge page size": {"n": 100_000},
    "page size just over the maximum": {"n": 101},
    "negative page size": {"n": -1},
    "cursor not ours": {"after": "not-a-cursor"},
    "malformed global ID": {"filter": {"enterprise": "garbage"}},
    "global ID of another type": {"filter": {"enterprise": "UmVnaW9uOjUwMDAwMA=="}},
    "region code not 6 digits": {"filter": {"region": "50"}},
    "cursor offset beyond any INTEGER": {"after": _b64("offset:99999999999999999999")},
    "global ID key beyond any INTEGER": {
        "filter": {"enterprise": _b64("Organisation:99999999999999999999")}
    },
}


@pytest.mark.parametrize("body", REQUEST_ERRORS.values(), ids=REQUEST_ERRORS)
async def test_malformed_requests_answer_400(client, body):
    response = await client.post("/graphql", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["errors"] and "data" not in response.json()


@pytest.mark.parametrize("variables", ARGUMENT_ERRORS.values(), ids=ARGUMENT_ERRORS)
async def test_bad_argument_values_are_graphql_errors_with_a_code(client, variables):
    response = await client.post("/graphql", json={"query": POSITIONS, "variables": variables})
    assert response.status_code == 200, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error


@pytest.mark.parametrize("key", ["99999999999999999999", "2147483648", "١٢"])
async def test_an_id_naming_no_possible_row_is_null(client, key):
    query = "query($id: ID!) { node(id: $id) { id } }"
    response = await client.post(
        "/graphql", json={"query": query, "variables": {"id": _b64(f"Position:{key}")}}
    )
    assert response.status_code == 200 and response.json() == {"data": {"node": None}}, (
        response.text
    )


async def test_a_malformed_body_answers_400(client):
    response = await client.post(
        "/graphql", content=b'{"query": "{ positions', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


async def test_bad_values_inside_a_valid_mutation_are_user_errors(client):
    response = await client.post(
        "/graphql", json={"query": JOIN, "variables": {"input": A_JOIN_REQUEST}}
    )
    assert response.status_code == 200
    assert response.json() == {
        "data": {"requestMembership": {"errors": [{"code": "INVALID_CREDIT_CODE"}]}}
    }


async def test_a_value_longer_than_its_column_is_a_user_error_on_both_databases(client, seeded_url):
    """PostgreSQL would refuse it naming no column, SQLite would store it whole: both answer
    TOO_LONG on the field instead, and nothing is written."""
    name = "重庆市" + "长" * 200 + "有限公司"
    request = {
        **A_JOIN_REQUEST,
        "name": name,
        "creditCode": credit_code("enterprise", "500229", 987_654),
    }
    response = await client.post(
        "/graphql",
        json={
            "query": JOIN.replace("code }", "field code message }"),
            "variables": {"input": request},
        },
    )
    assert response.json() == {
        "data": {
            "requestMembership": {
                "errors": [{"field": "name", "code": "TOO_LONG", "message": "最多 128 个字符。"}]
            }
        }
    }
    engine = create_engine(seeded_url)
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).where(Organisation.name == name)) == 0
    await engine.dispose()


async def test_a_body_over_the_limit_answers_413(client):
    padding = "#" * MAX_BODY_BYTES
    response = await client.post("/graphql", json={"query": "{ __typename }" + padding})
    assert response.status_code == 413
