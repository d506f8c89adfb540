"""Targeted, customised and short training classes (定向班, 定制班), school with enterprise."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from models import catalogue as catalogue_model
from models import classes as model
from models import organisations as organisation_model
from models import people as people_model
from models import positions as position_model
from resolvers import classes as resolve
from resolvers.batching import linked, one_by
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
from schema.catalogue import Major

if TYPE_CHECKING:
    from schema.organisations import Organisation
    from schema.people import Person
    from schema.positions import Position

ClassKind = model.ClassKind
strawberry.enum(ClassKind)
LazyOrganisation = Annotated["Organisation", strawberry.lazy("schema.organisations")]
LazyPosition = Annotated["Position", strawberry.lazy("schema.positions")]
LazyPerson = Annotated["Person", strawberry.lazy("schema.people")]


@strawberry.federation.type(
    keys=["id"], directives=SIGNED_IN, description="A class run by a school with a partner."
)
class TrainingClass(Node):
    is_type_of = instance_of(model.TrainingClass)
    kind: ClassKind
    name: str
    cohort_year: int
    seats: int
    enrolled: int
    starts_on: date
    ends_on: date
    training_plan: str | None
    version: int

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("TrainingClass", self.id)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID, **_other_keys: Any) -> Any:
        return await node(ctx(info), id, "TrainingClass")

    @strawberry.field
    async def school(self, info: Info) -> LazyOrganisation:
        return await one_by(ctx(info), organisation_model.Organisation.id).load(self.school_id)

    @strawberry.field
    async def enterprise(self, info: Info) -> LazyOrganisation | None:
        enterprise_id = self.enterprise_id
        return (
            await one_by(ctx(info), organisation_model.Organisation.id).load(enterprise_id)
            if enterprise_id
            else None
        )

    @strawberry.field
    async def major(self, info: Info) -> Major | None:
        return (
            await one_by(ctx(info), catalogue_model.Major.code).load(self.major_code)
            if self.major_code
            else None
        )

    @strawberry.field(
        description="Positions reserved for the class's graduates (that you may see)."
    )
    async def reserved_positions(self, info: Info) -> list[LazyPosition]:
        return await linked(
            ctx(info),
            model.class_reserved_positions,
            "class_id",
            "position_id",
            position_model.Position.id,
            "positions",
        ).load(self.id)

    @strawberry.field(description="Enrolled students that you may see.")
    async def students(self, info: Info) -> list[LazyPerson]:
        return await linked(
            ctx(info),
            model.Enrolment.__table__,
            "class_id",
            "person_id",
            people_model.Person.id,
            "persons",
        ).load(self.id)


@strawberry.enum
class ClassSort(enum.Enum):
    NEWEST = "newest"
    STARTS = "starts"
    NAME = "name"


@strawberry.input
class ClassFilter:
    school: strawberry.ID | None = strawberry.UNSET
    enterprise: strawberry.ID | None = strawberry.UNSET
    kind: ClassKind | None = strawberry.UNSET
    major: str | None = strawberry.UNSET
    cohort_year: int | None = strawberry.UNSET
    region: str | None = strawberry.field(
        default=strawberry.UNSET, description="The school's region: its subtree."
    )
    search: str | None = strawberry.field(default=strawberry.UNSET, description="Part of the name.")


@strawberry.input
class ClassInput:
    kind: ClassKind
    name: str
    cohort_year: int
    seats: int
    starts_on: date
    ends_on: date
    enterprise_id: strawberry.ID | None = None
    major_code: str | None = None
    training_plan: str | None = None


@strawberry.input(description=CHANGES_DESCRIPTION)
class ClassChanges:
    name: str | None = strawberry.UNSET
    seats: int | None = strawberry.UNSET
    starts_on: date | None = strawberry.UNSET
    ends_on: date | None = strawberry.UNSET
    major_code: str | None = strawberry.UNSET
    training_plan: str | None = strawberry.UNSET


@strawberry.type
class EnrolmentResult:
    @strawberry.field
    async def training_class(self, info: Info) -> TrainingClass:
        return await one_by(ctx(info), model.TrainingClass.id).load(self.class_id)

    @strawberry.field
    async def student(self, info: Info) -> LazyPerson:
        return await one_by(ctx(info), people_model.Person.id).load(self.person_id)


@strawberry.type
class ClassQueries:
    @strawberry.field(description="Training classes.", directives=SIGNED_IN)
    async def classes(
        self,
        info: Info,
        filter: ClassFilter | None = None,
        sort: ClassSort = ClassSort.NEWEST,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[TrainingClass]:
        arguments = filter_arguments(filter, school="Organisation", enterprise="Organisation")
        return Connection.of(
            await resolve.classes(ctx(info), first, after, sort=sort.value, **arguments)
        )


@strawberry.type
class ClassMutations:
    @strawberry.mutation(description="A school opens a class.", directives=WRITES)
    async def create_class(self, info: Info, input: ClassInput) -> Payload[TrainingClass]:
        return Payload.of(await resolve.create_class(ctx(info), provided(input)))

    @strawberry.mutation(directives=WRITES)
    async def update_class(
        self, info: Info, id: strawberry.ID, version: int, changes: ClassChanges
    ) -> Payload[TrainingClass]:
        return Payload.of(
            await resolve.update_class(
                ctx(info), id, version, changes_of(changes, model.TrainingClass)
            )
        )

    @strawberry.mutation(
        description="Take one seat for a student; never more than the seats.", directives=WRITES
    )
    async def enrol_student(
        self, info: Info, class_id: strawberry.ID, person_id: strawberry.ID
    ) -> Payload[EnrolmentResult]:
        return Payload.of(await resolve.enrol_student(ctx(info), class_id, person_id))

    @strawberry.mutation(
        description="Reserve partner positions for the class's graduates.", directives=WRITES
    )
    async def reserve_class_positions(
        self, info: Info, class_id: strawberry.ID, position_ids: list[strawberry.ID]
    ) -> Payload[TrainingClass]:
        return Payload.of(await resolve.reserve_positions(ctx(info), class_id, position_ids))
