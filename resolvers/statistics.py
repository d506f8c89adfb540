"""Aggregates: counts only, never a row of personal data — the public landing page's summary
and the bureau dashboard's region statistics (the yearly evaluation, 成效评估)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, case, extract, func, or_, select

from auth import rules
from models import statistics as statistics_version
from models.organisations import Membership, Organisation, OrganisationKind
from models.people import (
    MONITORED_CATEGORIES,
    EmploymentIntention,
    EnrolmentIntention,
    Household,
    Person,
    StudentRecord,
    StudentStatus,
)
from models.positions import Position, PositionState
from models.regions import PREFIX_LENGTH, Region, RegionLevel, within
from models.tracking import EmploymentRecord
from resolvers import evaluation
from resolvers.context import Context, SerialSession
from resolvers.pagination import InvalidArgument
from resolvers.regions import SubRegionKey, level_of, real_sub_regions

# The nation has 160 national key assistance counties (2021 list); the cap bounds the list field.
MAX_KEY_COUNTIES = 200


@dataclass(frozen=True)
class AllianceSummary:
    members_by_kind: dict[OrganisationKind, int]
    open_positions: int
    open_places: int


async def alliance_summary(ctx: Context) -> AllianceSummary:
    members = await ctx.session.execute(
        select(Organisation.kind, func.count())
        .where(Organisation.membership == Membership.APPROVED)
        .group_by(Organisation.kind)
    )
    positions, places = (
        await ctx.session.execute(
            select(
                func.count(), func.coalesce(func.sum(Position.headcount - Position.filled), 0)
            ).where(Position.state == PositionState.OPEN)
        )
    ).one()
    counts = dict(members.all())
    return AllianceSummary(
        {kind: counts.get(kind, 0) for kind in OrganisationKind}, positions, places
    )


# --- the bureau dashboard and the yearly evaluation (成效评估) --------------------------------


@dataclass
class RegionFigures:
    """One region's figures; every count is additive, so a region's are the sum of its groups.
    Persons count by their household region (户籍地): graduates from this region, wherever they work."""

    region: Region
    year: int | None
    intentions: int = 0
    students: int = 0
    graduates: int = 0
    monitored: int = 0
    relocated: int = 0
    key_county_origin: int = 0
    open_positions: int = 0
    open_places: int = 0
    hires: int = 0
    # With a year: the yearly evaluation's figures of that cohort as of today (or the year's
    # end), computed by its own statements — one definition of employment, stability, income
    # and location. Without a year there is no cohort and no as-of date, so none.
    evaluated: evaluation.Figures | None = None
    as_of: date | None = None
    children: list[RegionFigures] = field(default_factory=list)
    key_counties: list[RegionFigures] = field(default_factory=list)

    def add(self, other: RegionFigures) -> None:
        for name in ADDITIVE:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    # The evaluation's figures as the schema's plain fields read them (None without a year).
    @property
    def cohort(self) -> int | None:
        return self.evaluated.cohort if self.evaluated else None

    @property
    def employed(self) -> int | None:
        return self.evaluated.employed if self.evaluated else None

    @property
    def employment_rate(self) -> float | None:
        return self.evaluated.employment_rate if self.evaluated else None

    @property
    def stable(self) -> int | None:
        return self.evaluated.stable if self.evaluated else None

    @property
    def stability(self) -> float | None:
        return self.evaluated.stability if self.evaluated else None

    @property
    def average_monthly_income(self) -> int | None:
        return self.evaluated.average_monthly_income if self.evaluated else None

    @property
    def location_split(self) -> evaluation.Figures | None:
        """in_county, in_province, cross_province, location_unknown."""
        return self.evaluated


ADDITIVE = tuple(f.name for f in fields(RegionFigures) if f.type == "int")
Groups = dict[str, dict[str, int]]


def _graduate_ids(year: int | None) -> Select:
    """Ledger (c): graduated Yulu students and everyone with an employment intention; with a
    year, that year's cohort (the intention's graduation year, else the expected one)."""
    statement = (
        select(Person.id)
        .outerjoin(StudentRecord, StudentRecord.person_id == Person.id)
        .outerjoin(EmploymentIntention, EmploymentIntention.person_id == Person.id)
        .where(
            or_(
                StudentRecord.status == StudentStatus.GRADUATED, EmploymentIntention.id.is_not(None)
            )
        )
    )
    if year is not None:
        cohort = func.coalesce(
            EmploymentIntention.graduation_year, StudentRecord.expected_graduation_year
        )
        statement = statement.where(cohort == year)
    return statement


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def _grouped(ctx: Context, group: ColumnElement[str], statement: Select) -> Groups:
    rows = await ctx.session.execute(statement.add_columns(group.label("grp")).group_by(group))
    return {
        row.grp: {k: int(v or 0) for k, v in row._mapping.items() if k != "grp"} for row in rows
    }


async def _figures(
    ctx: Context,
    scope: ColumnElement[bool],
    sub_region: SubRegionKey,
    year: int | None,
    only: list[str] | None = None,
) -> list[Groups]:
    """The figures of the households (and the positions) inside ``scope``, grouped by their
    sub-region (``sub_region``, from the region code): two statements, whatever the groups."""
    home = sub_region.key(Household.region_code)
    conditions = [scope] if only is None else [scope, home.in_(only)]
    graduates = _graduate_ids(year)
    monitored = Household.category.in_(MONITORED_CATEGORIES)
    # Census rows are kept per survey year: a person counts once, whatever the years surveyed.
    surveys = select(EnrolmentIntention.person_id)
    if year is not None:
        surveys = surveys.where(EnrolmentIntention.survey_year == year)
    surveyed = Person.id.in_(surveys)
    studying = StudentRecord.status == StudentStatus.STUDYING
    if year is not None:
        studying = and_(studying, StudentRecord.entry_year == year)
    people = await _grouped(
        ctx,
        home,
        (
            select(
                _count_if(surveyed).label("intentions"),
                _count_if(studying).label("students"),
                _count_if(Person.id.in_(graduates)).label("graduates"),
                _count_if(monitored).label("monitored"),
                _count_if(Household.relocated.is_(True)).label("relocated"),
                _count_if(Region.is_key_county.is_(True)).label("key_county_origin"),
            )
            .select_from(Person)
            .join(Household, Household.id == Person.household_id)
            .join(Region, Region.code == Household.region_code)
            .outerjoin(StudentRecord, StudentRecord.person_id == Person.id)
            .where(*conditions)
        ),
    )
    hired: ColumnElement[bool] = EmploymentRecord.application_id.is_not(None)
    if year is not None:
        hired = and_(hired, extract("year", EmploymentRecord.start_date) == year)
    hires = await _grouped(
        ctx,
        home,
        (
            select(func.count().label("hires"))
            .select_from(EmploymentRecord)
            .join(Person, Person.id == EmploymentRecord.person_id)
            .join(Household, Household.id == Person.household_id)
            .where(hired, *conditions)
        ),
    )
    return [people, hires]


async def _positions(ctx: Context, scope: ColumnElement[bool], sub_region: SubRegionKey) -> Groups:
    return await _grouped(
        ctx,
        sub_region.key(Position.region_code),
        (
            select(
                func.count().label("open_positions"),
                func.coalesce(func.sum(Position.headcount - Position.filled), 0).label(
                    "open_places"
                ),
            ).where(Position.state == PositionState.OPEN, scope)
        ),
    )


def _of(region: Region, year: int | None, groups: list[Groups], key: str) -> RegionFigures:
    figures = RegionFigures(region=region, year=year)
    for group in groups:
        for name, value in group.get(key, {}).items():
            setattr(figures, name, getattr(figures, name) + value)
    return figures


async def _evaluated(
    ctx: Context, scope: ColumnElement[bool], sub_region: SubRegionKey, year: int | None
) -> list[evaluation.Groups] | None:
    """The yearly evaluation's own cohort and employment statements for the year's cohort as of
    its default date, grouped like the dashboard (None without a year)."""
    if year is None:
        return None
    key = sub_region.key(Household.region_code)
    as_of = evaluation.default_as_of(year)
    return [
        await evaluation.cohort_counts(ctx, scope, key, year),
        await evaluation.employment_counts(ctx, scope, key, year, as_of),
    ]


def _evaluation_of(
    region: Region, groups: list[evaluation.Groups] | None, keys: Iterable[str]
) -> evaluation.Figures | None:
    if groups is None:
        return None
    figures = evaluation.Figures(region.code, region.name)
    for group in groups:
        for key in keys:
            figures.add(group.get(key, {}))
    return figures


def _check_year(year: int | None) -> None:
    if year is not None and not 2000 <= year <= 2100:
        raise InvalidArgument("year 须在 2000 至 2100 之间")


@dataclass(frozen=True)
class _Counts:
    """What the figures' aggregate statements return for one region and year: the groups of
    the region's sub-regions and those of its key counties."""

    groups: list[Groups]
    evaluated: list[evaluation.Groups] | None
    county_groups: list[Groups]
    county_evaluated: list[evaluation.Groups] | None


