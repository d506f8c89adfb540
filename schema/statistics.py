"""Public landing-page aggregates: counts, never rows of personal data."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from resolvers import statistics as resolve
from schema.base import SIGNED_IN, ctx
from schema.organisations import OrganisationKind
from schema.regions import Region


@strawberry.type
class MemberCount:
    kind: OrganisationKind
    count: int


@strawberry.type(description="The alliance at a glance (public).")
class AllianceSummary:
    open_positions: int
    open_places: int = strawberry.field(
        description="Headcount still to fill across open positions."
    )

    @strawberry.field(description="Approved members by kind.")
    def members(self) -> list[MemberCount]:
        return [MemberCount(kind=kind, count=count) for kind, count in self.members_by_kind.items()]


@strawberry.type(
    description="Where employed graduates work, relative to their household's county (户籍地)."
)
class LocationSplit:
    in_county: int
    in_province: int
    cross_province: int
    # The evaluation's figures themselves (resolvers.evaluation.Figures) are the source.
    location_unknown: int = strawberry.field(
        name="unknown", description="Employed whose work place is not recorded."
    )


@strawberry.type(
    description=(
        "A region's figures for the bureau dashboard and the yearly evaluation (成效评估). Persons count by "
        "their household region (户籍地): graduates from this region, wherever they work. With a year: "
        "intentions surveyed that year, students who entered that year, that year's graduate cohort and "
        "hires that started that year, and the yearly evaluation's employment figures of that cohort. "
        "Aggregates only, never personal data."
    )
)
class RegionStatistics:
    year: int | None
    as_of: date | None = strawberry.field(
        description="With a year: the date the evaluation's figures are as of (31 December, or "
        "today while the year is not over); null without a year and inside children and keyCounties."
    )
    intentions: int = strawberry.field(description="Ledger (a): enrolment intentions.")
    students: int = strawberry.field(description="Ledger (b): Yulu students studying.")
    graduates: int = strawberry.field(description="Ledger (c): graduates.")
    monitored: int = strawberry.field(
        description="Persons of monitored families (防止返贫监测对象)."
    )
    relocated: int = strawberry.field(description="Persons of relocated families (易地扶贫搬迁).")
    key_county_origin: int = strawberry.field(description="Persons from key assistance counties.")
    open_positions: int = strawberry.field(
        description="Open positions whose work place is in the region."
    )
    open_places: int = strawberry.field(
        description="Headcount still to fill across those positions."
    )
    hires: int = strawberry.field(
        description="Employment records of the region's persons hired through the alliance."
    )

    # With a year, the yearly evaluation's figures (evaluationFigures) of that cohort as of
    # today, or 31 December once the year is over; null without a year (all years have no
    # cohort and no as-of date). Plain attributes (properties of resolvers.statistics'
    # RegionFigures), not resolver methods: a province's page resolves some 1,500 of them.
    cohort: int | None = strawberry.field(
        description="With a year: the evaluation's cohort (毕业生（届）); null without a year."
    )
    employed: int | None = strawberry.field(
        description="With a year: the cohort's graduates whose destination in force is employed "
        "(as evaluationFigures); null without a year."
    )
    employment_rate: float | None = strawberry.field(
        description="With a year: employed / cohort (as evaluationFigures); null without a year "
        "or a cohort."
    )
    stable: int | None = strawberry.field(
        description="With a year: employed graduates in work for 6 months or more (as "
        "evaluationFigures); null without a year."
    )
    stability: float | None = strawberry.field(
        description="With a year: stable / employed (as evaluationFigures); null without a year "
        "or anyone employed."
    )
    average_monthly_income: int | None = strawberry.field(
        description="With a year: yuan, the employed's latest known monthly income per person "
        "(as evaluationFigures); null without a year or a known income."
    )
    region: Region
    location_split: LocationSplit | None = strawberry.field(
        description="With a year: where the employed work, by persons (as evaluationFigures); "
        "null without a year."
    )
    children: list[RegionStatistics] = strawberry.field(
        description="The same figures per direct child region (top level only: empty inside "
        "children and keyCounties; ask again with a child's code to drill down)."
    )
    key_counties: list[RegionStatistics] = strawberry.field(
        description="The same figures per national key assistance county (国家乡村振兴重点帮扶县) "
        "in the region (top level only)."
    )


@strawberry.type
class StatisticsQueries:
    @strawberry.field
    async def alliance_summary(self, info: Info) -> AllianceSummary:
        return await resolve.alliance_summary(ctx(info))

    @strawberry.field(
        description="A region's statistics and its direct children's: bureaus for regions inside "
        "their own, admins for any; null for an unknown region.",
        directives=SIGNED_IN,
    )
    async def region_statistics(
        self, info: Info, region_code: str, year: int | None = None
    ) -> RegionStatistics | None:
        return await resolve.region_statistics(ctx(info), region_code, year)
