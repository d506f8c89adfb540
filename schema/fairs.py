"""Recruitment fairs (专场招聘): public listings; registrations are personal data."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from models import fairs as model
from models import organisations as organisation_model
from models import people as people_model
from models import positions as position_model
from resolvers import fairs as resolve
from resolvers import regions
from resolvers.batching import linked, one_by
from resolvers.nodes import node
from schema.base import (
    SIGNED_IN,
    WRITES,
    Connection,
    Node,
    Payload,
    ctx,
    filter_arguments,
    global_id,
    instance_of,
    provided,
)
from schema.regions import Region

if TYPE_CHECKING:
    from schema.matching import Shortlist
    from schema.organisations import Organisation
    from schema.people import Person
    from schema.positions import Position

FairKind = model.FairKind
strawberry.enum(FairKind)
FairMode = model.FairMode
strawberry.enum(FairMode)
LazyOrganisation = Annotated["Organisation", strawberry.lazy("schema.organisations")]
LazyPosition = Annotated["Position", strawberry.lazy("schema.positions")]
LazyPerson = Annotated["Person", strawberry.lazy("schema.people")]
LazyShortlist = Annotated["Shortlist", strawberry.lazy("schema.matching")]


@strawberry.federation.type(keys=["id"], description="A special recruitment event.")
class Fair(Node):
    is_type_of = instance_of(model.Fair)
    name: str
    kind: FairKind
    mode: FairMode
    starts_on: date
    ends_on: date

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("Fair", self.id)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID, **_other_keys: Any) -> Any:
        return await node(ctx(info), id, "Fair")

    @strawberry.field
    async def organiser(self, info: Info) -> LazyOrganisation:
        return await one_by(ctx(info), organisation_model.Organisation.id).load(self.organiser_id)

    @strawberry.field
    async def region(self, info: Info) -> Region:
        return await regions.region(ctx(info), self.region_code)

    @strawberry.field
    async def enterprises(self, info: Info) -> list[LazyOrganisation]:
        return await linked(
            ctx(info),
            model.fair_enterprises,
            "fair_id",
            "enterprise_id",
            organisation_model.Organisation.id,
            "organisations",
        ).load(self.id)

    @strawberry.field(description="Positions on offer that you may see.")
    async def positions(self, info: Info) -> list[LazyPosition]:
        return await linked(
            ctx(info),
            model.fair_positions,
            "fair_id",
            "position_id",
            position_model.Position.id,
            "positions",
        ).load(self.id)

    @strawberry.field(description="Registered graduates that you may see.", directives=SIGNED_IN)
    async def registrations(self, info: Info) -> list[LazyPerson]:
        return await linked(
            ctx(info),
            model.fair_registrations,
            "fair_id",
            "person_id",
            people_model.Person.id,
            "persons",
        ).load(self.id)

    @strawberry.field(
        description="The optimal assignment of registered graduates to the fair's positions "
        "under their headcounts; for the fair's organiser.",
        directives=SIGNED_IN,
    )
    async def shortlist(self, info: Info) -> LazyShortlist | None:
        from schema.matching import shortlist

        return await shortlist(info, self.id)


@strawberry.enum
class FairSort(enum.Enum):
    STARTS = "starts"
    NEWEST = "newest"
    NAME = "name"


@strawberry.input
class FairFilter:
    region: str | None = strawberry.field(
        default=strawberry.UNSET, description="A region code: its subtree."
    )
    kind: FairKind | None = strawberry.UNSET
    mode: FairMode | None = strawberry.UNSET
    organiser: strawberry.ID | None = strawberry.UNSET
    search: str | None = strawberry.field(default=strawberry.UNSET, description="Part of the name.")
    ends_from: date | None = strawberry.field(
        default=strawberry.UNSET,
        description="Fairs ending on or after this day (upcoming ones: today).",
    )


@strawberry.input
class FairInput:
    name: str
    kind: FairKind
    mode: FairMode
    region_code: str
    starts_on: date
    ends_on: date


@strawberry.type
class FairQueries:
    @strawberry.field(description="Recruitment fairs (public).")
    async def fairs(
        self,
        info: Info,
        filter: FairFilter | None = None,
        sort: FairSort = FairSort.STARTS,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Fair]:
        arguments = filter_arguments(filter, organiser="Organisation")
        return Connection.of(
            await resolve.fairs(ctx(info), first, after, sort=sort.value, **arguments)
        )


@strawberry.type
class FairMutations:
    @strawberry.mutation(directives=WRITES)
    async def create_fair(self, info: Info, input: FairInput) -> Payload[Fair]:
        return Payload.of(await resolve.create_fair(ctx(info), provided(input)))

    @strawberry.mutation(directives=WRITES)
    async def add_fair_enterprises(
        self, info: Info, fair_id: strawberry.ID, enterprise_ids: list[strawberry.ID]
    ) -> Payload[Fair]:
        return Payload.of(await resolve.add_fair_enterprises(ctx(info), fair_id, enterprise_ids))

    @strawberry.mutation(directives=WRITES)
    async def add_fair_positions(
        self, info: Info, fair_id: strawberry.ID, position_ids: list[strawberry.ID]
    ) -> Payload[Fair]:
        return Payload.of(await resolve.add_fair_positions(ctx(info), fair_id, position_ids))

    @strawberry.mutation(
        description="Register a graduate (yourself, your student, or at your own fair).",
        directives=WRITES,
    )
    async def register_for_fair(
        self, info: Info, fair_id: strawberry.ID, person_id: strawberry.ID
    ) -> Payload[Fair]:
        return Payload.of(await resolve.register_for_fair(ctx(info), fair_id, person_id))
