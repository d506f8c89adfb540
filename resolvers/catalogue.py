"""The national catalogues of majors and occupations, searchable by code prefix or name."""

from __future__ import annotations

from sqlalchemy import or_, select

from models.catalogue import Major, Occupation
from resolvers.context import Context

# Both catalogues are smaller (119 majors, 91 occupations): a search never misses a row.
MAX_SEARCH_RESULTS = 200


async def search(ctx: Context, model: type[Major] | type[Occupation], text: str | None) -> list:
    statement = select(model).order_by(model.code).limit(MAX_SEARCH_RESULTS)
    if text:
        statement = statement.where(
            or_(
                model.code.startswith(text, autoescape=True),
                model.name.icontains(text, autoescape=True),
            )
        )
    return list(await ctx.session.scalars(statement))
