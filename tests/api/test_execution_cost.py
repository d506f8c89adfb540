"""Issue 15: what a read costs per resolved field, counted (not timed) so a regression fails on
any machine. For the shapes bench/execution.py measures — the large nested read (aliased pages
of positions × applications × applicant), the small nested page (classes × students × student
record) and the portal's SchoolLedger and PositionPipeline — the SQL statements are exact and
the Python function calls per field (cProfile's count over the execution ÷ the answer's fields)
stay under a ceiling (CEILINGS) that the code before schema.execution fails."""

from __future__ import annotations

import base64
import cProfile
import pstats
from typing import Any

import pytest
from sqlalchemy import func, select

from auth.acting import portal_viewer
from models.applications import Application
from models.audit import AuditAction, AuditRecord
from models.people import Household, Person
from models.positions import Position
from portal.operations import operations
from resolvers.ids import decode_id, to_global_id
from tests.api.conftest import counting

LARGE_NESTED_READ = """query LargeNestedRead($first: Int, $after1: String, $after2: String) {
  p0: positions(first: $first) { ...Page }
  p1: positions(first: $first, after: $after1) { ...Page }
  p2: positions(first: $first, after: $after2) { ...Page }
}
fragment Page on PositionConnection {
  edges { node { id title kind state headcount filled salaryMin salaryMax validUntil
    applications { id stage source createdAt person { id name gender education } } } }
}"""
SMALL_NESTED_PAGE = """query SmallNestedPage($first: Int) {
  classes(first: $first) { edges { node { id name kind cohortYear
    students { id name gender education studentRecord { entryYear expectedGraduationYear status } } } } }
}"""


# Python function calls per resolved field. For the nested reads, per field the larger answer
# adds (the fixed cost of a request cancels out): 53 and 60 with schema.execution, 67 and 91
# with strawberry's own resolvers. For the portal's operations, the whole request ÷ its fields
# (a fixed page size; statements dominate): 114 and 247, were 128 and 260 (SQLite; PostgreSQL
# about 5% fewer).
CEILINGS = {"large": 64, "small": 72, "SchoolLedger": 124, "PositionPipeline": 280}


def fields_in(value: Any) -> int:
    """Fields resolved: every key of every object of the answer (counted here, independently
    of the executor)."""
    if isinstance(value, dict):
        return len(value) + sum(fields_in(item) for item in value.values())
    if isinstance(value, list):
        return sum(fields_in(item) for item in value)
    return 0


async def measured(run, engine, document: str, viewer, **variables: Any) -> tuple[Any, int, int]:
    """(data, statements, Python function calls) of one execution, after one that warms the
    caches (parsing, validation, the session's first statement)."""
    await run(document, viewer, **variables)
    profile = cProfile.Profile()
    with counting(engine) as statements:
        profile.enable()
        data, errors, _ = await run(document, viewer, **variables)
        profile.disable()
    assert errors is None, errors
    calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
    print(f"\n{statements.count} statements, {calls} calls, {fields_in(data)} fields")
    return data, statements.count, calls


async def per_added_field(run, engine, document: str, viewer, small: dict, large: dict):
    """(the two answers, statements of each, calls per field the larger answer adds): the
    request's fixed cost cancels out, what is left is the cost of a resolved field."""
    a, statements_a, calls_a = await measured(run, engine, document, viewer, **small)
    b, statements_b, calls_b = await measured(run, engine, document, viewer, **large)
    added = fields_in(b) - fields_in(a)
    assert added > 200, "enough fields to count the cost of one"
    print(f"calls per added field: {(calls_b - calls_a) / added:.1f}")
    return (a, b), (statements_a, statements_b), (calls_b - calls_a) / added


