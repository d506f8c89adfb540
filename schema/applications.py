"""Applications and referrals through the stage machine (recommended → applied → interview →
offer → hired; rejected with a reason; withdrawn)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from models import applications as model
from models import organisations as organisation_model
from models import people as people_model
from models import positions as position_model
from resolvers import applications as resolve
from resolvers.batching import many_by, one_by
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
)

if TYPE_CHECKING:
    from schema.organisations import Organisation
    from schema.people import Person
    from schema.positions import Position

Stage = model.Stage
strawberry.enum(Stage)
ApplicationSource = model.ApplicationSource
strawberry.enum(ApplicationSource)
RejectionReason = model.RejectionReason
strawberry.enum(RejectionReason)
LazyPerson = Annotated["Person", strawberry.lazy("schema.people")]
LazyPosition = Annotated["Position", strawberry.lazy("schema.positions")]
LazyOrganisation = Annotated["Organisation", strawberry.lazy("schema.organisations")]


@strawberry.type(description="One stage transition, never rewritten.")
class ApplicationEvent:
    from_stage: Stage | None
    to_stage: Stage
    note: str | None
    at: datetime


@strawberry.federation.type(
    keys=["id"], directives=SIGNED_IN, description="A person's application to a position."
)
class Application(Node):
    is_type_of = instance_of(model.Application)
    source: ApplicationSource
    stage: Stage
    rejection_reason: RejectionReason | None
    note: str | None
    created_at: datetime
    version: int

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("Application", self.id)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID, **_other_keys: Any) -> Any:
        return await node(ctx(info), id, "Application")

    @strawberry.field
    async def person(self, info: Info) -> LazyPerson:
        return await one_by(ctx(info), people_model.Person.id).load(self.person_id)

    @strawberry.field
    async def position(self, info: Info) -> LazyPosition:
        return await one_by(ctx(info), position_model.Position.id).load(self.position_id)

    @strawberry.field(description="The school or agency that recommended or referred.")
    async def referrer(self, info: Info) -> LazyOrganisation | None:
        referrer_id = self.referrer_id
        return (
            await one_by(ctx(info), organisation_model.Organisation.id).load(referrer_id)
            if referrer_id
            else None
        )

    @strawberry.field
    async def events(self, info: Info) -> list[ApplicationEvent]:
        return await many_by(ctx(info), model.ApplicationEvent.application_id).load(self.id)


@strawberry.enum
class ApplicationSort(enum.Enum):
    NEWEST = "newest"
    STAGE = "stage"
    UPDATED = "updated"


@strawberry.input
class ApplicationFilter:
    position: strawberry.ID | None = strawberry.UNSET
    person: strawberry.ID | None = strawberry.UNSET
    enterprise: strawberry.ID | None = strawberry.UNSET
    stage: Stage | None = strawberry.UNSET


@strawberry.input
class TransitionInput:
    id: strawberry.ID
    version: int
    stage: Stage
    reason: RejectionReason | None = strawberry.field(
        default=None, description="Required exactly when rejecting."
    )
    note: str | None = None
    start_date: date | None = strawberry.field(
        default=None, description="Hiring: the first working day."
    )
    monthly_income: int | None = strawberry.field(
        default=None, description="Hiring: yuan per month."
    )


@strawberry.type
class ApplicationQueries:
    @strawberry.field(description="Applications you may see.", directives=SIGNED_IN)
    async def applications(
        self,
        info: Info,
        filter: ApplicationFilter | None = None,
        sort: ApplicationSort = ApplicationSort.NEWEST,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Application]:
        arguments = filter_arguments(
            filter, position="Position", person="Person", enterprise="Organisation"
        )
        return Connection.of(
            await resolve.applications(ctx(info), first, after, sort=sort.value, **arguments)
        )


@strawberry.type
class ApplicationMutations:
    @strawberry.mutation(
        description="Apply (graduates), recommend (schools) or refer (agencies).", directives=WRITES
    )
    async def create_application(
        self,
        info: Info,
        person_id: strawberry.ID,
        position_id: strawberry.ID,
        note: str | None = None,
    ) -> Payload[Application]:
        return Payload.of(await resolve.create_application(ctx(info), person_id, position_id, note))

    @strawberry.mutation(
        description="Move an application one stage on; hiring records the employment.",
        directives=WRITES,
    )
    async def transition_application(
        self, info: Info, input: TransitionInput
    ) -> Payload[Application]:
        outcome = await resolve.transition_application(
            ctx(info),
            input.id,
            input.version,
            input.stage,
            reason=input.reason,
            note=input.note,
            start_date=input.start_date,
            monthly_income=input.monthly_income,
        )
        return Payload.of(outcome)
