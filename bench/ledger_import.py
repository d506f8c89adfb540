"""A 100,000-row census import (ledger a) on SQLite and PostgreSQL: time and peak memory of the
check (the preview) and of the commit, interleaved repetitions. Prints a table; not a test.

    .venv/bin/python -m bench.ledger_import [--rows 100000] [--repetitions 3]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test]

The workbook is written once (xlsxwriter, streamed), every row a new child of 城口县 with a valid
resident ID number. Each measurement runs in a fresh process over a fresh database (migrated, the
`test` scale of the demo seeded), as the county bureau's officer through ``resolvers.ledgers.run``
— the function the portal's jobs and ``yulu ledger import`` call. Memory: the process's peak RSS
(ru_maxrss) and its rise during the import (0 when the import stays below the peak the imports
of the libraries reached), and the Python heap's peak from tracemalloc, measured in one extra run
of each phase (tracemalloc slows allocation several times, so the timed runs go without it).
Repetitions alternate the databases (SQLite, PostgreSQL, SQLite, …) so that a busy moment of the
shared machine does not fall on one database only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import date, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url
from stdnum.cn import ric

COUNTY = "500229"
COUNTY_USER = "county"


def _id_number(i: int) -> str:
    born = date(2005, 1, 1) + timedelta(days=i % 5000)
    base = f"{COUNTY}{born:%Y%m%d}{900 + i // 5000:03d}"  # 900+: no seeded person has these
    return base + ric.calc_check_digit(base + "0")


def write_file(path: Path, rows: int) -> None:
    from resolvers import ledgers
    from resolvers.workbooks import Column, Sheet, write_workbook

    headers = [field.header for field in ledgers.CENSUS.fields]
    values = {
        "户籍地代码": COUNTY,
        "家庭类别": "脱贫户",
        "摸底年份": 2026,
        "愿意就读职业院校": "是",
    }

    def row(i: int) -> list:
        return [
            {"姓名": f"基准{i}", "身份证号": _id_number(i), **values}.get(h, "") for h in headers
        ]

    sheet = Sheet("数据", [Column(h) for h in headers], (row(i) for i in range(rows)))
    path.write_bytes(write_workbook([sheet]))


# --- one measurement, in a process of its own ------------------------------------------------


async def _measure(url: str, file: Path, commit: bool, trace: bool) -> dict:
    from auth.acting import granted_scope, user_named, viewer_of
    from auth.portal_signin import PORTAL_SCOPES
    from models.db import create_engine, session_factory
    from resolvers import ledgers
    from resolvers.context import Context

    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            user = await user_named(session, COUNTY_USER)
            viewer = await viewer_of(session, user, granted_scope(user, PORTAL_SCOPES))
            ctx = Context(session=session, viewer=viewer)
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            if trace:
                tracemalloc.start()
            started = time.perf_counter()
            report = await ledgers.run(ctx, ledgers.CENSUS, file, commit=commit)
            if commit:
                await session.commit()
            seconds = time.perf_counter() - started
            _, heap_peak = tracemalloc.get_traced_memory()  # (0, 0) when not tracing
            tracemalloc.stop()
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    finally:
        await engine.dispose()
    assert report.ok, report.as_json()["problems"][:5]
    return {
        "seconds": seconds,
        "rows": report.rows,
        "created": report.counts["create"],
        "heap_mib": heap_peak / 2**20,
        "rss_delta_mib": (rss_after - rss_before) / 1024,  # ru_maxrss is in KiB on Linux
        "rss_peak_mib": rss_after / 1024,
    }


async def _fresh_database(kind: str, postgres: str, directory: Path) -> str:
    import migrations
    from seeds import loader

    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{directory / f'bench-{uuid.uuid4().hex[:8]}.db'}"
    else:
        name = f"yulu_bench_{uuid.uuid4().hex[:10]}"
        parsed = make_url(postgres)
        admin = await asyncpg.connect(
            host=parsed.host,
            port=parsed.port or 5432,
            user=parsed.username,
            database=parsed.database,
        )
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        url = parsed.set(database=name).render_as_string(hide_password=False)
    await asyncio.to_thread(migrations.upgrade, url)
    await loader.seed(url, "test")
    return url


async def _drop(url: str, postgres: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        await asyncio.to_thread(Path(str(parsed.database)).unlink, missing_ok=True)
        return
    base = make_url(postgres)
    admin = await asyncpg.connect(
        host=base.host, port=base.port or 5432, user=base.username, database=base.database
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    finally:
        await admin.close()


def _child(args: argparse.Namespace) -> None:
    phase, _, traced = args.phase.partition("+")
    print(
        json.dumps(
            asyncio.run(_measure(args.url, Path(args.file), phase == "commit", bool(traced)))
        )
    )


def _run_child(url: str, file: Path, phase: str) -> dict:
    command = [sys.executable, "-m", "bench.ledger_import", "--child", "--url", url]
    command += ["--file", str(file), "--phase", phase]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _table(results: dict[tuple[str, str], list[dict]], rows: int) -> str:
    lines = [
        "| database | phase | rows | runs | median s | spread s (min–max) | rows/s (median) "
        "| tracemalloc peak MiB | ru_maxrss delta MiB (max) | process peak RSS MiB (max) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (database, phase), runs in results.items():
        if phase.endswith("+trace"):
            continue
        seconds = [run["seconds"] for run in runs]
        median = statistics.median(seconds)
        traced = results.get((database, phase + "+trace"), [])
        heap = f"{max(run['heap_mib'] for run in traced):.1f}" if traced else "—"
        lines.append(
            f"| {database} | {phase} | {rows:,} | {len(runs)} | {median:.1f} | "
            f"{min(seconds):.1f}–{max(seconds):.1f} | {rows / median:,.0f} | {heap} | "
            f"{max(run['rss_delta_mib'] for run in runs):.1f} | "
            f"{max(run['rss_peak_mib'] for run in runs):.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "YULU_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
        help="a PostgreSQL database to create the benchmark's databases from",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        file = folder / "census.xlsx"
        started = time.perf_counter()
        write_file(file, args.rows)
        print(
            f"wrote {args.rows:,} rows ({file.stat().st_size / 2**20:.1f} MiB) "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        results: dict[tuple[str, str], list[dict]] = {}
        for repetition in range(args.repetitions):
            for database in ("SQLite", "PostgreSQL"):
                # The first repetition also runs both phases once under tracemalloc (on a
                # database of its own): its heap peak, without its cost in the timed runs.
                traced = (("check+trace", "commit+trace"),) if repetition == 0 else ()
                for phases in (("check", "commit"), *traced):
                    url = asyncio.run(_fresh_database(database.lower(), args.postgres, folder))
                    try:
                        for phase in phases:
                            run = _run_child(url, file, phase)
                            results.setdefault((database, phase), []).append(run)
                            print(
                                f"#{repetition + 1} {database} {phase}: {json.dumps(run)}",
                                flush=True,
                            )
                    finally:
                        asyncio.run(_drop(url, args.postgres))
        print(_table(results, args.rows))


if __name__ == "__main__":
    main()
