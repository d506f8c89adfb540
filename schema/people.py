"""Persons and the three ledgers (3张清单): enrolment intentions, Yulu students, graduates.

Personal fields (name, ID number, phone, household) resolve through resolvers.people's
``personal_value``: the role's allow-list, then masked or in clear (audited) per person.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from auth import rules
from models import alerts as alert_model
from models import applications as application_model
from models import catalogue as catalogue_model
from models import classes as class_model
from models import destinations as destination_model
from models import organisations as organisation_model
from models import people as model
from models import regions as region_model
from models import tracking as tracking_model
from resolvers import people as resolve
from resolvers import regions
from resolvers.batching import linked, many_by, one_by
from resolvers.nodes import node
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
    provided,
)
from schema.catalogue import Major, Occupation
from schema.positions import Education
from schema.regions import Region

if TYPE_CHECKING:
    from schema.alerts import Alert
    from schema.applications import Application
    from schema.classes import TrainingClass
    from schema.destinations import GraduateDestination
    from schema.households import HouseholdCategoryChange
    from schema.matching import MatchConnection, MatchedPositionsFilter
    from schema.organisations import Organisation
    from schema.tracking import AssistanceCase, EmploymentRecord, FollowUp, FollowUpDue

Gender = model.Gender
strawberry.enum(Gender)
HouseholdCategory = model.HouseholdCategory
strawberry.enum(HouseholdCategory)
StudentStatus = model.StudentStatus
strawberry.enum(StudentStatus)
LocationTier = model.LocationTier
strawberry.enum(LocationTier)
Ledger = resolve.Ledger
strawberry.enum(Ledger, description="The three lists (3张清单), or everyone.")
LazyOrganisation = Annotated["Organisation", strawberry.lazy("schema.organisations")]
LazyApplication = Annotated["Application", strawberry.lazy("schema.applications")]
LazyTrainingClass = Annotated["TrainingClass", strawberry.lazy("schema.classes")]
LazyEmploymentRecord = Annotated["EmploymentRecord", strawberry.lazy("schema.tracking")]
LazyFollowUp = Annotated["FollowUp", strawberry.lazy("schema.tracking")]
LazyFollowUpDue = Annotated["FollowUpDue", strawberry.lazy("schema.tracking")]
LazyGraduateDestination = Annotated["GraduateDestination", strawberry.lazy("schema.destinations")]
LazyAlert = Annotated["Alert", strawberry.lazy("schema.alerts")]
LazyAssistanceCase = Annotated["AssistanceCase", strawberry.lazy("schema.tracking")]
LazyMatchConnection = Annotated["MatchConnection", strawberry.lazy("schema.matching")]
LazyMatchedPositionsFilter = Annotated["MatchedPositionsFilter", strawberry.lazy("schema.matching")]
LazyHouseholdCategoryChange = Annotated[
    "HouseholdCategoryChange", strawberry.lazy("schema.households")
]


@strawberry.type(
    description="户籍: the registered household (siblings share one). Its poverty status is sensitive."
)
class Household:
    category: HouseholdCategory = strawberry.field(
        description="The current category; its changes are in categoryChanges."
    )
    relocated: bool = strawberry.field(description="易地扶贫搬迁")
    registration_number: str | None = strawberry.field(
        description="户号 of the household register, unique within its county."
    )

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("Household", self.id)

    @strawberry.field(description="The members you may see (masked as their Person fields are).")
    async def members(self, info: Info) -> list[Person]:
        return await many_by(ctx(info), model.Person.household_id, "persons").load(self.id)

    @strawberry.field(
        description="Every change of the category in the order recorded (the first: as registered)."
    )
    async def category_changes(self, info: Info) -> list[LazyHouseholdCategoryChange]:
        return await many_by(
            ctx(info),
            model.HouseholdCategoryChange.household_id,
            order_by=model.HouseholdCategoryChange.id,
        ).load(self.id)

    @strawberry.field(description="户籍地")
    async def region(self, info: Info) -> Region:
        return await regions.region(ctx(info), self.region_code)

    @strawberry.field(description="A monitored family (防止返贫监测对象).")
    def monitored(self) -> bool:
        return self.category in model.MONITORED_CATEGORIES


@strawberry.type(description="Ledger (a): willingness to enter vocational school.")
class EnrolmentIntention:
    survey_year: int
    wants_vocational: bool
    note: str | None
    closed_on: date | None = strawberry.field(description="Taken off the census on this date.")
    close_reason: str | None

    @strawberry.field
    async def preferred_major(self, info: Info) -> Major | None:
        code = self.preferred_major_code
        return await one_by(ctx(info), catalogue_model.Major.code).load(code) if code else None

    @strawberry.field
    async def preferred_school(self, info: Info) -> LazyOrganisation | None:
        school_id = self.preferred_school_id
        return (
            await one_by(ctx(info), organisation_model.Organisation.id).load(school_id)
            if school_id
            else None
        )


@strawberry.type(description="Ledger (b): a Yulu student's record at a school (学籍).")
class StudentRecord:
    entry_year: int
    expected_graduation_year: int
    status: StudentStatus
    closed_on: date | None = strawberry.field(description="Withdrawn on this date.")
    close_reason: str | None

    @strawberry.field
    async def school(self, info: Info) -> LazyOrganisation:
        return await one_by(ctx(info), organisation_model.Organisation.id).load(self.school_id)

    @strawberry.field
    async def major(self, info: Info) -> Major:
        return await one_by(ctx(info), catalogue_model.Major.code).load(self.major_code)


@strawberry.type(description="Ledger (c): a graduate's employment intention (求职意向).")
class EmploymentIntention:
    graduation_year: int
    preferred_tier: LocationTier | None = strawberry.field(
        description="Farthest the graduate will go; null: anywhere."
    )
    expected_salary: int | None
    wants_further_study: bool
    wants_own_business: bool
    seeking: bool

    @strawberry.field
    async def occupations(self, info: Info) -> list[Occupation]:
        return await linked(
            ctx(info),
            model.employment_intention_occupations,
            "intention_id",
            "occupation_code",
            catalogue_model.Occupation.code,
        ).load(self.id)

    @strawberry.field
    async def regions(self, info: Info) -> list[Region]:
        return await linked(
            ctx(info),
            model.employment_intention_regions,
            "intention_id",
            "region_code",
            region_model.Region.code,
        ).load(self.id)


@strawberry.federation.type(
    keys=["id", "idNumberHmac"],
    directives=SIGNED_IN,
    description="A person of the target group. Personal fields may come masked.",
)
class Person(Node):
    is_type_of = instance_of(model.Person)
    gender: Gender
    education: Education
    certificates: list[str]
    consent_to_share: bool = strawberry.field(
        description="Visible unmasked to enterprises and agencies."
    )
    version: int

    @strawberry.field
    def id(self) -> strawberry.ID:
        return global_id("Person", self.id)

    @classmethod
    async def resolve_reference(
        cls, info: Info, id: strawberry.ID | None = None, **other_keys: Any
    ) -> Any:
        if id is not None:
            return await node(ctx(info), id, "Person")
        return await resolve.by_id_number_hmac(ctx(info), other_keys.get("idNumberHmac"))

    @strawberry.federation.field(
        inaccessible=True,
        description="The person key for partner systems (gateway/PARTNERS.md): hex HMAC-SHA256 "
        "of the ID number under the federation key. Only in the gateway's own fetches, and only "
        "where you see the ID number in clear; null elsewhere.",
    )
    async def id_number_hmac(self, info: Info) -> str | None:
        return await resolve.id_number_hmac(ctx(info), self)

    @strawberry.field(description="张* when masked.")
    def name(self, info: Info) -> str:
        return resolve.personal_value(ctx(info), self, "name")

    @strawberry.field(description="身份证号; first 4 and last 4 characters when masked.")
    def id_number(self, info: Info) -> str:
        return resolve.personal_value(ctx(info), self, "id_number")

    @strawberry.field(description="First 3 and last 4 digits when masked.")
    def phone(self, info: Info) -> str | None:
        return resolve.personal_value(ctx(info), self, "phone")

    @strawberry.field(description="Null when masked.")
    def birth_date(self, info: Info) -> date | None:
        return resolve.personal_value(ctx(info), self, "birth_date")

    @strawberry.field(description="The household and its poverty status; null when masked.")
    async def household(self, info: Info) -> Household | None:
        return await resolve.household(ctx(info), self)

    @strawberry.field(description="The latest survey year's census row.")
    async def enrolment_intention(self, info: Info) -> EnrolmentIntention | None:
        surveys = await _surveys(info, self, "enrolment_intention")
        return surveys[0] if surveys else None

    @strawberry.field(description="Census rows, one per survey year, the latest first.")
    async def enrolment_intentions(self, info: Info) -> list[EnrolmentIntention]:
        return await _surveys(info, self, "enrolment_intention")

    @strawberry.field
    async def student_record(self, info: Info) -> StudentRecord | None:
        return await _ledger(info, self, "student_record", model.StudentRecord.person_id)

    @strawberry.field
    async def employment_intention(self, info: Info) -> EmploymentIntention | None:
        return await _ledger(
            info, self, "employment_intention", model.EmploymentIntention.person_id
        )

    @strawberry.field(description="Applications you may see.")
    async def applications(self, info: Info) -> list[LazyApplication]:
        return await _related(info, self, "applications", application_model.Application.person_id)

    @strawberry.field(description="Employment records you may see.")
    async def employment_records(self, info: Info) -> list[LazyEmploymentRecord]:
        return await _related(
            info, self, "employment_records", tracking_model.EmploymentRecord.person_id
        )

    @strawberry.field(description="Follow-ups (跟踪监测) you may see.")
    async def follow_ups(self, info: Info) -> list[LazyFollowUp]:
        return await _related(info, self, "follow_ups", tracking_model.FollowUp.person_id)

    @strawberry.field(description="One-to-one assistance cases (一人一档) you may see.")
    async def assistance_cases(self, info: Info) -> list[LazyAssistanceCase]:
        return await _related(
            info, self, "assistance_cases", tracking_model.AssistanceCase.person_id
        )

    @strawberry.field(
        description="Graduate destinations (毕业去向) you may see, oldest first; the last is current."
    )
    async def graduate_destinations(self, info: Info) -> list[LazyGraduateDestination]:
        return await _related(
            info, self, "graduate_destinations", destination_model.GraduateDestination.person_id
        )

    @strawberry.field(description="Scheduled follow-ups (跟踪回访) you may see, done or not.")
    async def follow_up_dues(self, info: Info) -> list[LazyFollowUpDue]:
        return await _related(info, self, "follow_up_dues", tracking_model.FollowUpDue.person_id)

    @strawberry.field(description="Relapse-risk alerts (就业风险预警) you may see.")
    async def alerts(self, info: Info) -> list[LazyAlert]:
        return await _related(info, self, "alerts", alert_model.Alert.person_id)

    @strawberry.field(description="Classes the person is enrolled in.")
    async def classes(self, info: Info) -> list[LazyTrainingClass]:
        return await linked(
            ctx(info),
            class_model.Enrolment.__table__,
            "person_id",
            "class_id",
            class_model.TrainingClass.id,
            "training_classes",
        ).load(self.id)

    @strawberry.field(
        description="Open positions matched to this graduate, best first, each explained "
        "(the graduate, their school, agencies).",
        directives=SIGNED_IN,
    )
    async def matched_positions(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        filter: LazyMatchedPositionsFilter | None = None,
    ) -> LazyMatchConnection:
        from schema.matching import matched_positions

        return await matched_positions(info, self.id, first, after, filter)


async def _ledger(info: Info, person: Any, field: str, person_column: Any) -> Any:
    rules.require_read(ctx(info).viewer, "persons", field)
    return await one_by(ctx(info), person_column).load(person.id)


LATEST_SURVEY_FIRST = model.EnrolmentIntention.survey_year.desc()
"""One expression for every call: the loader is cached by it (a new one each time: N+1)."""


async def _surveys(info: Info, person: Any, field: str) -> list[Any]:
    rules.require_read(ctx(info).viewer, "persons", field)
    return await many_by(
        ctx(info), model.EnrolmentIntention.person_id, order_by=LATEST_SURVEY_FIRST
    ).load(person.id)


async def _related(info: Info, person: Any, field: str, person_column: Any) -> list[Any]:
    """A person's rows of another table: the field must be in the role's allow-list, and the
    rows pass that table's own row filter (named like the field)."""
    rules.require_read(ctx(info).viewer, "persons", field)
    return await many_by(ctx(info), person_column, field).load(person.id)


