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

    # Each read only when asked for: the role, level and scopes come with the token.
    @strawberry.field
    async def display_name(self, info: Info) -> str | None:
        user = await resolve.user(ctx(info))
        return user.display_name if user else None

    @strawberry.field
    async def organisation(self, info: Info) -> LazyOrganisation | None:
        return await resolve.organisation(ctx(info))

    @strawberry.field
    async def region(self, info: Info) -> Region | None:
        return await resolve.region(ctx(info))

    @strawberry.field(description="A graduate's own record.")
    async def person(self, info: Info) -> LazyPerson | None:
        return await resolve.person(ctx(info))

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
    def viewer(self, info: Info) -> Viewer:
        viewer = ctx(info).viewer
        return Viewer(
            role=viewer.role, region_level=viewer.region_level, scopes=sorted(viewer.scopes)
        )
