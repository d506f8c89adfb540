"""``viewer``: who is asking — their user, role, organisation and region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from resolvers import notices as notice_resolvers
from resolvers import viewer as resolve
from schema.base import ctx
from schema.organisations import Role
from schema.regions import Region, RegionLevel

if TYPE_CHECKING:
    from schema.organisations import Organisation
    from schema.people import Person

LazyOrganisation = Annotated["Organisation", strawberry.lazy("schema.organisations")]
LazyPerson = Annotated["Person", strawberry.lazy("schema.people")]


NoticeKind = notice_resolvers.NoticeKind
strawberry.enum(NoticeKind, description="What waits for the viewer's role.")


@strawberry.type(
    description="A count of work waiting for the viewer, through the role's own row rules."
)
class Notice:
    kind: NoticeKind
    count: int


@strawberry.type(description="The signed-in viewer; every field is null for anonymous callers.")
class Viewer:
    role: Role | None
    region_level: RegionLevel | None
    scopes: list[str]
    display_name: str | None
    organisation: LazyOrganisation | None
    region: Region | None
    person: LazyPerson | None = strawberry.field(description="A graduate's own record.")

    @strawberry.field(
        description="What needs the viewer (referrals awaiting an answer, applications moved or "
        "waiting, follow-ups due, join requests), counted in one statement; empty "
        "for anonymous callers."
    )
    async def notices(self, info: Info) -> list[Notice]:
        return [
            Notice(kind=n.kind, count=n.count) for n in await notice_resolvers.notices(ctx(info))
        ]


@strawberry.type
class ViewerQueries:
    @strawberry.field
    async def viewer(self, info: Info) -> Viewer:
        context = ctx(info)
        me = await resolve.me(context)
        return Viewer(
            role=context.viewer.role,
            region_level=context.viewer.region_level,
            scopes=sorted(context.viewer.scopes),
            display_name=me.user.display_name if me.user else None,
            organisation=me.organisation,
            region=me.region,
            person=me.person,
        )
