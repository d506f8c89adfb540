"""The database itself rejects bad rows, and the rejection reads as a clear message."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import errors
from models.classes import TrainingClass
from models.organisations import Organisation
from models.people import Person
from models.positions import Position


async def _violation(session: AsyncSession, statement) -> errors.ConstraintViolation:
    with pytest.raises(IntegrityError) as caught:
        async with session.begin_nested():
            await session.execute(statement)
    return errors.describe(caught.value)


async def test_duplicate_resident_id_number(session: AsyncSession) -> None:
    person = (await session.execute(select(Person).limit(1))).scalar_one()
    row = {
        c.name: getattr(person, c.key)
        for c in Person.__table__.c
        if c.name not in ("id", "created_at", "updated_at")
    }
    violation = await _violation(session, insert(Person).values(**row))
    assert (violation.field, violation.code) == ("idNumber", "DUPLICATE")
    assert "身份证号" in violation.message


async def test_duplicate_credit_code(session: AsyncSession) -> None:
    organisation = (await session.execute(select(Organisation).limit(1))).scalar_one()
    violation = await _violation(
        session,
        insert(Organisation).values(
            kind="agency",
            name="重复机构",
            credit_code=organisation.credit_code,
            region_code=organisation.region_code,
        ),
    )
    assert (violation.field, violation.code) == ("creditCode", "DUPLICATE")


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"salary_min": 9000, "salary_max": 3000}, "salaryMin", "SALARY_RANGE"),
        ({"headcount": -1, "filled": 0}, "headcount", "NEGATIVE"),
        (
            {"valid_from": date(2027, 1, 1), "valid_until": date(2026, 1, 1)},
            "validUntil",
            "DATE_RANGE",
        ),
    ],
)
async def test_position_rules(session: AsyncSession, values: dict, field: str, code: str) -> None:
    position_id = (await session.execute(select(Position.id).limit(1))).scalar_one()
    violation = await _violation(
        session, update(Position).where(Position.id == position_id).values(**values)
    )
    assert (violation.field, violation.code) == (field, code)


async def test_class_ends_before_it_starts(session: AsyncSession) -> None:
    class_id = (await session.execute(select(TrainingClass.id).limit(1))).scalar_one()
    violation = await _violation(
        session,
        update(TrainingClass)
        .where(TrainingClass.id == class_id)
        .values(starts_on=date(2027, 1, 1), ends_on=date(2026, 1, 1)),
    )
    assert (violation.field, violation.code) == ("endsOn", "DATE_RANGE")


async def test_negative_seats(session: AsyncSession) -> None:
    class_id = (await session.execute(select(TrainingClass.id).limit(1))).scalar_one()
    violation = await _violation(
        session,
        update(TrainingClass).where(TrainingClass.id == class_id).values(seats=-1, enrolled=0),
    )
    assert (violation.field, violation.code) == ("seats", "NEGATIVE")


async def test_unknown_enum_value_is_refused(session: AsyncSession) -> None:
    position_id = (await session.execute(select(Position.id).limit(1))).scalar_one()
    # Raw SQL: the ORM would refuse the value before the database could.
    statement = text("UPDATE positions SET kind = 'gig' WHERE id = :id").bindparams(id=position_id)
    violation = await _violation(session, statement)
    assert violation.code == "CONSTRAINT"
