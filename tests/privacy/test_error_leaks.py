"""Item 8 of issue 11: errors leak nothing. No SQL text or parameters in any response, an
unreachable database answers a GraphQL error with 503 and Retry-After, and an ID of thousands of
digits is the client's error. Over real HTTP with real tokens, on the database under test, in
development and in production mode (YULU_PRODUCTION=1: ``Settings.production``).
"""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import String, inspect, select, text
from sqlalchemy.engine import make_url

import migrations
import resolvers.audit
import resolvers.positions
from models.audit import AuditRecord
from models.db import create_engine, session_factory
from models.settings import Settings, get_settings
from portal.app import create_app
from seeds import loader
from tests.authz.alliance import running_alliance
from tests.conftest import create_database, drop_database
from tests.live_server import free_port, serving
from tests.tokens import mint_access_token

pytestmark = pytest.mark.db
GRAPHQL_RESPONSE = "application/graphql-response+json"
REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")
HUGE = "9" * 5000  # int() refuses more than 4,300 digits


PRODUCTION_ISSUER = "https://yulu.example.cn"


def production_settings(database_url: str, issuer: str) -> Settings:
    """Production as the service accepts it: its own strong secret and an https issuer."""
    return get_settings().replace(
        database_url=database_url,
        production=True,
        secret_key=secrets.token_urlsafe(32),
        issuer=issuer,
        federation_key=secrets.token_urlsafe(32),
    )


def b64(text_: str) -> str:
    return base64.b64encode(text_.encode()).decode()


@dataclass
class Server:
    url: str
    database_url: str
    production: bool
    issuer: str
    tokens: dict[str, str]
    http: httpx2.Client = field(default_factory=lambda: httpx2.Client(timeout=30))

    def post(
        self,
        query: str,
        viewer: str | None = None,
        variables: dict | None = None,
        operation: str | None = None,
        accept: str = GRAPHQL_RESPONSE,
    ) -> httpx2.Response:
        headers = {
            "Accept": accept,
            **({"Authorization": f"Bearer {self.tokens[viewer]}"} if viewer else {}),
        }
        body = {
            "query": query,
            "variables": variables or {},
            **({"operationName": operation} if operation else {}),
        }
        return self.http.post(f"{self.url}/graphql", json=body, headers=headers)


@pytest.fixture(scope="module")
async def leak_alliance(tmp_path_factory):
    async with running_alliance(tmp_path_factory.mktemp("leaks")) as alliance:
        yield alliance


@pytest.fixture(scope="module", params=["development", "production"])
async def server(request, leak_alliance, tmp_path_factory):
    """The seeded alliance served as in development, or by a production app on a database of its
    own (the signing key is sealed with the secret: a production secret opens no development key)."""
    if request.param == "development":
        tokens = {viewer: leak_alliance.token(viewer) for viewer in ("school", "agency")}
        yield Server(
            leak_alliance.url, leak_alliance.database_url, False, leak_alliance.url, tokens
        )
        return
    url = await create_database(tmp_path_factory.mktemp("production"))
    try:
        await asyncio.to_thread(migrations.upgrade, url)
        await loader.seed(url, "test")
        app = create_app(production_settings(url, PRODUCTION_ISSUER))
        tokens = {
            viewer: await mint_access_token(app.state.auth.config, url, viewer)
            for viewer in ("school", "agency")
        }
        with serving(app) as base:
            yield Server(base, url, True, PRODUCTION_ISSUER, tokens)
        await app.state.engine.dispose()
    finally:
        await drop_database(url)


def _assert_masked(error: dict, *, code: str = "INTERNAL_SERVER_ERROR") -> str:
    request_id = error["extensions"]["requestId"]
    assert REQUEST_ID.match(request_id) and error["extensions"]["code"] == code
    assert request_id in error["message"] and "请求编号" in error["message"]
    return request_id


# --- the over-long operation name of the issue -----------------------------------------------

STUDENT_NAMES = "query %s { persons(ledger: STUDENTS, first: 5) { edges { node { name } } } }"


