"""Wiring auth into the Starlette app: routes, the session cookie, the bearer-token middleware."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from auth import endpoints, pages, portal_signin
from auth.browser_sessions import SESSION_SECONDS, LiveSessionMiddleware
from auth.config import AuthConfig
from auth.middleware import BearerTokenMiddleware
from auth.resource import TokenValidator
from models.settings import Settings

ROUTES = [
    Route("/signin", pages.signin, methods=["GET", "POST"]),
    Route("/signout", pages.signout, methods=["POST"]),
    Route("/oauth/authorize", pages.authorize, methods=["GET", "POST"]),
    Route("/oauth/token", endpoints.token, methods=["POST"]),
    Route("/oauth/revoke", endpoints.revoke, methods=["POST"]),
    Route("/oauth/introspect", endpoints.introspect, methods=["POST"]),
    Route("/oauth/userinfo", endpoints.userinfo, methods=["GET"]),
    Route("/.well-known/oauth-authorization-server", endpoints.metadata, methods=["GET"]),
    Route("/.well-known/jwks.json", endpoints.jwks, methods=["GET"]),
    Route("/auth/login", portal_signin.portal_login, methods=["GET"]),
    Route(portal_signin.CALLBACK_PATH, portal_signin.portal_callback, methods=["GET"]),
    Route("/auth/session", portal_signin.portal_session, methods=["GET"]),
]


class SessionCookieMiddleware:
    """Starlette's session cookie, always HttpOnly and SameSite=Lax, and Secure whenever the
    request came over https (behind a proxy: uvicorn's --proxy-headers sets the scheme) — in
    production on every request."""

    def __init__(self, app: ASGIApp, *, always_secure: bool, **options: Any) -> None:
        self.secure = SessionMiddleware(app, https_only=True, same_site="lax", **options)
        self.plain = (
            self.secure
            if always_secure
            else SessionMiddleware(app, https_only=False, same_site="lax", **options)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        over_tls = scope.get("scheme") in ("https", "wss")
        await (self.secure if over_tls else self.plain)(scope, receive, send)


@dataclass(frozen=True)
class AuthState:
    config: AuthConfig
    validator: TokenValidator


def install_auth(app: Starlette, settings: Settings, config: AuthConfig | None = None) -> None:
    """Call after ``app.state.sessions`` is set; ``config`` defaults to the environment's."""
    config = config or AuthConfig.from_settings(settings)
    app.state.auth = AuthState(config, TokenValidator(config, app.state.sessions))
    app.router.routes.extend(ROUTES)
    app.add_middleware(BearerTokenMiddleware)
    app.add_middleware(LiveSessionMiddleware)  # inside the cookie middleware: it reads the session
    app.add_middleware(
        # mypy cannot infer Starlette's middleware ParamSpec from keyword-only and **options
        SessionCookieMiddleware,  # type: ignore[arg-type]
        secret_key=settings.secret_key,
        session_cookie="yulu_session",
        max_age=SESSION_SECONDS,
        always_secure=settings.production,
    )
