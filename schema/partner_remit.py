"""``personsWithVisibleEmployment``: the remit check of partner subgraphs that extend Person.

A partner's Person fields (the social insurance bureau's insured employment) are employment
facts, so a caller sees them exactly where the alliance shows it that person's employment
records. The partner cannot evaluate the alliance's rules itself, so it asks here, once per
request, with the caller's own token: the answer is the alliance's rules applied by the alliance
(the person's row filter, ``employment_records`` in the role's allow-list, and that table's row
filter), and a revoked token is refused as on any alliance request.

The field is ``@inaccessible``: it is not part of the supergraph's public API.
"""

from __future__ import annotations

import strawberry
from sqlalchemy import exists, select
from strawberry.types import Info

from auth import rules
from models.people import Person
from models.tracking import EmploymentRecord
from resolvers.batching import any_of
from resolvers.ids import InvalidId, decode_id
from resolvers.pagination import InvalidArgument
from schema.base import SIGNED_IN, ctx, global_id

MAX_PERSONS = 500
"""One partner request's persons (a partner accepts no more representations than this)."""


@strawberry.type
class PartnerRemitQueries:
    @strawberry.federation.field(
        inaccessible=True,
        directives=SIGNED_IN,
        description="Of these persons, those whose employment records you may see (at least one is "
        "shown to you), in the order given; for partner subgraphs extending Person.",
    )
    async def persons_with_visible_employment(
        self, info: Info, ids: list[strawberry.ID]
    ) -> list[strawberry.ID]:
        if len(ids) > MAX_PERSONS:
            raise InvalidArgument(f"ids 最多 {MAX_PERSONS} 个，收到 {len(ids)} 个。")
        keys = _person_keys(ids)
        if not keys:
            return []
        context = ctx(info)
        viewer = context.viewer
        if not rules.may_read(viewer, "persons", "employment_records"):
            return []
        shown_records = exists().where(
            EmploymentRecord.person_id == Person.id, rules.rows(viewer, "employment_records")
        )
        statement = select(Person.id).where(
            any_of(context, Person.id, keys), rules.rows(viewer, "persons"), shown_records
        )
        visible = set(await context.session.scalars(statement))
        return [global_id("Person", key) for key in keys if key in visible]


def _person_keys(ids: list[strawberry.ID]) -> list[int]:
    """The distinct person keys named, in order; anything else names nobody."""
    keys: dict[int, None] = {}
    for global_id_ in ids:
        try:
            keys.setdefault(decode_id(global_id_, "Person"), None)
        except InvalidId:
            continue
    return list(keys)