async def _audited_operations(database_url: str, prefix: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            found = await session.scalars(
                select(AuditRecord.operation).where(AuditRecord.operation.startswith(prefix))
            )
            return list(found)
    finally:
        await engine.dispose()


async def _column_length(database_url: str, table: str, column: str) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            columns = await connection.run_sync(lambda sync: inspect(sync).get_columns(table))
    finally:
        await engine.dispose()
    column_type = next(c["type"] for c in columns if c["name"] == column)
    assert isinstance(column_type, String), column_type
    return column_type.length


async def test_an_over_long_operation_name_is_audited_cut_to_its_column(server):
    name = f"Long{'Production' if server.production else 'Development'}" + "x" * 3000
    response = server.post(STUDENT_NAMES % name, "school", operation=name)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body and len(body["data"]["persons"]["edges"]) == 5
    length = await _column_length(server.database_url, "audit_records", "operation")
    # One record per person read in clear, each naming the operation as far as the column holds.
    assert await _audited_operations(server.database_url, name[:20]) == [name[:length]] * 5


# --- any database error is masked: outside a field and inside one ----------------------------

SECRET = "500229200801011234"  # a parameter of the failing statement, like a person's ID number


async def _failing_statement(ctx, *_args, **_kwargs):
    await ctx.session.execute(
        text("SELECT no_such_column FROM persons WHERE id_number = :leak"), {"leak": SECRET}
    )


def _assert_leaks_nothing(response: httpx2.Response) -> None:
    for leaked in (SECRET, "no_such_column", "SELECT", "FROM persons", "sqlalche.me", "Traceback"):
        assert leaked not in response.text


def test_a_database_error_after_execution_is_masked(server, monkeypatch):
    """The audit insert runs after the fields, in an extension: strawberry answers an exception
    there with its text, which held the INSERT and its person ids."""
    monkeypatch.setattr(resolvers.audit, "flush", _failing_statement)
    response = server.post(STUDENT_NAMES % "Students", "school")
    assert response.status_code == 500 and response.headers["content-type"].startswith(
        GRAPHQL_RESPONSE
    )
    _assert_leaks_nothing(response)
    (error,) = response.json()["errors"]
    _assert_masked(error)


def test_a_database_error_in_a_field_is_masked(server, monkeypatch):
    monkeypatch.setattr(resolvers.positions, "positions", _failing_statement)
    response = server.post("{ positions { edges { node { title } } } }")
    assert response.status_code == 200
    _assert_leaks_nothing(response)
    (error,) = response.json()["errors"]
    assert error["path"] == ["positions"]
    _assert_masked(error)


# --- an unreachable database -----------------------------------------------------------------


def _unreachable_url(database_url: str, tmp_path: Path) -> str:
    """The same kind of database, unreachable: a closed port, or a directory for a SQLite file."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(host="127.0.0.1", port=free_port()).render_as_string(hide_password=False)
    return f"sqlite+aiosqlite:///{tmp_path}"


@pytest.fixture
def unreachable(server, tmp_path):
    """An app of the server's mode on an unreachable database, with the server's issuer (its
    tokens pass the signature parsing, then their key is looked up in the database)."""
    url = _unreachable_url(server.database_url, tmp_path)
    settings = (
        production_settings(url, server.issuer)
        if server.production
        else get_settings().replace(database_url=url, issuer=server.issuer)
    )
    app = create_app(settings)
    with serving(app) as base:
        yield base


def _assert_unavailable(response: httpx2.Response, media_type: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith(media_type)
    assert int(response.headers["retry-after"]) > 0
    for leaked in ("127.0.0.1", "Errno", "Connect call", "sqlite", "unable to open"):
        assert leaked not in response.text


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
def test_an_unreachable_database_answers_503_with_retry_after(server, unreachable, accept):
    query = "{ positions { edges { node { title } } } }"
    responses = [
        httpx2.post(
            f"{unreachable}/graphql", json={"query": query}, headers={"Accept": accept}, timeout=30
        ),
        httpx2.get(
            f"{unreachable}/graphql",
            params={"query": query},
            headers={"Accept": accept},
            timeout=30,
        ),
    ]
    bearer = {
        "Accept": accept,
        "Authorization": f"Bearer {server.tokens['school']}",
    }  # its check reads the database
    responses.append(
        httpx2.post(f"{unreachable}/graphql", json={"query": query}, headers=bearer, timeout=30)
    )
    for response in responses:
        _assert_unavailable(response, accept)
        (error,) = response.json()["errors"]
        _assert_masked(error, code="SERVICE_UNAVAILABLE")
        assert "数据库暂时无法访问" in error["message"]


def test_a_portal_page_answers_a_chinese_503_page(unreachable):
    response = httpx2.get(f"{unreachable}/", headers={"Accept": "text/html"}, timeout=30)
    _assert_unavailable(response, "text/html")
    assert "服务暂时不可用" in response.text and "请稍后" in response.text


# --- IDs and cursors of thousands of digits --------------------------------------------------


def _codes(response: httpx2.Response) -> set[str]:
    return {
        (error.get("extensions") or {}).get("code") for error in response.json().get("errors", [])
    }


def test_an_id_of_thousands_of_digits_names_nothing(server):
    for type_name in ("Person", "Position", "Organisation"):
        response = server.post(
            "query($id: ID!) { node(id: $id) { id } }", "school", {"id": b64(f"{type_name}:{HUGE}")}
        )
        assert response.status_code == 200 and response.json() == {"data": {"node": None}}
    entities = server.post(
        "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }",
        "school",
        {"r": [{"__typename": "Person", "id": b64(f"Person:{HUGE}")}]},
    )
    assert entities.json() == {"data": {"_entities": [None]}}


def test_an_id_argument_or_cursor_of_thousands_of_digits_is_bad_user_input(server):
    filtered = server.post(
        "query($p: ID) { applications(filter: { person: $p }) { edges { cursor } } }",
        "school",
        {"p": b64(f"Person:{HUGE}")},
    )
    paged = server.post(
        "query($a: String) { positions(after: $a) { edges { cursor } } }",
        None,
        {"a": b64(f"offset:{HUGE}")},
    )
    for response in (filtered, paged):
        assert response.status_code == 200 and _codes(response) == {"BAD_USER_INPUT"}


def test_a_mutation_with_an_id_of_thousands_of_digits_is_a_user_error(server):
    mutation = """mutation($person: ID!, $position: ID!) { referCandidate(personId: $person, positionId: $position) {
        result { id } errors { field code } } }"""
    response = server.post(
        mutation, "agency", {"person": b64(f"Person:{HUGE}"), "position": b64(f"Position:{HUGE}")}
    )
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    payload = response.json()["data"]["referCandidate"]
    assert payload["result"] is None and {e["code"] for e in payload["errors"]} == {"INVALID_ID"}
