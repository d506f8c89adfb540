"""Item 3: /metrics counts requests by operation, errors by code, the database pool and jobs, and
is closed in production unless the scraper brings the token; with a tracer provider (an
in-memory exporter here, OTLP in production) every SQL statement is a span inside the GraphQL
operation's span, inside the request's span, which continues the caller's trace."""

from __future__ import annotations

import uuid

import httpx2
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event

from models.metrics import track_job
from models.settings import get_settings
from portal.app import create_app
from tests.live_server import free_port, serving

pytestmark = pytest.mark.db

METRICS_TOKEN = "scraper-token-0123456789abcdef"
PRODUCTION = {
    "production": True,
    "issuer": "https://yulu.example.gov.cn",
    "secret_key": "yulu-production-secret-0123456789-abcdefghij",
    "federation_key": "a-production-federation-key-of-48-characters-01",
}


def samples(url: str, **headers: str) -> dict[tuple[str, frozenset], float]:
    answer = httpx2.get(f"{url}/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture(scope="module")
def development(seeded_url):
    port = free_port()
    settings = get_settings().replace(database_url=seeded_url, issuer=f"http://127.0.0.1:{port}")
    with serving(create_app(settings), port) as url:
        yield url


def test_metrics_move_with_requests_errors_and_jobs(development):
    name = f"Count{uuid.uuid4().hex[:8]}"
    before = samples(development)
    for _ in range(3):
        httpx2.post(f"{development}/graphql", json={"query": f"query {name} {{ __typename }}"})
    # Anonymous callers may not read the audit log: an error with a code.
    refused = httpx2.post(f"{development}/graphql", json={"query": "{ auditLog { totalCount } }"})
    code = refused.json()["errors"][0]["extensions"]["code"]
    with track_job("operations-test"):
        pass
    after = samples(development)

    labels = {"method": "POST", "route": "graphql", "operation": name, "status": "200"}
    assert value(before, "yulu_http_requests_total", **labels) == 0
    assert value(after, "yulu_http_requests_total", **labels) == 3
    latency = {"route": "graphql", "operation": name}
    assert value(after, "yulu_http_request_duration_seconds_count", **latency) == 3
    assert value(after, "yulu_graphql_errors_total", code=code) == (
        value(before, "yulu_graphql_errors_total", code=code) + 1
    )
    job = {"job": "operations-test", "outcome": "ok"}
    assert (
        value(after, "yulu_job_runs_total", **job)
        == value(before, "yulu_job_runs_total", **job) + 1
    )
    assert value(after, "yulu_jobs_running", job="operations-test") == 0
    database = "postgresql" if "postgresql" in get_settings().database_url else None
    pools = {labels_ for sample, labels_ in after if sample == "yulu_db_pool_size"}
    assert pools, "no pool reported"
    if database:
        assert value(after, "yulu_db_pool_size", database=database) >= 1


def test_metrics_are_closed_in_production_without_the_scrapers_token(seeded_url):
    settings = get_settings().replace(database_url=seeded_url, **PRODUCTION)
    with serving(create_app(settings)) as closed:
        assert httpx2.get(f"{closed}/metrics").status_code == 404
    with serving(create_app(settings.replace(metrics_token=METRICS_TOKEN))) as guarded:
        assert httpx2.get(f"{guarded}/metrics").status_code == 401
        wrong = {"Authorization": f"Bearer {METRICS_TOKEN[:-1]}x"}
        assert httpx2.get(f"{guarded}/metrics", headers=wrong).status_code == 401
        found = samples(guarded, Authorization=f"Bearer {METRICS_TOKEN}")
        assert any(name == "yulu_http_requests_total" for name, _ in found)


def test_every_sql_statement_is_a_span_inside_the_operation_and_the_callers_trace(seeded_url):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    port = free_port()
    settings = get_settings().replace(database_url=seeded_url, issuer=f"http://127.0.0.1:{port}")
    app = create_app(settings, tracer_provider=provider)
    trace_id = uuid.uuid4().hex
    # Counted by SQLAlchemy itself, not by the tracing: the statements run for the caller's
    # request (the background job worker's polls run in no request, in traces of their own).
    statements: list[str] = []

    def count_statement(_conn, _cursor, statement, *_rest) -> None:
        context = trace.get_current_span().get_span_context()
        if format(context.trace_id, "032x") == trace_id:
            statements.append(statement)

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", count_statement)
    query = 'query Provinces { regions { code name } region(code: "500000") { children { code } } }'
    with serving(app, port) as url:
        answer = httpx2.post(
            f"{url}/graphql",
            json={"query": query, "operationName": "Provinces"},
            headers={"traceparent": f"00-{trace_id}-{'2' * 16}-01"},
        )
    assert answer.status_code == 200 and answer.json()["data"]["regions"], answer.text
    spans = [
        span
        for span in exporter.get_finished_spans()
        if format(span.context.trace_id, "032x") == trace_id
    ]
    sql = [
        span
        for span in spans
        if span.attributes.get("db.system") or span.attributes.get("db.system.name")
    ]
    assert len(statements) >= 2 and len(sql) == len(statements)
    assert sorted(
        str(span.attributes.get("db.statement") or span.attributes.get("db.query.text"))
        for span in sql
    ) == sorted(statements)
    (operation,) = [span for span in spans if span.name == "graphql Provinces"]
    assert all(span.parent.span_id == operation.context.span_id for span in sql)
    # The request continues the caller's trace: its server span's parent is the caller's span.
    server = next(span for span in spans if span.kind.name == "SERVER")
    assert format(server.parent.span_id, "016x") == "2" * 16
    assert operation.parent.span_id == server.context.span_id
