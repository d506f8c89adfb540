"""Sets ``request.state.viewer`` from the bearer token, or answers 401.

No Authorization header (or a non-Bearer one, like the Basic credentials clients send to the
token endpoint) → ``ANONYMOUS``; the API decides what anonymous callers may do. A Bearer token
that fails any check → 401 with one fixed message, whatever the reason.
"""

from __future__ import annotations

import logging

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from auth.jwt_checks import TokenRejected
from auth.viewer import ANONYMOUS, Viewer
from models.telemetry import note_viewer

log = logging.getLogger(__name__)


def graphql_error(message: str, code: str, status: int, challenge: str) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, headers={"WWW-Authenticate": challenge})


def unauthenticated() -> JSONResponse:
    return graphql_error(
        "Authentication required",
        "UNAUTHENTICATED",
        401,
        'Bearer realm="yulu", error="invalid_token"',
    )


def forbidden_scope(needed: str) -> JSONResponse:
    return graphql_error(
        "Not allowed",
        "FORBIDDEN",
        403,
        f'Bearer realm="yulu", error="insufficient_scope", scope="{needed}"',
    )


def bearer_token(headers: Headers) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


class BearerTokenMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = bearer_token(Headers(scope=scope))
        viewer: Viewer = ANONYMOUS
        if token is not None:
            try:
                viewer = await scope["app"].state.auth.validator.viewer_for(token)
            except TokenRejected as error:
                log.info("bearer token refused: %s", error)
                await unauthenticated()(scope, receive, send)
                return
        scope.setdefault("state", {})["viewer"] = viewer
        note_viewer(viewer.user_id, viewer.role.value if viewer.role else None)
        await self.app(scope, receive, send)
