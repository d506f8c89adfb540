"""Logs, metrics and traces of every HTTP request, wrapped around the whole application.

``RequestObservability`` is the outermost layer (outside Starlette's error middleware): it gives
the request its id (the caller's ``X-Request-ID``, else its ``traceparent``'s trace id, else a
new one), returns it as ``X-Request-ID``, writes one ``yulu.request`` log line when the request
ends (method, path without the query string, GraphQL operation, status, duration, viewer id and
role — never personal data), counts it for Prometheus, and serves ``/metrics`` itself, before the
bearer-token middleware could mistake the scraper's token for an access token.

Starlette answers an unhandled error with our 500 page and then raises it again "so that servers
can log it": the handler has logged it already (with its stack), so it ends here instead of
being logged a second time by uvicorn.

Tracing (OpenTelemetry) is on when a tracer provider is given — by ``YULU_OTLP_ENDPOINT`` in
production, by a test with an in-memory exporter: a server span per request (its context taken
from the caller's ``traceparent``), a span per GraphQL operation (``portal.graphql_http``) and per
SQL statement, and client spans for outgoing HTTP.
"""

from __future__ import annotations

import hmac
import logging
import time
from typing import Any

from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.metrics import REQUEST_SECONDS, REQUESTS, operation_label
from models.settings import Settings
from models.telemetry import RequestRecord, request_id_from, serving, trace_id_of

log = logging.getLogger("yulu.request")
METRICS_PATH = "/metrics"
SERVICE_NAME = "yulu-alliance"


def route_kind(path: str) -> str:
    """A bounded label for a path: ids in portal paths would make a series per record."""
    if path == "/graphql":
        return "graphql"
    if path in ("/livez", "/healthz"):
        return "probe"
    if path.startswith(("/oauth/", "/.well-known/", "/signin", "/signout", "/auth/")):
        return "auth"
    if path.startswith("/static/"):
        return "static"
    return "page"


class RequestObservability:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.metrics_token = settings.metrics_token
        self.metrics_closed = settings.production and not settings.metrics_token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == METRICS_PATH:
            await self._metrics(scope, send)
            return
        headers = Headers(scope=scope)
        traceparent = headers.get("traceparent")
        record = RequestRecord(
            request_id=request_id_from(headers.get("x-request-id"), traceparent),
            method=scope["method"],
            path=scope["path"],
            trace_id=trace_id_of(traceparent),
        )
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", record.request_id)
            await send(message)

        with serving(record):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                if record.status is None:  # nothing answered it: say so once, with the stack
                    log.exception("unhandled error before any response")
                    await _plain(send, 500, b"Internal Server Error", record.request_id)
                    record.status = 500
            finally:
                self._finished(record, time.perf_counter() - started)

    @staticmethod
    def _finished(record: RequestRecord, seconds: float) -> None:
        operation, route = operation_label(record.operation), route_kind(record.path)
        status = record.status or 500
        REQUESTS.labels(record.method, route, operation, str(status)).inc()
        REQUEST_SECONDS.labels(route, operation).observe(seconds)
        fields: dict[str, Any] = {
            "request_id": record.request_id,  # for handlers other than ours (tests' capture)
            "method": record.method,
            "path": record.path,
            "operation": record.operation,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "viewer_id": record.viewer_id,
            "viewer_role": record.viewer_role,
        }
        log.log(logging.WARNING if status >= 500 else logging.INFO, "request", extra=fields)

    async def _metrics(self, scope: Scope, send: Send) -> None:
        """Open in development; with YULU_METRICS_TOKEN, only to ``Authorization: Bearer
        <token>``; in production without a token, not there at all."""
        if self.metrics_closed:
            await _plain(send, 404, b"Not Found")
            return
        if self.metrics_token is not None:
            given = Headers(scope=scope).get("authorization", "")
            expected = f"Bearer {self.metrics_token}"
            if not hmac.compare_digest(given.encode(), expected.encode()):
                await _plain(send, 401, b"Unauthorized", www_authenticate='Bearer realm="metrics"')
                return
        await _plain(send, 200, generate_latest(), content_type=CONTENT_TYPE_LATEST)


async def _plain(
    send: Send,
    status: int,
    body: bytes,
    request_id: str | None = None,
    *,
    content_type: str = "text/plain; charset=utf-8",
    www_authenticate: str | None = None,
) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", b"%d" % len(body))]
    if request_id:
        headers.append((b"x-request-id", request_id.encode()))
    if www_authenticate:
        headers.append((b"www-authenticate", www_authenticate.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def otlp_tracer_provider(endpoint: str) -> TracerProvider:
    """Spans batched to an OTLP/HTTP collector at ``endpoint`` (its base URL)."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def trace_sql(engine: AsyncEngine, provider: TracerProvider) -> None:
    """A span per SQL statement on this engine (the statement text, never its parameters)."""
    EngineTracer(
        provider.get_tracer("yulu.sql"),
        engine.sync_engine,
        # The pool's connection counts are Prometheus's (models.metrics): no OTel meter here.
        NoOpMeterProvider().get_meter("yulu.sql").create_up_down_counter("db.client.connections"),
        enable_commenter=False,
        commenter_options={},
    )


def trace_outgoing_http(provider: TracerProvider) -> None:
    """Client spans, and ``traceparent`` sent along, on every httpx2 request of the process.

    OpenTelemetry's httpx instrumentation patches the module named ``httpx``; httpx2's own alias
    makes that name httpx2 (process-wide, which is why only the service's own exporter turns this
    on). Where the real httpx was imported first, its clients are traced and httpx2's are not."""
    import httpx2

    try:
        httpx2.alias_httpx()
    except RuntimeError:
        log.warning(
            "httpx was imported before httpx2's alias: outgoing httpx2 calls are not traced"
        )
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    instrumentor = HTTPXClientInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        # httpx2 stands in for the httpx the instrumentation names as its dependency.
        instrumentor.instrument(tracer_provider=provider, skip_dep_check=True)


def traced(app: ASGIApp, provider: TracerProvider) -> ASGIApp:
    """A server span per request, continuing the caller's trace (``traceparent``)."""
    return OpenTelemetryMiddleware(
        app,
        tracer_provider=provider,
        exclude_spans=["receive", "send"],
        server_request_hook=_without_query,
    )


def _without_query(span: trace.Span, scope: Scope) -> None:
    """A query string can hold what a user searched for (a name, an ID number): the span keeps
    the path only, as the log line does."""
    if span.is_recording():
        for attribute in ("http.target", "url.path"):
            span.set_attribute(attribute, scope.get("path", ""))
        for attribute in ("url.query", "http.url", "url.full"):
            span.set_attribute(attribute, "")


def tracer_of(provider: TracerProvider | None, scope: str) -> trace.Tracer:
    """Where the GraphQL endpoint (``yulu.graphql``) starts its operation spans and the job
    worker (``yulu.jobs``) its jobs' spans; a no-op tracer when tracing is off."""
    return (provider or trace.NoOpTracerProvider()).get_tracer(scope)
