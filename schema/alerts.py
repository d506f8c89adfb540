"""Relapse-risk early warning (防止返贫 就业风险预警): the work queue and the rules (models.alerts)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from models import alerts as model
from models import organisations as organisation_model
from models import people as people_model
from models import tracking as tracking_model
from resolvers import alerts as resolve
from resolvers import people as people_resolvers
from resolvers import regions
from resolvers.batching import one_by
from schema.base import (
    SIGNED_IN,
    WRITES,
    Connection,
    Node,
    Payload,
    ctx,
    filter_arguments,
    global_id,
    instance_of,
)
from schema.regions import Region

if TYPE_CHECKING:
    from schema.organisations import Organisation
    from schema.people import Person
    from schema.tracking import AssistanceCase

AlertKind = model.AlertKind
strawberry.enum(
    AlertKind,
    description="JOB_LOST 失业, INCOME_BELOW_FLOOR 收入低于下限, INCOME_DROP 收入明显下降, "
    "NO_FOLLOW_UP 长期未回访, MONITORED_NOT_EMPLOYED 监测户毕业生未就业.",
)
AlertState = model.AlertState
strawberry.enum(AlertState)
LazyPerson = Annotated["Person", strawberry.lazy("schema.people")]
LazyOrganisation = Annotated["Organisation", strawberry.lazy("schema.organisations")]
LazyCase = Annotated["AssistanceCase", strawberry.lazy("schema.tracking")]


@strawberry.type(description="A rule of the early warning and its threshold.")
class AlertRule:
    kind: AlertKind
    threshold: int
    enabled: bool

    @strawberry.field(description="The threshold's unit: 天, 元/月, %, 个月.")
    def unit(self) -> str:
        return model.THRESHOLD_UNITS[self.kind]


@strawberry.type(
    description="A relapse-risk alert (就业风险预警) in the work queue of the household's "
    "county bureau and the responsible school or agency."
)
class Alert(Node):
    is_type_of = instance_of(model.Alert)
    kind: AlertKind
    raised_on: date
    threshold: int = strawberry.field(description="The rule's threshold when it was raised.")
    state: AlertState
    dismissal_reason: str | None
    handled_at: datetime | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("Alert", self.id)

    @strawberry.field(description="What triggered it (dates, incomes, the ended job).")
    def detail(self) -> JSON:
        return self.detail

    @strawberry.field
    async def person(self, info: Info) -> LazyPerson:
        return await one_by(ctx(info), people_model.Person.id).load(self.person_id)

    @strawberry.field(description="The household's county (户籍地): null where the household is.")
    async def county(self, info: Info) -> Region | None:
        code = await people_resolvers.derived_from_household(
            ctx(info), self.person_id, self.county_code
        )
        return await regions.region(ctx(info), code) if code else None

    @strawberry.field(description="The school responsible (the student record's).")
    async def school(self, info: Info) -> LazyOrganisation | None:
        school_id = self.school_id
        return (
            await one_by(ctx(info), organisation_model.Organisation.id).load(school_id)
            if school_id
            else None
        )

    @strawberry.field(description="The help case that handles it, where you may see it.")
    async def case(self, info: Info) -> LazyCase | None:
        case_id = self.case_id
        return (
            await one_by(ctx(info), tracking_model.AssistanceCase.id, "assistance_cases").load(
                case_id
            )
            if case_id
            else None
        )


@strawberry.input
class AlertFilter:
    state: AlertState | None = strawberry.UNSET
    kind: AlertKind | None = strawberry.UNSET
    person: strawberry.ID | None = strawberry.UNSET


@strawberry.type
class AlertQueries:
    @strawberry.field(
        description="Alerts you work or may see: a school its students', an agency its "
        "cases', a bureau its region's (named at county level); open ones first.",
        directives=SIGNED_IN,
    )
    async def alerts(
        self,
        info: Info,
        filter: AlertFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Alert]:
        arguments = filter_arguments(filter, person="Person")
        return Connection.of(await resolve.alerts(ctx(info), first, after, **arguments))

    @strawberry.field(description="The early warning's rules and thresholds.", directives=SIGNED_IN)
    async def alert_rules(self, info: Info) -> list[AlertRule]:
        return await resolve.rules_of(ctx(info))


@strawberry.type
class AlertMutations:
    @strawberry.mutation(
        description="Handle an open alert with an open help case of the same person.",
        directives=WRITES,
    )
    async def link_alert_to_case(
        self, info: Info, id: strawberry.ID, case_id: strawberry.ID
    ) -> Payload[Alert]:
        return Payload.of(await resolve.link_alert_to_case(ctx(info), id, case_id))

    @strawberry.mutation(description="Dismiss an open alert, saying why.", directives=WRITES)
    async def dismiss_alert(self, info: Info, id: strawberry.ID, reason: str) -> Payload[Alert]:
        return Payload.of(await resolve.dismiss_alert(ctx(info), id, reason))


@strawberry.type(
    description="Counts for a region (no personal data): the follow-up schedule and alerts."
)
class TrackingCounts:
    overdue_follow_ups: int
    due_follow_ups: int
    open_alerts: int
    region_code: strawberry.Private[str]

    @strawberry.field
    async def region(self, info: Info) -> Region:
        return await regions.region(ctx(info), self.region_code)


@strawberry.type
class TrackingOverviewQueries:
    @strawberry.field(
        description="Overdue and due follow-ups and open alerts: the region first, then each of "
        "its real sub-regions (bureaus inside their region, admins).",
        directives=SIGNED_IN,
    )
    async def tracking_overview(self, info: Info, region: str) -> list[TrackingCounts]:
        return [
            TrackingCounts(
                overdue_follow_ups=row.overdue_follow_ups,
                due_follow_ups=row.due_follow_ups,
                open_alerts=row.open_alerts,
                region_code=row.region_code,
            )
            for row in await resolve.tracking_overview(ctx(info), region)
        ]
