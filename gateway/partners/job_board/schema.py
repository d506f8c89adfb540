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

from gateway.partners.job_board.data import job_postings
from gateway.partners.subgraph import PartnerContext
from resolvers.ids import decode_id, to_global_id

MAX_PAGE = 100


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

    @strawberry.field(description="Openings this organisation publishes on the SOE job board")
    async def job_board_postings(self, info: strawberry.Info) -> list[JobPosting]:
        return await info.context.loader(postings_by_organisation).load(self.organisation_id)


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


async def postings_by_organisation(ctx: PartnerContext, organisation_ids: Sequence[int]) -> list[list[JobPosting]]:
    """One statement for every organisation of the request."""
    table = job_postings
    statement = select(table).where(table.c.organisation_id.in_(organisation_ids)).order_by(table.c.id)
    groups: dict[int, list[JobPosting]] = defaultdict(list)
    async with ctx.engine.connect() as connection:
        for row in await connection.execute(statement):
            groups[row.organisation_id].append(_posting(row))
    return [groups.get(organisation_id, []) for organisation_id in organisation_ids]


@strawberry.type
class Query:
    @strawberry.field(description="Open postings, soonest closing first")
    async def job_board_postings(self, info: strawberry.Info, first: int = 20, open_on: date | None = None) -> list[JobPosting]:
        table = job_postings
        statement = select(table).order_by(table.c.closes_on, table.c.id).limit(min(first, MAX_PAGE))
        if open_on is not None:
            statement = statement.where(table.c.closes_on >= open_on)
        async with info.context.engine.connect() as connection:
            return [_posting(row) for row in await connection.execute(statement)]


schema = strawberry.federation.Schema(query=Query, types=[Organisation], federation_version="2.9")
