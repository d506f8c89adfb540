"""The social insurance subgraph: ``Person.insuredEmployment``.

The gateway checks ``@authenticated`` / ``@requiresScopes`` first; this subgraph checks again,
plus its own rule of who may see contribution records at all, and then the alliance's remit: a
person's insured employment is shown only where the alliance shows the caller that person's
employment records (``AllianceRemit``). Elsewhere it is null, as for a person without
contributions, so the answer says nothing about whom the bureau insures.
"""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from sqlalchemy import select

from auth import scopes
from gateway.partners.limits import PartnerSchema
from gateway.partners.social_insurance.data import insured_employments
from gateway.partners.subgraph import Caller, PartnerContext, refuse
from resolvers.ids import decode_id

# Who may read contribution records besides the insured person: the alliance's bureaus, the
# employment agencies doing one-to-one help, schools reporting their graduates' employment.
# Enterprises may not: an employer has no business reading another employer's payroll.
VERIFYING_ROLES = frozenset({"bureau", "agency", "school", "admin"})


@strawberry.type(description="The person's current insured employment, as the bureau records it")
class InsuredEmployment:
    employer: str
    employer_credit_code: str | None = strawberry.field(description="统一社会信用代码")
    contribution_months: int = strawberry.field(description="months paid with this employer")
    last_contribution_month: str = strawberry.field(description="YYYY-MM")


def require_personal_access(caller: Caller, person_id: int) -> None:
    if not caller.is_authenticated:
        raise refuse("Authentication required", "UNAUTHENTICATED")
    if scopes.PERSONAL not in caller.scopes:
        raise refuse("Not allowed", "FORBIDDEN")
    if caller.role not in VERIFYING_ROLES and caller.person_id != person_id:
        raise refuse("Not allowed", "FORBIDDEN")


async def insured_by_person(
    ctx: PartnerContext, person_ids: Sequence[int]
) -> list[InsuredEmployment | None]:
    """One remit check with the alliance and one statement for every person of the request."""
    visible = await ctx.remit.persons_with_visible_employment(ctx.token, person_ids)
    if not visible:
        return [None] * len(person_ids)
    table = insured_employments
    async with ctx.engine.connect() as connection:
        rows = await connection.execute(select(table).where(table.c.person_id.in_(sorted(visible))))
        found = {
            row.person_id: InsuredEmployment(
                employer=row.employer,
                employer_credit_code=row.employer_credit_code,
                contribution_months=row.contribution_months,
                last_contribution_month=row.last_contribution_month,
            )
            for row in rows
        }
    return [found.get(person_id) for person_id in person_ids]


@strawberry.federation.type(keys=["id"])
class Person:
    id: strawberry.ID
    person_id: strawberry.Private[int]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, **_other_keys) -> Person:
        return cls(id=id, person_id=decode_id(id, "Person"))

    @strawberry.federation.field(
        authenticated=True,
        requires_scopes=[[scopes.PERSONAL]],
        description="null when the bureau has no current contributions for this person",
    )
    async def insured_employment(self, info: strawberry.Info) -> InsuredEmployment | None:
        require_personal_access(info.context.caller, self.person_id)
        return await info.context.loader(insured_by_person).load(self.person_id)


schema = PartnerSchema(types=[Person])
