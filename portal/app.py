"""The Starlette application: health, GraphQL, OAuth endpoints and the portal's pages."""

from __future__ import annotations

from contextlib import asynccontextmanager

from opentelemetry.sdk.trace import TracerProvider
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp

from auth.gateway_signature import install_gateway_signature
from auth.install import install_auth
from models.db import create_engine, session_factory
from models.metrics import watch_pool
from models.settings import Settings, check_production, get_settings
from portal.graphql_http import graphql_endpoint
from portal.health import healthz, livez
from portal.observability import (
    RequestObservability,
    otlp_tracer_provider,
    trace_outgoing_http,
    trace_sql,
    traced,
    tracer_of,
)
from portal.security_headers import SecurityHeadersMiddleware
from portal.site import install_portal
from resolvers.jobs import Worker


def job_worker(sessions, tracer=None) -> Worker:
    """The worker of this process: imports are checked, then committed; exports written."""
    from models.jobs import JobStep
    from portal.exports import export_job
    from resolvers.ledgers import check_job, commit_job

    return Worker(
        sessions,
        {JobStep.CHECK: check_job, JobStep.COMMIT: commit_job, JobStep.EXPORT: export_job},
        tracer,
    )


class AllianceApp(Starlette):
    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's ServerErrorMiddleware too, so that 500 pages carry the headers
        # and the request's id, and the request log line sees every answer.
        stack: ASGIApp = SecurityHeadersMiddleware(super().build_middleware_stack())
        stack = RequestObservability(stack, self.state.settings)
        provider = self.state.tracer_provider
        return traced(stack, provider) if provider else stack


def create_app(
    settings: Settings | None = None, tracer_provider: TracerProvider | None = None
) -> Starlette:
    """Raises SettingsError for settings production must not run with. Traces go to
    ``tracer_provider``, else to YULU_OTLP_ENDPOINT when it is set; else none are made."""
    settings = settings or get_settings()
    check_production(settings)
    if tracer_provider is None and settings.otlp_endpoint:
        tracer_provider = otlp_tracer_provider(settings.otlp_endpoint)
        # Process-wide (every httpx client), so only for the service's own exporter: a test's
        # provider would otherwise trace the test's own requests too.
        trace_outgoing_http(tracer_provider)
    engine = create_engine(settings.database_url)
    watch_pool(engine)
    if tracer_provider is not None:
        trace_sql(engine, tracer_provider)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        # Background imports and exports: queued and interrupted jobs are taken up at start.
        app.state.jobs.start()
        yield
        await app.state.jobs.stop()
        await engine.dispose()
        if tracer_provider is not None:
            tracer_provider.force_flush()

    routes = [
        Route("/livez", livez),
        Route("/healthz", healthz),
        Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
    ]
    app = AllianceApp(routes=routes, lifespan=lifespan)
    app.state.settings = settings
    app.state.tracer_provider = tracer_provider
    app.state.tracer = tracer_of(tracer_provider, "yulu.graphql")
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.jobs = job_worker(app.state.sessions, tracer_of(tracer_provider, "yulu.jobs"))
    install_auth(app, settings)
    install_portal(app)
    install_gateway_signature(app, settings.gateway_hmac_secret)
    return app
