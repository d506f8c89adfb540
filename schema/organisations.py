"""Alliance members: schools, enterprises, agencies and bureaus."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from auth import rules
from models import organisations as model
from models import positions as position_model
from resolvers import organisations as resolve
from resolvers import regions
from resolvers.batching import many_by
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
    from schema.positions import Position

OrganisationKind = model.OrganisationKind
strawberry.enum(OrganisationKind)
Membership = model.Membership
strawberry.enum(Membership)
SchoolLevel = model.SchoolLevel
strawberry.enum(SchoolLevel)
Role = model.Role
strawberry.enum(Role)
LazyPosition = Annotated["Position", strawberry.lazy("schema.positions")]


def _restricted(info: Info, column: str, value: Any) -> Any:
    rules.require_read(ctx(info).viewer, "organisations", column)
    return value


@strawberry.federation.type(
    keys=["id", "creditCode"], description="An alliance member (or an applicant to be one)."
)
class Organisation(Node):
    is_type_of = instance_of(model.Organisation)
    kind: OrganisationKind
    name: str
    membership: Membership
    school_level: SchoolLevel | None
    is_central_soe: bool = strawberry.field(description="央企")
    industry: str | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("Organisation", self.id)

    @classmethod
    async def resolve_reference(
        cls, info: Info, id: strawberry.ID | None = None, **other_keys: Any
    ) -> Any:
        if id is not None:
            return await node(ctx(info), id, "Organisation")
        return await resolve.by_credit_code(ctx(info), other_keys.get("creditCode"))

    @strawberry.field(description="统一社会信用代码 (members only).", directives=SIGNED_IN)
    def credit_code(self, info: Info) -> str | None:
        return _restricted(info, "credit_code", self.credit_code)

    @strawberry.field(description="Members only.", directives=SIGNED_IN)
    def contact_phone(self, info: Info) -> str | None:
        return _restricted(info, "contact_phone", self.contact_phone)

    @strawberry.field(directives=SIGNED_IN)
    def approved_at(self, info: Info) -> datetime | None:
        return _restricted(info, "approved_at", self.approved_at)

    @strawberry.field
    async def region(self, info: Info) -> Region:
        return await regions.region(ctx(info), self.region_code)

    @strawberry.field(description="The enterprise's positions that you may see.")
    async def positions(self, info: Info) -> list[LazyPosition]:
        return await many_by(ctx(info), position_model.Position.enterprise_id, "positions").load(
            self.id
        )


@strawberry.enum
class OrganisationSort(enum.Enum):
    NAME = "name"
    NEWEST = "newest"


@strawberry.input
class OrganisationFilter:
    kind: OrganisationKind | None = strawberry.UNSET
    membership: Membership | None = strawberry.UNSET
    region: str | None = strawberry.field(
        default=strawberry.UNSET, description="A region code: its whole subtree."
    )
    search: str | None = strawberry.field(default=strawberry.UNSET, description="Part of the name.")


@strawberry.input
class MembershipRequestInput:
    kind: OrganisationKind
    name: str
    credit_code: str = strawberry.field(
        description="统一社会信用代码, checked with its check character."
    )
    region_code: str
    school_level: SchoolLevel | None = strawberry.UNSET
    is_central_soe: bool = False
    industry: str | None = strawberry.UNSET
    contact_phone: str | None = strawberry.UNSET


@strawberry.type
class OrganisationQueries:
    @strawberry.field(
        description="Alliance members you may see (anonymous: approved members only)."
    )
    async def organisations(
        self,
        info: Info,
        filter: OrganisationFilter | None = None,
        sort: OrganisationSort = OrganisationSort.NAME,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Organisation]:
        page = await resolve.organisations(
            ctx(info), first, after, sort=sort.value, **filter_arguments(filter)
        )
        return Connection.of(page)


@strawberry.type
class OrganisationMutations:
    @strawberry.mutation(description="Ask to join the alliance; a bureau of the region decides.")
    async def request_membership(
        self, info: Info, input: MembershipRequestInput
    ) -> Payload[Organisation]:
        return Payload.of(await resolve.request_membership(ctx(info), provided(input)))

    @strawberry.mutation(
        description="A bureau (in its region) or an admin approves, rejects or suspends a member.",
        directives=WRITES,
    )
    async def decide_membership(
        self, info: Info, id: strawberry.ID, decision: Membership
    ) -> Payload[Organisation]:
        return Payload.of(await resolve.decide_membership(ctx(info), id, decision))

    @strawberry.mutation(
        description="A bureau (in its region) or an admin suspends an approved member; it may call no "
        "member mutation until approved again.",
        directives=WRITES,
    )
    async def suspend_membership(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> Payload[Organisation]:
        return Payload.of(await resolve.suspend_membership(ctx(info), id, reason))
