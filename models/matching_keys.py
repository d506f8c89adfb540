"""The matching keys on ``employment_intentions``, kept equal to their sources.

Matching reads a graduate's major, education, household (county, and the priority flags:
monitored, key assistance county, relocated) and availability from the intention row itself, so
its candidate queries touch one indexed table. These are copies: ``refresh`` recomputes them from
persons, student_records, households, regions and employment_records, and an ORM hook calls it
after every flush that changed one of those sources. Bulk Core writes bypass the hook and must
run ``refresh_statement`` (or, like the seeds, write the same values).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Update, and_, event, exists, false, func, or_, select, update
from sqlalchemy.orm import Session

from models.people import (
    MONITORED_CATEGORIES,
    EmploymentIntention,
    Household,
    Person,
    StudentRecord,
)
from models.regions import Region
from models.tracking import EmploymentRecord


def _household_of_intention() -> ColumnElement[bool]:
    return and_(Person.id == EmploymentIntention.person_id, Household.id == Person.household_id)


def available() -> ColumnElement[bool]:
    """The graduate may be matched: seeking work (or a change), or not in work now."""
    in_work = exists().where(
        EmploymentRecord.person_id == EmploymentIntention.person_id,
        EmploymentRecord.end_date.is_(None),
    )
    return or_(EmploymentIntention.seeking, ~in_work)


def refresh_statement(where: ColumnElement[bool]) -> Update:
    """UPDATE the keys of the intentions ``where`` selects, from their sources."""
    major = select(StudentRecord.major_code).where(
        StudentRecord.person_id == EmploymentIntention.person_id
    )
    monitored = select(Household.category.in_(sorted(MONITORED_CATEGORIES))).where(
        _household_of_intention()
    )
    relocated = select(Household.relocated).where(_household_of_intention())
    key_county = select(Region.is_key_county).where(
        _household_of_intention(), Region.code == Household.region_code
    )
    region = select(Household.region_code).where(_household_of_intention())
    education = select(Person.education).where(Person.id == EmploymentIntention.person_id)
    return (
        update(EmploymentIntention)
        .where(where)
        .values(
            match_major_code=major.scalar_subquery(),
            match_monitored=func.coalesce(monitored.scalar_subquery(), false()),
            match_relocated=func.coalesce(relocated.scalar_subquery(), false()),
            match_key_county=func.coalesce(key_county.scalar_subquery(), false()),
            match_region_code=region.scalar_subquery(),
            match_education=education.scalar_subquery(),
            match_available=available(),
        )
        .execution_options(synchronize_session=False)
    )


def affected(
    person_ids: Iterable[int], household_ids: Iterable[int], region_codes: Iterable[str]
) -> ColumnElement[bool]:
    """Intentions whose keys depend on any of these persons, households or regions."""
    person_ids, household_ids, region_codes = (
        sorted(set(person_ids)),
        sorted(set(household_ids)),
        sorted(set(region_codes)),
    )
    households = select(Household.id).where(
        or_(Household.id.in_(household_ids), Household.region_code.in_(region_codes))
    )
    persons = select(Person.id).where(Person.household_id.in_(households))
    return or_(
        EmploymentIntention.person_id.in_(person_ids), EmploymentIntention.person_id.in_(persons)
    )


@event.listens_for(Session, "after_flush")
def _refresh_after_flush(session: Session, _flush_context) -> None:
    changed = list(session.new) + list(session.dirty)
    person_ids = [
        o.person_id
        for o in changed
        if isinstance(o, (EmploymentIntention, StudentRecord, EmploymentRecord))
    ]
    person_ids += [o.person_id for o in session.deleted if isinstance(o, EmploymentRecord)]
    person_ids += [o.id for o in changed if isinstance(o, Person)]
    household_ids = [o.id for o in changed if isinstance(o, Household)]
    region_codes = [o.code for o in changed if isinstance(o, Region)]
    if person_ids or household_ids or region_codes:
        session.connection().execute(
            refresh_statement(affected(person_ids, household_ids, region_codes))
        )
