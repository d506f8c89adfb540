"""The audit log's read side: bureaus within their region, admins everything."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from models import audit as model
from models import people as people_model
from resolvers import audit as resolve
from resolvers import people
from resolvers import people as people_resolvers
from resolvers.batching import one_by
from schema.base import SIGNED_IN, Connection, ctx, global_id, key_argument

if TYPE_CHECKING:
    from schema.people import Person

AuditAction = model.AuditAction
strawberry.enum(AuditAction)
LazyPerson = Annotated["Person", strawberry.lazy("schema.people")]


@strawberry.type(
    description="Who read or changed which personal data, when, and in which operation."
)
class AuditRecord:
    at: datetime
    action: AuditAction
    actor_role: str
    operation: str
    fields: list[str]

    @strawberry.field(
        description="What happened; identity changes (before/after) masked as the person's fields are to you."
    )
    async def detail(self, info: Info) -> JSON:
        return await people.shown_audit_detail(ctx(info), self)

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("AuditRecord", self.id)

    @strawberry.field
    def actor_user_id(self) -> strawberry.ID | None:
        return global_id("User", self.actor_user_id) if self.actor_user_id else None

    @strawberry.field
    def actor_organisation_id(self) -> strawberry.ID | None:
        organisation = self.actor_organisation_id
        return global_id("Organisation", organisation) if organisation else None

    @strawberry.field(
        description="The subject's household region (户籍地): null where the household is."
    )
    async def region_code(self, info: Info) -> str | None:
        if self.subject_person_id is None:
            return self.region_code
        return await people_resolvers.derived_from_household(
            ctx(info), self.subject_person_id, self.region_code
        )

    @strawberry.field(description="The person concerned (masked by your role's rules).")
    async def subject(self, info: Info) -> LazyPerson | None:
        person_id = self.subject_person_id
        return (
            await one_by(ctx(info), people_model.Person.id).load(person_id) if person_id else None
        )


@strawberry.type
class AuditQueries:
    @strawberry.field(
        description="The audit log (bureaus: their region; admins: all).", directives=SIGNED_IN
    )
    async def audit_log(
        self,
        info: Info,
        person: strawberry.ID | None = None,
        action: AuditAction | None = None,
        region: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditRecord]:
        page = await resolve.audit_records(
            ctx(info),
            first,
            after,
            person_id=key_argument(person, "Person"),
            action=action,
            region=region,
        )
        return Connection.of(page)
