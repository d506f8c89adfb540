"""`yulu keys|tokens|clients|users` against a real database, as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import select

from auth.clock import utcnow
from models.db import create_engine, session_factory
from models.oauth import AuthorizationCode, OAuthClient, RefreshToken, RevokedAccessToken
from models.organisations import User
from tests.auth.conftest import SECRET_KEY


def _yulu(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    # The live app's secret key: `keys rotate` encrypts the new private key with it.
    env = {**os.environ, "YULU_DATABASE_URL": database_url, "YULU_SECRET_KEY": SECRET_KEY}
    return subprocess.run(
        [sys.executable, "-m", "portal.cli", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_operator_commands(auth_database_url):
    created = _yulu(
        auth_database_url,
        "users",
        "create",
        "cli-officer",
        "--role",
        "admin",
        "--password-stdin",
        stdin="a long passphrase\n",
    )
    assert created.returncode == 0, created.stderr
    assert "cli-officer" in _yulu(auth_database_url, "users", "list").stdout
    assert (
        _yulu(
            auth_database_url,
            "users",
            "passwd",
            "cli-officer",
            "--password-stdin",
            stdin="another passphrase\n",
        ).returncode
        == 0
    )

    client = _yulu(
        auth_database_url,
        "clients",
        "create",
        "cli-system",
        "--grant",
        "client_credentials",
        "--service-user",
        "cli-officer",
        "--scope",
        "alliance:read",
    )
    assert client.returncode == 0, client.stderr
    assert "client_secret" in client.stdout
    assert "cli-system\tconfidential" in _yulu(auth_database_url, "clients", "list").stdout
    refused = _yulu(auth_database_url, "clients", "create", "bad", "--grant", "client_credentials")
    assert refused.returncode != 0 and "service user" in refused.stderr
    assert _yulu(auth_database_url, "clients", "delete", "cli-system").returncode == 0
    assert "cli-system" not in _yulu(auth_database_url, "clients", "list").stdout

    rotated = _yulu(auth_database_url, "keys", "rotate")
    assert rotated.returncode == 0 and "new signing key" in rotated.stdout


async def test_tokens_purge_deletes_only_what_has_expired(auth_database_url):
    past, future = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1)
    engine = create_engine(auth_database_url)
    async with session_factory(engine)() as session:
        user = await session.scalar(select(User.id).where(User.username == "teacher"))
        session.add(
            OAuthClient(
                client_id="purge-app",
                name="purge-app",
                redirect_uris=["https://a.example/cb"],
                grant_types=["authorization_code", "refresh_token"],
                scope="alliance:read",
            )
        )
        await session.flush()
        for label, expires_at in (("old", past), ("live", future)):
            session.add_all(
                [
                    AuthorizationCode(
                        code_hash=f"code-{label}",
                        client_id="purge-app",
                        user_id=user,
                        redirect_uri="https://a.example/cb",
                        scope="alliance:read",
                        code_challenge="x" * 43,
                        code_challenge_method="S256",
                        expires_at=expires_at,
                    ),
                    RefreshToken(
                        token_hash=f"refresh-{label}",
                        family_id="family",
                        client_id="purge-app",
                        user_id=user,
                        scope="alliance:read",
                        issued_at=past,
                        expires_at=expires_at,
                        access_token_jti=f"jti-{label}",
                        access_token_expires_at=expires_at,
                    ),
                    RevokedAccessToken(jti=f"jti-{label}", expires_at=expires_at),
                ]
            )
        await session.commit()

    purged = _yulu(auth_database_url, "tokens", "purge")
    assert purged.returncode == 0, purged.stderr
    assert "oauth_revoked_access_tokens\t1 expired rows deleted" in purged.stdout

    async with session_factory(engine)() as session:
        for key, prefix in (
            (AuthorizationCode.code_hash, "code"),
            (RefreshToken.token_hash, "refresh"),
            (RevokedAccessToken.jti, "jti"),
        ):
            kept = set(
                await session.scalars(
                    select(key).where(key.in_([f"{prefix}-old", f"{prefix}-live"]))
                )
            )
            assert kept == {f"{prefix}-live"}
    await engine.dispose()
