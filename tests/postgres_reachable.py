"""Exit 0 when the PostgreSQL server at the given SQLAlchemy URL answers, 1 otherwise."""

from __future__ import annotations

import asyncio
import sys

import asyncpg
from sqlalchemy.engine import make_url


async def reachable(url: str) -> bool:
    parsed = make_url(url)
    try:
        connection = await asyncpg.connect(
            host=parsed.host,
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            database=parsed.database,
            timeout=5,
        )
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await connection.close()
    return True


if __name__ == "__main__":
    sys.exit(0 if asyncio.run(reachable(sys.argv[1])) else 1)
