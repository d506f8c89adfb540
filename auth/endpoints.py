"""The machine-facing endpoints: token, revocation, introspection, metadata, JWKS, userinfo."""

from __future__ import annotations

from joserfc.jwk import KeySetSerialization
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth import keys, scopes
from auth.middleware import forbidden_scope, unauthenticated
from auth.server import (
    ANY_CLIENT_METHODS,
    CONFIDENTIAL_METHODS,
    GRANT_TYPES,
    oauth_request,
    run_authorization_server,
)

NO_STORE = {"Cache-Control": "no-store"}


async def token(request: Request) -> Response:
    oauth = await oauth_request(request, request.app.state.auth.config)
    return await run_authorization_server(
        request, lambda server: server.create_token_response(oauth)
    )


async def revoke(request: Request) -> Response:
    oauth = await oauth_request(request, request.app.state.auth.config)
    return await run_authorization_server(
        request, lambda server: server.create_endpoint_response("revocation", oauth)
    )


async def introspect(request: Request) -> Response:
    oauth = await oauth_request(request, request.app.state.auth.config)
    return await run_authorization_server(
        request, lambda server: server.create_endpoint_response("introspection", oauth)
    )


async def metadata(request: Request) -> JSONResponse:
    """RFC 8414 authorization server metadata."""
    issuer = request.app.state.auth.config.issuer
    return JSONResponse(
        {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/oauth/authorize",
            "token_endpoint": f"{issuer}/oauth/token",
            "jwks_uri": f"{issuer}/.well-known/jwks.json",
            "revocation_endpoint": f"{issuer}/oauth/revoke",
            "introspection_endpoint": f"{issuer}/oauth/introspect",
            "userinfo_endpoint": f"{issuer}/oauth/userinfo",
            "scopes_supported": list(scopes.ALL),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": list(GRANT_TYPES),
            "token_endpoint_auth_methods_supported": ANY_CLIENT_METHODS,
            "revocation_endpoint_auth_methods_supported": ANY_CLIENT_METHODS,
            "introspection_endpoint_auth_methods_supported": CONFIDENTIAL_METHODS,
            "code_challenge_methods_supported": ["S256"],
            "ui_locales_supported": ["zh-CN"],
        }
    )


async def jwks(request: Request) -> JSONResponse:
    """The current and previous public keys. Creates the first key, so resource servers can
    fetch keys before any token was issued."""
    secret_key = request.app.state.auth.config.secret_key

    def published(session: Session) -> KeySetSerialization:
        keys.signing_key(session, secret_key)
        return keys.published_jwks(session)

    async with request.app.state.sessions() as session:
        document = await session.run_sync(published)
        await session.commit()
    # Short caching: after `yulu keys rotate` resource servers see the new key within minutes,
    # and they refetch at once on an unknown kid anyway.
    return JSONResponse(document, headers={"Cache-Control": "public, max-age=300"})


async def userinfo(request: Request) -> JSONResponse:
    """Who the bearer token says the caller is (requires the ``profile`` scope)."""
    viewer = request.state.viewer
    if not viewer.is_authenticated:
        return unauthenticated()
    if scopes.PROFILE not in viewer.scopes:
        return forbidden_scope(scopes.PROFILE)
    return JSONResponse(
        {
            "user_id": viewer.user_id,
            "role": viewer.role.value,
            "organisation": viewer.organisation_id,
            "region": viewer.region_code,
            "region_level": viewer.region_level.value if viewer.region_level else None,
            "person": viewer.person_id,
            "client_id": viewer.client_id,
            "scope": scopes.join(viewer.scopes),
        },
        headers=NO_STORE,
    )
