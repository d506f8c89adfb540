"""The yearly evaluation (成效评估): live figures, the published versions, publishing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.types import Info

from resolvers import evaluation as resolve
from schema.base import SIGNED_IN, WRITES, Payload, ctx
from schema.tracking import CaseOutcome


@strawberry.type(
    description="Closed help cases of one outcome (null: closed before outcomes were typed)."
)
class OutcomeCount:
    outcome: CaseOutcome | None
    count: int


@strawberry.type(
    description="One region's evaluation figures; each indicator is defined in "
    "`evaluationDefinitions`. Aggregates only, never personal data."
)
class EvaluationFigures:
    region_code: str
    region_name: str
    cohort: int = strawberry.field(
        description="Graduates of the year's cohort (户籍地 in the region)."
    )
    employed: int = strawberry.field(
        description="Of them, with an employed destination in force on asOf."
    )
    employment_rate: float | None = strawberry.field(description="employed / cohort.")
    stable: int = strawberry.field(
        description="Of the employed, in work 6 months or more without a gap."
    )
    stability: float | None = strawberry.field(description="stable / employed.")
    income_known: int = strawberry.field(
        description="Employed graduates whose monthly income is known."
    )
    average_monthly_income: int | None = strawberry.field(
        description="Yuan, latest known, per person."
    )
    in_county: int
    in_province: int
    cross_province: int
    location_unknown: int = strawberry.field(description="Employed without a recorded work region.")
    enrolled: int = strawberry.field(description="New Yulu students who entered in the year.")
    enrolled_previous_year: int
    enrolment_growth: float | None = strawberry.field(
        description="(enrolled - enrolledPreviousYear) / enrolledPreviousYear."
    )
    cases_opened: int
    cases_closed: int
    closed_by_outcome: list[OutcomeCount]
    alerts_raised: int
    alerts_handled: int = strawberry.field(description="Handled by opening or linking a help case.")
    alerts_dismissed: int


# The counts shown as they are (the income total only makes the average).
PLAIN_COUNTS = tuple(
    name for name in resolve.COUNT_NAMES if name not in ("closed_by_outcome", "income_total")
)


def _figures(data: dict[str, Any]) -> EvaluationFigures:
    figures = resolve.Figures.from_json(data)
    return EvaluationFigures(
        region_code=figures.code,
        region_name=figures.name,
        closed_by_outcome=[
            OutcomeCount(
                outcome=None if outcome == resolve.UNKNOWN_OUTCOME else CaseOutcome(outcome),
                count=count,
            )
            for outcome, count in sorted(figures.closed_by_outcome.items())
        ],
        employment_rate=figures.employment_rate,
        stability=figures.stability,
        average_monthly_income=figures.average_monthly_income,
        enrolment_growth=figures.enrolment_growth,
        **{name: getattr(figures, name) for name in PLAIN_COUNTS},
    )


@strawberry.type(
    description="A region's figures for a year as of a date: the region and its real sub-regions."
)
class EvaluationReport:
    region_code: str
    region_name: str
    year: int
    as_of: date
    total: EvaluationFigures
    sub_regions: list[EvaluationFigures] = strawberry.field(
        description="Districts and counties or cities (a municipality's 市辖区 / 县 groupings "
        "are replaced by what they group)."
    )


def report_of(data: dict[str, Any]) -> EvaluationReport:
    return EvaluationReport(
        region_code=data["region"]["code"],
        region_name=data["region"]["name"],
        year=data["year"],
        as_of=date.fromisoformat(data["as_of"]),
        total=_figures(data["total"]),
        sub_regions=[_figures(row) for row in data["sub_regions"]],
    )


@strawberry.type(description="A published version: the figures as they were sent upward.")
class PublishedEvaluation:
    version: int
    published_at: datetime

    @strawberry.field
    def report(self) -> EvaluationReport:
        return report_of(self.figures)

    @strawberry.field(description="The publishing organisation.")
    async def publisher(self, info: Info) -> str | None:
        return await resolve.publisher_name(ctx(info), self)

    @strawberry.field(
        description="Whether the live figures as of the same date differ (a correction since): "
        "publish a new version to report them."
    )
    async def live_differs(self, info: Info) -> bool:
        return await resolve.live_differs(ctx(info), self)


@strawberry.type
class IndicatorDefinition:
    name: str
    definition: str


@strawberry.type
class Evaluation:
    live: EvaluationReport

    @strawberry.field(description="The latest published version, if any.")
    async def published(self, info: Info) -> PublishedEvaluation | None:
        snapshot = await resolve.latest_snapshot(ctx(info), self.live.region_code, self.live.year)
        # The snapshot row itself: the type's fields read its columns.
        return snapshot


@strawberry.type
class EvaluationQueries:
    @strawberry.field(
        description="The yearly evaluation (成效评估) of a region inside your remit (bureaus; "
        "admins any): live figures as of `asOf` (default 31 December of the year, or today), "
        "and the latest published version. Null for an unknown region.",
        directives=SIGNED_IN,
    )
    async def evaluation(
        self, info: Info, region_code: str, year: int, as_of: date | None = None
    ) -> Evaluation | None:
        found = await resolve.figures(ctx(info), region_code, year, as_of)
        return Evaluation(live=report_of(found.as_json())) if found else None

    @strawberry.field(description="What each evaluation indicator means.")
    def evaluation_definitions(self) -> list[IndicatorDefinition]:
        return [IndicatorDefinition(name=n, definition=d) for n, d in resolve.DEFINITIONS]


@strawberry.type
class EvaluationMutations:
    @strawberry.mutation(
        description="Publish the region's evaluation for the year as a new version (the "
        "region's own bureau): the figures are frozen; a later correction is published as "
        "another version.",
        directives=WRITES,
    )
    async def publish_evaluation(
        self, info: Info, region_code: str, year: int, as_of: date | None = None
    ) -> Payload[PublishedEvaluation]:
        return Payload.of(await resolve.publish(ctx(info), region_code, year, as_of))
