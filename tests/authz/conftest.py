"""One alliance (database + uvicorn on 127.0.0.1 + tokens) per test module of this package."""

from __future__ import annotations

import pytest

from tests.authz.alliance import running_alliance


@pytest.fixture(scope="module")
async def alliance(tmp_path_factory):
    async with running_alliance(tmp_path_factory.mktemp("authz")) as running:
        yield running


def pytest_collection_modifyitems(items):
    for item in items:
        if "alliance" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)
