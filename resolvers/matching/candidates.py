"""SQL candidate generation: hard filters, bands of candidates, and profiles for the scorer.

A band is a slice of the candidate pool on which the two strongest factors are already known
from indexed columns — the major fit from the catalogue code (``student_records.major_code``,
``position_majors.major_code``) and the intention fit from the desired occupation
(``employment_intention_occupations.occupation_code``, ``positions.occupation_code``). The
engine reads bands in order of their score bound and stops early, so a query reads a few
hundred rows out of a million instead of scoring everyone.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import False_, True_

from models.applications import Application
from models.base import AnyColumn
from models.catalogue import Major, Occupation
from models.classes import Enrolment, class_reserved_positions
from models.people import (
    EDUCATION_RANK,
    MONITORED_CATEGORIES,
    Education,
    EmploymentIntention,
    Household,
    HouseholdCategory,
    LocationTier,
    Person,
    StudentRecord,
)
from models.people import (
    employment_intention_occupations as intention_occupations,
)
from models.people import (
    employment_intention_regions as intention_regions,
)
from models.positions import Position, PositionState, position_majors
from models.regions import Region, RegionPairing
from resolvers.context import AnySession
from resolvers.matching.explain import Names
from resolvers.matching.scoring import (
    LOCATION_BEYOND_INTENTION,
    LOCATION_ELSEWHERE,
    LOCATION_HOME_OR_DESIRED,
    LOCATION_IN_PROVINCE,
    LOCATION_PAIRED_PROVINCE,
    MAJOR_EXACT,
    MAJOR_NONE,
    MAJOR_SAME_CATEGORY,
    MAJOR_SAME_CLASS,
    GraduateProfile,
    MatchPolicy,
    PositionProfile,
    educations_at_least,
    region_prefix,
    without_household,
)

# The catalogues change with a new edition, not per request; re-read them this often anyway.
REFERENCE_TTL_SECONDS = 300.0
_cached_references: dict[str, tuple[float, Reference]] = {}


@dataclass(frozen=True)
class Reference:
    """The small national catalogues matching reads on every call."""

    major_codes: tuple[str, ...]
    names: Names
    paired_provinces: frozenset[tuple[str, str]]

    @classmethod
    async def load(cls, session: AnySession) -> Reference:
        majors = (await session.execute(select(Major.code, Major.name))).all()
        occupations = (await session.execute(select(Occupation.code, Occupation.name))).all()
        pairings = (
            await session.execute(select(RegionPairing.west_code, RegionPairing.east_code))
        ).all()
        return cls(
            major_codes=tuple(sorted(code for code, _ in majors)),
            names=Names(majors=dict(majors), occupations=dict(occupations)),
            paired_provinces=frozenset((west[:2], east[:2]) for west, east in pairings),
        )

    @classmethod
    async def cached(cls, session: AnySession) -> Reference:
        """``load``, kept per database for REFERENCE_TTL_SECONDS: three queries fewer per call."""
        bind = session.bind
        engine = bind.engine if isinstance(bind, AsyncConnection) else bind  # or the engine
        assert engine is not None  # the request's session is bound
        key = engine.url.render_as_string(hide_password=True)
        found = _cached_references.get(key)
        if found is None or time.monotonic() - found[0] > REFERENCE_TTL_SECONDS:
            found = _cached_references[key] = (time.monotonic(), await cls.load(session))
        return found[1]

    def majors_by_fit(self, accepted: Iterable[str]) -> dict[float, frozenset[str]]:
        """Catalogue majors grouped by the major fit they would get against ``accepted``.

        The ``MAJOR_NONE`` group holds the majors related to none of them; graduates with no
        major on record also fall there (the SQL adds ``IS NULL``).
        """
        accepted = frozenset(accepted)
        classes = {code[:4] for code in accepted}
        categories = {code[:2] for code in accepted}
        groups: dict[float, set[str]] = {
            level: set()
            for level in (MAJOR_EXACT, MAJOR_SAME_CLASS, MAJOR_SAME_CATEGORY, MAJOR_NONE)
        }
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


def available() -> AnyColumn:
    """Not employed now, or employed and seeking a change: the intention row's matching key
    (models.matching_keys.available is its definition)."""
    return EmploymentIntention.match_available


def graduates_statement(household_clear: ColumnElement[bool] | None = None) -> Select:
    """Graduates (persons with an employment intention) with their profile columns.

    Callers' filters may use the columns of persons, households, student_records and
    employment_intentions: they are joined here. ``household_clear`` (SQL over those) says on
    which rows the household may be scored; the API passes the viewer's auth.rules.clear, the
    engine's own callers (tests, benches) every row.
    """
    household_clear = true() if household_clear is None else household_clear
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
    classes = (
        select(_joined(Enrolment.class_id))
        .where(Enrolment.person_id == Person.id)
        .scalar_subquery()
    )
    return (
        select(
            Person.id,
            Person.education,
            Person.certificates,
            Household.region_code,
            Household.category,
            Household.relocated,
            Region.is_key_county,
            StudentRecord.major_code,
            EmploymentIntention.preferred_tier,
            EmploymentIntention.expected_salary,
            occupations.label("occupations"),
            regions.label("regions"),
            classes.label("classes"),
            case((household_clear, True), else_=False).label("household_clear"),
        )
        .select_from(EmploymentIntention)
        .join(Person, Person.id == EmploymentIntention.person_id)
        .join(Household, Household.id == Person.household_id)
        .join(Region, Region.code == Household.region_code)
        .outerjoin(StudentRecord, StudentRecord.person_id == Person.id)
    )


def graduate_profile(row) -> GraduateProfile:
    """The row's profile, without the household where the viewer does not see it in clear."""
    profile = _full_profile(row)
    return profile if row.household_clear else without_household(profile)


