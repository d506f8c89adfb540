"""Households (户): finding a sibling's household within your remit, and its category's history.

A lookup answers only households of which you see some member's household in clear (auth.rules
``households``); by ID number, only where you see that member's ID number in clear. Anything
else — unknown, another county's, another school's — is the same empty answer.
"""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from resolvers import households as resolve
from schema.base import SIGNED_IN, WRITES, Payload, ctx, provided
from schema.people import Household, HouseholdCategory


@strawberry.type(description="A change of a household's category, by its county bureau.")
class HouseholdCategoryChange:
    from_category: HouseholdCategory | None = strawberry.field(
        description="Null: the category the household was registered with."
    )
    to_category: HouseholdCategory
    changed_on: date = strawberry.field(description="Effective date (认定日期).")
    reason: str
    recorded_at: datetime


@strawberry.input
class HouseholdCategoryChangeInput:
    category: HouseholdCategory
    changed_on: date
    reason: str


@strawberry.type
class HouseholdQueries:
    @strawberry.field(
        description="Households of your remit by registration number (户号) or a member's ID "
        "number; empty for anything else.",
        directives=SIGNED_IN,
    )
    async def households(
        self,
        info: Info,
        registration_number: str | None = None,
        id_number: str | None = None,
    ) -> list[Household]:
        return await resolve.find_households(
            ctx(info), registration_number=registration_number, id_number=id_number
        )


@strawberry.type
class HouseholdMutations:
    @strawberry.mutation(
        description="The county bureau changes a household's category (e.g. 脱贫不稳定户 → 脱贫户), "
        "with the date and the reason; the change is kept.",
        directives=WRITES,
    )
    async def change_household_category(
        self, info: Info, household_id: strawberry.ID, input: HouseholdCategoryChangeInput
    ) -> Payload[Household]:
        return Payload.of(
            await resolve.change_household_category(ctx(info), household_id, provided(input))
        )