@strawberry.enum
class PersonSort(enum.Enum):
    NAME = "name"
    NEWEST = "newest"
    BIRTH_DATE = "birth_date"


@strawberry.input
class PersonFilter:
    search: str | None = strawberry.field(default=strawberry.UNSET, description="Part of the name.")
    region: str | None = strawberry.field(
        default=strawberry.UNSET, description="Household region code: its subtree."
    )
    school: strawberry.ID | None = strawberry.UNSET
    major: str | None = strawberry.UNSET
    cohort_year: int | None = strawberry.field(
        default=strawberry.UNSET, description="Expected graduation year."
    )
    monitored: bool | None = strawberry.field(
        default=strawberry.UNSET, description="防止返贫监测对象 families."
    )
    relocated: bool | None = strawberry.field(
        default=strawberry.UNSET, description="易地扶贫搬迁 families."
    )
    key_county: bool | None = strawberry.field(
        default=strawberry.UNSET, description="From a key assistance county."
    )
    seeking: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Graduates looking for a job."
    )


@strawberry.input(description="Who the ledger entry is about; matched by resident ID number.")
class PersonIdentityInput:
    name: str
    id_number: str = strawberry.field(
        description="身份证号, checked with its check character (GB 11643)."
    )
    phone: str | None = strawberry.UNSET
    education: Education | None = strawberry.UNSET
    household_region: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="County code; required unless the person is already yours to write.",
    )
    household_category: HouseholdCategory | None = strawberry.field(
        default=strawberry.UNSET,
        description="Required unless the person is already yours to write.",
    )
    relocated: bool | None = strawberry.UNSET
    registration_number: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="户号: a new person joins the household of their county holding it, if any.",
    )
    household_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Join this household (a sibling's, found with households()); its county and "
        "category apply.",
    )
    version: int | None = strawberry.field(
        default=strawberry.UNSET, description="The version you read, if any."
    )


