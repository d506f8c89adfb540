"""Positions (岗位) and the position demand list (岗位需求清单)."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from models import applications as application_model
from models import catalogue as catalogue_model
from models import organisations as organisation_model
from models import people as people_model
from models import positions as model
from resolvers import positions as resolve
from resolvers import regions
from resolvers.batching import linked, many_by, one_by
from resolvers.nodes import node
from schema.base import (
    CHANGES_DESCRIPTION,
    SIGNED_IN,
    WRITES,
    Connection,
    Node,
    Payload,
    changes_of,
    ctx,
    filter_arguments,
    global_id,
    instance_of,
    provided,
)
from schema.catalogue import Major, Occupation
from schema.regions import Region

if TYPE_CHECKING:
    from schema.applications import Application
    from schema.matching import MatchConnection, MatchedGraduatesFilter
    from schema.organisations import Organisation

PositionKind = model.PositionKind
strawberry.enum(PositionKind)
PositionState = model.PositionState
strawberry.enum(PositionState)
Education = people_model.Education
strawberry.enum(Education)
LazyOrganisation = Annotated["Organisation", strawberry.lazy("schema.organisations")]
LazyApplication = Annotated["Application", strawberry.lazy("schema.applications")]
LazyMatchConnection = Annotated["MatchConnection", strawberry.lazy("schema.matching")]
LazyMatchedGraduatesFilter = Annotated["MatchedGraduatesFilter", strawberry.lazy("schema.matching")]


@strawberry.federation.type(keys=["id"], description="A position (岗位) an enterprise posted.")
class Position(Node):
    is_type_of = instance_of(model.Position)
    title: str
    kind: PositionKind
    state: PositionState
    min_education: Education
    headcount: int
    filled: int
    salary_min: int = strawberry.field(description="Yuan per month.")
    salary_max: int = strawberry.field(description="Yuan per month.")
    benefits: str | None
    description: str | None
    required_certificates: list[str]
    yulu_priority: bool = strawberry.field(description="Gives priority to Yulu graduates.")
    valid_from: date
    valid_until: date
    version: int = strawberry.field(
        description="Send it back with a change (optimistic concurrency)."
    )

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("Position", self.id)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID, **_other_keys: Any) -> Any:
        return await node(ctx(info), id, "Position")

    @strawberry.field
    def open_places(self) -> int:
        return self.headcount - self.filled

    @strawberry.field
    async def enterprise(self, info: Info) -> LazyOrganisation:
        return await one_by(ctx(info), organisation_model.Organisation.id).load(self.enterprise_id)

    @strawberry.field
    async def region(self, info: Info) -> Region:
        return await regions.region(ctx(info), self.region_code)

    @strawberry.field
    async def occupation(self, info: Info) -> Occupation:
        return await one_by(ctx(info), catalogue_model.Occupation.code).load(self.occupation_code)

    @strawberry.field(description="Majors the position accepts.")
    async def majors(self, info: Info) -> list[Major]:
        return await linked(
            ctx(info),
            model.position_majors,
            "position_id",
            "major_code",
            catalogue_model.Major.code,
            limit=resolve.MAX_ACCEPTED_MAJORS,
        ).load(self.id)

    @strawberry.field(
        description="Applications to this position that you may see.", directives=SIGNED_IN
    )
    async def applications(self, info: Info) -> list[LazyApplication]:
        return await many_by(
            ctx(info), application_model.Application.position_id, "applications"
        ).load(self.id)

    @strawberry.field(
        description="Graduates matched to this open position, best first, each explained "
        "(the enterprise for its own positions, agencies, a school for its own "
        "graduates, a bureau for its region).",
        directives=SIGNED_IN,
    )
    async def matched_graduates(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        filter: LazyMatchedGraduatesFilter | None = None,
    ) -> LazyMatchConnection:
        from schema.matching import matched_graduates

        return await matched_graduates(info, self.id, first, after, filter)


@strawberry.enum
class PositionSort(enum.Enum):
    NEWEST = "newest"
    SALARY = "salary"
    TITLE = "title"
    DEADLINE = "deadline"
    HEADCOUNT = "headcount"


@strawberry.input
class PositionFilter:
    region: str | None = strawberry.field(
        default=strawberry.UNSET, description="Work region code: its subtree."
    )
    enterprise: strawberry.ID | None = strawberry.UNSET
    major: str | None = strawberry.field(
        default=strawberry.UNSET, description="A major code the position accepts."
    )
    occupation: str | None = strawberry.UNSET
    kind: PositionKind | None = strawberry.UNSET
    state: PositionState | None = strawberry.UNSET
    yulu_priority: bool | None = strawberry.UNSET
    min_salary: int | None = strawberry.field(
        default=strawberry.UNSET, description="Pays at least this much."
    )
    search: str | None = strawberry.field(
        default=strawberry.UNSET, description="Part of the title."
    )


@strawberry.input
class PositionInput:
    title: str
    occupation_code: str
    kind: PositionKind
    min_education: Education
    headcount: int
    salary_min: int
    salary_max: int
    region_code: str
    valid_from: date
    valid_until: date
    major_codes: list[str] = strawberry.field(default_factory=list)
    benefits: str | None = None
    description: str | None = None
    required_certificates: list[str] = strawberry.field(default_factory=list)
    yulu_priority: bool = False


@strawberry.input(description=CHANGES_DESCRIPTION)
class PositionChanges:
    title: str | None = strawberry.UNSET
    occupation_code: str | None = strawberry.UNSET
    kind: PositionKind | None = strawberry.UNSET
    min_education: Education | None = strawberry.UNSET
    headcount: int | None = strawberry.UNSET
    salary_min: int | None = strawberry.UNSET
    salary_max: int | None = strawberry.UNSET
    region_code: str | None = strawberry.UNSET
    valid_from: date | None = strawberry.UNSET
    valid_until: date | None = strawberry.UNSET
    major_codes: list[str] | None = strawberry.UNSET
    benefits: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    required_certificates: list[str] | None = strawberry.UNSET
    yulu_priority: bool | None = strawberry.UNSET


@strawberry.type
class PositionQueries:
    @strawberry.field(
        description="The position demand list across enterprises (anonymous: open positions)."
    )
    async def positions(
        self,
        info: Info,
        filter: PositionFilter | None = None,
        sort: PositionSort = PositionSort.NEWEST,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Position]:
        arguments = filter_arguments(filter, enterprise="Organisation")
        return Connection.of(
            await resolve.positions(ctx(info), first, after, sort=sort.value, **arguments)
        )


@strawberry.type
class PositionMutations:
    @strawberry.mutation(
        description="An enterprise posts a position (as a draft).", directives=WRITES
    )
    async def create_position(self, info: Info, input: PositionInput) -> Payload[Position]:
        return Payload.of(await resolve.create_position(ctx(info), provided(input)))

    @strawberry.mutation(directives=WRITES)
    async def update_position(
        self, info: Info, id: strawberry.ID, version: int, changes: PositionChanges
    ) -> Payload[Position]:
        return Payload.of(
            await resolve.update_position(
                ctx(info), id, version, changes_of(changes, model.Position)
            )
        )

    @strawberry.mutation(directives=WRITES)
    async def open_position(self, info: Info, id: strawberry.ID, version: int) -> Payload[Position]:
        return Payload.of(await resolve.set_position_state(ctx(info), id, version, open_it=True))

    @strawberry.mutation(directives=WRITES)
    async def close_position(
        self, info: Info, id: strawberry.ID, version: int
    ) -> Payload[Position]:
        return Payload.of(await resolve.set_position_state(ctx(info), id, version, open_it=False))
