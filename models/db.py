"""Engines and sessions: one URL picks SQLite (embedded default) or PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from asyncpg import exceptions as asyncpg_exc
from sqlalchemy import event
from sqlalchemy import exc as sqlalchemy_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine


def create_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # JIT compilation pays off for long analytic scans, not for this API's short indexed queries:
    # it fires on the planner's cost estimate and added 50–100 ms to matching queries of ~20 ms.
    engine = create_async_engine(
        url,
        pool_size=10,
        max_overflow=10,
        connect_args={"server_settings": {"jit": "off"}},
    )
    event.listen(engine.sync_engine, "checkout", _closed_by_the_server)
    return engine


def _closed_by_the_server(dbapi_connection, _record, _proxy) -> None:
    """A pooled connection the server hung up on (a restart, a failover, pg_terminate_backend)
    is replaced at checkout, and with it every connection pooled before: the server sent its
    goodbye and closed the socket, which asyncpg has read by the time the pool hands the
    connection out. Pre-ping found the same with a round trip (two: BEGIN, ROLLBACK) per
    checkout; a connection that dies while in use fails its statement (503, Retry-After) and
    invalidates the pool just the same."""
    if dbapi_connection.driver_connection.is_closed():
        raise sqlalchemy_exc.InvalidatePoolError("the server closed the connection")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLite leaves foreign keys off by default; the constraints are part of the model's contract.
    # WAL lets the portal read while a seed or a mutation writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


async def refresh_statistics(database_url: str, *, vacuum: bool = False) -> None:
    """Fresh planner statistics for every table, after a seed or a migration changed many rows:
    until then PostgreSQL plans from whatever its autovacuum last saw (an empty table, say) and
    SQLite from no statistics at all (it never gathers them by itself). SQLite's ANALYZE reads
    at most ~1,000 rows per index (analysis_limit), so a large file is not read whole.

    ``vacuum`` (after a seed): on PostgreSQL, VACUUM (ANALYZE) instead, which also sets the
    visibility map of the freshly written tables, without which every index-only scan visits
    the heap for each row (bench-scale matching: p50 582 → 213 ms, measured in bench.matching)."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                await connection.exec_driver_sql("PRAGMA analysis_limit=1000")
                await connection.exec_driver_sql("ANALYZE")
                await connection.commit()
            else:
                # VACUUM runs outside any transaction block.
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.exec_driver_sql("VACUUM (ANALYZE)" if vacuum else "ANALYZE")
    finally:
        await engine.dispose()


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


# Why a statement could not run that is the database's state, not the request's: no connection
# (refused, reset, timed out, the pool exhausted), a server starting up or shutting down, too many
# clients, a locked or missing SQLite file. Answered as 503 with Retry-After, never as a 500.
_UNAVAILABLE = (
    OSError,  # ConnectionRefusedError, ConnectionResetError, TimeoutError, socket.gaierror
    sqlalchemy_exc.TimeoutError,  # the pool had no connection to give
    asyncpg_exc.PostgresConnectionError,
    asyncpg_exc.CannotConnectNowError,
    asyncpg_exc.TooManyConnectionsError,
    asyncpg_exc.AdminShutdownError,
    asyncpg_exc.CrashShutdownError,
)
_SQLITE_UNAVAILABLE = ("unable to open database file", "database is locked", "disk I/O error")


def database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` (or an exception it was raised from) says the database cannot be
    reached right now."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, _UNAVAILABLE):
            return True
        if isinstance(error, sqlalchemy_exc.DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, sqlite3.OperationalError) and any(
            text in str(error) for text in _SQLITE_UNAVAILABLE
        ):
            return True
        error = (
            getattr(error, "orig", None)
            or getattr(error, "original_error", None)
            or error.__cause__
            or error.__context__
        )
    return False
