"""Stream the generated alliance into the database, and fingerprint what is there."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime, time

from sqlalchemy import Table, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Session

import models
from auth import admin
from auth.passwords import hash_password
from models.alerts import Alert
from models.db import create_engine, refresh_statistics
from models.organisations import Role, User
from models.people import EmploymentIntention, Person
from models.positions import Position
from models.regions import Region
from models.statistics import StatisticsVersion, bump_statement
from models.tracking import AssistanceCase, EmploymentRecord
from seeds import demo

# Left out of the content fingerprint: columns the database fills with the clock, and salted
# password hashes (a fresh salt each time is the point of a salt).
UNFINGERPRINTED = {
    "created_at",
    "updated_at",
    "registered_at",
    "enrolled_at",
    "at",
    "password_hash",
}


async def seed(database_url: str, scale: str, if_empty: bool = False) -> str:
    """Load reference data and the ``scale`` alliance; returns a one-line summary."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            existing = (
                await connection.execute(select(func.count()).select_from(Person))
            ).scalar_one()
            if (existing or not await _is_empty(connection)) and if_empty:
                # A real alliance started with `yulu init` holds no persons at first.
                return f"database already holds data ({existing} persons); seed skipped"
            if existing or not await _is_empty(connection):
                raise SystemExit("the database already holds data; seed an empty database")
            counts = await _insert_all(connection, scale)
            await _reset_sequences(connection)
            await connection.execute(bump_statement())  # a bare connection: no session saw it
    finally:
        await engine.dispose()
    await refresh_statistics(database_url, vacuum=True)
    total = sum(counts.values())
    return f"seeded scale {scale}: {total} rows ({counts['persons']} persons, {counts['positions']} positions)"


class NotEmpty(Exception):
    """``yulu init`` writes into an empty (migrated) database only."""


async def _is_empty(connection: AsyncConnection) -> bool:
    for table in (Region.__table__, User.__table__):
        if (await connection.execute(select(func.count()).select_from(table))).scalar_one():
            return False
    return True


async def check_empty(database_url: str) -> None:
    """NotEmpty unless the database holds no region and no user (checked before the password is
    asked for, so an operator is not prompted for nothing)."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            if not await _is_empty(connection):
                raise NotEmpty("the database already holds data; init needs an empty database")
    finally:
        await engine.dispose()


async def init(database_url: str, admin_username: str, password: str) -> str:
    """A new alliance's first day: the reference data alone (regions, pairings, majors,
    occupations) and the first administrator, in one transaction; returns a one-line summary."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            if not await _is_empty(connection):
                raise NotEmpty("the database already holds data; init needs an empty database")
            counts: Counter = Counter()
            for table, rows in demo.reference_rows():
                await connection.execute(insert(table), rows)
                counts[table.name] += len(rows)
            await connection.execute(bump_statement())  # a bare connection: no session saw it
            await connection.run_sync(
                lambda sync: admin.create_user(
                    Session(bind=sync), admin_username, password, role=Role.ADMIN
                )
            )
    finally:
        await engine.dispose()
    loaded = ", ".join(f"{count} {name}" for name, count in counts.items())
    return f"loaded {loaded}; administrator {admin_username} created"


async def _insert_all(connection: AsyncConnection, scale: str) -> Counter:
    counts: Counter = Counter()
    positions: list[dict] = []
    for table, rows in demo.generate(scale, hash_password(demo.DEMO_PASSWORD)):
        if table is Position.__table__:
            # Inserted first with nothing filled; hires are generated later and settle the counts.
            positions.extend(rows)
            rows = [{**row, "filled": 0} for row in rows]
        if rows:
            await connection.execute(insert(table), rows)
            counts[table.name] += len(rows)
    await _settle_filled(connection, positions)
    await _settle_seeking(connection)
    counts["alerts"] = await _raise_alerts(connection)
    return counts


async def _raise_alerts(connection: AsyncConnection) -> int:
    """The early warning as of the demo's today, as the daily run would raise it."""
    from resolvers.alerts import evaluate

    session = AsyncSession(bind=connection, expire_on_commit=False)
    try:
        raised = len(await evaluate(session, demo.AS_OF))
    finally:
        await session.close()
    await _handle_alerts_of_open_cases(connection)
    return raised


async def _handle_alerts_of_open_cases(connection: AsyncConnection) -> None:
    """Where a help case is already open for the person, the office has linked the alert to it
    (the queue shows handled alerts beside the open ones)."""
    alerts, cases = Alert.__table__, AssistanceCase.__table__
    open_case = (
        select(func.min(cases.c.id))
        .where(cases.c.person_id == alerts.c.person_id, cases.c.state == "open")
        .scalar_subquery()
    )
    await connection.execute(
        update(alerts)
        .where(open_case.is_not(None))
        .values(
            state="handled",
            case_id=open_case,
            handled_at=datetime.combine(
                demo.AS_OF, time(9), UTC
            ),  # fixed: the same seed, same rows
        )
    )


async def _settle_filled(connection: AsyncConnection, positions: list[dict]) -> None:
    filled = [{"position_id": p["id"], "filled": p["filled"]} for p in positions if p["filled"]]
    if filled:
        table = Position.__table__
        statement = (
            update(table).where(table.c.id == text(":position_id")).values(filled=text(":filled"))
        )
        await connection.execute(statement, filled)


async def _settle_seeking(connection: AsyncConnection) -> None:
    """Graduates in work stop seeking, except one in ten who want a change (a fixed choice), and
    so are no longer available for matching (the matching key, models.matching_keys).

    Done once employment is known: the generator writes intentions before any hire.
    """
    intentions, records = EmploymentIntention.__table__, EmploymentRecord.__table__
    in_work = select(records.c.person_id).where(records.c.end_date.is_(None))
    await connection.execute(
        update(intentions)
        .where(intentions.c.person_id.in_(in_work), intentions.c.person_id % 10 != 0)
        .values(seeking=False, match_available=False)
    )


async def _reset_sequences(connection: AsyncConnection) -> None:
    """Explicit ids bypass PostgreSQL's sequences; move each past the highest id."""
    if connection.dialect.name != "postgresql":
        return
    for table in models.metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.primary_key:
            await connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"GREATEST((SELECT MAX(id) FROM {table.name}), 1))"
                )
            )


async def content_hash(connection: AsyncConnection) -> str:
    """SHA-256 over every table's rows in primary-key order (not the statistics version: a
    random value each time the data changes)."""
    digest = hashlib.sha256()
    for table in models.metadata.sorted_tables:
        if table is StatisticsVersion.__table__:
            continue
        digest.update(table.name.encode())
        for row in await _rows(connection, table):
            digest.update(repr(row).encode())
    return digest.hexdigest()


async def _rows(connection: AsyncConnection, table: Table) -> list[tuple]:
    columns = [c for c in table.c if c.name not in UNFINGERPRINTED]
    order = list(table.primary_key.columns) or columns
    result = await connection.execute(select(*columns).order_by(*order))
    return [tuple(_canonical(value) for value in row) for row in result]


def _canonical(value):
    # Both databases must fingerprint alike: JSON lists may come back as str on one of them.
    return str(value) if value is not None else None
