"""Aggregates: counts only, never a row of personal data — the public landing page's summary
and the bureau dashboard's region statistics (the yearly evaluation, 成效评估)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from sqlalchemy import ColumnElement, Select, and_, case, extract, func, or_, select

from auth import rules
from models.base import AnyColumn
from models.organisations import Membership, Organisation, OrganisationKind
from models.people import (
    MONITORED_CATEGORIES,
    EmploymentIntention,
    EnrolmentIntention,
    Household,
    LocationTier,
    Person,
    StudentRecord,
    StudentStatus,
)
from models.positions import Position, PositionState
from models.regions import PREFIX_LENGTH, Region, RegionLevel, within
from models.tracking import EmploymentRecord, FollowUp, FollowUpStatus
from resolvers.batching import MAX_RELATED
from resolvers.context import Context
from resolvers.pagination import InvalidArgument
from resolvers.regions import level_of

# The nation has 160 national key assistance counties (2021 list); the cap bounds the list field.
MAX_KEY_COUNTIES = 200

CHILD_LEVEL = {
    RegionLevel.NATIONAL: RegionLevel.PROVINCE,
    RegionLevel.PROVINCE: RegionLevel.CITY,
    RegionLevel.CITY: RegionLevel.COUNTY,
}


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

SHARES = ("employment_rate", "stability")


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
    employed: int = 0
    income_total: int = 0
    income_records: int = 0
    followed_up: int = 0
    still_working: int = 0
    in_county: int = 0
    in_province: int = 0
    cross_province: int = 0
    children: list[RegionFigures] = field(default_factory=list)
    key_counties: list[RegionFigures] = field(default_factory=list)

    def add(self, other: RegionFigures) -> None:
        for name in ADDITIVE:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def employment_rate(self) -> float | None:
        return self.employed / self.graduates if self.graduates else None

    @property
    def average_monthly_income(self) -> int | None:
        return round(self.income_total / self.income_records) if self.income_records else None

    @property
    def stability(self) -> float | None:
        return self.still_working / self.followed_up if self.followed_up else None


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


def _prefix(column: AnyColumn, length: int) -> ColumnElement[str]:
    return func.substr(column, 1, length)


async def _figures(
    ctx: Context,
    scope: ColumnElement[bool],
    group_length: int,
    year: int | None,
    only: list[str] | None = None,
) -> list[Groups]:
    """The figures of the households (and the positions) inside ``scope``, grouped by the first
    ``group_length`` characters of the region code: five statements, whatever the groups."""
    home = _prefix(Household.region_code, group_length)
    conditions = [scope] if only is None else [scope, home.in_(only)]
    graduates = _graduate_ids(year)
    monitored = Household.category.in_(MONITORED_CATEGORIES)
    surveyed: ColumnElement[bool] = EnrolmentIntention.id.is_not(None)
    if year is not None:
        surveyed = and_(surveyed, EnrolmentIntention.survey_year == year)
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
            .outerjoin(EnrolmentIntention, EnrolmentIntention.person_id == Person.id)
            .outerjoin(StudentRecord, StudentRecord.person_id == Person.id)
            .where(*conditions)
        ),
    )
    current = and_(EmploymentRecord.end_date.is_(None), EmploymentRecord.person_id.in_(graduates))
    employment = await _grouped(
        ctx,
        home,
        (
            select(
                func.count(func.distinct(EmploymentRecord.person_id)).label("employed"),
                func.coalesce(func.sum(EmploymentRecord.monthly_income), 0).label("income_total"),
                func.count().label("income_records"),
                *(
                    _count_if(EmploymentRecord.location_tier == tier).label(tier.value)
                    for tier in LocationTier
                ),
            )
            .select_from(EmploymentRecord)
            .join(Person, Person.id == EmploymentRecord.person_id)
            .join(Household, Household.id == Person.household_id)
            .where(current, *conditions)
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
    # Stability: of the employed graduates followed up at least once, those whose latest
    # follow-up finds them still working (employed or running their own business).
    latest = select(
        FollowUp.person_id,
        FollowUp.status,
        func.row_number()
        .over(
            partition_by=FollowUp.person_id, order_by=(FollowUp.on_date.desc(), FollowUp.id.desc())
        )
        .label("rank"),
    ).subquery()
    employed_ids = select(EmploymentRecord.person_id).where(current)
    stability = await _grouped(
        ctx,
        home,
        (
            select(
                func.count().label("followed_up"),
                _count_if(
                    latest.c.status.in_([FollowUpStatus.EMPLOYED, FollowUpStatus.OWN_BUSINESS])
                ).label("still_working"),
            )
            .select_from(latest)
            .join(Person, Person.id == latest.c.person_id)
            .join(Household, Household.id == Person.household_id)
            .where(latest.c.rank == 1, latest.c.person_id.in_(employed_ids), *conditions)
        ),
    )
    return [people, employment, hires, stability]


async def _positions(ctx: Context, scope: ColumnElement[bool], group_length: int) -> Groups:
    return await _grouped(
        ctx,
        _prefix(Position.region_code, group_length),
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


def _check_year(year: int | None) -> None:
    if year is not None and not 2000 <= year <= 2100:
        raise InvalidArgument("year 须在 2000 至 2100 之间")


async def region_statistics(
    ctx: Context, code: str, year: int | None = None
) -> RegionFigures | None:
    """The region's figures, its direct children's (grouped on the code prefix, so the number of
    statements does not depend on how many children there are) and its key counties'."""
    level = level_of(code)
    rules.require_statistics(ctx.viewer, code)
    _check_year(year)
    region = await ctx.session.get(Region, code)
    if region is None:
        return None
    child_level = CHILD_LEVEL.get(level)
    group_length = PREFIX_LENGTH[child_level] if child_level else PREFIX_LENGTH[level]
    home = within(Household.region_code, code, level)
    groups = await _figures(ctx, home, group_length, year)
    groups.append(await _positions(ctx, within(Position.region_code, code, level), group_length))
    in_region = select(Region).where(within(Region.code, code, level))
    below = (
        Region.level == child_level if level == RegionLevel.NATIONAL else Region.parent_code == code
    )
    children = (
        []
        if child_level is None
        else list(
            await ctx.session.scalars(
                in_region.where(below).order_by(Region.code).limit(MAX_RELATED)
            )
        )
    )
    key_counties = list(
        await ctx.session.scalars(
            in_region.where(Region.is_key_county.is_(True), Region.level == RegionLevel.COUNTY)
            .order_by(Region.code)
            .limit(MAX_KEY_COUNTIES)
        )
    )
    total = RegionFigures(region=region, year=year)
    for key in set().union(*groups):
        total.add(_of(region, year, groups, key))
    total.children = [_of(child, year, groups, child.code[:group_length]) for child in children]
    if key_counties:
        county_length = PREFIX_LENGTH[RegionLevel.COUNTY]
        codes = [county.code for county in key_counties]
        county_groups = await _figures(ctx, home, county_length, year, only=codes)
        county_groups.append(
            await _positions(
                ctx,
                and_(within(Position.region_code, code, level), Position.region_code.in_(codes)),
                county_length,
            )
        )
        total.key_counties = [
            _of(county, year, county_groups, county.code) for county in key_counties
        ]
    return total
