"""Item 6: production is safe by default.

`yulu serve` with YULU_PRODUCTION=1 refuses to start on the development secret, on an issuer
that is not https, or on a setting it cannot parse — naming the variable, exiting non-zero, with
no traceback; with good settings it serves, and anonymous `_service { sdl }` is not answered
(an authenticated client still reads it). Development is unchanged.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator

import httpx2
import pytest

import migrations
from auth.config import AuthConfig
from models.settings import get_settings
from portal.app import create_app
from seeds import loader
from tests.conftest import create_database, drop_database
from tests.live_server import free_port, serving
from tests.tokens import mint_access_token

PRODUCTION_SECRET = "yulu-production-secret-0123456789-abcdefghij"
PRODUCTION_ISSUER = "https://yulu.example.gov.cn"
SERVICE_SDL = "{ _service { sdl } }"
GOOD_PRODUCTION = {
    "YULU_PRODUCTION": "1",
    "YULU_SECRET_KEY": PRODUCTION_SECRET,
    "YULU_ISSUER": PRODUCTION_ISSUER,
    "YULU_FEDERATION_KEY": secrets.token_urlsafe(32),
}


def environment(database_url: str, **settings: str | None) -> dict[str, str]:
    """This process's environment without any YULU_ setting, then ``settings`` (None: unset)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("YULU_")}
    env["YULU_DATABASE_URL"] = database_url
    env.update({name: value for name, value in settings.items() if value is not None})
    return env


def yulu(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "portal.cli", *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


REFUSED = [
    # (the setting, what is wrong with it, the environment on top of good production settings)
    ("YULU_SECRET_KEY", "the development default", {"YULU_SECRET_KEY": None}),
    ("YULU_SECRET_KEY", "too short to be random", {"YULU_SECRET_KEY": "hunter2hunter2"}),
    ("YULU_ISSUER", "the http default", {"YULU_ISSUER": None}),
    ("YULU_ISSUER", "plain http", {"YULU_ISSUER": "http://yulu.example.gov.cn"}),
    ("YULU_ACCESS_TOKEN_SECONDS", "not a number", {"YULU_ACCESS_TOKEN_SECONDS": "15m"}),
    ("YULU_REFRESH_TOKEN_SECONDS", "negative", {"YULU_REFRESH_TOKEN_SECONDS": "-5"}),
    ("YULU_PRODUCTION", "neither 0 nor 1", {"YULU_PRODUCTION": "yes"}),
    ("YULU_FEDERATION_KEY", "missing with the person key on", {"YULU_FEDERATION_KEY": None}),
    ("YULU_FEDERATION_KEY", "too short to be random", {"YULU_FEDERATION_KEY": "short-key"}),
    (
        "YULU_FEDERATION_KEY",
        "the development default",
        {"YULU_FEDERATION_KEY": "development-only-federation-key-change-me"},
    ),
    ("YULU_TRUSTED_ISSUERS", "broken JSON", {"YULU_TRUSTED_ISSUERS": '[{"issuer": "https://idp'}),
]


@pytest.mark.parametrize(
    ("variable", "wrong", "overrides"), REFUSED, ids=[f"{v}: {w}" for v, w, _ in REFUSED]
)
def test_yulu_serve_refuses_to_start_on_unsafe_or_unreadable_settings(
    tmp_path, variable, wrong, overrides
):
    env = environment(
        f"sqlite+aiosqlite:///{tmp_path / 'never-opened.db'}", **{**GOOD_PRODUCTION, **overrides}
    )
    server = yulu("serve", "--port", str(free_port()), env=env)
    _, stderr = server.communicate(timeout=60)
    assert server.returncode != 0
    assert variable in stderr and "Traceback" not in stderr, stderr
    assert not (tmp_path / "never-opened.db").exists()


def test_an_unreadable_setting_is_refused_in_development_too(tmp_path):
    env = environment(
        f"sqlite+aiosqlite:///{tmp_path / 'dev.db'}", YULU_ACCESS_TOKEN_SECONDS="fifteen"
    )
    migrate = yulu("migrate", env=env)
    _, stderr = migrate.communicate(timeout=60)
    assert (
        migrate.returncode != 0
        and "YULU_ACCESS_TOKEN_SECONDS" in stderr
        and "Traceback" not in stderr
    )


def test_create_app_refuses_the_development_secret_in_production():
    settings = get_settings().replace(production=True, issuer=PRODUCTION_ISSUER)
    with pytest.raises(ValueError, match="YULU_SECRET_KEY"):
        create_app(settings)


@pytest.fixture(scope="module")
async def production_database(tmp_path_factory) -> AsyncIterator[str]:
    """A seeded database of its own: its signing key is made under the production secret."""
    url = await create_database(tmp_path_factory.mktemp("production-db"))
    await asyncio.to_thread(migrations.upgrade, url)
    await loader.seed(url, "test")
    yield url
    await drop_database(url)


@pytest.fixture(scope="module")
def production_server(production_database) -> Iterator[str]:
    """`yulu serve` in production mode with good settings, as an operator would start it."""
    port = free_port()
    server = yulu(
        "serve", "--port", str(port), env=environment(production_database, **GOOD_PRODUCTION)
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()[1]
            try:
                if httpx2.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            assert time.monotonic() < deadline, "yulu serve did not come up"
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.communicate(timeout=30)


def service_sdl(url: str, token: str | None = None) -> httpx2.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx2.post(f"{url}/graphql", json={"query": SERVICE_SDL}, headers=headers)


@pytest.mark.db
def test_production_does_not_answer_service_sdl_anonymously(production_server):
    answer = service_sdl(production_server)
    assert answer.status_code == 200
    body = answer.json()
    assert body["data"] is None and "type Query" not in answer.text
    assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"]


@pytest.mark.db
async def test_production_answers_service_sdl_to_an_authenticated_client(
    production_server, production_database
):
    settings = get_settings().replace(issuer=PRODUCTION_ISSUER, secret_key=PRODUCTION_SECRET)
    token = await mint_access_token(
        AuthConfig.from_settings(settings), production_database, "enterprise"
    )
    answer = service_sdl(production_server, token)
    assert answer.status_code == 200
    assert "type Query" in answer.json()["data"]["_service"]["sdl"]


@pytest.mark.db
def test_development_still_answers_service_sdl_anonymously(production_database):
    port = free_port()
    settings = get_settings().replace(
        database_url=production_database, issuer=f"http://127.0.0.1:{port}"
    )
    with serving(create_app(settings), port) as url:
        answer = service_sdl(url)
    assert "type Query" in answer.json()["data"]["_service"]["sdl"]
