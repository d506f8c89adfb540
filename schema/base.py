"""What every schema module shares: the Node interface, connections, payloads, directives.

Types are thin: their root objects are the SQLAlchemy rows the resolvers return (plain attribute
fields cost nothing extra), relations are methods that call a loader, and ``is_type_of`` lets
interfaces and the federation ``_entities`` union recognise a row as its GraphQL type.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import strawberry
from strawberry.federation.schema_directives import Authenticated, RequiresScopes
from strawberry.types import Info

from auth import scopes
from resolvers.context import Context
from resolvers.ids import InvalidId, decode_id, to_global_id
from resolvers.outcomes import Outcome
from resolvers.pagination import InvalidArgument, Page

T = TypeVar("T")

# The rules of auth/rules.py, declared for a gateway that checks before it calls us.
SIGNED_IN = (Authenticated(),)
PERSONAL = (Authenticated(), RequiresScopes(scopes=[[scopes.PERSONAL]]))
WRITES = (Authenticated(), RequiresScopes(scopes=[[scopes.WRITE]]))


def ctx(info: Info) -> Context:
    return info.context


def instance_of(model: type) -> classmethod:
    """``is_type_of`` for a type whose roots are rows of ``model``."""
    return classmethod(lambda cls, obj, info: isinstance(obj, model))


def global_id(type_name: str, key: Any) -> strawberry.ID:
    return strawberry.ID(to_global_id(type_name, key))


def key_argument(value: str | None, type_name: str) -> int | None:
    """A filter's ID argument as a key; a malformed ID is the client's error, not ours."""
    if value is None:
        return None
    try:
        return decode_id(value, type_name)
    except InvalidId as error:
        raise InvalidArgument(str(error)) from error


def provided(input_object: Any) -> dict[str, Any]:
    """The fields the client set (UNSET dropped), for the resolvers (enums are the models' own)."""
    return {
        name: value for name, value in vars(input_object).items() if value is not strawberry.UNSET
    }


def changes_of(input_object: Any, model: type) -> dict[str, Any]:
    """An update input as values: an absent field stays as it is; null clears a field the model
    may leave empty, and leaves a required one as it is."""
    columns = model.__table__.c
    return {
        name: value
        for name, value in provided(input_object).items()
        if value is not None or (name in columns and columns[name].nullable)
    }


CHANGES_DESCRIPTION = "Only the fields you send change; null empties an optional field and leaves a required one as it is."


@strawberry.interface(description="An object with a global ID (Relay).")
class Node:
    @strawberry.field
    def id(self) -> strawberry.ID:
        raise NotImplementedError("every Node type makes its global ID from its row's key")


# Value types any subgraph may define as well (a partner's own connections have a PageInfo).
@strawberry.federation.type(shareable=True)
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    page: strawberry.Private[Page]

    @strawberry.field(description="Rows matching the filters (one COUNT statement when asked).")
    async def total_count(self) -> int:
        return await self.page.total_count()

    @classmethod
    def of(cls, page: Page) -> Connection:
        cursors = page.cursors
        return cls(
            edges=[Edge(cursor=c, node=row) for c, row in zip(cursors, page.rows, strict=True)],
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.offset > 0,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
            page=page,
        )


@strawberry.federation.type(
    shareable=True, description="A business or validation error: which input field, which rule."
)
class UserError:
    field: str | None
    code: str
    message: str


@strawberry.type
class Payload(Generic[T]):
    result: T | None
    errors: list[UserError]

    @classmethod
    def of(cls, outcome: Outcome) -> Payload:
        errors = [UserError(field=e.field, code=e.code, message=e.message) for e in outcome.errors]
        return cls(result=outcome.result, errors=errors)


def filter_arguments(filter_input: Any, **id_types: str) -> dict[str, Any]:
    """A filter input as resolver keywords; each ID field ``name`` (of type ``id_types[name]``)
    becomes the key ``name_id``."""
    values = provided(filter_input) if filter_input is not None else {}
    for name, type_name in id_types.items():
        if name in values:
            values[f"{name}_id"] = key_argument(values.pop(name), type_name)
    return values
