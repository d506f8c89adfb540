"""Who am I: the signed-in user, their organisation and region, as the API shows them."""

from __future__ import annotations

from dataclasses import dataclass

from models.organisations import Organisation, User
from models.people import Person
from models.regions import Region
from resolvers.batching import one_by
from resolvers.context import Context


@dataclass(frozen=True)
class Me:
    user: User | None
    organisation: Organisation | None
    region: Region | None
    person: Person | None


async def me(ctx: Context) -> Me:
    viewer = ctx.viewer
    user = await one_by(ctx, User.id).load(viewer.user_id) if viewer.user_id else None
    organisation = (
        await one_by(ctx, Organisation.id).load(viewer.organisation_id)
        if viewer.organisation_id
        else None
    )
    region = await one_by(ctx, Region.code).load(viewer.region_code) if viewer.region_code else None
    person = await one_by(ctx, Person.id).load(viewer.person_id) if viewer.person_id else None
    return Me(user, organisation, region, person)
