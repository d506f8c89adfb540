"""`yulu backup` and `yulu restore` on the database under test (SQLite, and PostgreSQL under
`make test`): a backup restored into a new database holds every row of every table, and a
restore never writes into a database that already has tables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import MetaData, func, select

from models.db import create_engine

pytestmark = pytest.mark.db


async def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            metadata = MetaData()
            await connection.run_sync(metadata.reflect)
            return {
                name: (
                    await connection.execute(select(func.count()).select_from(table))
                ).scalar_one()
                for name, table in metadata.tables.items()
            }
    finally:
        await engine.dispose()


def yulu(url: str, *arguments: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "YULU_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "portal.cli", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


async def test_a_backup_restored_into_a_new_database_holds_every_row(
    seeded_url: str, empty_url: str, tmp_path: Path
):
    out = tmp_path / "alliance.backup"
    done = yulu(seeded_url, "backup", str(out))
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 0
    done = yulu(empty_url, "restore", str(out))
    assert done.returncode == 0, done.stderr
    expected = await row_counts(seeded_url)
    assert expected["persons"] > 0 and expected["alembic_version"] == 1
    assert await row_counts(empty_url) == expected


async def test_a_restore_refuses_a_database_with_tables_and_a_backup_refuses_to_overwrite(
    seeded_url: str, tmp_path: Path
):
    out = tmp_path / "alliance.backup"
    assert yulu(seeded_url, "backup", str(out)).returncode == 0
    before = await row_counts(seeded_url)
    refused = yulu(seeded_url, "restore", str(out))
    assert refused.returncode == 1 and "恢复只写入新的空数据库" in refused.stderr
    assert "Traceback" not in refused.stderr
    again = yulu(seeded_url, "backup", str(out))
    assert again.returncode == 1 and "已存在" in again.stderr
    assert await row_counts(seeded_url) == before
