"""What a read costs inside the process (issue 15): ``schema.execute`` with a real Context on a
seeded demo database, one request at a time, against the same answer built by hand (plain SQL
rows and dicts) as the physical limit.

    .venv/bin/python -m bench.execution [--sqlite URL] [--postgresql URL] [--runs 15]

Without ``--sqlite`` the bench seeds a temporary SQLite database at demo scale; PostgreSQL runs
only when given (a database seeded with ``yulu migrate && yulu seed --scale demo``). Each
request is one session and one transaction, as at /graphql, closed at the end without a commit
(the audit insert runs, and is rolled back). Contenders run interleaved, one request each per round; the table gives the
median and the spread (min–max) in ms with the garbage collector as it is and with it disabled
(``gc.disable()``: what is execution's and what is the collector's), then, from one more request
each, SQL statements, Python function calls (cProfile), fields resolved (the keys of the answer)
and gen-0 collections.

The large nested read asks for 360 positions × their applications × the applicant: its bound
(100 applications a position) is above every caller's cost budget, so the bench lifts the budget
for the run (the issue measured it the same way); every other read runs under the budget.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import migrations
from auth import rules
from auth.acting import portal_viewer
from auth.masking import mask_name
from auth.viewer import Viewer
from models.applications import Application
from models.classes import Enrolment, TrainingClass
from models.db import create_engine, session_factory
from models.people import Person, StudentRecord
from models.positions import Position
from portal.operations import operations
from resolvers.context import Context, SerialSession
from resolvers.ids import to_global_id
from schema import extensions
from schema.api import build_schema
from seeds import loader

PAGE = 90  # four aliased pages of 90 (cursors: offsets 90, 180, 270): the demo's 360 positions
LARGE_NESTED_READ = """query LargeNestedRead {
  p0: positions(first: 90) { ...Page }
  p1: positions(first: 90, after: "b2Zmc2V0Ojkw") { ...Page }
  p2: positions(first: 90, after: "b2Zmc2V0OjE4MA==") { ...Page }
  p3: positions(first: 90, after: "b2Zmc2V0OjI3MA==") { ...Page }
}
fragment Page on PositionConnection {
  edges { node { id title kind state headcount filled salaryMin salaryMax validUntil
    applications { id stage source createdAt person { id name gender education } } } }
}"""
SMALL_NESTED_PAGE = """query SmallNestedPage {
  classes(first: 10) { edges { node { id name kind cohortYear
    students { id name gender education studentRecord { entryYear expectedGraduationYear status } } } } }
}"""


@dataclass
class Read:
    name: str
    username: str
    document: str
    variables: dict[str, Any]
    over_budget: bool = False
    by_hand: Callable[[AsyncSession, Viewer], Awaitable[dict[str, Any]]] | None = None


# --- the hand-written references: the same rows, rules and masks, no GraphQL -----------------


def _shown_name(name: str, in_clear: bool) -> str:
    return name if in_clear else mask_name(name)


async def large_by_hand(session: AsyncSession, viewer: Viewer) -> dict[str, Any]:
    """Two statements: the positions, then their applications joined to the applicant with the
    viewer's unmasked rule as a column."""
    positions = (
        await session.execute(
            select(
                Position.id,
                Position.title,
                Position.kind,
                Position.state,
                Position.headcount,
                Position.filled,
                Position.salary_min,
                Position.salary_max,
                Position.valid_until,
            )
            .where(rules.rows(viewer, "positions"))
            .order_by(Position.created_at.desc(), Position.id)
            .limit(4 * PAGE)
        )
    ).all()
    applications = await session.execute(
        select(
            Application.position_id,
            Application.id,
            Application.stage,
            Application.source,
            Application.created_at,
            Person.id,
            Person.name,
            Person.gender,
            Person.education,
            rules.clear(viewer, "name"),
        )
        .join(Person, Person.id == Application.person_id)
        .where(
            Application.position_id.in_([row.id for row in positions]),
            rules.rows(viewer, "applications"),
        )
        .order_by(Application.position_id, Application.id)
    )
    by_position: dict[int, list[dict[str, Any]]] = {}
    for position_id, key, stage, source, at, person, name, gender, education, clear in applications:
        by_position.setdefault(position_id, []).append(
            {
                "id": to_global_id("Application", key),
                "stage": stage.name,
                "source": source.name,
                "createdAt": at.isoformat(),
                "person": {
                    "id": to_global_id("Person", person),
                    "name": _shown_name(name, bool(clear)),
                    "gender": gender.name,
                    "education": education.name,
                },
            }
        )
    nodes = [
        {
            "node": {
                "id": to_global_id("Position", row.id),
                "title": row.title,
                "kind": row.kind.name,
                "state": row.state.name,
                "headcount": row.headcount,
                "filled": row.filled,
                "salaryMin": row.salary_min,
                "salaryMax": row.salary_max,
                "validUntil": row.valid_until.isoformat(),
                "applications": by_position.get(row.id, []),
            }
        }
        for row in positions
    ]
    return {f"p{page}": {"edges": nodes[page * PAGE : (page + 1) * PAGE]} for page in range(4)}