def _full_profile(row) -> GraduateProfile:
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


def graduate_pool(position: PositionProfile) -> ColumnElement[bool]:
    """The hard filters on the intention row alone (its matching keys), for reading bands."""
    return and_(
        available(),
        EmploymentIntention.match_education.in_(educations_at_least(position.min_education)),
    )


def graduates_for(position: PositionProfile) -> ColumnElement[bool]:
    """Hard filters on graduates for one position: enough education, not already applied."""
    applied = exists().where(
        Application.person_id == Person.id, Application.position_id == position.position_id
    )
    return and_(Person.education.in_(educations_at_least(position.min_education)), ~applied)


def graduate_major_band(codes: frozenset[str], include_unknown: bool) -> ColumnElement[bool]:
    major = EmploymentIntention.match_major_code
    in_band = major.in_(sorted(codes)) if codes else false()
    return or_(in_band, major.is_(None)) if include_unknown else in_band


def graduate_bound(
    policy: MatchPolicy,
    position: PositionProfile,
    *,
    major: float,
    intention: float,
    household_clear: ColumnElement[bool],
) -> ColumnElement:
    """SQL: the best score a graduate of a band can reach, from the intention row alone.

    The band fixes the major and intention fit; the row's own priority flags, salary
    expectation and location tier tighten the rest (salary can reach 1 only if the position's
    ceiling meets the expectation, see scoring.salary_fit; a work place beyond the graduate's
    tier scores 0). Certificates count as met. Where the household is hidden from the viewer
    (``household_clear``), the scorer does not see it (scoring.without_household): its flags add
    nothing and the tier cannot lower the location. A per-row ``household_clear`` would need
    persons joined to the driving row, so for it the bound keeps the flags and drops the tier:
    looser, and still above both kinds of score.
    """
    fit, priority = policy.fit, policy.priority
    expected = EmploymentIntention.expected_salary
    salary = case((or_(expected.is_(None), expected <= position.salary_max), 1.0), else_=0.5)
    flags = (
        literal(0.0)
        if isinstance(household_clear, False_)
        else (
            _weight_if(EmploymentIntention.match_monitored, priority.monitored_household)
            + _weight_if(EmploymentIntention.match_key_county, priority.key_county)
            + _weight_if(EmploymentIntention.match_relocated, priority.relocated)
        )
    )
    known = (
        fit.major * major
        + fit.intention * intention
        + fit.certificates
        + priority.yulu_priority_position * position.yulu_priority
    )
    tier_known = isinstance(household_clear, True_)
    location = (
        case((_beyond_tier(position.region_code), 0.0), else_=fit.location)
        if tier_known
        else literal(fit.location)
    )
    return (literal(known) + fit.salary * salary + location + flags) / policy.total_weight


