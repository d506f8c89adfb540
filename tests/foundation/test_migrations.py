"""The migrations and the models describe the same schema, on both databases."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import migrations
import models
from models.db import create_engine


async def _diff_and_tables(url: str) -> tuple[list, set[str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:

            def inspect_schema(sync_connection):
                context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
                diff = compare_metadata(context, models.metadata)
                return diff, set(inspect(sync_connection).get_table_names())

            return await connection.run_sync(inspect_schema)
    finally:
        await engine.dispose()


async def test_upgrade_head_yields_exactly_the_models(empty_url: str) -> None:
    await asyncio.to_thread(migrations.upgrade, empty_url)
    diff, tables = await _diff_and_tables(empty_url)
    assert diff == []
    assert set(models.metadata.tables) <= tables


async def test_downgrade_base_removes_every_table(empty_url: str) -> None:
    await asyncio.to_thread(migrations.upgrade, empty_url)
    await asyncio.to_thread(migrations.downgrade, empty_url)
    _, tables = await _diff_and_tables(empty_url)
    assert tables <= {"alembic_version"}
