"""Relay cursor connections over a SELECT: page size default 20, at most 100.

Cursors are opaque offsets. Keyset cursors would need one encoding per sort order; the ledgers
are small per viewer (a school, a county) and every list is bounded by the row rules, so an
offset stays cheap and works with any sort order.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select

from resolvers.ids import parse_integer

if TYPE_CHECKING:  # the context module imports the audit trail, which pages and filters
    from resolvers.context import Context


DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class InvalidArgument(ValueError):
    """A query argument out of range; answered as a GraphQL error with code BAD_USER_INPUT."""

    code = "BAD_USER_INPUT"


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        prefix, _, number = base64.b64decode(cursor, validate=True).decode().partition(":")
        offset = parse_integer(number)
        if prefix == "offset" and offset is not None:
            return offset
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidArgument(f"{cursor!r} 不是该列表的分页游标")


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise InvalidArgument(f"first 须在 0 至 {MAX_PAGE_SIZE} 之间")
    return first


@dataclass
class Page:
    rows: list[Any]
    offset: int
    has_next_page: bool
    ctx: Context
    statement: Select

    @property
    def cursors(self) -> list[str]:
        return [encode_cursor(self.offset + index + 1) for index in range(len(self.rows))]

    async def total_count(self) -> int:
        if not self.has_next_page and (self.rows or self.offset == 0):
            # The page holds the last rows (read in this transaction): no COUNT to run.
            return self.offset + len(self.rows)
        count = select(func.count()).select_from(self.statement.order_by(None).subquery())
        return (await self.ctx.session.execute(count)).scalar_one()


async def paginate(ctx: Context, statement: Select, first: int | None, after: str | None) -> Page:
    """One page of ``statement`` (already filtered and ordered, ending in a unique key)."""
    size = page_size(first)
    offset = decode_cursor(after) if after else 0
    rows = list(await ctx.session.scalars(statement.offset(offset).limit(size + 1)))
    return Page(rows[:size], offset, len(rows) > size, ctx, statement)