def _beyond_tier(work_region: str) -> ColumnElement[bool]:
    """SQL: the work place is farther from the household than the graduate will go."""
    home, tier = EmploymentIntention.match_region_code, EmploymentIntention.preferred_tier
    return or_(
        and_(tier == LocationTier.IN_COUNTY, home != work_region),
        and_(tier == LocationTier.IN_PROVINCE, func.substr(home, 1, 2) != work_region[:2]),
    )


def _weight_if(flag: AnyColumn, weight: float) -> ColumnElement:
    return case((flag, weight), else_=0.0)


def graduate_intention_band(occupation_code: str, wants_it: bool) -> ColumnElement[bool]:
    wanting = EmploymentIntention.id.in_(
        select(intention_occupations.c.intention_id).where(
            intention_occupations.c.occupation_code == occupation_code
        )
    )
    return wanting if wants_it else ~wanting


def in_classes(class_ids: frozenset[int]) -> ColumnElement[bool]:
    return Person.id.in_(
        select(Enrolment.person_id).where(Enrolment.class_id.in_(sorted(class_ids)))
    )


async def graduate(
    session: AnySession, person_id: int, household_clear: ColumnElement[bool] | None = None
) -> GraduateProfile | None:
    """The graduate's profile if they are available for matching."""
    statement = graduates_statement(household_clear).where(Person.id == person_id, available())
    row = (await session.execute(statement)).first()
    return graduate_profile(row) if row else None


# ------------------------------------------------------------------------------- positions


def open_with_headcount() -> ColumnElement[bool]:
    return and_(Position.state == PositionState.OPEN, Position.filled < Position.headcount)


def positions_statement() -> Select:
    """Positions with their profile columns."""
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
        Position.id,
        Position.occupation_code,
        Position.min_education,
        Position.salary_min,
        Position.salary_max,
        Position.region_code,
        Position.required_certificates,
        Position.yulu_priority,
        majors.label("majors"),
        reserved.label("reserved"),
    )


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
    reachable = [
        level for level in Education if EDUCATION_RANK[level] <= EDUCATION_RANK[graduate.education]
    ]
    applied = exists().where(
        Application.position_id == Position.id, Application.person_id == graduate.person_id
    )
    return and_(Position.min_education.in_(reachable), ~applied)


def accepting_any(codes: frozenset[str]) -> ColumnElement[bool]:
    if not codes:
        return false()
    return Position.id.in_(
        select(position_majors.c.position_id).where(position_majors.c.major_code.in_(sorted(codes)))
    )


def position_major_band(better: frozenset[str], band: frozenset[str] | None) -> ColumnElement[bool]:
    """Positions whose best accepted major is in ``band``: they accept one of ``band`` and none
    of the majors that would fit better. ``band`` None is the no-fit band: only the second."""
    rest = ~accepting_any(better) if better else true()
    return rest if band is None else and_(accepting_any(band), rest)


