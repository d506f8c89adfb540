"""The job board subgraph: ``Organisation.jobBoardPostings`` and the board's own listing.

Openings are public, so nothing here needs a token; each posting links back to the alliance's
Organisation entity, which the gateway resolves in the alliance subgraph.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from datetime import date

import strawberry
from sqlalchemy import select
from strawberry.federation.schema_directives import ListSize

from gateway.partners.job_board.data import job_postings
from gateway.partners.limits import PartnerSchema, page_size
from gateway.partners.subgraph import PartnerContext
from resolvers.ids import decode_id, to_global_id

DEFAULT_PAGE = 20
# The gateway's demand control sizes these lists by their ``first``, as this subgraph's own cost rule does.
SIZED_BY_FIRST = (
    # strawberry types ListSize's directive_field()s as required; their runtime default is UNSET
    ListSize(slicing_arguments=["first"], require_one_slicing_argument=False),  # type: ignore[call-arg]
)


@strawberry.enum
class PostingChannel(enum.Enum):
    CAMPUS = "campus"  # 校园招聘
    EXPERIENCED = "experienced"  # 社会招聘


@strawberry.federation.type(keys=["id"])
class Organisation:
    id: strawberry.ID
    organisation_id: strawberry.Private[int]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, **_other_keys) -> Organisation:
        return cls(id=id, organisation_id=decode_id(id, "Organisation"))

    @strawberry.federation.field(
        description="Openings this organisation publishes on the SOE job board, "
        "oldest first (at most 100)",
        directives=SIZED_BY_FIRST,
    )
    async def job_board_postings(
        self, info: strawberry.Info, first: int = DEFAULT_PAGE
    ) -> list[JobPosting]:
        postings = await info.context.loader(postings_by_organisation).load(self.organisation_id)
        return postings[: page_size(first)]


@strawberry.type(description="An opening on the SOE job board")
class JobPosting:
    id: strawberry.ID
    title: str
    channel: PostingChannel
    region_code: str = strawberry.field(description="GB/T 2260 code of the work place")
    headcount: int
    salary_min: int = strawberry.field(description="yuan per month")
    salary_max: int = strawberry.field(description="yuan per month")
    closes_on: date
    employer: Organisation


def _posting(row) -> JobPosting:
    return JobPosting(
        id=strawberry.ID(to_global_id("JobPosting", row.id)),
        title=row.title,
        channel=PostingChannel(row.channel),
        region_code=row.region_code,
        headcount=row.headcount,
        salary_min=row.salary_min,
        salary_max=row.salary_max,
        closes_on=row.closes_on,
        employer=Organisation(
            id=strawberry.ID(to_global_id("Organisation", row.organisation_id)),
            organisation_id=row.organisation_id,
        ),
    )


async def postings_by_organisation(
    ctx: PartnerContext, organisation_ids: Sequence[int]
) -> list[list[JobPosting]]:
    """One statement for every organisation of the request."""
    table = job_postings
    statement = (
        select(table).where(table.c.organisation_id.in_(organisation_ids)).order_by(table.c.id)
    )
    groups: dict[int, list[JobPosting]] = defaultdict(list)
    async with ctx.engine.connect() as connection:
        for row in await connection.execute(statement):
            groups[row.organisation_id].append(_posting(row))
    return [groups.get(organisation_id, []) for organisation_id in organisation_ids]


@strawberry.type
class Query:
    @strawberry.federation.field(
        description="Open postings, soonest closing first (at most 100)", directives=SIZED_BY_FIRST
    )
    async def job_board_postings(
        self, info: strawberry.Info, first: int = DEFAULT_PAGE, open_on: date | None = None
    ) -> list[JobPosting]:
        table = job_postings
        statement = select(table).order_by(table.c.closes_on, table.c.id).limit(page_size(first))
        if open_on is not None:
            statement = statement.where(table.c.closes_on >= open_on)
        async with info.context.engine.connect() as connection:
            return [_posting(row) for row in await connection.execute(statement)]


schema = PartnerSchema(query=Query, types=[Organisation])
