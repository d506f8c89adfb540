"""After the hire: employment records, follow-ups (跟踪监测) and assistance cases (一人一档)."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from models import organisations as organisation_model
from models import people as people_model
from models import positions as position_model
from models import tracking as model
from resolvers import people as people_resolvers
from resolvers import regions
from resolvers import tracking as resolve
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
from schema.people import LocationTier
from schema.regions import Region

if TYPE_CHECKING:
    from schema.organisations import Organisation
    from schema.people import Person
    from schema.positions import Position

FollowUpStatus = model.FollowUpStatus
strawberry.enum(FollowUpStatus)
CaseState = model.CaseState
strawberry.enum(CaseState)
LazyPerson = Annotated["Person", strawberry.lazy("schema.people")]
LazyPosition = Annotated["Position", strawberry.lazy("schema.positions")]
LazyOrganisation = Annotated["Organisation", strawberry.lazy("schema.organisations")]


@strawberry.federation.type(
    keys=["id"], directives=SIGNED_IN, description="A job held, with where it is."
)
class EmploymentRecord(Node):
    is_type_of = instance_of(model.EmploymentRecord)
    employer_name: str
    start_date: date
    end_date: date | None
    monthly_income: int

    @strawberry.field(
        description="Relative to the household's county (户籍地): null where the household is."
    )
    async def location_tier(self, info: Info) -> LocationTier | None:
        return await people_resolvers.derived_from_household(
            ctx(info), self.person_id, self.location_tier
        )

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("EmploymentRecord", self.id)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID, **_other_keys: Any) -> Any:
        return await node(ctx(info), id, "EmploymentRecord")

    @strawberry.field
    async def person(self, info: Info) -> LazyPerson:
        return await one_by(ctx(info), people_model.Person.id).load(self.person_id)

    @strawberry.field
    async def employer(self, info: Info) -> LazyOrganisation | None:
        employer_id = self.employer_id
        return (
            await one_by(ctx(info), organisation_model.Organisation.id).load(employer_id)
            if employer_id
            else None
        )

    @strawberry.field
    async def position(self, info: Info) -> LazyPosition | None:
        position_id = self.position_id
        return (
            await one_by(ctx(info), position_model.Position.id).load(position_id)
            if position_id
            else None
        )

    @strawberry.field
    async def work_region(self, info: Info) -> Region:
        return await regions.region(ctx(info), self.work_region_code)


@strawberry.type(description="A dated status check of a graduate (跟踪监测).")
class FollowUp(Node):
    is_type_of = instance_of(model.FollowUp)
    on_date: date
    status: FollowUpStatus
    monthly_income: int | None = strawberry.field(description="Yuan per month, when working.")
    note: str | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("FollowUp", self.id)


@strawberry.type(
    description="Help by real name (一对一实名制帮扶): reason, plan, actions, outcome."
)
class AssistanceCase(Node):
    is_type_of = instance_of(model.AssistanceCase)
    reason: str
    plan: str | None
    state: CaseState
    outcome: str | None
    opened_on: date
    closed_on: date | None

    @strawberry.field(description="Send it as caseId to add an action or close the case.")
    def id(self) -> strawberry.ID:
        return global_id("AssistanceCase", self.id)

    @strawberry.field
    async def person(self, info: Info) -> LazyPerson:
        return await one_by(ctx(info), people_model.Person.id).load(self.person_id)

    @strawberry.field
    async def owner(self, info: Info) -> LazyOrganisation:
        return await one_by(ctx(info), organisation_model.Organisation.id).load(self.owner_org_id)

    @strawberry.field
    async def actions(self, info: Info) -> list[AssistanceAction]:
        return await many_by(
            ctx(info), model.AssistanceAction.case_id, order_by=model.AssistanceAction.on_date
        ).load(self.id)


@strawberry.type
class AssistanceAction:
    on_date: date
    action: str


@strawberry.enum
class EmploymentSort(enum.Enum):
    NEWEST = "newest"
    INCOME = "income"


@strawberry.input
class EmploymentFilter:
    region: str | None = strawberry.field(
        default=strawberry.UNSET, description="Work region code: its subtree."
    )
    employer: strawberry.ID | None = strawberry.UNSET
    person: strawberry.ID | None = strawberry.UNSET
    location_tier: LocationTier | None = strawberry.UNSET
    start_year: int | None = strawberry.UNSET
    current: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Still employed there."
    )


@strawberry.input
class AssistanceCaseFilter:
    state: CaseState | None = strawberry.UNSET
    person: strawberry.ID | None = strawberry.UNSET
    owner: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The owning organisation."
    )


@strawberry.type
class TrackingQueries:
    @strawberry.field(
        description="Cases of help by real name you may see (an agency: its own; a school: its "
        "students'; a bureau: its region's), open ones first.",
        directives=SIGNED_IN,
    )
    async def assistance_cases(
        self,
        info: Info,
        filter: AssistanceCaseFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AssistanceCase]:
        arguments = filter_arguments(filter, person="Person", owner="Organisation")
        return Connection.of(await resolve.assistance_cases(ctx(info), first, after, **arguments))

    @strawberry.field(description="Employment records you may see.", directives=SIGNED_IN)
    async def employment_records(
        self,
        info: Info,
        filter: EmploymentFilter | None = None,
        sort: EmploymentSort = EmploymentSort.NEWEST,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[EmploymentRecord]:
        arguments = filter_arguments(filter, employer="Organisation", person="Person")
        return Connection.of(
            await resolve.employment_records(ctx(info), first, after, sort=sort.value, **arguments)
        )


@strawberry.type
class TrackingMutations:
    @strawberry.mutation(
        description="A dated status check of a graduate: their school, an agency helping them "
        "(a candidate it may see or a person of its case), or the county bureau.",
        directives=WRITES,
    )
    async def record_follow_up(
        self,
        info: Info,
        person_id: strawberry.ID,
        on_date: date,
        status: FollowUpStatus,
        monthly_income: int | None = None,
        note: str | None = None,
    ) -> Payload[FollowUp]:
        values = {
            "on_date": on_date,
            "status": status,
            "monthly_income": monthly_income,
            "note": note,
        }
        return Payload.of(await resolve.record_follow_up(ctx(info), person_id, values))

    @strawberry.mutation(
        description="Open a case of help by real name (一人一档), owned by your organisation: "
        "an agency for a person it may see, a county bureau for its county. A "
        "county bureau may instead assign it to an agency (`assignTo`), which "
        "then owns it and sees the person in clear.",
        directives=WRITES,
    )
    async def open_assistance_case(
        self,
        info: Info,
        person_id: strawberry.ID,
        reason: str,
        plan: str | None = None,
        assign_to: strawberry.ID | None = None,
    ) -> Payload[AssistanceCase]:
        values = {"reason": reason, "plan": plan, "assign_to": assign_to}
        return Payload.of(await resolve.open_assistance_case(ctx(info), person_id, values))

    @strawberry.mutation(
        description="One step of the plan (一人一策) on an open case; the owner only.",
        directives=WRITES,
    )
    async def add_assistance_action(
        self, info: Info, case_id: strawberry.ID, on_date: date, action: str
    ) -> Payload[AssistanceCase]:
        return Payload.of(
            await resolve.add_assistance_action(
                ctx(info), case_id, {"on_date": on_date, "action": action}
            )
        )

    @strawberry.mutation(
        description="Close an open case with its outcome; the owner only.", directives=WRITES
    )
    async def close_assistance_case(
        self, info: Info, case_id: strawberry.ID, outcome: str, closed_on: date
    ) -> Payload[AssistanceCase]:
        return Payload.of(
            await resolve.close_assistance_case(
                ctx(info), case_id, {"outcome": outcome, "closed_on": closed_on}
            )
        )
