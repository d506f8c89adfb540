"""Session security: the cookie is HttpOnly and SameSite=Lax everywhere, Secure whenever the
request is https (not only in production); the portal's tokens are never readable in it."""

from __future__ import annotations

import base64
import dataclasses
import json
from types import SimpleNamespace
from typing import Any

import httpx2
from playwright.async_api import Page
from sqlalchemy import select

from auth.config import AuthConfig
from auth.portal_signin import (
    PORTAL_CLIENT_ID,
    TOKENS,
    _keep_tokens,
    ensure_portal_client,
    portal_tokens,
)
from models.oauth import OAuthClient
from models.settings import get_settings
from portal.app import create_app
from tests.portal.conftest import sign_in


def _session_json(cookie_value: str) -> dict:
    """Starlette's session cookie: base64 JSON, then the signature."""
    payload = cookie_value.split(".")[0]
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))


async def test_the_session_cookie_holds_the_tokens_only_encrypted(page: Page) -> None:
    await sign_in(page, "enterprise", "/enterprise")
    cookie = next(c for c in await page.context.cookies() if c["name"] == "yulu_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    session = _session_json(cookie["value"])
    sealed = session[TOKENS]
    assert isinstance(sealed, str)
    readable = json.dumps(session)
    assert "access_token" not in readable and "refresh_token" not in readable
    assert "eyJ" not in readable  # no JWT (header or payload) in clear
    # Still signed in: the server decrypts what the browser cannot read.
    response = await page.request.get("/auth/session")
    assert (await response.json())["signed_in"] is True


def _request(secret: str, session: dict | None = None) -> Any:
    """The parts of a Request the token helpers read."""
    config = SimpleNamespace(secret_key=secret)
    return SimpleNamespace(
        session=session if session is not None else {},
        app=SimpleNamespace(state=SimpleNamespace(auth=SimpleNamespace(config=config))),
    )


def test_tokens_round_trip_and_a_foreign_or_tampered_blob_signs_out() -> None:
    request = _request("secret-one")
    _keep_tokens(request, {"access_token": "a.b.c", "refresh_token": "r"})
    assert portal_tokens(request) == {"access_token": "a.b.c", "refresh_token": "r"}

    other_key = _request("secret-two", dict(request.session))
    assert portal_tokens(other_key) is None and TOKENS not in other_key.session

    tampered = _request("secret-one", {TOKENS: request.session[TOKENS][:-4] + "AAAA"})
    assert portal_tokens(tampered) is None
    plain = _request("secret-one", {TOKENS: {"access_token": "a.b.c", "refresh_token": "r"}})
    assert portal_tokens(plain) is None  # a pre-encryption session is not trusted either


async def _set_cookie_header(seeded_url: str, base_url: str, production: bool = False) -> str:
    settings = get_settings().replace(
        database_url=seeded_url, issuer=base_url, production=production
    )
    app = create_app(settings)
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=base_url
    ) as client:
        response = await client.get("/signin")  # the sign-in form puts a CSRF token in the session
    return response.headers["set-cookie"].lower()


async def test_the_cookie_is_secure_over_https_even_outside_production(seeded_url: str) -> None:
    over_https = await _set_cookie_header(seeded_url, "https://portal.example")
    assert "yulu_session=" in over_https
    assert "secure" in over_https and "httponly" in over_https and "samesite=lax" in over_https

    over_http = await _set_cookie_header(seeded_url, "http://127.0.0.1:9")
    assert "httponly" in over_http and "samesite=lax" in over_http and "secure" not in over_http


async def test_an_expired_access_token_is_refreshed_through_authlibs_client(page: Page) -> None:
    """The session's access token no longer valid: the next page refreshes it (rotating the
    refresh token) instead of asking the user to sign in again."""
    from itsdangerous import TimestampSigner

    from auth.portal_signin import _fernet

    await sign_in(page, "enterprise", "/enterprise")
    secret = get_settings().secret_key
    cookie = next(c for c in await page.context.cookies() if c["name"] == "yulu_session")
    session = _session_json(cookie["value"])
    tokens = json.loads(_fernet(secret).decrypt(session[TOKENS]))
    session[TOKENS] = (
        _fernet(secret).encrypt(json.dumps({**tokens, "access_token": "expired"}).encode()).decode()
    )
    forged = TimestampSigner(secret).sign(base64.b64encode(json.dumps(session).encode())).decode()
    await page.context.add_cookies([{**cookie, "value": forged}])

    response = await page.goto("/enterprise")
    assert response.status == 200 and response.url.endswith("/enterprise")
    cookie = next(c for c in await page.context.cookies() if c["name"] == "yulu_session")
    refreshed = json.loads(_fernet(secret).decrypt(_session_json(cookie["value"])[TOKENS]))
    assert refreshed["access_token"] not in ("expired", tokens["access_token"])
    assert refreshed["refresh_token"] != tokens["refresh_token"]  # rotated


async def test_the_portal_client_follows_the_issuer(session) -> None:
    """A server first run locally, then behind its public address, still signs people in."""
    config = AuthConfig.from_settings(get_settings())
    for issuer in ("http://127.0.0.1:8000", "https://yulu.example.gov.cn"):
        await session.run_sync(ensure_portal_client, dataclasses.replace(config, issuer=issuer))
        await session.flush()
        client = await session.scalar(
            select(OAuthClient).where(OAuthClient.client_id == PORTAL_CLIENT_ID)
        )
        assert client.redirect_uris == [issuer + "/auth/callback"]
