"""Shared fixtures: a migrated, seeded database per test session, on SQLite by default or on
PostgreSQL when YULU_TEST_DATABASE_URL names one (`make test` does both).

Each PostgreSQL session creates its own throwaway database, so parallel runs never collide.
Tests that need a database are marked ``db`` (the fixtures below mark them automatically).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

import migrations
from models.db import create_engine
from seeds import loader

DATABASE_FIXTURES = {"database_url", "engine", "session", "seeded_url", "empty_url"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


async def _admin(url: str):
    parsed = make_url(url)
    return await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database=parsed.database,
    )


async def create_database(tmp_path: Path) -> str:
    """A new empty database; returns its SQLAlchemy URL."""
    base = os.environ.get("YULU_TEST_DATABASE_URL")
    if not base:
        return f"sqlite+aiosqlite:///{tmp_path / f'yulu-{uuid.uuid4().hex[:8]}.db'}"
    name = f"yulu_test_{uuid.uuid4().hex[:12]}"
    admin = await _admin(base)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = await _admin(os.environ["YULU_TEST_DATABASE_URL"])
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A migrated database holding the small `test` scale of the demo alliance."""
    url = await create_database(tmp_path_factory.mktemp("db"))
    await asyncio.to_thread(migrations.upgrade, url)
    await loader.seed(url, "test")
    yield url
    await drop_database(url)


@pytest.fixture
async def empty_url(tmp_path: Path) -> AsyncIterator[str]:
    """A new database with no tables at all."""
    url = await create_database(tmp_path)
    yield url
    await drop_database(url)


@pytest.fixture(scope="session")
def database_url(seeded_url: str) -> str:
    return seeded_url


@pytest.fixture(scope="session")
async def engine(seeded_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(seeded_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session whose every write is rolled back when the test ends."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        try:
            yield session
        finally:
            await session.close()
            await transaction.rollback()