async def _counts(
    ctx: Context, code: str, sub_region: SubRegionKey, key_counties: list[str], year: int | None
) -> _Counts:
    level = level_of(code)
    home = within(Household.region_code, code, level)
    in_region = within(Position.region_code, code, level)
    groups = await _figures(ctx, home, sub_region, year)
    groups.append(await _positions(ctx, in_region, sub_region))
    evaluated = await _evaluated(ctx, home, sub_region, year)
    if not key_counties:
        return _Counts(groups, evaluated, [], None)
    by_county = SubRegionKey(PREFIX_LENGTH[RegionLevel.COUNTY], frozenset())
    county_groups = await _figures(ctx, home, by_county, year, only=key_counties)
    in_key_county = and_(home, by_county.key(Household.region_code).in_(key_counties))
    county_evaluated = await _evaluated(ctx, in_key_county, by_county, year)
    county_groups.append(
        await _positions(ctx, and_(in_region, Position.region_code.in_(key_counties)), by_county)
    )
    return _Counts(groups, evaluated, county_groups, county_evaluated)


# The aggregates are full scans of the region's persons: computed once per change of the data
# they read (models.statistics), not once per page view. Per process, keyed by everything the
# counts depend on besides the data: the database, the region, its grouping and key counties
# (read before the version), the year and the as-of day. The viewer only decides whether the
# region's figures may be read at all, which region_statistics checks before the cache.
_CACHE: OrderedDict[tuple, tuple[int, _Counts]] = OrderedDict()
CACHE_SIZE = 512


