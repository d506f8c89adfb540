"""Signing a person in to the portal through the portal's own OAuth client.

The portal is an ordinary (first-party, public, PKCE S256) authorization-code client named
``yulu-portal``, so the portal and every other client go through the same sign-in and get the
same tokens. It is Authlib's own client (``AsyncOAuth2Client``) that builds the authorization
URL and talks to the token and revocation endpoints — over HTTP in form, in-process in fact
(httpx2's ASGI transport into this same app), so the requests take exactly the path an external
client's would, without a socket.

The tokens never reach the browser readable: the session cookie carries them Fernet-encrypted
under a key derived from YULU_SECRET_KEY (HKDF), and an encrypted blob older than the session
is refused.

For portal pages:
    return await begin_portal_signin(request, return_to="/dashboard")   # a "登录" link
    viewer = await portal_viewer(request)                              # ANONYMOUS if not in
    return await portal_signout(request)                               # ends the session
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
from functools import lru_cache

import httpx2 as http  # the HTTP client Authlib's OAuth client is built on
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from auth import scopes
from auth.browser_sessions import PORTAL_TOKENS, SESSION_SECONDS, end_browser_session
from auth.config import AuthConfig
from auth.jwt_checks import TokenRejected
from auth.pages import PORTAL_PENDING_KEY, error_page, safe_next
from auth.viewer import ANONYMOUS, Viewer
from models.oauth import OAuthClient

PORTAL_CLIENT_ID = "yulu-portal"
CALLBACK_PATH = "/auth/callback"
PORTAL_SCOPES = (scopes.READ, scopes.WRITE, scopes.PERSONAL, scopes.ADMIN, scopes.PROFILE)
PENDING = PORTAL_PENDING_KEY  # session key: state, PKCE verifier, where to go afterwards
TOKENS = PORTAL_TOKENS  # session key: the portal's access and refresh token, encrypted
TOKENS_MAX_AGE = SESSION_SECONDS  # as long as the session lives
log = logging.getLogger(__name__)


def ensure_portal_client(session: Session, config: AuthConfig) -> None:
    """Register the portal's client on first use. Its redirect URI follows the issuer, also
    when the issuer changes (a server first run locally, then behind its public address)."""
    redirect_uris = [config.issuer + CALLBACK_PATH]
    client = session.scalars(
        select(OAuthClient).where(OAuthClient.client_id == PORTAL_CLIENT_ID)
    ).first()
    if client is None:
        session.add(
            OAuthClient(
                client_id=PORTAL_CLIENT_ID,
                client_secret_hash=None,
                name="联盟门户",
                redirect_uris=redirect_uris,
                grant_types=["authorization_code", "refresh_token"],
                scope=scopes.join(PORTAL_SCOPES),
                first_party=True,
            )
        )
    elif client.redirect_uris != redirect_uris:
        client.redirect_uris = redirect_uris


async def begin_portal_signin(request: Request, return_to: str = "/") -> RedirectResponse:
    config: AuthConfig = request.app.state.auth.config
    async with request.app.state.sessions() as session:
        await session.run_sync(ensure_portal_client, config)
        await session.commit()
    verifier = secrets.token_urlsafe(48)
    async with _oauth_client(request) as client:
        url, state = client.create_authorization_url(
            "/oauth/authorize", code_verifier=verifier, scope=scopes.join(PORTAL_SCOPES)
        )
    request.session[PENDING] = {
        "state": state,
        "verifier": verifier,
        "return_to": safe_next(return_to),
    }
    return RedirectResponse(url, status_code=303)


async def portal_callback(request: Request) -> Response:
    """GET /auth/callback: the authorization server sends the browser back with a code."""
    pending = request.session.pop(PENDING, None)
    code = request.query_params.get("code")
    if not pending or not code or request.query_params.get("state") != pending["state"]:
        return error_page(
            request,
            "登录已失效：登录过程未能完成（页面停留过久，或在另一个标签页重新发起了登录），请重新登录。",
        )
    tokens = await _token_request(
        request,
        lambda client: client.fetch_token(
            _endpoint(request, "token"),
            grant_type="authorization_code",
            code=code,
            code_verifier=pending["verifier"],
        ),
    )
    if tokens is None:
        return error_page(
            request, "登录未完成：授权码已过期或已被使用（每个授权码只能使用一次），请重新登录。"
        )
    _keep_tokens(request, tokens)
    return RedirectResponse(pending["return_to"], status_code=303)


async def portal_viewer(request: Request) -> Viewer:
    """The signed-in portal user's Viewer; refreshes an expired access token once."""
    tokens = portal_tokens(request)
    if not tokens:
        return ANONYMOUS
    validator = request.app.state.auth.validator
    try:
        return await validator.viewer_for(tokens["access_token"])
    except TokenRejected:
        pass
    refreshed = await _token_request(
        request,
        lambda client: client.refresh_token(
            _endpoint(request, "token"), refresh_token=tokens["refresh_token"]
        ),
    )
    if refreshed is None:
        request.session.pop(TOKENS, None)
        return ANONYMOUS
    _keep_tokens(request, refreshed)
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
    return JSONResponse(
        {
            "signed_in": True,
            "user_id": viewer.user_id,
            "role": viewer.role.value if viewer.role else None,
            "organisation": viewer.organisation_id,
            "region": viewer.region_code,
        },
        headers={"Cache-Control": "no-store"},
    )


