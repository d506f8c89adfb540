"""The fixed cost of an authenticated request through the whole ASGI app (every middleware, the
bearer token, GraphQL, the response), counted — SQL statements and Python function calls, not
seconds — so that a regression fails here; bench/request_cost.py measures the CPU time."""

from __future__ import annotations

import cProfile
import pstats
import re

import orjson
import pytest
from sqlalchemy import event

from models.settings import get_settings
from portal.app import create_app
from tests.tokens import mint_access_token

# Measured on the checked-token path: 1,285 calls for `{ __typename }`, 1,368 for
# `{ viewer { __typename } }` (which reads nothing: 4,446 calls when it read the county officer's
# user, organisation and region). A quarter above that; before the checked tokens,
# `{ __typename }` took 3,233.
CALL_CEILINGS = {"{ __typename }": 1_600, "{ viewer { __typename } }": 1_700}


async def _post(app, token: str, query: str) -> dict:
    body = orjson.dumps({"query": query})
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"test"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    received = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict] = []

    async def receive():
        return received.pop() if received else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    assert sent[0]["status"] == 200, sent
    return orjson.loads(b"".join(message.get("body", b"") for message in sent[1:]))


@pytest.fixture
async def county(seeded_url):
    app = create_app(get_settings().replace(database_url=seeded_url))
    token = await mint_access_token(app.state.auth.config, seeded_url, "county")
    yield app, token
    await app.state.engine.dispose()


class Statements:
    def __init__(self, engine) -> None:
        self.texts: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, _connection, _cursor, statement, *_args) -> None:
        self.texts.append(statement)


async def test_a_checked_token_adds_no_statement(county):
    app, token = county
    await _post(app, token, "{ __typename }")  # the token's first use checks it
    statements = Statements(app.state.engine)
    assert await _post(app, token, "{ __typename }") == {"data": {"__typename": "Query"}}
    assert statements.texts == []


async def test_the_viewer_reads_only_what_is_asked_and_nothing_for_the_token(county):
    app, token = county
    await _post(app, token, "{ viewer { __typename } }")
    statements = Statements(app.state.engine)
    answer = await _post(app, token, "{ viewer { __typename role } }")
    assert answer == {"data": {"viewer": {"__typename": "Viewer", "role": "BUREAU"}}}
    assert statements.texts == []  # the role comes with the token
    answer = await _post(
        app, token, "{ viewer { displayName organisation { name } region { code } } }"
    )
    assert answer["data"]["viewer"]["region"] == {"code": "500229"}
    # The user, the organisation, the region: one statement each, only when asked for.
    tables = [re.search(r"\bFROM\s+(\w+)", text).group(1) for text in statements.texts]
    assert sorted(tables) == ["organisations", "regions", "users"]


@pytest.mark.parametrize("query", sorted(CALL_CEILINGS))
async def test_function_calls_of_an_authenticated_request_stay_under_the_ceiling(county, query):
    app, token = county
    for _ in range(3):  # warm: the token checked, the schema and the loaders' first calls
        await _post(app, token, query)
    profile = cProfile.Profile()
    profile.enable()
    await _post(app, token, query)
    profile.disable()
    calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
    assert calls <= CALL_CEILINGS[query], calls