async def _cached_counts(
    ctx: Context, code: str, sub_region: SubRegionKey, key_counties: list[str], year: int | None
) -> _Counts:
    session = ctx.session
    assert isinstance(session, SerialSession) and session.bind is not None
    version = await session.scalar(statistics_version.read_statement())
    if version is None or statistics_version.changed_uncommitted(session.session.info):
        # No version row, or this transaction's own writes not yet committed: not for others.
        return await _counts(ctx, code, sub_region, key_counties, year)
    as_of = evaluation.default_as_of(year) if year is not None else None
    key = (session.bind.sync_engine.url, code, sub_region, tuple(key_counties), year, as_of)
    found = _CACHE.get(key) if CACHE_SIZE else None  # a size of 0 keeps nothing, and serves none
    if found is not None and found[0] == version:
        _CACHE.move_to_end(key)
        return found[1]
    counts = await _counts(ctx, code, sub_region, key_counties, year)
    _CACHE[key] = (version, counts)
    _CACHE.move_to_end(key)
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return counts


async def region_statistics(
    ctx: Context, code: str, year: int | None = None
) -> RegionFigures | None:
    """The region's figures, its real sub-regions' (a municipality's districts and counties, not
    its 市辖区 / 县 groupings; grouped on the region code, so the number of statements does not
    depend on how many there are) and its key counties'."""
    level = level_of(code)
    rules.require_statistics(ctx.viewer, code)
    _check_year(year)
    region = await ctx.session.get(Region, code)
    if region is None:
        return None
    children = await real_sub_regions(ctx, region)
    sub_region = SubRegionKey.of(region, children)
    in_region = select(Region).where(within(Region.code, code, level))
    key_counties = list(
        await ctx.session.scalars(
            in_region.where(Region.is_key_county.is_(True), Region.level == RegionLevel.COUNTY)
            .order_by(Region.code)
            .limit(MAX_KEY_COUNTIES)
        )
    )
    counts = await _cached_counts(
        ctx, code, sub_region, [county.code for county in key_counties], year
    )
    total = RegionFigures(region=region, year=year)
    every_key = set().union(*counts.groups, *(counts.evaluated or []))
    for key in every_key:
        total.add(_of(region, year, counts.groups, key))
    total.evaluated = _evaluation_of(region, counts.evaluated, every_key)
    total.as_of = evaluation.default_as_of(year) if year is not None else None
    for child in children:
        key = sub_region.key_of(child)
        figures = _of(child, year, counts.groups, key)
        figures.evaluated = _evaluation_of(child, counts.evaluated, [key])
        total.children.append(figures)
    for county in key_counties:
        figures = _of(county, year, counts.county_groups, county.code)
        figures.evaluated = _evaluation_of(county, counts.county_evaluated, [county.code])
        total.key_counties.append(figures)
    return total
