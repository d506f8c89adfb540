"""SQL candidate generation: hard filters, bands of candidates, and profiles for the scorer.

A band is a slice of the candidate pool on which the two strongest factors are already known
from indexed columns — the major fit from the catalogue code (``student_records.major_code``,
``position_majors.major_code``) and the intention fit from the desired occupation
(``employment_intention_occupations.occupation_code``, ``positions.occupation_code``). The
engine reads bands in order of their score bound and stops early, so a query reads a few
hundred rows out of a million instead of scoring everyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, String, and_, cast, exists, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from models.applications import Application
from models.catalogue import Major, Occupation
from models.classes import Enrolment, class_reserved_positions
from models.people import (
    EDUCATION_RANK,
    Education,
    EmploymentIntention,
    Household,
    HouseholdCategory,
    LocationTier,
    Person,
    StudentRecord,
    employment_intention_occupations as intention_occupations,
    employment_intention_regions as intention_regions,
)
from models.positions import Position, PositionState, position_majors
from models.regions import Region, RegionPairing
from models.tracking import EmploymentRecord
from resolvers.matching.explain import Names
from resolvers.matching.scoring import (
    MAJOR_EXACT,
    MAJOR_NONE,
    MAJOR_SAME_CATEGORY,
    MAJOR_SAME_CLASS,
    GraduateProfile,
    PositionProfile,
    educations_at_least,
)


@dataclass(frozen=True)
class Reference:
    """The small national catalogues matching reads on every call."""

    major_codes: tuple[str, ...]
    names: Names
    paired_provinces: frozenset[tuple[str, str]]

    @classmethod
    async def load(cls, session: AsyncSession) -> Reference:
        majors = (await session.execute(select(Major.code, Major.name))).all()
        occupations = (await session.execute(select(Occupation.code, Occupation.name))).all()
        pairings = (await session.execute(select(RegionPairing.west_code, RegionPairing.east_code))).all()
        return cls(
            major_codes=tuple(sorted(code for code, _ in majors)),
            names=Names(majors=dict(majors), occupations=dict(occupations)),
            paired_provinces=frozenset((west[:2], east[:2]) for west, east in pairings),
        )

    def majors_by_fit(self, accepted: Iterable[str]) -> dict[float, frozenset[str]]:
        """Catalogue majors grouped by the major fit they would get against ``accepted``.

        The ``MAJOR_NONE`` group holds the majors related to none of them; graduates with no
        major on record also fall there (the SQL adds ``IS NULL``).
        """
        accepted = frozenset(accepted)
        classes = {code[:4] for code in accepted}
        categories = {code[:2] for code in accepted}
        groups: dict[float, set[str]] = {level: set() for level in (MAJOR_EXACT, MAJOR_SAME_CLASS,
                                                                     MAJOR_SAME_CATEGORY, MAJOR_NONE)}
        for code in set(self.major_codes) | accepted:
            if code in accepted:
                groups[MAJOR_EXACT].add(code)
            elif code[:4] in classes:
                groups[MAJOR_SAME_CLASS].add(code)
            elif code[:2] in categories:
                groups[MAJOR_SAME_CATEGORY].add(code)
            else:
                groups[MAJOR_NONE].add(code)
        return {level: frozenset(codes) for level, codes in groups.items()}


def _codes(values: str | None, convert=str) -> frozenset:
    return frozenset(convert(value) for value in values.split(",")) if values else frozenset()


def _joined(column) -> ColumnElement:
    return func.aggregate_strings(cast(column, String), ",")


# ------------------------------------------------------------------------------- graduates


def available() -> ColumnElement[bool]:
    """Not employed now, or employed and marked as seeking a change."""
    employed_now = exists().where(
        EmploymentRecord.person_id == EmploymentIntention.person_id, EmploymentRecord.end_date.is_(None)
    )
    return or_(EmploymentIntention.seeking, ~employed_now)


def graduates_statement() -> Select:
    """Every available graduate (one with an employment intention) with their profile columns.

    Callers' filters may use the columns of persons, households, student_records and
    employment_intentions: they are joined here.
    """
    occupations = (
        select(_joined(intention_occupations.c.occupation_code))
        .where(intention_occupations.c.intention_id == EmploymentIntention.id)
        .scalar_subquery()
    )
    regions = (
        select(_joined(intention_regions.c.region_code))
        .where(intention_regions.c.intention_id == EmploymentIntention.id)
        .scalar_subquery()
    )
    classes = select(_joined(Enrolment.class_id)).where(Enrolment.person_id == Person.id).scalar_subquery()
    return (
        select(
            Person.id, Person.education, Person.certificates, Household.region_code, Household.category,
            Household.relocated, Region.is_key_county, StudentRecord.major_code,
            EmploymentIntention.preferred_tier, EmploymentIntention.expected_salary,
            occupations.label("occupations"), regions.label("regions"), classes.label("classes"),
        )
        .select_from(EmploymentIntention)
        .join(Person, Person.id == EmploymentIntention.person_id)
        .join(Household, Household.id == Person.household_id)
        .join(Region, Region.code == Household.region_code)
        .outerjoin(StudentRecord, StudentRecord.person_id == Person.id)
        .where(available())
    )


def graduate_profile(row) -> GraduateProfile:
    return GraduateProfile(
        person_id=row.id,
        education=Education(row.education),
        major_code=row.major_code,
        certificates=frozenset(row.certificates or ()),
        household_region=row.region_code,
        household_category=HouseholdCategory(row.category),
        relocated=bool(row.relocated),
        key_county=bool(row.is_key_county),
        preferred_tier=LocationTier(row.preferred_tier) if row.preferred_tier else None,
        expected_salary=row.expected_salary,
        desired_occupations=_codes(row.occupations),
        desired_regions=_codes(row.regions),
        class_ids=_codes(row.classes, int),
    )


def graduates_for(position: PositionProfile) -> ColumnElement[bool]:
    """Hard filters on graduates for one position: enough education, not already applied."""
    applied = exists().where(Application.person_id == Person.id, Application.position_id == position.position_id)
    return and_(Person.education.in_(educations_at_least(position.min_education)), ~applied)


def graduate_major_band(codes: frozenset[str], include_unknown: bool) -> ColumnElement[bool]:
    in_band = StudentRecord.major_code.in_(sorted(codes)) if codes else false()
    return or_(in_band, StudentRecord.major_code.is_(None)) if include_unknown else in_band


def graduate_intention_band(occupation_code: str, wants_it: bool) -> ColumnElement[bool]:
    wanting = EmploymentIntention.id.in_(
        select(intention_occupations.c.intention_id).where(intention_occupations.c.occupation_code == occupation_code)
    )
    return wanting if wants_it else ~wanting


def in_classes(class_ids: frozenset[int]) -> ColumnElement[bool]:
    return Person.id.in_(select(Enrolment.person_id).where(Enrolment.class_id.in_(sorted(class_ids))))


async def graduate(session: AsyncSession, person_id: int) -> GraduateProfile | None:
    row = (await session.execute(graduates_statement().where(Person.id == person_id))).first()
    return graduate_profile(row) if row else None


# ------------------------------------------------------------------------------- positions


def open_with_headcount() -> ColumnElement[bool]:
    return and_(Position.state == PositionState.OPEN, Position.filled < Position.headcount)


def positions_statement() -> Select:
    """Every open position with headcount left, with its profile columns."""
    majors = (
        select(_joined(position_majors.c.major_code))
        .where(position_majors.c.position_id == Position.id)
        .scalar_subquery()
    )
    reserved = (
        select(_joined(class_reserved_positions.c.class_id))
        .where(class_reserved_positions.c.position_id == Position.id)
        .scalar_subquery()
    )
    return select(
        Position.id, Position.occupation_code, Position.min_education, Position.salary_min,
        Position.salary_max, Position.region_code, Position.required_certificates,
        Position.yulu_priority, majors.label("majors"), reserved.label("reserved"),
    ).where(open_with_headcount())


def position_profile(row) -> PositionProfile:
    return PositionProfile(
        position_id=row.id,
        occupation_code=row.occupation_code,
        accepted_majors=_codes(row.majors),
        min_education=Education(row.min_education),
        salary_min=row.salary_min,
        salary_max=row.salary_max,
        region_code=row.region_code,
        required_certificates=frozenset(row.required_certificates or ()),
        yulu_priority=bool(row.yulu_priority),
        reserved_for_classes=_codes(row.reserved, int),
    )


def positions_for(graduate: GraduateProfile) -> ColumnElement[bool]:
    """Hard filters on positions for one graduate: education suffices, not already applied."""
    reachable = [level for level in Education if EDUCATION_RANK[level] <= EDUCATION_RANK[graduate.education]]
    applied = exists().where(Application.position_id == Position.id, Application.person_id == graduate.person_id)
    return and_(Position.min_education.in_(reachable), ~applied)


def accepting_any(codes: frozenset[str]) -> ColumnElement[bool]:
    if not codes:
        return false()
    return Position.id.in_(select(position_majors.c.position_id).where(position_majors.c.major_code.in_(sorted(codes))))


def position_major_band(better: frozenset[str], band: frozenset[str]) -> ColumnElement[bool]:
    """Positions whose best accepted major is in ``band``: they accept one of ``band`` and none
    of the majors that would fit better. For the no-fit band (``band`` empty) only the second."""
    rest = ~accepting_any(better) if better else true()
    return and_(accepting_any(band), rest) if band else rest


def position_intention_band(desired: frozenset[str], wanted: bool) -> ColumnElement[bool]:
    if not desired:
        return true() if not wanted else false()
    wanting = Position.occupation_code.in_(sorted(desired))
    return wanting if wanted else ~wanting


def reserved_for(class_ids: frozenset[int]) -> ColumnElement[bool]:
    return Position.id.in_(
        select(class_reserved_positions.c.position_id).where(class_reserved_positions.c.class_id.in_(sorted(class_ids)))
    )


async def position(session: AsyncSession, position_id: int) -> PositionProfile | None:
    row = (await session.execute(positions_statement().where(Position.id == position_id))).first()
    return position_profile(row) if row else None
