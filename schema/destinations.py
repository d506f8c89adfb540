"""Graduate destinations (毕业去向): the current one and its history (models.destinations)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from models import destinations as model
from models import people as people_model
from resolvers import destinations as resolve
from resolvers import regions
from resolvers.batching import one_by
from schema.base import WRITES, Node, Payload, ctx, global_id, instance_of
from schema.regions import Region
from schema.tracking import EndReason

if TYPE_CHECKING:
    from schema.people import Person

DestinationKind = model.DestinationKind
strawberry.enum(
    DestinationKind,
    description="毕业去向: ALLIANCE_JOB 联盟内就业, OTHER_JOB 其他单位就业, FLEXIBLE 灵活就业, "
    "OWN_BUSINESS 自主创业, FURTHER_STUDY 升学, MILITARY 应征入伍, PUBLIC_WELFARE 公益性岗位, "
    "NOT_EMPLOYED 待就业, NOT_SEEKING 暂不就业.",
)
DestinationSource = model.DestinationSource
strawberry.enum(DestinationSource)
LazyPerson = Annotated["Person", strawberry.lazy("schema.people")]


@strawberry.enum(description="How a destination was confirmed.")
class Verification(enum.Enum):
    SOCIAL_INSURANCE = resolve.VerificationSource.SOCIAL_INSURANCE
    EMPLOYER = resolve.VerificationSource.EMPLOYER
    BUREAU_CHECK = resolve.VerificationSource.BUREAU_CHECK


@strawberry.type(
    description="Where a graduate of a cohort went (毕业去向): current, or superseded history."
)
class GraduateDestination(Node):
    is_type_of = instance_of(model.GraduateDestination)
    cohort_year: int = strawberry.field(description="The graduation year.")
    kind: DestinationKind
    since: date
    employer_name: str | None
    employer_credit_code: str | None
    monthly_income: int | None
    note: str | None
    source: DestinationSource = strawberry.field(description="Who recorded it.")
    recorded_on: date
    is_current: bool
    superseded_on: date | None
    verified_at: datetime | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("GraduateDestination", self.id)

    @strawberry.field(
        description="Whether it counts as employed (the employment rate's numerator)."
    )
    def employed(self) -> bool:
        return self.kind in model.EMPLOYED_KINDS

    @strawberry.field
    def verification(self) -> Verification | None:
        return Verification(self.verification) if self.verification else None

    @strawberry.field
    async def work_region(self, info: Info) -> Region | None:
        code = self.work_region_code
        return await regions.region(ctx(info), code) if code else None

    @strawberry.field
    async def person(self, info: Info) -> LazyPerson:
        return await one_by(ctx(info), people_model.Person.id).load(self.person_id)


@strawberry.input(description="A graduate's destination. Employer, region and income: for jobs.")
class DestinationInput:
    kind: DestinationKind
    since: date = strawberry.field(description="Since when it holds (a job's start date).")
    employer_name: str | None = None
    employer_credit_code: str | None = strawberry.field(
        default=None, description="统一社会信用代码 (optional)."
    )
    work_region_code: str | None = None
    monthly_income: int | None = None
    note: str | None = None
    end_reason: EndReason | None = strawberry.field(
        default=None,
        description="Required when the graduate still has an open job: it ends on `since`.",
    )


@strawberry.type
class DestinationMutations:
    @strawberry.mutation(
        description="Record a graduate's current destination (the old one stays as history): "
        "their school, the graduate, the agency owning their case, or the county bureau.",
        directives=WRITES,
    )
    async def record_destination(
        self, info: Info, person_id: strawberry.ID, input: DestinationInput
    ) -> Payload[GraduateDestination]:
        values = {
            "kind": input.kind,
            "since": input.since,
            "employer_name": input.employer_name,
            "employer_credit_code": input.employer_credit_code,
            "work_region_code": input.work_region_code,
            "monthly_income": input.monthly_income,
            "note": input.note,
            "end_reason": input.end_reason,
        }
        return Payload.of(await resolve.record_destination(ctx(info), person_id, values))

    @strawberry.mutation(
        description="Mark a current destination verified (e.g. by social-insurance "
        "contributions); a county bureau, for its county.",
        directives=WRITES,
    )
    async def verify_destination(
        self, info: Info, id: strawberry.ID, verification: Verification
    ) -> Payload[GraduateDestination]:
        return Payload.of(await resolve.verify_destination(ctx(info), id, verification.value))