def position_bound(
    policy: MatchPolicy, graduate: GraduateProfile, *, major: float, intention: float
) -> ColumnElement:
    """SQL: the best score a position of a band can reach for this graduate, from its own row.

    The band fixes major and intention fit, the graduate fixes the household flags; the
    position's work place, salary, certificates and Yulu-priority flag give the rest.
    """
    fit, priority = policy.fit, policy.priority
    known = (
        fit.major * major
        + fit.intention * intention
        + priority.monitored_household * (graduate.household_category in MONITORED_CATEGORIES)
        + priority.key_county * graduate.key_county
        + priority.relocated * graduate.relocated
    )
    flags = _weight_if(Position.yulu_priority, priority.yulu_priority_position)
    location = fit.location * _location_fit(graduate, policy)
    salary = fit.salary * _salary_fit(graduate.expected_salary)
    certificates = fit.certificates * _certificates_bound(graduate.certificates)
    return (literal(known) + salary + location + certificates + flags) / policy.total_weight


def _salary_fit(expected: int | None) -> ColumnElement:
    """SQL: scoring.salary_fit of the position's range for this expectation."""
    if not expected:
        return literal(1.0)
    low, high = Position.salary_min, Position.salary_max
    return case(
        (low >= expected, 1.0),
        (high >= expected, 0.5 + 0.5 * (high - expected) * 1.0 / (high - low)),
        (high * 2 <= expected, 0.0),
        else_=0.5 * (1.0 - 2.0 * (expected - high) / expected),
    )


def _certificates_bound(held: frozenset[str]) -> ColumnElement:
    """SQL: 1 when the position asks for no certificate; otherwise 0 for a graduate holding
    none, and at most 1 for one holding some (which ones is left to the scorer)."""
    if held:
        return literal(1.0)
    return case((cast(Position.required_certificates, String) == "[]", 1.0), else_=0.0)


def _location_fit(graduate: GraduateProfile, policy: MatchPolicy) -> ColumnElement:
    """SQL: scoring.location_fit of the position's work region for this graduate."""
    home = graduate.household_region
    desired = or_(
        false(),
        *(
            Position.region_code.startswith(region_prefix(code))
            for code in graduate.desired_regions
        ),
    )
    if home is None:  # scoring.without_household
        return case((desired, LOCATION_HOME_OR_DESIRED), else_=LOCATION_ELSEWHERE)
    province = func.substr(Position.region_code, 1, 2)
    in_county = Position.region_code == home
    in_province = province == home[:2]
    beyond_tier: dict[LocationTier | None, ColumnElement[bool]] = {
        LocationTier.IN_COUNTY: ~in_county,
        LocationTier.IN_PROVINCE: ~in_province,
    }
    beyond = beyond_tier.get(graduate.preferred_tier, false())
    paired = [
        p
        for p in {
            province_pair
            for pair in policy.paired_provinces
            if home[:2] in pair
            for province_pair in pair
        }
        if p != home[:2]
    ]
    return case(
        (beyond, LOCATION_BEYOND_INTENTION),
        (or_(in_county, desired), LOCATION_HOME_OR_DESIRED),
        (in_province, LOCATION_IN_PROVINCE),
        (province.in_(paired), LOCATION_PAIRED_PROVINCE),
        else_=LOCATION_ELSEWHERE,
    )


def position_intention_band(desired: frozenset[str], wanted: bool) -> ColumnElement[bool]:
    if not desired:
        return true() if not wanted else false()
    wanting = Position.occupation_code.in_(sorted(desired))
    return wanting if wanted else ~wanting


def reserved_for(class_ids: frozenset[int]) -> ColumnElement[bool]:
    return Position.id.in_(
        select(class_reserved_positions.c.position_id).where(
            class_reserved_positions.c.class_id.in_(sorted(class_ids))
        )
    )


async def position(session: AnySession, position_id: int) -> PositionProfile | None:
    """The position's profile if it is open with headcount left."""
    row = (
        await session.execute(
            positions_statement().where(Position.id == position_id, open_with_headcount())
        )
    ).first()
    return position_profile(row) if row else None