def after(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


async def test_large_nested_read(run, engine, session):
    """Three aliased pages of 3, then of 10 positions, with their applications and applicants:
    a page statement per alias, the applications and the applicants of each page; the admin
    sees every name masked, so no masking statement runs (it was WHERE false)."""
    admin = await portal_viewer(session, "admin")
    (_, data), statements, per_field = await per_added_field(
        run,
        engine,
        LARGE_NESTED_READ,
        admin,
        {"first": 3, "after1": after(3), "after2": after(6)},
        {"first": 10, "after1": after(10), "after2": after(20)},
    )
    applications = [
        application
        for page in data.values()
        for edge in page["edges"]
        for application in edge["node"]["applications"]
    ]
    assert sum(len(page["edges"]) for page in data.values()) == 30
    assert len(applications) > 30, "the test seed's positions have applications"
    assert all(a["person"]["name"].endswith("*") for a in applications), "admins see masks"
    assert statements == (9, 9)
    assert per_field < CEILINGS["large"]


async def test_small_nested_page(run, engine, session):
    admin = await portal_viewer(session, "admin")
    (_, data), statements, per_field = await per_added_field(
        run, engine, SMALL_NESTED_PAGE, admin, {"first": 1}, {"first": 10}
    )
    students = [s for edge in data["classes"]["edges"] for s in edge["node"]["students"]]
    assert students, "the test seed's classes have students"
    assert statements == (3, 3)  # classes, students, student records
    assert per_field < CEILINGS["small"]


async def test_school_ledger(run, engine, session):
    """The school sees its own students in clear: the masking statement runs once, and each
    person read in clear has one audit record with the fields and the household's region (the
    insert looks the region up itself)."""
    school = await portal_viewer(session, "school")
    source = operations()["SchoolLedger"].source
    variables = {"ledger": "STUDENTS", "filter": {}}
    data, statements, calls = await measured(run, engine, source, school, **variables)
    assert data["persons"]["edges"], "the school has students"
    assert statements == 9
    assert calls / fields_in(data) < CEILINGS["SchoolLedger"]

    data, _, context = await run(source, school, **variables)
    records = [
        record
        for record in await session.scalars(
            select(AuditRecord).where(AuditRecord.operation == "SchoolLedger")
        )
        if record.detail["request_id"] == context.request_id
    ]
    shown = {decode_id(edge["node"]["id"], "Person") for edge in data["persons"]["edges"]}
    assert sorted(r.subject_person_id for r in records) == sorted(shown)
    regions = dict(
        (
            await session.execute(
                select(Person.id, Household.region_code)
                .join(Household, Household.id == Person.household_id)
                .where(Person.id.in_(shown))
            )
        ).all()
    )
    for record in records:
        assert record.action == AuditAction.READ_PERSONAL
        assert record.fields == ["household", "name"]
        assert record.region_code == regions[record.subject_person_id]


async def test_position_pipeline(run, engine, session):
    enterprise = await portal_viewer(session, "enterprise")
    busiest = await session.scalar(
        select(Position.id)
        .join(Application, Application.position_id == Position.id)
        .where(Position.enterprise_id == enterprise.organisation_id)
        .group_by(Position.id)
        .order_by(func.count().desc(), Position.id)
        .limit(1)
    )
    source = operations()["PositionPipeline"].source
    variables = {"id": to_global_id("Position", busiest)}
    data, statements, calls = await measured(run, engine, source, enterprise, **variables)
    assert data["node"]["applications"], "the enterprise's position has applications"
    assert statements == 10
    assert calls / fields_in(data) < CEILINGS["PositionPipeline"]


@pytest.mark.parametrize("first", [5, 100])
async def test_total_count_without_a_count_statement_on_the_last_page(run, engine, session, first):
    """A page that holds the last rows knows the total: no COUNT statement (one page statement
    and the viewer's rows); a page with more after it counts them."""
    query = (
        """query($first: Int) { positions(first: $first) { totalCount edges { node { id } } } }"""
    )
    expected = await session.scalar(select(func.count()).select_from(Position))  # admin: all
    assert expected is not None and 5 < expected < 100, "the test seed's positions"
    await run(query, first=first)
    with counting(engine) as statements:
        data, errors, _ = await run(query, first=first)
    assert errors is None, errors
    assert data["positions"]["totalCount"] == expected
    assert statements.count == (1 if first == 100 else 2)
