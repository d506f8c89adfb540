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
        yield
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
    install_auth(app, settings)
    install_portal(app)
    install_gateway_signature(app)
    return app
