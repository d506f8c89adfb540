"""The seeds are deterministic, and every identifier in them is well-formed and real."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from stdnum import numdb
from stdnum.cn import ric, uscc

import migrations
from models.db import create_engine
from models.organisations import Organisation
from models.people import Household, Person
from models.regions import NATION_CODE, Region
from seeds import demo, loader, reference


async def _hash(url: str) -> str:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await loader.content_hash(connection)
    finally:
        await engine.dispose()


async def _seed_and_hash(url: str) -> str:
    await asyncio.to_thread(migrations.upgrade, url)
    await loader.seed(url, "test")
    return await _hash(url)


async def test_same_seed_same_content(empty_url: str) -> None:
    first = await _seed_and_hash(empty_url)
    await asyncio.to_thread(migrations.downgrade, empty_url)
    assert await _seed_and_hash(empty_url) == first


async def test_every_id_number_is_valid_and_matches_household_and_birth(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(
                    Person.id_number, Person.birth_date, Person.gender, Household.region_code
                ).join(Household, Household.id == Person.household_id)
            )
        ).all()
    assert rows
    for id_number, birth_date, gender, region_code in rows:
        assert ric.is_valid(id_number), id_number
        assert ric.get_birth_date(id_number) == birth_date
        assert id_number[:6] == region_code
        assert int(id_number[16]) % 2 == (1 if gender == "male" else 0)


async def test_every_credit_code_is_valid(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        codes = (await connection.execute(select(Organisation.credit_code))).scalars().all()
    assert codes and all(uscc.is_valid(code) for code in codes)


async def test_every_region_code_exists_in_gb_t_2260(engine: AsyncEngine) -> None:
    table = numdb.get("cn/loc")
    async with engine.connect() as connection:
        codes = (await connection.execute(select(Region.code))).scalars().all()
    for code in codes:
        if code != NATION_CODE:
            assert table.info(code)[-1][1], code


def test_reference_data_meets_the_catalogue_floor() -> None:
    assert len(reference.majors()) >= 80
    assert len(reference.occupations()) >= 60
    chongqing = {r.code for r in reference.regions() if r.code.startswith("50")}
    assert {"500229", "500238", "500242", "500243"} <= reference.key_county_codes() & chongqing
    assert ("500000", "370000") in reference.pairings()


def test_demo_scale_identities_are_valid_without_a_database() -> None:
    """The full demo scale (31,000+ persons) generates unique, valid identities."""
    people = [
        row
        for table, rows in demo.generate("demo", "x")
        if table is Person.__table__
        for row in rows
    ]
    assert len(people) >= 31_000
    assert len({p["id_number"] for p in people}) == len(people)
    assert all(ric.is_valid(p["id_number"]) for p in people)


async def _analyzed(url: str) -> set[str]:
    """The tables whose planner statistics an ANALYZE wrote."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                query = "SELECT DISTINCT tbl FROM sqlite_stat1"
            else:  # last_analyze: a manual ANALYZE only, never autovacuum's
                query = "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
            return set((await connection.exec_driver_sql(query)).scalars())
    finally:
        await engine.dispose()


async def _vacuumed(url: str) -> set[str] | None:
    """PostgreSQL's tables a manual VACUUM went over (their visibility maps set); None on SQLite."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                return None
            query = "SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL"
            return set((await connection.exec_driver_sql(query)).scalars())
    finally:
        await engine.dispose()


async def test_a_seed_leaves_fresh_planner_statistics(seeded_url: str) -> None:
    tables = {"persons", "households", "applications", "positions"}
    assert tables <= await _analyzed(seeded_url)
    vacuumed = await _vacuumed(seeded_url)
    assert vacuumed is None or tables <= vacuumed


def test_yulu_migrate_leaves_fresh_planner_statistics(empty_url: str) -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith("YULU_")}
    migrated = subprocess.run(
        [sys.executable, "-m", "portal.cli", "migrate"],
        env={**env, "YULU_DATABASE_URL": empty_url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrated.returncode == 0, migrated.stderr
    # The migrations load the default alert rules (0016): a table with rows to analyze.
    assert "alert_rules" in asyncio.run(_analyzed(empty_url))