async def portal_access_token(request: Request) -> str | None:
    """The current access token, for portal pages that call /graphql on the user's behalf."""
    tokens = portal_tokens(request) if (await portal_viewer(request)).is_authenticated else None
    return tokens["access_token"] if tokens else None


async def portal_signout(request: Request, return_to: str = "/") -> RedirectResponse:
    """Revoke the portal's refresh-token family (and its access tokens), end the session (every
    copy of the cookie with it)."""
    tokens = portal_tokens(request)
    if tokens:
        try:
            async with _oauth_client(request) as client:
                await client.revoke_token(
                    _endpoint(request, "revoke"),
                    token=tokens["refresh_token"],
                    token_type_hint="refresh_token",
                )
        except (OAuthError, http.HTTPError):
            log.exception("portal sign-out: revocation failed")
    await end_browser_session(request)
    return RedirectResponse(safe_next(return_to), status_code=303)


# --- Authlib's client, in-process --------------------------------------------------------------


def _oauth_client(request: Request) -> AsyncOAuth2Client:
    """The portal's public PKCE client, talking to this app through httpx2's ASGI transport."""
    config: AuthConfig = request.app.state.auth.config
    return AsyncOAuth2Client(
        client_id=PORTAL_CLIENT_ID,
        token_endpoint_auth_method="none",
        code_challenge_method="S256",
        redirect_uri=config.issuer + CALLBACK_PATH,
        transport=http.ASGITransport(app=request.app),
        base_url=config.issuer,
    )


def _endpoint(request: Request, name: str) -> str:
    return f"{request.app.state.auth.config.issuer}/oauth/{name}"


async def _token_request(request: Request, call) -> dict | None:
    """The access and refresh token from the token endpoint, or None when it refused."""
    try:
        async with _oauth_client(request) as client:
            token = await call(client)
    except OAuthError as error:
        log.info("portal token request refused: %s", error.error)
        return None
    return {"access_token": token["access_token"], "refresh_token": token["refresh_token"]}


# --- the tokens in the session, encrypted ----------------------------------------------------


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"yulu portal session tokens"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _keep_tokens(request: Request, tokens: dict) -> None:
    fernet = _fernet(request.app.state.auth.config.secret_key)
    request.session[TOKENS] = fernet.encrypt(json.dumps(tokens).encode()).decode()


def portal_tokens(request: Request) -> dict | None:
    """The session's access and refresh token; None (and forgotten) when absent, tampered with,
    older than a session, or encrypted under another secret key."""
    sealed = request.session.get(TOKENS)
    if not isinstance(sealed, str):
        request.session.pop(TOKENS, None)
        return None
    try:
        plain = _fernet(request.app.state.auth.config.secret_key).decrypt(
            sealed, ttl=TOKENS_MAX_AGE
        )
    except InvalidToken:
        request.session.pop(TOKENS, None)
        return None
    return json.loads(plain)
