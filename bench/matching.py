"""Matching latency at bench scale: top-k matchedGraduates for a position and matchedPositions for
a graduate, p50 / p95 over a deterministic sample, and peak memory. Prints a table; not a test.

    .venv/bin/python -m bench.matching --url postgresql+asyncpg://postgres@127.0.0.1/yulu_bench
    .venv/bin/python -m bench.matching --url sqlite+aiosqlite:///var/bench.db
    .venv/bin/python -m bench.matching --url ... --graphql   # through the GraphQL schema in-process

Seed the database first (`yulu migrate && yulu seed --scale bench`; minutes). Calls go through the
engine (resolvers.matching), the function the GraphQL fields call, one session per call as a
request has (the small reference catalogues are cached per process, as in the app). Every call is
warm: a first pass over the sample warms the database's caches, the second pass is measured.

With ``--graphql`` the same top-k queries run through the schema in-process (``schema.execute``
with a real Context, as an agency's officer with every scope): the viewer's scope, the DataLoaders
of each match's graduate and position, masking and the audit of names read in clear included.
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

from auth import scopes
from auth.viewer import Viewer
from models.db import create_engine, session_factory
from models.organisations import Membership, Organisation, OrganisationKind, Role
from models.people import EmploymentIntention
from models.positions import Position
from resolvers.context import Context
from resolvers.ids import to_global_id
from resolvers.matching import matched_graduates, matched_positions
from resolvers.matching.candidates import open_with_headcount

SAMPLE_SEED = 5
GRADUATES_QUERY = """query($id: ID!, $first: Int) { node(id: $id) { ... on Position { matchedGraduates(first: $first) {
    edges { cursor node { score reasons missing graduate { name studentRecord { school { name } } } position { title } } }
    pageInfo { hasNextPage } } } } }"""
POSITIONS_QUERY = """query($id: ID!, $first: Int) { node(id: $id) { ... on Person { matchedPositions(first: $first) {
    edges { cursor node { score reasons missing position { title enterprise { name } } } }
    pageInfo { hasNextPage } } } } }"""


def _through_graphql(viewer: Viewer, query: str, type_name: str, first: int):
    from schema.api import build_schema

    schema = build_schema()

    async def call(session, ident: int) -> None:
        result = await schema.execute(
            query,
            variable_values={"id": to_global_id(type_name, ident), "first": first},
            context_value=Context(session=session, viewer=viewer),
        )
        if result.errors or result.data is None:
            raise RuntimeError(result.errors)
        (connection,) = (result.data["node"] or {"none": None}).values()
        if connection is None:
            raise RuntimeError(f"{type_name} {ident} not visible to the bench viewer")

    return call


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


def _row(
    backend: str, query: str, first: int, population: int, latencies: list[float], peak: float
) -> str:
    ordered = sorted(latencies)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (
        f"| {backend} | {query} | {first} | {population:,} | {len(ordered)} | {statistics.median(ordered):.1f} "
        f"| {p95:.1f} | {max(ordered):.1f} | {peak:.1f} |"
    )


async def run(url: str, size: int, first: int, graphql: bool = False) -> list[str]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    backend = engine.dialect.name
    try:
        positions = await _sample(sessions, select(Position.id).where(open_with_headcount()), size)
        # Seeking graduates, in both modes: an unavailable one would answer at once with nothing
        # (and the agency of --graphql may ask about seeking graduates only).
        graduates = await _sample(
            sessions, select(EmploymentIntention.person_id).where(EmploymentIntention.seeking), size
        )
        async with sessions() as session:
            graduate_pool = await session.scalar(
                select(func.count()).where(EmploymentIntention.match_available)
            )
            position_pool = await session.scalar(
                select(func.count()).select_from(Position).where(open_with_headcount())
            )
        cases = [
            (
                "matchedGraduates(position)",
                positions,
                graduate_pool,
                lambda session, ident: matched_graduates(session, ident, first=first),
            ),
            (
                "matchedPositions(graduate)",
                graduates,
                position_pool,
                lambda session, ident: matched_positions(session, ident, first=first),
            ),
        ]
        if graphql:
            async with sessions() as session:
                agency = await session.scalar(
                    select(Organisation.id)
                    .where(
                        Organisation.kind == OrganisationKind.AGENCY,
                        Organisation.membership == Membership.APPROVED,
                    )
                    .order_by(Organisation.id)
                    .limit(1)
                )
            viewer = Viewer(
                role=Role.AGENCY,
                organisation_id=agency,
                scopes=frozenset({scopes.READ, scopes.WRITE, scopes.PERSONAL}),
            )
            cases = [
                (
                    "GraphQL matchedGraduates(position)",
                    positions,
                    graduate_pool,
                    _through_graphql(viewer, GRADUATES_QUERY, "Position", first),
                ),
                (
                    "GraphQL matchedPositions(graduate)",
                    graduates,
                    position_pool,
                    _through_graphql(viewer, POSITIONS_QUERY, "Person", first),
                ),
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
    parser.add_argument(
        "--graphql",
        action="store_true",
        help="through the GraphQL schema in-process, as an agency viewer",
    )
    args = parser.parse_args()
    rows = asyncio.run(run(args.url, args.sample, args.first, args.graphql))
    print(
        "| database | query | top-k | among | calls | p50 ms | p95 ms | max ms | peak Python heap MiB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(
        f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
        "(includes the interpreter and libraries)"
    )


if __name__ == "__main__":
    main()
