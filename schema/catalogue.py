"""The national catalogues: vocational majors and occupations (public reference data)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from models import catalogue as model
from resolvers import catalogue as resolve
from resolvers.nodes import node
from schema.base import Node, ctx, global_id, instance_of

MajorLevel = model.MajorLevel
strawberry.enum(MajorLevel)


@strawberry.federation.type(
    keys=["id"], description="A major of the vocational education catalogue (2021)."
)
class Major(Node):
    is_type_of = instance_of(model.Major)
    code: str
    name: str
    level: MajorLevel
    category_code: str
    class_code: str

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("Major", self.code)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID, **_other_keys: Any) -> Any:
        return await node(ctx(info), id, "Major")


@strawberry.federation.type(keys=["id"], description="An occupation (GB/T 6565).")
class Occupation(Node):
    is_type_of = instance_of(model.Occupation)
    code: str
    name: str

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("Occupation", self.code)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID, **_other_keys: Any) -> Any:
        return await node(ctx(info), id, "Occupation")


@strawberry.type
class CatalogueQueries:
    @strawberry.field(
        description="Majors whose code starts with, or whose name contains, `search`."
    )
    async def majors(self, info: Info, search: str | None = None) -> list[Major]:
        return await resolve.search(ctx(info), model.Major, search)

    @strawberry.field(
        description="Occupations whose code starts with, or whose name contains, `search`."
    )
    async def occupations(self, info: Info, search: str | None = None) -> list[Occupation]:
        return await resolve.search(ctx(info), model.Occupation, search)
