"""Item 2: one JSON line per request, with the request id the caller gave (or one made from its
traceparent, or a new one), returned as X-Request-ID and in every line of that request; each
unexpected error logged once, with its stack. Read from `yulu serve`'s own standard error."""

from __future__ import annotations

import logging
import time
import uuid

import httpx2
import pytest

from auth.config import AuthConfig
from models.db import create_engine
from models.settings import get_settings
from tests.operations.conftest import OPERATOR, Served, signed_in
from tests.tokens import mint_access_token

pytestmark = pytest.mark.db

REQUEST_FIELDS = {
    "time",
    "level",
    "logger",
    "message",
    "request_id",
    "method",
    "path",
    "operation",
    "status",
    "duration_ms",
    "viewer_id",
    "viewer_role",
}


def graphql(served: Served, query: str, name: str, **headers: str) -> httpx2.Response:
    return httpx2.post(
        f"{served.url}/graphql?from=a-query-string",
        json={"query": query, "operationName": name},
        headers=headers,
    )


async def test_a_request_is_one_line_with_its_fields_and_the_callers_request_id(served):
    config = AuthConfig.from_settings(get_settings().replace(issuer=served.url))
    token = await mint_access_token(config, served.database_url, OPERATOR)
    request_id = f"client-{uuid.uuid4().hex[:12]}"
    answer = graphql(
        served,
        "query WhoAmI { viewer { role } }",
        "WhoAmI",
        **{"X-Request-ID": request_id, "Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200 and answer.json()["data"]["viewer"]["role"] == "ADMIN"
    assert answer.headers["X-Request-ID"] == request_id
    line = served.wait_for_request_line(request_id)
    assert set(line) >= REQUEST_FIELDS, line
    assert (line["level"], line["logger"], line["method"]) == ("INFO", "yulu.request", "POST")
    # The path only: a query string may hold what someone searched for.
    assert (line["path"], line["operation"], line["status"]) == ("/graphql", "WhoAmI", 200)
    assert line["viewer_role"] == "admin" and isinstance(line["viewer_id"], int)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert token not in served.log_file.read_text()


def test_a_request_id_is_the_traceparents_trace_id_or_a_new_one(served):
    trace_id = uuid.uuid4().hex
    traced = httpx2.get(
        f"{served.url}/livez", headers={"traceparent": f"00-{trace_id}-{'1' * 16}-01"}
    )
    assert traced.headers["X-Request-ID"] == trace_id
    assert served.wait_for_request_line(trace_id)["path"] == "/livez"
    # A caller's id that could forge a log line is not taken; the request gets its own.
    forged = httpx2.get(f"{served.url}/livez", headers={"X-Request-ID": 'x" "level": "ERROR'})
    made = forged.headers["X-Request-ID"]
    assert len(made) == 32 and int(made, 16) >= 0
    assert served.wait_for_request_line(made)["status"] == 200


async def _drop_regions(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                await connection.exec_driver_sql("DROP TABLE regions")
            else:
                await connection.exec_driver_sql("DROP TABLE regions CASCADE")
    finally:
        await engine.dispose()


async def test_an_unexpected_error_is_logged_once_with_its_stack_under_the_request_id(served):
    await _drop_regions(served.database_url)  # the database breaks under the running service
    request_id = f"broken-{uuid.uuid4().hex[:12]}"
    answer = graphql(
        served, '{ region(code: "500229") { name } }', None, **{"X-Request-ID": request_id}
    )
    error = answer.json()["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    assert "regions" not in answer.text  # nothing of the SQL reaches the client
    served.wait_for_request_line(request_id)
    errors = [line for line in served.lines_of(request_id) if line["level"] == "ERROR"]
    assert len(errors) == 1, served.lines_of(request_id)
    assert "Traceback" in errors[0]["stack"] and "regions" in errors[0]["stack"]
    # Nothing else in the log speaks of it: no second copy from uvicorn or strawberry.
    mentions = [raw for raw in served.log_file.read_text().splitlines() if "regions" in raw]
    assert len(mentions) == 1, mentions


def test_a_page_view_and_its_api_calls_share_the_request_id_and_name_the_viewer(portal, caplog):
    browser = signed_in(portal, "school", "/school")
    request_id = f"page-{uuid.uuid4().hex[:12]}"
    with caplog.at_level(logging.INFO, logger="yulu.request"):
        answer = browser.get("/school", headers={"X-Request-ID": request_id})
        # The page's own line is written once its response has been sent, so it may land a
        # moment after the client has the page (the server runs in another thread): wait for it.
        for _ in range(100):
            lines = [
                vars(record)
                for record in caplog.records
                if record.name == "yulu.request" and record.request_id == request_id
            ]
            page = [line for line in lines if line["path"] == "/school"]
            if page:
                break
            time.sleep(0.05)
    browser.close()
    assert answer.status_code == 200 and answer.headers["X-Request-ID"] == request_id
    calls = [line for line in lines if line["path"] == "/graphql"]
    # The page's own line (its viewer known from the API calls it made), and a line per call.
    assert len(page) == 1 and page[0]["viewer_role"] == "school"
    assert calls and {line["viewer_role"] for line in calls} == {"school"}
    assert {line["viewer_id"] for line in calls} == {page[0]["viewer_id"]}
    assert all(line["operation"] for line in calls)
    assert len(lines) == len(page) + len(calls)
