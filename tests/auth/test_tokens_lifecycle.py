"""Refresh rotation and reuse detection, client_credentials, revocation (RFC 7009),
introspection (RFC 7662), metadata (RFC 8414) and JWKS rotation — over HTTP."""

from __future__ import annotations

import asyncio

import httpx2
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from sqlalchemy import select

from auth import admin
from models.oauth import SigningKey
from tests.auth.oauth_client import (
    authorization_code,
    exchange_code,
    register_client,
    token_request,
    userinfo,
)
from tests.tokens import mint_access_token


async def _signed_in_tokens(live_app, client=None):
    client = client or await register_client(live_app)
    code, verifier = await authorization_code(live_app, client)
    return client, (await exchange_code(live_app, client, code, verifier)).json()


async def _refresh(live_app, client, refresh_token) -> httpx2.Response:
    return await token_request(
        live_app, client, grant_type="refresh_token", refresh_token=refresh_token
    )


async def _post(live_app, path, client, **form) -> httpx2.Response:
    async with httpx2.AsyncClient(base_url=live_app.url) as http:
        return await http.post(path, data=client.form(**form), auth=client.auth)


async def test_refresh_rotates_the_refresh_token(live_app):
    client, first = await _signed_in_tokens(live_app)
    second = await _refresh(live_app, client, first["refresh_token"])
    assert second.status_code == 200, second.text
    assert second.json()["refresh_token"] != first["refresh_token"]
    assert (await userinfo(live_app, second.json()["access_token"])).status_code == 200


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(live_app):
    client, first = await _signed_in_tokens(live_app)
    second = (await _refresh(live_app, client, first["refresh_token"])).json()

    replay = await _refresh(live_app, client, first["refresh_token"])

    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # The legitimate holder's newest refresh token and access token die with the family.
    assert (await _refresh(live_app, client, second["refresh_token"])).status_code == 400
    assert (await userinfo(live_app, second["access_token"])).status_code == 401


async def test_a_refresh_token_works_only_for_its_own_client(live_app):
    _, tokens = await _signed_in_tokens(live_app)
    other = await register_client(live_app)
    assert (await _refresh(live_app, other, tokens["refresh_token"])).status_code == 400


async def test_client_credentials_token_acts_as_the_service_user(live_app):
    client = await register_client(
        live_app, grants=("client_credentials",), service_username="member-system"
    )
    answer = await token_request(
        live_app, client, grant_type="client_credentials", scope="alliance:read profile"
    )
    assert answer.status_code == 200, answer.text
    assert "refresh_token" not in answer.json()
    me = (await userinfo(live_app, answer.json()["access_token"])).json()
    assert me["role"] == "school" and me["client_id"] == client.client_id


async def test_client_credentials_with_a_wrong_secret_is_refused(live_app):
    client = await register_client(
        live_app, grants=("client_credentials",), service_username="member-system"
    )
    async with httpx2.AsyncClient(base_url=live_app.url) as http:
        answer = await http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client.client_id, "not-the-secret"),
        )
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


async def test_client_credentials_cannot_grant_admin_to_a_non_admin(live_app):
    client = await register_client(
        live_app, grants=("client_credentials",), service_username="member-system"
    )
    answer = await token_request(
        live_app, client, grant_type="client_credentials", scope="alliance:read admin"
    )
    assert answer.json()["scope"] == "alliance:read"


async def test_revoked_access_token_is_refused_by_the_resource_server(live_app):
    client, tokens = await _signed_in_tokens(live_app)
    assert (await userinfo(live_app, tokens["access_token"])).status_code == 200

    revoked = await _post(
        live_app,
        "/oauth/revoke",
        client,
        token=tokens["access_token"],
        token_type_hint="access_token",
    )

    assert revoked.status_code == 200
    assert (await userinfo(live_app, tokens["access_token"])).status_code == 401