async def small_by_hand(session: AsyncSession, viewer: Viewer) -> dict[str, Any]:
    """Two statements: the classes, then their students with the student record."""
    classes = (
        await session.execute(
            select(
                TrainingClass.id, TrainingClass.name, TrainingClass.kind, TrainingClass.cohort_year
            )
            .where(rules.rows(viewer, "training_classes"))
            .order_by(TrainingClass.created_at.desc(), TrainingClass.id)
            .limit(10)
        )
    ).all()
    students = await session.execute(
        select(
            Enrolment.class_id,
            Person.id,
            Person.name,
            Person.gender,
            Person.education,
            rules.clear(viewer, "name"),
            StudentRecord.entry_year,
            StudentRecord.expected_graduation_year,
            StudentRecord.status,
        )
        .join(Person, Person.id == Enrolment.person_id)
        .outerjoin(StudentRecord, StudentRecord.person_id == Person.id)
        .where(Enrolment.class_id.in_([row.id for row in classes]), rules.rows(viewer, "persons"))
        .order_by(Enrolment.class_id, Person.id)
    )
    by_class: dict[int, list[dict[str, Any]]] = {}
    for class_id, person, name, gender, education, clear, entry, expected, status in students:
        record = (
            None
            if entry is None
            else {"entryYear": entry, "expectedGraduationYear": expected, "status": status.name}
        )
        by_class.setdefault(class_id, []).append(
            {
                "id": to_global_id("Person", person),
                "name": _shown_name(name, bool(clear)),
                "gender": gender.name,
                "education": education.name,
                "studentRecord": record,
            }
        )
    edges = [
        {
            "node": {
                "id": to_global_id("TrainingClass", row.id),
                "name": row.name,
                "kind": row.kind.name,
                "cohortYear": row.cohort_year,
                "students": by_class.get(row.id, []),
            }
        }
        for row in classes
    ]
    return {"classes": {"edges": edges}}


async def reads(sessions: async_sessionmaker) -> list[Read]:
    portal = operations()
    async with sessions() as session:
        enterprise = await portal_viewer(session, "enterprise")
        busiest = await session.scalar(
            select(Position.id)
            .join(Application, Application.position_id == Position.id)
            .where(Position.enterprise_id == enterprise.organisation_id)
            .group_by(Position.id)
            .order_by(func.count().desc(), Position.id)
            .limit(1)
        )
    return [
        Read("large nested read", "admin", LARGE_NESTED_READ, {}, True, large_by_hand),
        Read("small nested page", "admin", SMALL_NESTED_PAGE, {}, False, small_by_hand),
        Read(
            "SchoolLedger",
            "school",
            portal["SchoolLedger"].source,
            {"ledger": "STUDENTS", "filter": {}},
        ),
        Read(
            "PositionPipeline",
            "enterprise",
            portal["PositionPipeline"].source,
            {"id": to_global_id("Position", busiest)},
        ),
    ]


# --- running one request -----------------------------------------------------------------------


@contextmanager
def lifted_budget(lift: bool) -> Iterator[None]:
    saved = dict(extensions.COST_BUDGETS)
    if lift:
        extensions.COST_BUDGETS.update(dict.fromkeys(saved, 10**9))
    try:
        yield
    finally:
        extensions.COST_BUDGETS.update(saved)


Request = Callable[[], Awaitable[dict[str, Any]]]


