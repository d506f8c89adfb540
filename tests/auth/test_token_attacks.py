"""The resource server refuses every malformed or forged token with one fixed answer."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

from joserfc import jwt
from joserfc.jwk import ECKey

from auth import keys
from auth.config import AuthConfig
from models.oauth import RevokedAccessToken
from tests.auth.oauth_client import userinfo
from tests.tokens import mint_access_token

UNAUTHENTICATED = {
    "errors": [{"message": "Authentication required", "extensions": {"code": "UNAUTHENTICATED"}}]
}


def _claims(config: AuthConfig, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "iss": config.issuer,
        "aud": config.audience,
        "sub": "1",
        "client_id": "c",
        "scope": "alliance:read profile",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": f"attack-{time.monotonic_ns()}",
        "uid": 1,
        "role": "bureau",
        "organisation": 1,
        "region": "500229",
        "region_level": "county",
        "person": None,
    }
    return {**claims, **overrides}


async def _current_key(live_app) -> ECKey:
    return await live_app.run(keys.signing_key, live_app.config.secret_key)


async def _forge(live_app, header: dict | None = None, key: ECKey | None = None, **claims) -> str:
    key = key or await _current_key(live_app)
    header = {"alg": "ES256", "kid": key.kid, "typ": "at+jwt", **(header or {})}
    header = {name: value for name, value in header.items() if value is not None}
    return jwt.encode(header, _claims(live_app.config, **claims), key)


async def _assert_refused(live_app, token: str) -> None:
    answer = await userinfo(live_app, token)
    assert answer.status_code == 401
    assert answer.json() == UNAUTHENTICATED
    assert answer.headers["www-authenticate"] == 'Bearer realm="yulu", error="invalid_token"'


async def test_a_well_formed_token_is_accepted(live_app):
    assert (await userinfo(live_app, await _forge(live_app))).status_code == 200


async def test_expired_token(live_app):
    now = int(time.time())
    await _assert_refused(live_app, await _forge(live_app, iat=now - 900, exp=now - 120))


async def test_not_yet_valid_token(live_app):
    await _assert_refused(live_app, await _forge(live_app, nbf=int(time.time()) + 120))


async def test_wrong_issuer(live_app):
    await _assert_refused(live_app, await _forge(live_app, iss="http://127.0.0.1:1"))


async def test_wrong_audience(live_app):
    await _assert_refused(live_app, await _forge(live_app, aud="https://other.example/api"))


async def test_alg_none(live_app):
    def segment(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    key = await _current_key(live_app)
    header = {"alg": "none", "typ": "at+jwt", "kid": key.kid}
    await _assert_refused(live_app, f"{segment(header)}.{segment(_claims(live_app.config))}.")


async def test_missing_typ(live_app):
    await _assert_refused(live_app, await _forge(live_app, header={"typ": None}))


async def test_wrong_typ(live_app):
    await _assert_refused(live_app, await _forge(live_app, header={"typ": "JWT"}))


async def test_bad_signature(live_app):
    current = await _current_key(live_app)
    impostor = ECKey.generate_key("P-256", parameters={"kid": current.kid}, private=True)
    await _assert_refused(live_app, await _forge(live_app, key=impostor))


async def test_revoked_jti(live_app):
    token = await _forge(live_app, jti="revoked-by-test")
    await live_app.run(
        lambda session: session.add(
            RevokedAccessToken(jti="revoked-by-test", expires_at=_in_five_minutes())
        )
    )
    await _assert_refused(live_app, token)


def _in_five_minutes():
    return datetime.now(UTC) + timedelta(minutes=5)


async def test_unknown_kid(live_app):
    stranger = ECKey.generate_key("P-256", parameters={"kid": "no-such-key"}, private=True)
    await _assert_refused(live_app, await _forge(live_app, key=stranger))


async def test_garbage_token(live_app):
    await _assert_refused(live_app, "not.a.jwt")


async def test_missing_scope_is_forbidden_not_unauthenticated(live_app):
    token = await mint_access_token(
        live_app.config, live_app.database_url, "officer", scope="alliance:read"
    )
    answer = await userinfo(live_app, token)
    assert answer.status_code == 403
    assert answer.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert 'error="insufficient_scope"' in answer.headers["www-authenticate"]
