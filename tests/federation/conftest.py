"""The federation on loopback: the alliance app over the seeded test database, both partner
subgraphs seeded to match it, and Hive Gateway in front — started once for this package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.local import GATEWAY_DIR, Federation, running_federation
from models.settings import get_settings
from tests.tokens import mint_access_token

# The signing keys in the shared test database are encrypted under the settings' secret key, so
# the alliance process must run with that same key.
SECRET_KEY = get_settings().secret_key


NODE_PACKAGES = (
    GATEWAY_DIR,
    GATEWAY_DIR / "partners" / "school_registry",
    Path(__file__).parent / "apollo_composition",
)


@pytest.fixture(scope="session", autouse=True)
def gateway_tools() -> None:
    for package in NODE_PACKAGES:
        if not (package / "node_modules" / ".package-lock.json").exists():
            pytest.fail(f"{package}/node_modules is missing: `make test` runs `npm ci` there first")


@pytest.fixture(scope="session")
def federation(seeded_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    workdir = tmp_path_factory.mktemp("federation")
    with running_federation(seeded_url, workdir, scale="test", secret_key=SECRET_KEY) as running:
        yield running


@pytest.fixture(scope="session")
async def token_of(federation: Federation, seeded_url: str):
    """``await token_of(username)``: a real access token the running alliance app would issue."""
    tokens: dict[str, str] = {}

    async def token(username: str) -> str:
        if username not in tokens:
            tokens[username] = await mint_access_token(
                federation.auth_config(), seeded_url, username
            )
        return tokens[username]

    return token


def statements(sql_log: Path) -> list[str]:
    return sql_log.read_text().splitlines() if sql_log.exists() else []
