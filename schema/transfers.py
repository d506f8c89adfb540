"""Ledger (b) writes and student transfers: a school's own students, and requests for anyone else.

The request shows the identity as the requesting school typed it, never the stored person's:
``person`` is the stored person only where the viewer's row rules show them (to the requester,
once accepted). Which school or bureau decides is not shown, as it would tell the requester
where a person studies or lives.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from models import catalogue as catalogue_model
from models import organisations as organisation_model
from models import people as people_model
from models import transfers as model
from resolvers import regions
from resolvers import transfers as resolve
from resolvers.batching import one_by
from schema.base import SIGNED_IN, WRITES, Connection, Payload, UserError, ctx, global_id, provided
from schema.catalogue import Major
from schema.people import (
    HouseholdCategory,
    Person,
    PersonIdentityInput,
    StudentRecord,
    StudentRecordInput,
    StudentStatus,
)
from schema.positions import Education
from schema.regions import Region

if TYPE_CHECKING:
    from schema.organisations import Organisation

TransferState = model.TransferState
strawberry.enum(TransferState)
LazyOrganisation = Annotated["Organisation", strawberry.lazy("schema.organisations")]


@strawberry.enum(description="Which requests: those you may decide, or those your school filed.")
class TransferView(enum.Enum):
    TO_DECIDE = "to_decide"
    FILED = "filed"


@strawberry.type(
    description="A school's request to hold a person it does not hold (转学 / 入学), "
    "with the identity as the school typed it."
)
class StudentTransfer:
    state: TransferState
    entry_year: int
    expected_graduation_year: int
    record_status: StudentStatus
    created_at: datetime
    decided_at: datetime | None
    reason: str | None = strawberry.field(description="The decider's reason, if given.")

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("StudentTransfer", self.id)

    @strawberry.field
    async def requesting_school(self, info: Info) -> LazyOrganisation | None:
        return await one_by(ctx(info), organisation_model.Organisation.id, "organisations").load(
            self.requesting_school_id
        )

    @strawberry.field
    async def major(self, info: Info) -> Major:
        return await one_by(ctx(info), catalogue_model.Major.code).load(self.major_code)

    @strawberry.field(description="As typed by the requesting school; 张* when masked.")
    def name(self, info: Info) -> str:
        return resolve.typed_value(ctx(info), self, "name")

    @strawberry.field(description="As typed by the requesting school.")
    def id_number(self, info: Info) -> str:
        return resolve.typed_value(ctx(info), self, "id_number")

    @strawberry.field(description="As typed by the requesting school.")
    def phone(self, info: Info) -> str | None:
        return resolve.typed_value(ctx(info), self, "phone")

    @strawberry.field(description="As typed by the requesting school.")
    def education(self, info: Info) -> Education | None:
        value = resolve.typed_value(ctx(info), self, "education")
        return people_model.Education(value) if value else None

    @strawberry.field(
        description="The household category the requesting school gave; null when masked."
    )
    def household_category(self, info: Info) -> HouseholdCategory | None:
        value = resolve.typed_value(ctx(info), self, "household_category")
        return people_model.HouseholdCategory(value) if value else None

    @strawberry.field(
        description="The household region (户籍地) the requesting school gave; null when masked."
    )
    async def household_region(self, info: Info) -> Region | None:
        code = resolve.typed_value(ctx(info), self, "household_region")
        return await regions.region(ctx(info), code) if code else None

    @strawberry.field(
        description="The stored person, where your row rules show them (the requester: once accepted)."
    )
    async def person(self, info: Info) -> Person | None:
        return await one_by(ctx(info), people_model.Person.id_number, "persons").load(
            self.id_number
        )


@strawberry.type(
    description="Your own student's record, updated; or, for anyone else, the pending request — "
    "the same answer whether or not the ID number is registered."
)
class StudentRecordPayload:
    result: StudentRecord | None
    transfer: StudentTransfer | None
    errors: list[UserError]


@strawberry.type
class TransferQueries:
    @strawberry.field(
        description="Student transfer and enrolment requests (schools and county bureaus).",
        directives=SIGNED_IN,
    )
    async def student_transfers(
        self,
        info: Info,
        view: TransferView = TransferView.TO_DECIDE,
        state: TransferState | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StudentTransfer]:
        page = await resolve.student_transfers(
            ctx(info), first, after, to_decide=view == TransferView.TO_DECIDE, state=state
        )
        return Connection.of(page)


@strawberry.type
class TransferMutations:
    @strawberry.mutation(
        description="Student ledger (b): your own student is updated; anyone else becomes a "
        "request their current school or county bureau decides.",
        directives=WRITES,
    )
    async def upsert_student_record(
        self, info: Info, person: PersonIdentityInput, input: StudentRecordInput
    ) -> StudentRecordPayload:
        outcome = await resolve.upsert_student_record(ctx(info), provided(person), provided(input))
        found = outcome.result
        return StudentRecordPayload(
            result=found if isinstance(found, people_model.StudentRecord) else None,
            transfer=found if isinstance(found, model.StudentTransfer) else None,
            errors=[
                UserError(field=e.field, code=e.code, message=e.message) for e in outcome.errors
            ],
        )

    @strawberry.mutation(
        description="Accept (the record moves, or the person is registered) or decline a request.",
        directives=WRITES,
    )
    async def decide_student_transfer(
        self, info: Info, id: strawberry.ID, accept: bool, reason: str | None = None
    ) -> Payload[StudentTransfer]:
        return Payload.of(await resolve.decide_student_transfer(ctx(info), id, accept, reason))
