"""Who am I: the signed-in user, their organisation and region, as the API shows them — each
read only when asked for (``viewer { role }`` reads nothing: the token says it)."""

from __future__ import annotations

from models.organisations import Organisation, User
from models.people import Person
from models.regions import Region
from resolvers.batching import one_by
from resolvers.context import Context


async def user(ctx: Context) -> User | None:
    user_id = ctx.viewer.user_id
    return await one_by(ctx, User.id).load(user_id) if user_id else None


async def organisation(ctx: Context) -> Organisation | None:
    organisation_id = ctx.viewer.organisation_id
    return await one_by(ctx, Organisation.id).load(organisation_id) if organisation_id else None


async def region(ctx: Context) -> Region | None:
    code = ctx.viewer.region_code
    return await one_by(ctx, Region.code).load(code) if code else None


async def person(ctx: Context) -> Person | None:
    """A graduate's own record."""
    person_id = ctx.viewer.person_id
    return await one_by(ctx, Person.id).load(person_id) if person_id else None
