"""The region tree (GB/T 2260): public, the axis of every bureau's remit."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from models import regions as model
from resolvers import regions as resolve
from resolvers.nodes import node
from schema.base import Connection, Node, ctx, global_id, instance_of

RegionLevel = model.RegionLevel
strawberry.enum(RegionLevel)


@strawberry.federation.type(keys=["id"], description="An administrative region (GB/T 2260).")
class Region(Node):
    is_type_of = instance_of(model.Region)
    code: str
    name: str
    level: RegionLevel
    path: str
    is_key_county: bool = strawberry.field(description="国家乡村振兴重点帮扶县")
    is_grouping: bool = strawberry.field(
        description="A municipality's 市辖区 / 县 grouping of GB/T 2260: no place of its own, never a choice."
    )

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("Region", self.code)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID, **_other_keys: Any) -> Any:
        return await node(ctx(info), id, "Region")

    @strawberry.field
    async def parent(self, info: Info) -> Region | None:
        return await resolve.region(ctx(info), self.parent_code) if self.parent_code else None

    @strawberry.field
    async def children(self, info: Info) -> list[Region]:
        return await resolve.children(ctx(info), self.code)

    @strawberry.field(description="East–west cooperation partners (东西部协作).")
    async def partners(self, info: Info) -> list[Region]:
        return await resolve.pairings(ctx(info), self.code)


@strawberry.type
class RegionQueries:
    @strawberry.field(description="A region by its 6-digit code.")
    async def region(self, info: Info, code: str) -> Region | None:
        return await resolve.region(ctx(info), code)

    @strawberry.field(description="The regions directly below `parent` (the provinces without it).")
    async def regions(self, info: Info, parent: str | None = None) -> list[Region]:
        return await resolve.children(ctx(info), parent)

    @strawberry.field(
        description="Regions one may choose as a place, by code (provinces, cities, counties; no 市辖区 / 县 "
        "groupings): "
        "`search` part of the name or the start of the code, `within` a region's "
        "subtree, `level` one level only."
    )
    async def region_search(
        self,
        info: Info,
        search: str | None = None,
        within: str | None = None,
        level: RegionLevel | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Region]:
        page = await resolve.search(
            ctx(info), first, after, search=search, within_code=within, level=level
        )
        return Connection.of(page)