@strawberry.input
class EnrolmentIntentionInput:
    survey_year: int
    wants_vocational: bool
    preferred_major_code: str | None = strawberry.UNSET
    preferred_school_id: strawberry.ID | None = strawberry.UNSET
    note: str | None = strawberry.UNSET


@strawberry.input
class StudentRecordInput:
    major_code: str
    entry_year: int
    expected_graduation_year: int
    status: StudentStatus = model.StudentStatus.STUDYING


@strawberry.input
class EmploymentIntentionInput:
    graduation_year: int
    preferred_tier: LocationTier | None = None
    expected_salary: int | None = None
    wants_further_study: bool = False
    wants_own_business: bool = False
    seeking: bool = True
    occupation_codes: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Desired occupations (GB/T 6565 codes), at most 5; absent: unchanged.",
    )
    region_codes: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Desired work regions (GB/T 2260 codes of any level), at most 5; "
        "absent: unchanged.",
    )
    certificates: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The person's certificates (each up to 32 characters); absent: unchanged.",
    )


@strawberry.input(description="Taking a person off a ledger: the date and why.")
class CloseInput:
    closed_on: date
    reason: str


@strawberry.type
class PersonQueries:
    @strawberry.field(description="Persons of a ledger that you may see.", directives=SIGNED_IN)
    async def persons(
        self,
        info: Info,
        ledger: Ledger = resolve.Ledger.ALL,
        filter: PersonFilter | None = None,
        sort: PersonSort = PersonSort.NAME,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Person]:
        arguments = filter_arguments(filter, school="Organisation")
        page = await resolve.persons(
            ctx(info), first, after, ledger=ledger, sort=sort.value, **arguments
        )
        return Connection.of(page)


