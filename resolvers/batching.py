"""DataLoader batch functions over the request's session: one statement per relation per level.

Three shapes cover every relation of the model: one row by a key (``one_by``), the rows sharing a
key (``many_by``) and rows reached through a link table (``linked``). Each may carry the viewer's
row filter for a table (auth.rules), so a relation never shows more than a list would.

The two list shapes answer at most ``MAX_RELATED`` rows per key, or a smaller bound the data
model sets (a ROW_NUMBER() window in the same one statement): a relation is a plain GraphQL list,
not a connection, and the cost limit (schema.list_bounds) multiplies by this bound, so it must
hold whatever the data holds.
"""

from __future__ import annotations

import inspect
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, Table, any_, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased
from strawberry.dataloader import DataLoader

from auth import rules
from models.base import AnyColumn

if TYPE_CHECKING:  # the context module imports the audit trail, which pages and filters
    from resolvers.context import Context

# Far above any relation of the alliance's data (the demo's largest: 60 registrations of a fair,
# 41 students of a class, 18 applications of a position), small enough to bound a nested query.
MAX_RELATED = 100


def any_of(ctx: Context, column: AnyColumn, keys: Sequence[Any]) -> ColumnElement[bool]:
    """``column = ANY(:keys)`` on PostgreSQL (one array parameter: faster to plan than a long
    ``IN (...)`` and one cached statement for any batch size); ``IN (...)`` on SQLite."""
    if ctx.on_postgresql:
        return column == any_(literal(list(keys), ARRAY(column.type)))
    return column.in_(keys)


def load_soon(loader: DataLoader, key: Any) -> Any:
    """The loader's value for ``key`` itself when this request has loaded it already, else the
    awaitable ``load``: a field resolved from a cache hit then costs no future (issue 15)."""
    future = loader.cache_map.get(key) if loader.cache else None
    if future is not None and future.done() and not future.cancelled() and not future.exception():
        return future.result()
    return loader.load(key)


async def settled(value: Any) -> Any:
    """``value``, awaited if it is an awaitable (what ``load_soon`` and its callers answer)."""
    return await value if inspect.isawaitable(value) else value


def _filtered(ctx: Context, statement, table: str | None):
    return statement if table is None else statement.where(rules.rows(ctx.viewer, table))


def one_by(ctx: Context, column: Any, table: str | None = None) -> DataLoader:
    """Loader: key → the row whose ``column`` equals it, or None (missing or not visible)."""
    model = column.class_

    async def batch(keys: Sequence[Any]) -> list[Any]:
        statement = _filtered(ctx, select(model).where(any_of(ctx, column, keys)), table)
        found = {getattr(row, column.key): row for row in await ctx.session.scalars(statement)}
        return [found.get(key) for key in keys]

    return ctx.loader(("one", column, table), batch)


def _first_per_key(statement: Select, key: Any, order_by: Any, limit: int) -> tuple[Select, Any]:
    """``statement`` cut to its first ``limit`` rows of each ``key`` in ``order_by`` order;
    returns the cut statement and the subquery whose columns it selects."""
    rank = func.row_number().over(partition_by=key, order_by=order_by).label("rank_in_key")
    ranked = statement.add_columns(rank).subquery()
    return select(ranked).where(ranked.c.rank_in_key <= limit).order_by(
        ranked.c.rank_in_key
    ), ranked


def many_by(
    ctx: Context,
    column: Any,
    table: str | None = None,
    order_by: Any = None,
    limit: int = MAX_RELATED,
) -> DataLoader:
    """Loader: key → the rows whose ``column`` equals it (the many side of a foreign key), the
    first ``limit`` of each key in ``order_by`` order, then by primary key."""
    model = column.class_

    async def batch(keys: Sequence[Any]) -> list[list[Any]]:
        statement = _filtered(ctx, select(model).where(any_of(ctx, column, keys)), table)
        primary_key = model.__mapper__.primary_key
        order = primary_key if order_by is None else (order_by, *primary_key)
        cut, ranked = _first_per_key(statement, column, order, limit)
        row = aliased(model, ranked)
        groups: dict[Any, list[Any]] = defaultdict(list)
        for found in await ctx.session.scalars(cut.with_only_columns(row)):
            groups[getattr(found, column.key)].append(found)
        return [groups.get(key, []) for key in keys]

    return ctx.loader(("many", column, table, order_by, limit), batch)


def linked(
    ctx: Context,
    link: Table,
    owner: str,
    target: str,
    column: Any,
    table: str | None = None,
    limit: int = MAX_RELATED,
) -> DataLoader:
    """Loader: owner key → the rows of ``column``'s model linked to it through ``link``
    (``link.c[owner]`` holds the owner key, ``link.c[target]`` the value of ``column``), the
    first ``limit`` of each owner in ``column`` order."""
    model = column.class_

    async def batch(keys: Sequence[Any]) -> list[list[Any]]:
        statement = (
            select(link.c[owner].label("owner_key"), model)
            .join(model, column == link.c[target])
            .where(any_of(ctx, link.c[owner], keys))
        )
        cut, ranked = _first_per_key(_filtered(ctx, statement, table), link.c[owner], column, limit)
        row = aliased(model, ranked)
        groups: dict[Any, list[Any]] = defaultdict(list)
        for key, found in await ctx.session.execute(cut.with_only_columns(ranked.c.owner_key, row)):
            groups[key].append(found)
        return [groups.get(key, []) for key in keys]

    return ctx.loader(("linked", link.name, owner, table, limit), batch)
