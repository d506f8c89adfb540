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
from resolvers import regions
from resolvers import tracking as resolve
from resolvers.batching import many_by, one_by
from resolvers.nodes import node
from schema.base import SIGNED_IN, Connection, Node, ctx, filter_arguments, global_id, instance_of
from schema.people import LocationTier
from schema.regions import Region

if TYPE_CHECKING:
    from schema.organisations import Organisation
    from schema.people import Person
    from schema.positions import Position

FollowUpStatus = strawberry.enum(model.FollowUpStatus)
CaseState = strawberry.enum(model.CaseState)
LazyPerson = Annotated["Person", strawberry.lazy("schema.people")]
LazyPosition = Annotated["Position", strawberry.lazy("schema.positions")]
LazyOrganisation = Annotated["Organisation", strawberry.lazy("schema.organisations")]


@strawberry.federation.type(keys=["id"], directives=SIGNED_IN, description="A job held, with where it is.")
class EmploymentRecord(Node):
    is_type_of = instance_of(model.EmploymentRecord)
    employer_name: str
    start_date: date
    end_date: date | None
    monthly_income: int
    location_tier: LocationTier = strawberry.field(description="Relative to the household's county (户籍地).")

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
        return await one_by(ctx(info), organisation_model.Organisation.id).load(employer_id) if employer_id else None

    @strawberry.field
    async def position(self, info: Info) -> LazyPosition | None:
        position_id = self.position_id
        return await one_by(ctx(info), position_model.Position.id).load(position_id) if position_id else None

    @strawberry.field
    async def work_region(self, info: Info) -> Region:
        return await regions.region(ctx(info), self.work_region_code)


@strawberry.type(description="A dated status check of a graduate.")
class FollowUp:
    on_date: date
    status: FollowUpStatus
    monthly_income: int | None
    note: str | None


@strawberry.type(description="Help by real name (一对一实名制帮扶): reason, plan, actions, outcome.")
class AssistanceCase:
    reason: str
    plan: str | None
    state: CaseState
    outcome: str | None
    opened_on: date
    closed_on: date | None

    @strawberry.field
    async def owner(self, info: Info) -> LazyOrganisation:
        return await one_by(ctx(info), organisation_model.Organisation.id).load(self.owner_org_id)

    @strawberry.field
    async def actions(self, info: Info) -> list[AssistanceAction]:
        return await many_by(ctx(info), model.AssistanceAction.case_id).load(self.id)


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
    region: str | None = strawberry.field(default=strawberry.UNSET, description="Work region code: its subtree.")
    employer: strawberry.ID | None = strawberry.UNSET
    person: strawberry.ID | None = strawberry.UNSET
    location_tier: LocationTier | None = strawberry.UNSET
    start_year: int | None = strawberry.UNSET
    current: bool | None = strawberry.field(default=strawberry.UNSET, description="Still employed there.")


@strawberry.type
class TrackingQueries:
    @strawberry.field(description="Employment records you may see.", directives=SIGNED_IN)
    async def employment_records(self, info: Info, filter: EmploymentFilter | None = None,
                                 sort: EmploymentSort = EmploymentSort.NEWEST, first: int | None = None,
                                 after: str | None = None) -> Connection[EmploymentRecord]:
        arguments = filter_arguments(filter, employer="Organisation", person="Person")
        return Connection.of(await resolve.employment_records(ctx(info), first, after, sort=sort.value, **arguments))
