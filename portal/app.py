"""The Starlette application: health, GraphQL, OAuth endpoints and the portal's pages."""

from __future__ import annotations

from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp

from auth.gateway_signature import install_gateway_signature
from auth.install import install_auth
from models.db import create_engine, session_factory
from models.settings import Settings, check_production, get_settings
from portal.graphql_http import graphql_endpoint
from portal.health import healthz, livez
from portal.security_headers import SecurityHeadersMiddleware
from portal.site import install_portal
from resolvers.jobs import Worker


def job_worker(sessions) -> Worker:
    """The worker of this process: imports are checked, then committed; exports written."""
    from models.jobs import JobStep
    from portal.exports import export_job
    from resolvers.ledgers import check_job, commit_job

    return Worker(
        sessions,
        {JobStep.CHECK: check_job, JobStep.COMMIT: commit_job, JobStep.EXPORT: export_job},
    )


class AllianceApp(Starlette):
    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's ServerErrorMiddleware too, so that 500 pages carry the headers.
        return SecurityHeadersMiddleware(super().build_middleware_stack())


def create_app(settings: Settings | None = None) -> Starlette:
    """Raises SettingsError for settings production must not run with."""
    settings = settings or get_settings()
    check_production(settings)
    engine = create_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        # Background imports and exports: queued and interrupted jobs are taken up at start.
        app.state.jobs.start()
        yield
        await app.state.jobs.stop()
        await engine.dispose()

    routes = [
        Route("/livez", livez),
        Route("/healthz", healthz),
        Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
    ]
    app = AllianceApp(routes=routes, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.jobs = job_worker(app.state.sessions)
    install_auth(app, settings)
    install_portal(app)
    install_gateway_signature(app)
    return app
