"""DataLoader batch functions over the request's session: one statement per relation per level.

Three shapes cover every relation of the model: one row by a key (``one_by``), the rows sharing a
key (``many_by``) and rows reached through a link table (``linked``). Each may carry the viewer's
row filter for a table (auth.rules), so a relation never shows more than a list would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, any_, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from strawberry.dataloader import DataLoader

from auth import rules

if TYPE_CHECKING:  # the context module imports the audit trail, which pages and filters
    from resolvers.context import Context


def any_of(ctx: Context, column: ColumnElement, keys: Sequence[Any]) -> ColumnElement[bool]:
    """``column = ANY(:keys)`` on PostgreSQL (one array parameter: faster to plan than a long
    ``IN (...)`` and one cached statement for any batch size); ``IN (...)`` on SQLite."""
    if ctx.on_postgresql:
        return column == any_(literal(list(keys), ARRAY(column.type)))
    return column.in_(keys)


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


def many_by(ctx: Context, column: Any, table: str | None = None, order_by: Any = None) -> DataLoader:
    """Loader: key → the rows whose ``column`` equals it (the many side of a foreign key)."""
    model = column.class_

    async def batch(keys: Sequence[Any]) -> list[list[Any]]:
        statement = _filtered(ctx, select(model).where(any_of(ctx, column, keys)), table)
        statement = statement.order_by(order_by if order_by is not None else model.id)
        groups: dict[Any, list[Any]] = defaultdict(list)
        for row in await ctx.session.scalars(statement):
            groups[getattr(row, column.key)].append(row)
        return [groups.get(key, []) for key in keys]

    return ctx.loader(("many", column, table, order_by), batch)


def linked(ctx: Context, link: Table, owner: str, target: str, column: Any, table: str | None = None) -> DataLoader:
    """Loader: owner key → the rows of ``column``'s model linked to it through ``link``
    (``link.c[owner]`` holds the owner key, ``link.c[target]`` the value of ``column``)."""
    model = column.class_

    async def batch(keys: Sequence[Any]) -> list[list[Any]]:
        statement = (
            select(link.c[owner], model)
            .join(model, column == link.c[target])
            .where(any_of(ctx, link.c[owner], keys))
            .order_by(column)
        )
        groups: dict[Any, list[Any]] = defaultdict(list)
        for key, row in await ctx.session.execute(_filtered(ctx, statement, table)):
            groups[key].append(row)
        return [groups.get(key, []) for key in keys]

    return ctx.loader(("linked", link.name, owner, table), batch)