async def test_revoked_refresh_token_cannot_refresh(live_app):
    client, tokens = await _signed_in_tokens(live_app)
    await _post(live_app, "/oauth/revoke", client, token=tokens["refresh_token"])
    assert (await _refresh(live_app, client, tokens["refresh_token"])).status_code == 400
    assert (await userinfo(live_app, tokens["access_token"])).status_code == 401


async def test_revoking_an_unknown_token_answers_200(live_app):
    client = await register_client(live_app)
    assert (await _post(live_app, "/oauth/revoke", client, token="nonsense")).status_code == 200


async def test_introspection_describes_an_active_token(live_app):
    client, tokens = await _signed_in_tokens(live_app)
    answer = (
        await _post(live_app, "/oauth/introspect", client, token=tokens["access_token"])
    ).json()
    assert answer["active"] is True and answer["client_id"] == client.client_id
    assert answer["role"] == "bureau" and answer["scope"] == "alliance:read profile"
    refresh = (
        await _post(live_app, "/oauth/introspect", client, token=tokens["refresh_token"])
    ).json()
    assert refresh["active"] is True and refresh["token_type"] == "refresh_token"


async def test_introspection_reports_revoked_and_foreign_tokens_inactive(live_app):
    client, tokens = await _signed_in_tokens(live_app)
    other = await register_client(live_app)
    foreign = await _post(live_app, "/oauth/introspect", other, token=tokens["access_token"])
    assert foreign.json() == {"active": False}
    await _post(live_app, "/oauth/revoke", client, token=tokens["access_token"])
    revoked = await _post(live_app, "/oauth/introspect", client, token=tokens["access_token"])
    assert revoked.json() == {"active": False}


async def test_introspection_requires_client_authentication(live_app):
    _, tokens = await _signed_in_tokens(live_app)
    async with httpx2.AsyncClient(base_url=live_app.url) as http:
        answer = await http.post("/oauth/introspect", data={"token": tokens["access_token"]})
    assert answer.status_code in (400, 401) and answer.json()["error"] == "invalid_client"


async def test_metadata_follows_rfc_8414(live_app):
    async with httpx2.AsyncClient(base_url=live_app.url) as http:
        document = (await http.get("/.well-known/oauth-authorization-server")).json()
    AuthorizationServerMetadata(document).validate()
    assert document["issuer"] == live_app.config.issuer
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["jwks_uri"] == f"{live_app.url}/.well-known/jwks.json"


async def _jwks_kids(live_app) -> list[str]:
    async with httpx2.AsyncClient(base_url=live_app.url) as http:
        document = (await http.get("/.well-known/jwks.json")).json()
    assert all("d" not in key for key in document["keys"])  # never a private part
    return [key["kid"] for key in document["keys"]]


async def test_jwks_publishes_current_and_previous_key_after_rotation(live_app):
    old_token = await mint_access_token(live_app.config, live_app.database_url, "officer")
    before = await _jwks_kids(live_app)

    new_key = await live_app.run(admin.rotate_keys, live_app.config.secret_key)

    after = await _jwks_kids(live_app)
    assert after == [new_key.kid, before[0]]
    assert (await userinfo(live_app, old_token)).status_code == 200  # previous key verifies
    new_token = await mint_access_token(live_app.config, live_app.database_url, "officer")
    assert (await userinfo(live_app, new_token)).status_code == 200  # unknown kid → refetched

    await live_app.run(admin.rotate_keys, live_app.config.secret_key)
    assert new_key.kid in await _jwks_kids(live_app)
    await asyncio.sleep(live_app.config.jwks_max_age_seconds)  # the cached key set ages out
    assert (await userinfo(live_app, old_token)).status_code == 401  # retired key


async def test_private_keys_are_stored_encrypted(live_app):
    await _jwks_kids(live_app)
    stored = await live_app.run(lambda session: list(session.scalars(select(SigningKey))))
    assert stored and all("PRIVATE KEY" not in key.private_key_encrypted for key in stored)
