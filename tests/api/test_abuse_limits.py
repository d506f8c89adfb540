"""Abuse limits (depth, aliases, tokens, page size, cost) and production mode: no introspection,
no field suggestions, no GraphiQL; unexpected errors masked with the request id, logged once."""

from __future__ import annotations

import logging

import httpx2
import pytest

import resolvers.positions
from auth.viewer import ANONYMOUS
from models.settings import get_settings
from portal.app import create_app
from resolvers.context import Context
from schema.api import build_schema
from schema.extensions import ANONYMOUS_BUDGET, MAX_ALIASES, MAX_DEPTH, MAX_TOKENS


async def errors_of(query: str, session, production: bool = False) -> list[str]:
    result = await build_schema(production).execute(
        query, context_value=Context(session=session, viewer=ANONYMOUS)
    )
    return [error.message for error in result.errors or ()]


def nested_regions(depth: int) -> str:
    """``region`` is depth 1, each ``parent`` one more."""
    return '{ region(code: "500229") { ' + "parent { " * (depth - 1) + "name" + " }" * depth + " }"


async def test_depth_is_limited(session):
    assert await errors_of(nested_regions(MAX_DEPTH), session) == []
    (error,) = await errors_of(nested_regions(MAX_DEPTH + 1), session)
    assert "exceeds maximum operation depth" in error


def aliased(count: int) -> str:
    return "{ " + " ".join(f'r{i}: region(code: "500229") {{ name }}' for i in range(count)) + " }"


async def test_aliases_are_limited(session):
    assert await errors_of(aliased(MAX_ALIASES), session) == []
    (error,) = await errors_of(aliased(MAX_ALIASES + 1), session)
    assert "aliases" in error


async def test_tokens_are_limited(session):
    padding = "name " * MAX_TOKENS
    (error,) = await errors_of(f'{{ region(code: "500229") {{ {padding} }} }}', session)
    assert "token" in error


async def test_page_size_is_at_most_100(session):
    assert await errors_of("{ positions(first: 100) { edges { cursor } } }", session) == []
    (error,) = await errors_of("{ positions(first: 101) { edges { cursor } } }", session)
    assert "0 至 100" in error


def connections(count: int) -> str:
    fields = "title kind state headcount filled salaryMin salaryMax validFrom validUntil"
    return (
        "{ "
        + " ".join(
            f"p{i}: positions(first: 100) {{ edges {{ node {{ {fields} }} }} }}"
            for i in range(count)
        )
        + " }"
    )


async def test_cost_is_limited(session):
    one_connection_cost = 1 + 100 * (
        1 + 1 + 9
    )  # positions, then edges, node and 9 fields for each of 100 rows
    affordable = ANONYMOUS_BUDGET // one_connection_cost
    assert await errors_of(connections(affordable), session) == []
    (error,) = await errors_of(connections(affordable + 1), session)
    assert f"上限 {ANONYMOUS_BUDGET}" in error


INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_production_turns_introspection_off(session):
    assert await errors_of(INTROSPECTION, session) == []
    errors = await errors_of(INTROSPECTION, session, production=True)
    assert errors and all("introspection has been disabled" in error for error in errors)


async def test_production_makes_no_field_suggestions(session):
    (development,) = await errors_of("{ positons { edges { cursor } } }", session)
    (production,) = await errors_of("{ positons { edges { cursor } } }", session, production=True)
    assert "Did you mean 'positions'" in development
    assert "Did you mean" not in production and "positons" in production


async def test_unexpected_errors_are_masked_with_the_request_id_and_logged(
    session, monkeypatch, caplog
):
    async def broken(*_args, **_kwargs):
        raise RuntimeError("password=hunter2 in SELECT ...")

    monkeypatch.setattr(resolvers.positions, "positions", broken)
    context = Context(session=session, viewer=ANONYMOUS)
    with caplog.at_level(logging.ERROR, logger="yulu.graphql"):
        result = await build_schema(True).execute(
            "{ positions { edges { cursor } } }", context_value=context
        )
    (error,) = result.errors
    assert error.message == f"服务器内部错误（请求编号 {context.request_id}）。"
    assert error.extensions == {"code": "INTERNAL_SERVER_ERROR", "requestId": context.request_id}
    (record,) = caplog.records
    assert context.request_id in record.getMessage() and "hunter2" in str(record.exc_info[1])


@pytest.mark.parametrize("production", [False, True])
async def test_graphiql_only_outside_production(seeded_url, production):
    settings = get_settings().replace(
        database_url=seeded_url,
        production=production,
        issuer="https://yulu.example",
        secret_key="a-production-secret-of-48-characters-0123456789",
        federation_key="a-production-federation-key-of-48-characters-01",
    )
    app = create_app(settings)
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url="http://test"
    ) as client:
        response = await client.get("/graphql", headers={"Accept": "text/html"})
    await app.state.engine.dispose()
    assert ("graphiql" in response.text.lower()) is not production
    assert response.status_code < 500
