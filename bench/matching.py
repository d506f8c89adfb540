"""Matching latency at bench scale: top-k matchedGraduates for a position and matchedPositions for
a graduate, p50 / p95 over a deterministic sample, and peak memory. Prints a table; not a test.

    .venv/bin/python -m bench.matching --url postgresql+asyncpg://postgres@127.0.0.1/yulu_bench
    .venv/bin/python -m bench.matching --url sqlite+aiosqlite:///var/bench.db

Seed the database first (`yulu migrate && yulu seed --scale bench`; minutes). Calls go through the
engine (resolvers.matching), the function the GraphQL fields call, one session per call as a
request has (the small reference catalogues are cached per process, as in the app). Every call is
warm: a first pass over the sample warms the database's caches, the second pass is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable

from sqlalchemy import func, select

from models.db import create_engine, session_factory
from models.people import EmploymentIntention
from models.positions import Position
from resolvers.matching import matched_graduates, matched_positions
from resolvers.matching.candidates import open_with_headcount

SAMPLE_SEED = 5


async def _sample(sessions, statement, size: int) -> list[int]:
    async with sessions() as session:
        ids = list(await session.scalars(statement))
    return sorted(random.Random(SAMPLE_SEED).sample(ids, min(size, len(ids))))


async def _timed(sessions, ids: list[int], call: Callable[..., Awaitable]) -> list[float]:
    latencies = []
    for ident in ids:
        async with sessions() as session:
            started = time.perf_counter()
            await call(session, ident)
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _row(backend: str, query: str, first: int, population: int, latencies: list[float], peak: float) -> str:
    ordered = sorted(latencies)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (f"| {backend} | {query} | {first} | {population:,} | {len(ordered)} | {statistics.median(ordered):.1f} "
            f"| {p95:.1f} | {max(ordered):.1f} | {peak:.1f} |")


async def run(url: str, size: int, first: int) -> list[str]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    backend = engine.dialect.name
    try:
        positions = await _sample(sessions, select(Position.id).where(open_with_headcount()), size)
        graduates = await _sample(sessions, select(EmploymentIntention.person_id), size)
        async with sessions() as session:
            graduate_pool = await session.scalar(select(func.count()).select_from(EmploymentIntention))
            position_pool = await session.scalar(select(func.count()).select_from(Position).where(open_with_headcount()))
        cases = [
            ("matchedGraduates(position)", positions, graduate_pool,
             lambda session, ident: matched_graduates(session, ident, first=first)),
            ("matchedPositions(graduate)", graduates, position_pool,
             lambda session, ident: matched_positions(session, ident, first=first)),
        ]
        rows = []
        for query, ids, population, call in cases:
            await _timed(sessions, ids, call)  # warm the caches
            latencies = await _timed(sessions, ids, call)
            tracemalloc.start()  # a separate pass: tracing slows Python down several times
            await _timed(sessions, ids[:20], call)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            rows.append(_row(backend, query, first, population, latencies, peak))
        return rows
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL of a bench-scale database")
    parser.add_argument("--sample", type=int, default=200, help="positions and graduates to query")
    parser.add_argument("--first", type=int, default=50, help="page size (top-k)")
    args = parser.parse_args()
    rows = asyncio.run(run(args.url, args.sample, args.first))
    print("| database | query | top-k | among | calls | p50 ms | p95 ms | max ms | peak Python heap MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
          "(includes the interpreter and libraries)")


if __name__ == "__main__":
    main()
