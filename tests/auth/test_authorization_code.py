"""Authorization code + PKCE (S256 only), sign-in and consent, end to end over HTTP."""

from __future__ import annotations

import secrets

import httpx2

from tests.auth.oauth_client import (
    REDIRECT_URI,
    authorization_code,
    authorize_url,
    exchange_code,
    query_of,
    register_client,
    sign_in,
    token_request,
    userinfo,
)


async def test_code_flow_with_pkce_signs_in_asks_consent_and_issues_tokens(live_app):
    client = await register_client(live_app)
    code, verifier = await authorization_code(live_app, client)

    tokens = await exchange_code(live_app, client, code, verifier)

    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["refresh_token"] and body["scope"] == "alliance:read profile"
    me = await userinfo(live_app, body["access_token"])
    assert me.status_code == 200
    assert me.json()["role"] == "bureau" and me.json()["region"] == "500229"
    assert me.json()["region_level"] == "county" and me.json()["client_id"] == client.client_id


async def test_public_client_uses_pkce_without_a_secret(live_app):
    client = await register_client(live_app, confidential=False)
    code, verifier = await authorization_code(live_app, client, username="teacher")
    tokens = await exchange_code(live_app, client, code, verifier)
    assert tokens.status_code == 200, tokens.text


async def test_a_code_is_single_use_and_a_replay_revokes_what_it_bought(live_app):
    client = await register_client(live_app)
    code, verifier = await authorization_code(live_app, client)
    first = await exchange_code(live_app, client, code, verifier)
    assert first.status_code == 200
    tokens = first.json()
    assert (await userinfo(live_app, tokens["access_token"])).status_code == 200

    again = await exchange_code(live_app, client, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    # The code leaked: the tokens it was exchanged for stop working (RFC 6749 §4.1.2).
    assert (await userinfo(live_app, tokens["access_token"])).status_code == 401
    refreshed = await token_request(
        live_app, client, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


async def test_wrong_code_verifier_is_refused(live_app):
    client = await register_client(live_app)
    code, _ = await authorization_code(live_app, client)
    answer = await exchange_code(live_app, client, code, secrets.token_urlsafe(48))
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


async def _authorize_error(live_app, **overrides) -> dict:
    client = await register_client(live_app)
    async with httpx2.AsyncClient(base_url=live_app.url) as browser:
        answer = await browser.get(authorize_url(client, secrets.token_urlsafe(48), **overrides))
    assert answer.status_code == 302 and answer.headers["location"].startswith(REDIRECT_URI)
    return query_of(answer.headers["location"])


async def test_plain_pkce_is_refused(live_app):
    verifier = secrets.token_urlsafe(48)
    error = await _authorize_error(live_app, code_challenge=verifier, code_challenge_method="plain")
    assert error["error"] == "invalid_request" and error["state"] == "st-1"


async def test_pkce_is_required(live_app):
    error = await _authorize_error(live_app, code_challenge=None, code_challenge_method=None)
    assert error["error"] == "invalid_request"


async def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(live_app):
    client = await register_client(live_app)
    async with httpx2.AsyncClient(base_url=live_app.url) as browser:
        answer = await browser.get(
            authorize_url(client, secrets.token_urlsafe(48), redirect_uri="https://evil.example/cb")
        )
    assert answer.status_code == 400 and "授权请求无效" in answer.text


async def test_denied_consent_redirects_with_access_denied(live_app):
    client = await register_client(live_app)
    async with httpx2.AsyncClient(base_url=live_app.url) as browser:
        start = await browser.get(authorize_url(client, secrets.token_urlsafe(48)))
        signed_in = await sign_in(browser, start.headers["location"], "teacher")
        consent = await browser.get(signed_in.headers["location"])
        csrf = consent.text.split('name="csrf_token" value="')[1].split('"')[0]
        denied = await browser.post(
            signed_in.headers["location"], data={"csrf_token": csrf, "decision": "deny"}
        )
    assert denied.status_code == 302
    assert query_of(denied.headers["location"])["error"] == "access_denied"


async def test_consent_without_csrf_token_is_refused(live_app):
    client = await register_client(live_app)
    async with httpx2.AsyncClient(base_url=live_app.url) as browser:
        start = await browser.get(authorize_url(client, secrets.token_urlsafe(48)))
        signed_in = await sign_in(browser, start.headers["location"], "teacher")
        forged = await browser.post(signed_in.headers["location"], data={"decision": "allow"})
    assert forged.status_code == 400 and "code=" not in forged.headers.get("location", "")


async def test_first_party_client_skips_consent(live_app):
    client = await register_client(live_app, first_party=True)
    verifier = secrets.token_urlsafe(48)
    async with httpx2.AsyncClient(base_url=live_app.url) as browser:
        start = await browser.get(authorize_url(client, verifier))
        signed_in = await sign_in(browser, start.headers["location"], "teacher")
        issued = await browser.get(signed_in.headers["location"])
    assert issued.status_code == 302 and "code" in query_of(issued.headers["location"])
