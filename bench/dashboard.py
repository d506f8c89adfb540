"""The bureau dashboard (the portal's RegionDashboard operation) computed against cached: time
per request and the database server's CPU per request. Prints a table; not a test.

    .venv/bin/python -m bench.dashboard --url postgresql+asyncpg://postgres@127.0.0.1/yulu_demo

Through the schema in-process (``schema.execute`` with a real Context), as the Chongqing bureau
(the demo's province), for the whole province and for 城口县, with and without a year. Each
request opens its own session, as a request does. "computed" keeps no figures
(resolvers.statistics.CACHE_SIZE = 0: every view runs the aggregates, as before the cache);
"cached" is a page view once the figures are known for the data's version. Rounds alternate the
two so that a busy moment of the shared machine falls on both. The server's CPU is read on
PostgreSQL from /proc for the backend serving the session (same machine only).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from sqlalchemy import select, text

from auth import scopes
from auth.viewer import Viewer
from models.db import create_engine, session_factory
from models.organisations import Organisation, OrganisationKind, Role
from models.regions import RegionLevel
from portal.operations import operations
from resolvers import statistics as resolve
from resolvers.context import Context

CASES = [("500000", None), ("500000", 2025), ("500229", 2025)]
TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


async def _one(sessions, schema, viewer: Viewer, code: str, year: int | None):
    async with sessions() as session:
        pid = None
        if session.bind.dialect.name == "postgresql":
            pid = await session.scalar(text("SELECT pg_backend_pid()"))
        before = _cpu_seconds(pid) if pid else None
        started = time.perf_counter()
        result = await schema.execute(
            operations()["RegionDashboard"].source,
            variable_values={"region": code, "year": year},
            context_value=Context(session=session, viewer=viewer),
        )
        elapsed = (time.perf_counter() - started) * 1000
        await session.commit()  # the audit a request writes
        if result.errors:
            raise RuntimeError(result.errors)
        after = _cpu_seconds(pid) if pid else None
        server = (after - before) * 1000 if before is not None and after is not None else None
        return elapsed, server


async def run(url: str, rounds: int, requests: int) -> list[str]:
    from schema.api import build_schema

    engine = create_engine(url)
    sessions = session_factory(engine)
    schema = build_schema()
    try:
        async with sessions() as session:
            bureau = await session.scalar(
                select(Organisation.id).where(
                    Organisation.kind == OrganisationKind.BUREAU,
                    Organisation.region_code == "500000",
                )
            )
        viewer = Viewer(
            role=Role.BUREAU,
            organisation_id=bureau,
            region_code="500000",
            region_level=RegionLevel.PROVINCE,
            scopes=frozenset({scopes.READ}),
        )
        results: dict[tuple, dict[str, list]] = {}
        size = resolve.CACHE_SIZE
        for _ in range(rounds):
            for mode, cache_size in (("computed", 0), ("cached", size)):
                resolve.CACHE_SIZE = cache_size
                for code, year in CASES:
                    await _one(sessions, schema, viewer, code, year)  # warm (fills the cache)
                    found = results.setdefault((code, year, mode), {"ms": [], "cpu": []})
                    for _ in range(requests):
                        elapsed, server = await _one(sessions, schema, viewer, code, year)
                        found["ms"].append(elapsed)
                        if server is not None:
                            found["cpu"].append(server)
        return [_row(engine.dialect.name, key, found) for key, found in results.items()]
    finally:
        await engine.dispose()


def _row(backend: str, key: tuple, found: dict[str, list]) -> str:
    code, year, mode = key
    ms = sorted(found["ms"])
    # /proc counts whole clock ticks: the mean over many requests, not the median of each.
    cpu = f"{statistics.mean(found['cpu']):.1f}" if found["cpu"] else "–"
    return (
        f"| {backend} | {code} | {year or 'all years'} | {mode} | {len(ms)} "
        f"| {statistics.median(ms):.1f} | {ms[0]:.1f}–{ms[-1]:.1f} | {cpu} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL (the demo seed)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=10, help="per case, mode and round")
    args = parser.parse_args()
    rows = asyncio.run(run(args.url, args.rounds, args.requests))
    print(
        "| database | region | year | figures | requests | p50 ms | min–max ms | server CPU ms (mean) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
