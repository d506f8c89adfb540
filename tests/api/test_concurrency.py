"""Class seats and position headcount are never exceeded under concurrent calls.

Every attempt runs in its own session on its own connection, and all of them open their
transaction before any of them writes (a barrier), so the conditional UPDATEs really race.
On PostgreSQL the losers block on the row lock and re-check the condition; on SQLite the
writes serialise. Either way exactly ``PLACES`` attempts win.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

import migrations
from auth.viewer import Viewer
from models.applications import Application, ApplicationSource, Stage
from models.classes import ClassKind, Enrolment, TrainingClass
from models.organisations import Organisation, OrganisationKind, Role
from models.people import Education, StudentRecord
from models.positions import Position, PositionKind, PositionState
from models.tracking import EmploymentRecord
from resolvers.context import Context
from resolvers.ids import to_global_id
from schema.api import build_schema
from seeds import loader
from tests.api.conftest import member
from tests.conftest import create_database, drop_database

pytestmark = pytest.mark.db

ATTEMPTS = 20
PLACES = 5

HIRE = """mutation($id: ID!, $version: Int!) {
  transitionApplication(input: {id: $id, version: $version, stage: HIRED}) { errors { code } } }"""
ENROL = """mutation($classId: ID!, $personId: ID!) {
  enrolStudent(classId: $classId, personId: $personId) { errors { code } } }"""


@pytest.fixture(scope="module")
async def engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    """A database of its own: these tests commit, and must not leave rows for the others."""
    url = await create_database(tmp_path_factory.mktemp("concurrency"))
    await asyncio.to_thread(migrations.upgrade, url)
    await loader.seed(url, "test")
    # A connection per attempt, no more: the barrier in ``race`` would wait forever for a
    # queued attempt. (The seed left the SQLite file in WAL mode; 30 s is its busy timeout.)
    sqlite_options = (
        {"connect_args": {"timeout": 30}} if make_url(url).get_backend_name() == "sqlite" else {}
    )
    engine = create_async_engine(url, pool_size=ATTEMPTS, max_overflow=0, **sqlite_options)
    yield engine
    await engine.dispose()
    await drop_database(url)


async def first_of_kind(session: AsyncSession, kind: OrganisationKind) -> Organisation:
    return (
        await session.scalars(
            select(Organisation).where(Organisation.kind == kind).order_by(Organisation.id)
        )
    ).first()


async def race(engine: AsyncEngine, viewer: Viewer, query: str, variables: list[dict]) -> Counter:
    """Run one mutation per variables concurrently, each in its own committed transaction;
    returns how many succeeded ("ok") and how many failed with each error code."""
    everyone_in_a_transaction = asyncio.Barrier(len(variables))

    async def attempt(values: dict) -> str:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            await session.execute(text("SELECT 1"))
            await everyone_in_a_transaction.wait()
            result = await build_schema().execute(
                query, variable_values=values, context_value=Context(session=session, viewer=viewer)
            )
        assert result.errors is None, result.errors
        (payload,) = result.data.values()
        return payload["errors"][0]["code"] if payload["errors"] else "ok"

    return Counter(await asyncio.gather(*(attempt(values) for values in variables)))


async def offers_for_a_small_position(
    engine: AsyncEngine,
) -> tuple[Organisation, Position, list[Application]]:
    """A new open position with ``PLACES`` places and an offer to each of ``ATTEMPTS`` persons."""
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        enterprise = await first_of_kind(session, OrganisationKind.ENTERPRISE)
        position = Position(
            enterprise_id=enterprise.id,
            title="焊工",
            occupation_code=await session.scalar(select(Position.occupation_code)),
            kind=PositionKind.REGULAR,
            state=PositionState.OPEN,
            min_education=Education.JUNIOR_MIDDLE,
            headcount=PLACES,
            filled=0,
            salary_min=4000,
            salary_max=6000,
            region_code=enterprise.region_code,
            valid_from=date(2025, 1, 1),
            valid_until=date(2030, 12, 31),
        )
        session.add(position)
        await session.flush()
        person_ids = (await session.scalars(select(StudentRecord.person_id).limit(ATTEMPTS))).all()
        offers = [
            Application(
                person_id=p,
                position_id=position.id,
                source=ApplicationSource.SELF,
                stage=Stage.OFFER,
            )
            for p in person_ids
        ]
        session.add_all(offers)
    return enterprise, position, offers


async def test_concurrent_hires_never_exceed_the_headcount(engine):
    enterprise, position, offers = await offers_for_a_small_position(engine)
    variables = [
        {"id": to_global_id("Application", offer.id), "version": offer.version} for offer in offers
    ]

    outcomes = await race(engine, member(Role.ENTERPRISE, enterprise.id), HIRE, variables)

    assert outcomes == {"ok": PLACES, "POSITION_FULL": ATTEMPTS - PLACES}
    async with AsyncSession(engine) as session:
        assert (
            await session.scalar(select(Position.filled).where(Position.id == position.id))
            == PLACES
        )
        hired = select(func.count()).where(
            Application.position_id == position.id, Application.stage == Stage.HIRED
        )
        assert await session.scalar(hired) == PLACES
        records = select(func.count()).where(EmploymentRecord.position_id == position.id)
        assert await session.scalar(records) == PLACES


async def a_small_class(
    engine: AsyncEngine,
) -> tuple[Organisation, TrainingClass, Sequence[int]]:
    """A new short-training class with ``PLACES`` seats, and ``ATTEMPTS`` students of its school."""
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        school = await first_of_kind(session, OrganisationKind.SCHOOL)
        training_class = TrainingClass(
            school_id=school.id,
            kind=ClassKind.SHORT_TRAINING,
            name="电工短训班",
            cohort_year=2025,
            seats=PLACES,
            enrolled=0,
            starts_on=date(2025, 9, 1),
            ends_on=date(2025, 12, 31),
        )
        session.add(training_class)
        students = (
            select(StudentRecord.person_id)
            .where(StudentRecord.school_id == school.id)
            .limit(ATTEMPTS)
        )
        student_ids = (await session.scalars(students)).all()
    assert len(student_ids) == ATTEMPTS
    return school, training_class, student_ids


async def test_concurrent_enrolments_never_exceed_the_seats(engine):
    school, training_class, student_ids = await a_small_class(engine)
    class_id = to_global_id("TrainingClass", training_class.id)
    variables = [{"classId": class_id, "personId": to_global_id("Person", p)} for p in student_ids]

    outcomes = await race(engine, member(Role.SCHOOL, school.id), ENROL, variables)

    assert outcomes == {"ok": PLACES, "CLASS_FULL": ATTEMPTS - PLACES}
    async with AsyncSession(engine) as session:
        assert (
            await session.scalar(
                select(TrainingClass.enrolled).where(TrainingClass.id == training_class.id)
            )
            == PLACES
        )
        enrolments = select(func.count()).where(Enrolment.class_id == training_class.id)
        assert await session.scalar(enrolments) == PLACES
