"""After the hire: employment records, follow-ups (跟踪监测) and assistance cases (一人一档)."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from models import organisations as organisation_model
from models import people as people_model
from models import positions as position_model
from models import tracking as model
from resolvers import people as people_resolvers
from resolvers import regions
from resolvers import tracking as resolve
from resolvers.batching import many_by, one_by
from resolvers.nodes import node
from resolvers.outcomes import today
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
from schema.people import LocationTier
from schema.regions import Region

if TYPE_CHECKING:
    from schema.organisations import Organisation
    from schema.people import Person
    from schema.positions import Position

FollowUpStatus = model.FollowUpStatus
strawberry.enum(FollowUpStatus)
EndReason = model.EndReason
strawberry.enum(
    EndReason,
    description="Why a job ended: LEFT 主动离职, DISMISSED 被辞退, CONTRACT_ENDED 合同到期.",
)
CaseState = model.CaseState
strawberry.enum(CaseState)
CaseOutcome = model.CaseOutcome
strawberry.enum(CaseOutcome, description="How a case of help ended.")
ActionKind = model.ActionKind
strawberry.enum(ActionKind, description="The kind of a step of help (一人一策).")
LazyPerson = Annotated["Person", strawberry.lazy("schema.people")]
LazyPosition = Annotated["Position", strawberry.lazy("schema.positions")]
LazyOrganisation = Annotated["Organisation", strawberry.lazy("schema.organisations")]


@strawberry.federation.type(
    keys=["id"], directives=SIGNED_IN, description="A job held, with where it is."
)
class EmploymentRecord(Node):
    is_type_of = instance_of(model.EmploymentRecord)
    employer_name: str
    start_date: date
    end_date: date | None
    end_reason: EndReason | None
    monthly_income: int

    @strawberry.field(
        description="Relative to the household's county (户籍地): null where the household is."
    )
    async def location_tier(self, info: Info) -> LocationTier | None:
        return await people_resolvers.derived_from_household(
            ctx(info), self.person_id, self.location_tier
        )

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("EmploymentRecord", self.id)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID, **_other_keys: Any) -> Any:
        return await node(ctx(info), id, "EmploymentRecord")

    @strawberry.field
    async def person(self, info: Info) -> LazyPerson:
        return await one_by(ctx(info), people_model.Person.id).load(self.person_id)

    @strawberry.field
    async def employer(self, info: Info) -> LazyOrganisation | None:
        employer_id = self.employer_id
        return (
            await one_by(ctx(info), organisation_model.Organisation.id).load(employer_id)
            if employer_id
            else None
        )

    @strawberry.field
    async def position(self, info: Info) -> LazyPosition | None:
        position_id = self.position_id
        return (
            await one_by(ctx(info), position_model.Position.id).load(position_id)
            if position_id
            else None
        )

    @strawberry.field
    async def work_region(self, info: Info) -> Region:
        return await regions.region(ctx(info), self.work_region_code)


@strawberry.type(description="A dated status check of a graduate (跟踪监测).")
class FollowUp(Node):
    is_type_of = instance_of(model.FollowUp)
    on_date: date
    status: FollowUpStatus
    monthly_income: int | None = strawberry.field(description="Yuan per month, when working.")
    note: str | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("FollowUp", self.id)


@strawberry.type(
    description="Help by real name (一对一实名制帮扶): reason, plan, actions, outcome."
)
class AssistanceCase(Node):
    is_type_of = instance_of(model.AssistanceCase)
    reason: str
    plan: str | None
    goals: str | None
    state: CaseState
    outcome: str | None
    outcome_kind: CaseOutcome | None = strawberry.field(
        description="Null while open (and on cases closed before outcomes were typed)."
    )
    opened_on: date
    closed_on: date | None

    @strawberry.field(description="Send it as caseId to add an action or close the case.")
    def id(self) -> strawberry.ID:
        return global_id("AssistanceCase", self.id)

    @strawberry.field
    async def person(self, info: Info) -> LazyPerson:
        return await one_by(ctx(info), people_model.Person.id).load(self.person_id)

    @strawberry.field
    async def owner(self, info: Info) -> LazyOrganisation:
        return await one_by(ctx(info), organisation_model.Organisation.id).load(self.owner_org_id)

    @strawberry.field
    async def actions(self, info: Info) -> list[AssistanceAction]:
        return await many_by(
            ctx(info), model.AssistanceAction.case_id, order_by=model.AssistanceAction.on_date
        ).load(self.id)


@strawberry.type(
    description="A scheduled follow-up (跟踪回访) not yet done: months after a job's start."
)
class FollowUpDue:
    months: int
    due_on: date

    @strawberry.field(description="Past its date and not done.")
    def overdue(self) -> bool:
        return self.due_on < today()

    @strawberry.field
    async def person(self, info: Info) -> LazyPerson:
        return await one_by(ctx(info), people_model.Person.id).load(self.person_id)

    @strawberry.field(description="The job it follows up, where you may see it.")
    async def employment_record(self, info: Info) -> EmploymentRecord | None:
        return await one_by(ctx(info), model.EmploymentRecord.id, "employment_records").load(
            self.employment_record_id
        )


@strawberry.enum
class FollowUpDueState(enum.Enum):
    DUE = resolve.DueState.DUE
    OVERDUE = resolve.DueState.OVERDUE


@strawberry.input
class FollowUpDueFilter:
    state: FollowUpDueState | None = strawberry.field(
        default=strawberry.UNSET,
        description="DUE: within 30 days, not yet overdue; OVERDUE: past its date; none: both.",
    )
    person: strawberry.ID | None = strawberry.UNSET


@strawberry.type(description="One step of the plan: planned, due, done with an outcome.")
class AssistanceAction:
    on_date: date
    kind: ActionKind | None = strawberry.field(
        description="Null on steps recorded before kinds were typed."
    )
    action: str
    due_on: date | None
    outcome: str | None
    done_on: date | None

    @strawberry.field(description="Send it as actionId to record the outcome.")
    def id(self) -> strawberry.ID:
        return global_id("AssistanceAction", self.id)

    @strawberry.field(
        description="The position recommended (a job, internship or public-welfare place)."
    )
    async def position(self, info: Info) -> LazyPosition | None:
        position_id = self.position_id
        return (
            await one_by(ctx(info), position_model.Position.id).load(position_id)
            if position_id
            else None
        )


@strawberry.enum
class EmploymentSort(enum.Enum):
    NEWEST = "newest"
    INCOME = "income"


@strawberry.input
class EmploymentFilter:
    region: str | None = strawberry.field(
        default=strawberry.UNSET, description="Work region code: its subtree."
    )
    employer: strawberry.ID | None = strawberry.UNSET
    person: strawberry.ID | None = strawberry.UNSET
    location_tier: LocationTier | None = strawberry.UNSET
    start_year: int | None = strawberry.UNSET
    current: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Still employed there."
    )


@strawberry.input
class AssistanceCaseFilter:
    state: CaseState | None = strawberry.UNSET
    person: strawberry.ID | None = strawberry.UNSET
    owner: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The owning organisation."
    )


@strawberry.type
class TrackingQueries:
    @strawberry.field(
        description="Cases of help by real name you may see (an agency: its own; a school: its "
        "students'; a bureau: its region's), open ones first.",
        directives=SIGNED_IN,
    )
    async def assistance_cases(
        self,
        info: Info,
        filter: AssistanceCaseFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AssistanceCase]:
        arguments = filter_arguments(filter, person="Person", owner="Organisation")
        return Connection.of(await resolve.assistance_cases(ctx(info), first, after, **arguments))

    @strawberry.field(
        description="Scheduled follow-ups not done, overdue first: a school its graduates', an "
        "agency its cases', a bureau its region's.",
        directives=SIGNED_IN,
    )
    async def follow_up_dues(
        self,
        info: Info,
        filter: FollowUpDueFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[FollowUpDue]:
        arguments = filter_arguments(filter, person="Person")
        if "state" in arguments and arguments["state"] is not None:
            arguments["state"] = arguments["state"].value
        return Connection.of(await resolve.follow_up_dues(ctx(info), first, after, **arguments))

    @strawberry.field(description="Employment records you may see.", directives=SIGNED_IN)
    async def employment_records(
        self,
        info: Info,
        filter: EmploymentFilter | None = None,
        sort: EmploymentSort = EmploymentSort.NEWEST,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[EmploymentRecord]:
        arguments = filter_arguments(filter, employer="Organisation", person="Person")
        return Connection.of(
            await resolve.employment_records(ctx(info), first, after, sort=sort.value, **arguments)
        )


@strawberry.type
class TrackingMutations:
    @strawberry.mutation(
        description="A dated status check of a graduate: their school, an agency helping them "
        "(a candidate it may see or a person of its case), or the county bureau.",
        directives=WRITES,
    )
    async def record_follow_up(
        self,
        info: Info,
        person_id: strawberry.ID,
        on_date: date,
        status: FollowUpStatus,
        monthly_income: int | None = None,
        note: str | None = None,
        end_reason: Annotated[
            EndReason | None,
            strawberry.argument(
                description="Required when the status is not employed and the graduate still "
                "has an open job: the job ends on onDate for this reason."
            ),
        ] = None,
    ) -> Payload[FollowUp]:
        values = {
            "on_date": on_date,
            "status": status,
            "monthly_income": monthly_income,
            "note": note,
            "end_reason": end_reason,
        }
        return Payload.of(await resolve.record_follow_up(ctx(info), person_id, values))

    @strawberry.mutation(
        description="Open a case of help by real name (一人一档), owned by your organisation: "
        "an agency for a person it may see, a school for its students, a county bureau for its "
        "county. A "
        "county bureau may instead assign it to an agency (`assignTo`), which "
        "then owns it and sees the person in clear.",
        directives=WRITES,
    )
    async def open_assistance_case(
        self,
        info: Info,
        person_id: strawberry.ID,
        reason: str,
        plan: str | None = None,
        goals: str | None = None,
        assign_to: strawberry.ID | None = None,
        alert_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="An open alert of the person this case handles."),
        ] = None,
    ) -> Payload[AssistanceCase]:
        values = {
            "reason": reason,
            "plan": plan,
            "goals": goals,
            "assign_to": assign_to,
            "alert_id": alert_id,
        }
        return Payload.of(await resolve.open_assistance_case(ctx(info), person_id, values))

    @strawberry.mutation(
        description="End a job with a date and a reason: the employer (its own employee), the "
        "graduate's school, or the county bureau. The graduate is available for matching again.",
        directives=WRITES,
    )
    async def end_employment(
        self, info: Info, id: strawberry.ID, ended_on: date, reason: EndReason
    ) -> Payload[EmploymentRecord]:
        values = {"ended_on": ended_on, "reason": reason}
        return Payload.of(await resolve.end_employment(ctx(info), id, values))

    @strawberry.mutation(
        description="One typed step of the plan (一人一策) on an open case, due by `dueOn`; the "
        "owner only. `positionId`: the position recommended (an internship step takes an "
        "internship, a public-welfare step a public-welfare position).",
        directives=WRITES,
    )
    async def add_assistance_action(
        self,
        info: Info,
        case_id: strawberry.ID,
        on_date: date,
        kind: ActionKind,
        due_on: date,
        action: str,
        position_id: strawberry.ID | None = None,
    ) -> Payload[AssistanceCase]:
        values = {
            "on_date": on_date,
            "kind": kind,
            "due_on": due_on,
            "action": action,
            "position_id": position_id,
        }
        return Payload.of(await resolve.add_assistance_action(ctx(info), case_id, values))

    @strawberry.mutation(
        description="Record the outcome of a step of an open case, once; the owner only.",
        directives=WRITES,
    )
    async def record_action_outcome(
        self, info: Info, action_id: strawberry.ID, outcome: str, done_on: date
    ) -> Payload[AssistanceCase]:
        values = {"outcome": outcome, "done_on": done_on}
        return Payload.of(await resolve.record_action_outcome(ctx(info), action_id, values))

    @strawberry.mutation(
        description="Close an open case with its outcome (a kind, and a note); the owner only.",
        directives=WRITES,
    )
    async def close_assistance_case(
        self,
        info: Info,
        case_id: strawberry.ID,
        outcome_kind: CaseOutcome,
        outcome: str,
        closed_on: date,
    ) -> Payload[AssistanceCase]:
        values = {"outcome_kind": outcome_kind, "outcome": outcome, "closed_on": closed_on}
        return Payload.of(await resolve.close_assistance_case(ctx(info), case_id, values))
