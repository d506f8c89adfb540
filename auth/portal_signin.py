"""Signing a person in to the portal through the portal's own OAuth client.

The portal is an ordinary (first-party, public, PKCE) authorization-code client named
``yulu-portal``, so the portal and every other client go through the same sign-in and get the
same tokens. The exchange and refresh run in-process, without an HTTP round trip to ourselves.

For portal pages:
    return await begin_portal_signin(request, return_to="/dashboard")   # a "登录" link
    viewer = await portal_viewer(request)                              # ANONYMOUS if not in
    return await portal_signout(request)                               # clears the session
"""

from __future__ import annotations

import json
import secrets
from urllib.parse import urlencode

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from auth import scopes
from auth.config import AuthConfig
from auth.jwt_checks import TokenRejected
from auth.pages import PORTAL_PENDING_KEY, error_page, safe_next
from auth.server import StarletteOAuth2Request, run_authorization_server
from auth.viewer import ANONYMOUS, Viewer
from models.oauth import OAuthClient

PORTAL_CLIENT_ID = "yulu-portal"
CALLBACK_PATH = "/auth/callback"
PORTAL_SCOPES = (scopes.READ, scopes.WRITE, scopes.PERSONAL, scopes.ADMIN, scopes.PROFILE)
PENDING = PORTAL_PENDING_KEY  # session key: state, PKCE verifier, where to go afterwards
TOKENS = "portal_tokens"  # session key: the portal's access and refresh token


def ensure_portal_client(session: Session, config: AuthConfig) -> None:
    """Register the portal's client on first use (its redirect URI follows the issuer)."""
    exists = session.scalars(
        select(OAuthClient.id).where(OAuthClient.client_id == PORTAL_CLIENT_ID)
    ).first()
    if exists is None:
        session.add(OAuthClient(
            client_id=PORTAL_CLIENT_ID, client_secret_hash=None, name="联盟门户",
            redirect_uris=[config.issuer + CALLBACK_PATH],
            grant_types=["authorization_code", "refresh_token"],
            scope=scopes.join(PORTAL_SCOPES), first_party=True,
        ))


async def begin_portal_signin(request: Request, return_to: str = "/") -> RedirectResponse:
    config: AuthConfig = request.app.state.auth.config
    async with request.app.state.sessions() as session:
        await session.run_sync(ensure_portal_client, config)
        await session.commit()
    state, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(48)
    request.session[PENDING] = {"state": state, "verifier": verifier,
                                "return_to": safe_next(return_to)}
    query = urlencode({
        "response_type": "code", "client_id": PORTAL_CLIENT_ID,
        "redirect_uri": config.issuer + CALLBACK_PATH, "scope": scopes.join(PORTAL_SCOPES),
        "state": state, "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    })
    return RedirectResponse("/oauth/authorize?" + query, status_code=303)


async def portal_callback(request: Request) -> Response:
    """GET /auth/callback: the authorization server sends the browser back with a code."""
    pending = request.session.pop(PENDING, None)
    code = request.query_params.get("code")
    if not pending or not code or request.query_params.get("state") != pending["state"]:
        return error_page(request, "登录已失效，请重新登录。")
    tokens = await _token_request(request, {
        "grant_type": "authorization_code", "code": code, "code_verifier": pending["verifier"],
        "redirect_uri": request.app.state.auth.config.issuer + CALLBACK_PATH,
    })
    if tokens is None:
        return error_page(request, "登录失败，请重新登录。")
    request.session[TOKENS] = tokens
    return RedirectResponse(pending["return_to"], status_code=303)


async def portal_viewer(request: Request) -> Viewer:
    """The signed-in portal user's Viewer; refreshes an expired access token once."""
    tokens = request.session.get(TOKENS)
    if not tokens:
        return ANONYMOUS
    validator = request.app.state.auth.validator
    try:
        return await validator.viewer_for(tokens["access_token"])
    except TokenRejected:
        pass
    refreshed = await _token_request(
        request, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    if refreshed is None:
        request.session.pop(TOKENS, None)
        return ANONYMOUS
    request.session[TOKENS] = refreshed
    try:
        return await validator.viewer_for(refreshed["access_token"])
    except TokenRejected:
        return ANONYMOUS


async def portal_login(request: Request) -> RedirectResponse:
    """GET /auth/login?next=/path: the portal's "登录" link."""
    return await begin_portal_signin(request, request.query_params.get("next", "/"))


async def portal_session(request: Request) -> JSONResponse:
    """GET /auth/session: who is signed in to the portal, for the portal's pages and scripts."""
    viewer = await portal_viewer(request)
    if not viewer.is_authenticated:
        return JSONResponse({"signed_in": False})
    return JSONResponse({
        "signed_in": True, "user_id": viewer.user_id, "role": viewer.role.value,
        "organisation": viewer.organisation_id, "region": viewer.region_code,
    }, headers={"Cache-Control": "no-store"})


async def portal_access_token(request: Request) -> str | None:
    """The current access token, for portal pages that call /graphql on the user's behalf."""
    if (await portal_viewer(request)).is_authenticated:
        return request.session[TOKENS]["access_token"]
    return None


async def portal_signout(request: Request, return_to: str = "/") -> RedirectResponse:
    """Revoke the portal's refresh-token family (and its access tokens), forget the session."""
    tokens = request.session.get(TOKENS)
    if tokens:
        await run_authorization_server(request, lambda server: server.create_endpoint_response(
            "revocation", _internal_request(request, {"token": tokens["refresh_token"],
                                                      "token_type_hint": "refresh_token"}, "revoke")
        ))
    request.session.clear()
    return RedirectResponse(safe_next(return_to), status_code=303)


async def _token_request(request: Request, form: dict) -> dict | None:
    oauth = _internal_request(request, form, "token")
    response = await run_authorization_server(request, lambda server: server.create_token_response(oauth))
    if response.status_code != 200:
        return None
    body = json.loads(response.body)
    return {"access_token": body["access_token"], "refresh_token": body["refresh_token"]}


def _internal_request(request: Request, form: dict, endpoint: str) -> StarletteOAuth2Request:
    """A token-endpoint request from the portal client to ourselves, without HTTP."""
    uri = f"{request.app.state.auth.config.issuer}/oauth/{endpoint}"
    pairs = [*form.items(), ("client_id", PORTAL_CLIENT_ID)]
    return StarletteOAuth2Request("POST", uri, {}, [], pairs)