@strawberry.type
class PersonMutations:
    @strawberry.mutation(description="Census ledger (a); county bureaus.", directives=WRITES)
    async def upsert_enrolment_intention(
        self, info: Info, person: PersonIdentityInput, input: EnrolmentIntentionInput
    ) -> Payload[EnrolmentIntention]:
        return Payload.of(
            await resolve.upsert_enrolment_intention(ctx(info), provided(person), provided(input))
        )

    @strawberry.mutation(
        description="Takes a child off the census (ledger a); the county bureau.",
        directives=WRITES,
    )
    async def close_census_entry(
        self, info: Info, person_id: strawberry.ID, input: CloseInput
    ) -> Payload[Person]:
        return Payload.of(await resolve.close_census_entry(ctx(info), person_id, provided(input)))

    @strawberry.mutation(
        description="Graduate ledger (c); the graduate or their school.", directives=WRITES
    )
    async def upsert_employment_intention(
        self, info: Info, person_id: strawberry.ID, input: EmploymentIntentionInput
    ) -> Payload[EmploymentIntention]:
        return Payload.of(
            await resolve.upsert_employment_intention(ctx(info), person_id, provided(input))
        )

    @strawberry.mutation(
        description="The graduate's consent to be shown unmasked to enterprises and agencies.",
        directives=WRITES,
    )
    async def set_consent(
        self, info: Info, consent: bool, version: int | None = None
    ) -> Payload[Person]:
        return Payload.of(await resolve.set_consent(ctx(info), consent, version))