def through_graphql(sessions: async_sessionmaker, viewer: Viewer, read: Read) -> Request:
    schema = build_schema()

    async def request() -> dict[str, Any]:
        async with sessions() as session:
            context = Context(session=session, viewer=viewer)
            assert isinstance(context.session, SerialSession)  # what Context makes of it
            with lifted_budget(read.over_budget):
                result = await schema.execute(
                    read.document, variable_values=read.variables, context_value=context
                )
            await context.session.settled()
        if result.errors or result.data is None:
            raise RuntimeError(f"{read.name}: {result.errors}")
        return result.data

    return request


def by_hand(sessions: async_sessionmaker, viewer: Viewer, read: Read) -> Request:
    assert read.by_hand is not None
    build = read.by_hand

    async def request() -> dict[str, Any]:
        async with sessions() as session:
            data = await build(session, viewer)
        return data

    return request


def fields_in(value: Any) -> int:
    """Fields resolved: every key of every object of the answer."""
    if isinstance(value, dict):
        return len(value) + sum(fields_in(item) for item in value.values())
    if isinstance(value, list):
        return sum(fields_in(item) for item in value)
    return 0


@dataclass
class Counts:
    statements: int
    calls: int
    fields: int
    gen0: int


async def counted(engine: AsyncEngine, request: Request) -> Counts:
    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        collections = gc.get_stats()[0]["collections"]
        data = await request()
        gen0 = gc.get_stats()[0]["collections"] - collections
        profile = cProfile.Profile()
        profile.enable()
        await request()
        profile.disable()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
    return Counts(statements // 2, calls, fields_in(data), gen0)


async def timed(
    contenders: dict[str, Request], runs: int, collector: bool
) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {name: [] for name in contenders}
    if not collector:
        gc.disable()
    try:
        for _ in range(runs):
            for name, request in contenders.items():
                started = time.perf_counter()
                await request()
                timings[name].append((time.perf_counter() - started) * 1000)
    finally:
        gc.enable()
    return timings


def spread(timings: list[float]) -> str:
    return f"{statistics.median(timings):8.1f} {min(timings):6.1f}–{max(timings):<6.1f}"


async def bench_database(url: str, runs: int) -> None:
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        print(f"\n{engine.dialect.name}: {runs} interleaved rounds (ms: median min–max)")
        print(
            f"{'read':34}{'GC on':>22}{'GC off':>22}{'statements':>11}{'calls':>10}"
            f"{'fields':>8}{'calls/field':>12}{'gen-0':>7}"
        )
        for read in await reads(sessions):
            async with sessions() as session:
                viewer = await portal_viewer(session, read.username)
            contenders = {"GraphQL": through_graphql(sessions, viewer, read)}
            if read.by_hand is not None:
                contenders["hand-written"] = by_hand(sessions, viewer, read)
                answers = [await request() for request in contenders.values()]
                if answers[0] != answers[1]:
                    raise RuntimeError(f"{read.name}: the hand-written answer differs")
            for request in contenders.values():  # warm: caches, prepared statements
                await request()
            on = await timed(contenders, runs, collector=True)
            off = await timed(contenders, runs, collector=False)
            for name, request in contenders.items():
                counts = await counted(engine, request)
                label = f"{read.name} ({name})"
                print(
                    f"{label:34}{spread(on[name]):>22}{spread(off[name]):>22}"
                    f"{counts.statements:>11}{counts.calls:>10,}{counts.fields:>8,}"
                    f"{counts.calls / max(counts.fields, 1):>12.1f}{counts.gen0:>7}"
                )
            if read.by_hand is not None:
                ratio = statistics.median(on["GraphQL"]) / statistics.median(on["hand-written"])
                print(f"{'':34}GraphQL ÷ hand-written: {ratio:.1f}×")
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.execution")
    parser.add_argument("--sqlite", help="a seeded SQLite URL (default: seed a temporary one)")
    parser.add_argument("--postgresql", help="a seeded PostgreSQL URL")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        sqlite = args.sqlite
        if sqlite is None:
            sqlite = f"sqlite+aiosqlite:///{Path(workdir) / 'alliance.db'}"
            migrations.upgrade(sqlite)
            asyncio.run(loader.seed(sqlite, "demo"))
        for url in (sqlite, args.postgresql):
            if url:
                asyncio.run(bench_database(url, args.runs))


if __name__ == "__main__":
    main()
