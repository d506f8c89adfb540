"""Issue 16, item 3, through Hive Gateway: the caller's trace context (``traceparent``) and
request id reach the alliance subgraph — seen in the alliance's own audit records, which carry
the request id it served the call under — and the gateway serves its Prometheus metrics."""

from __future__ import annotations

import uuid

import httpx2
from sqlalchemy import select

from gateway.local import Federation, another_gateway
from models.audit import AuditRecord
from models.db import create_engine, session_factory

# A school reads its own students' names in clear: the alliance audits that read.
OWN_STUDENTS = "query OwnStudents { persons(first: 3) { edges { node { name } } } }"


def through_gateway(federation: Federation, token: str | None, **headers: str) -> httpx2.Response:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx2.post(
        f"{federation.gateway_url}/graphql",
        json={"query": OWN_STUDENTS},
        headers=headers,
        timeout=30,
    )


async def _audited_ids(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            details = await session.scalars(
                select(AuditRecord.detail).where(AuditRecord.operation == "OwnStudents")
            )
            return {value for detail in details for value in (detail or {}).values() if value}
    finally:
        await engine.dispose()


async def test_the_callers_trace_and_request_id_reach_the_alliance(
    federation: Federation, token_of, seeded_url
) -> None:
    token = await token_of("school")
    trace_id, request_id = uuid.uuid4().hex, f"gateway-test-{uuid.uuid4().hex[:8]}"
    traced = through_gateway(federation, token, traceparent=f"00-{trace_id}-{'3' * 16}-01")
    named = through_gateway(federation, token, **{"X-Request-ID": request_id})
    for answer in (traced, named):
        assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    audited = await _audited_ids(seeded_url)  # request and trace ids of the audit records
    assert trace_id in audited and request_id in audited


def test_the_gateway_serves_its_metrics(federation: Federation) -> None:
    through_gateway(federation, None)  # refused (no token): counted all the same
    metrics = httpx2.get(f"{federation.gateway_url}/metrics")
    assert metrics.status_code == 200
    assert "graphql_envelop_request_duration_count" in metrics.text, metrics.text[:500]


def test_the_production_gateway_keeps_its_metrics_to_itself(federation: Federation) -> None:
    with another_gateway(federation, "production-metrics", {"YULU_PRODUCTION": "1"}) as url:
        assert httpx2.get(f"{url}/metrics").status_code == 404
