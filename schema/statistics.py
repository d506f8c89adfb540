"""Public landing-page aggregates: counts, never rows of personal data."""

from __future__ import annotations

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


@strawberry.type(
    description=(
        "A region's figures for the bureau dashboard and the yearly evaluation (成效评估). Persons count by "
        "their household region (户籍地): graduates from this region, wherever they work. With a year: "
        "intentions surveyed that year, students who entered that year, that year's graduate cohort and "
        "hires that started that year. Aggregates only, never personal data."
    )
)
class RegionStatistics:
    year: int | None
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
    employed: int = strawberry.field(description="Graduates currently employed.")
    employment_rate: float | None = strawberry.field(
        description="employed / graduates; null without graduates."
    )
    average_monthly_income: int | None = strawberry.field(
        description="Yuan, over current jobs of the graduates."
    )
    followed_up: int = strawberry.field(description="Employed graduates followed up at least once.")
    stability: float | None = strawberry.field(
        description="Share of followedUp whose latest follow-up finds them still working (employed or own business)."
    )

    @strawberry.field
    async def region(self, info: Info) -> Region:
        return self.region

    @strawberry.field
    def location_split(self) -> LocationSplit:
        return LocationSplit(
            in_county=self.in_county,
            in_province=self.in_province,
            cross_province=self.cross_province,
        )

    @strawberry.field(
        description="The same figures per direct child region (top level only: empty inside "
        "children and keyCounties; ask again with a child's code to drill down)."
    )
    def children(self) -> list[RegionStatistics]:
        return self.children

    @strawberry.field(
        description="The same figures per national key assistance county (国家乡村振兴重点帮扶县) "
        "in the region (top level only)."
    )
    def key_counties(self) -> list[RegionStatistics]:
        return self.key_counties


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
