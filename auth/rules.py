"""Who may read and change what: the role rules as data, one table per role, Hasura-style.

For every role and every table a ``Permission`` says
- ``rows``: a row filter over the viewer's values (SQL, so lists, counts and loaders all use it);
- ``columns``: the fields the role may read at all (``None``: every field);
- ``unmasked``: for persons, the rows whose personal data the role sees in clear — every other
  visible person is shown masked (auth.masking);
- ``writes``: the rows the role may change.
A table missing from a role's entry is not readable by that role at all, and ``mutations`` lists
the mutations the role may call. Anonymous viewers (role ``None``) get public data only.

Every filter reads only the viewer (never the request), so the same rules serve the GraphQL API,
the portal's pages and the authorization tests' role × operation matrix. Scopes (auth.scopes)
narrow a role further: mutations need ``alliance:write``, clear personal data ``personal:read``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, case, exists, false, or_, select, true
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import False_

from auth import scopes
from auth.masking import mask_id_number, mask_name, mask_phone
from auth.viewer import Viewer
from models.alerts import Alert
from models.applications import Application, ApplicationEvent, Stage
from models.audit import AuditRecord
from models.base import AnyColumn
from models.classes import TrainingClass
from models.destinations import GraduateDestination
from models.fairs import Fair, fair_registrations
from models.organisations import Membership, Organisation, Role, User
from models.people import EmploymentIntention, Household, Person, StudentRecord
from models.positions import Position, PositionKind, PositionState
from models.regions import RegionLevel, subtree_bounds, within
from models.tracking import AssistanceCase, EmploymentRecord, FollowUp, FollowUpDue

RowFilter = Callable[[Viewer], ColumnElement[bool]]


class AccessDenied(Exception):
    """The viewer may not do this. ``code`` is the GraphQL error code the API answers with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def denial(viewer: Viewer) -> AccessDenied:
    # No detail about what exists: the message is the same for every table and row.
    if not viewer.is_authenticated:
        return AccessDenied("UNAUTHENTICATED", "请先登录。")
    return AccessDenied("FORBIDDEN", "您的角色无权查看或办理此项。")


def _nothing(_: Viewer) -> ColumnElement[bool]:
    return false()


def _everything(_: Viewer) -> ColumnElement[bool]:
    return true()


@dataclass(frozen=True)
class Permission:
    rows: RowFilter
    columns: frozenset[str] | None = None
    unmasked: RowFilter = _nothing
    writes: RowFilter = _nothing


@dataclass(frozen=True)
class RoleRules:
    tables: Mapping[str, Permission]
    mutations: frozenset[str] = field(default_factory=frozenset)
    # Top-level queries that read no alliance table (the admin's OAuth clients and users).
    queries: frozenset[str] = field(default_factory=frozenset)


# ---------------------------------------------------------------------------------------------
# Building blocks: each answers "is this person (by a column holding a person id) in my remit?"


def _own_students(person_id, v: Viewer) -> ColumnElement[bool]:
    return person_id.in_(
        select(StudentRecord.person_id).where(StudentRecord.school_id == v.organisation_id)
    )


def _in_my_region(person_id, v: Viewer) -> ColumnElement[bool]:
    households = select(Household.id).where(
        within(Household.region_code, v.region_code, v.region_level)
    )
    return person_id.in_(select(Person.id).where(Person.household_id.in_(households)))


# The remits below are OR-ed together, where no database can turn an IN (subquery) into a join:
# PostgreSQL then scans the whole subquery per row once it outgrows work_mem, and SQLite indexes
# all of it first (600,000 seeking graduates at bench scale: ~1 s for one person). A correlated
# EXISTS is an index probe per row instead. Each correlates only the person column it is given
# (``_subquery``): an outer query over the same tables keeps its own rows.


def _subquery(*tables, where) -> ColumnElement[bool]:
    return exists().where(*where).correlate_except(*tables)


def _applied_to_my_positions(person_id, v: Viewer) -> ColumnElement[bool]:
    return _subquery(
        Application,
        Position,
        where=(
            Application.person_id == person_id,
            Application.position_id == Position.id,
            Position.enterprise_id == v.organisation_id,
        ),
    )


def _referred_by_me(person_id, v: Viewer) -> ColumnElement[bool]:
    return _subquery(
        Application,
        where=(Application.person_id == person_id, Application.referrer_id == v.organisation_id),
    )


def _registered_at_my_fairs(
    person_id, v: Viewer, *, with_consent: bool = False
) -> ColumnElement[bool]:
    conditions = [
        fair_registrations.c.person_id == person_id,
        fair_registrations.c.fair_id == Fair.id,
        Fair.organiser_id == v.organisation_id,
    ]
    if with_consent:
        conditions.append(fair_registrations.c.with_consent.is_(True))
    return _subquery(fair_registrations, Fair, where=conditions)


# --- clearance: who made a person visible in clear (see the README's privacy model) -----------
# Only the data subject (consent; applying; accepting a referral; registering at a fair) or an
# authority (the school for its students, the county bureau for its census, a bureau assigning
# a help case) clears a person for an enterprise or agency. A viewer's own act — referring,
# registering someone at its fair, opening a help case — puts the person in its remit, masked.


def _accepted(application) -> ColumnElement[bool]:
    """The graduate applied, or accepted a referral (they or their school moved it to applied)."""
    return _subquery(
        ApplicationEvent,
        where=(
            ApplicationEvent.application_id == application.id,
            ApplicationEvent.to_stage == Stage.APPLIED,
        ),
    )


def _accepted_for_my_positions(person_id, v: Viewer) -> ColumnElement[bool]:
    return _subquery(
        Application,
        Position,
        where=(
            Application.person_id == person_id,
            Application.position_id == Position.id,
            Position.enterprise_id == v.organisation_id,
            _accepted(Application),
        ),
    )


def _accepted_my_referral(person_id, v: Viewer) -> ColumnElement[bool]:
    return _subquery(
        Application,
        where=(
            Application.person_id == person_id,
            Application.referrer_id == v.organisation_id,
            _accepted(Application),
        ),
    )


def _cases_assigned_to_me(person_id, v: Viewer) -> ColumnElement[bool]:
    """Help cases a bureau assigned to the organisation (a case it opened itself does not count)."""
    return _subquery(
        AssistanceCase,
        where=(
            AssistanceCase.person_id == person_id,
            AssistanceCase.owner_org_id == v.organisation_id,
            AssistanceCase.assigned_by_org_id.is_not(None),
        ),
    )


def _candidates(person_id) -> ColumnElement[bool]:
    """Graduates looking for a job: the pool enterprises and agencies match against."""
    return _subquery(
        EmploymentIntention,
        where=(EmploymentIntention.person_id == person_id, EmploymentIntention.seeking),
    )


def _my_cases(person_id, v: Viewer) -> ColumnElement[bool]:
    """One-to-one help by real name (一对一实名制帮扶): the persons whose case the organisation owns."""
    return _subquery(
        AssistanceCase,
        where=(
            AssistanceCase.person_id == person_id,
            AssistanceCase.owner_org_id == v.organisation_id,
        ),
    )


def _agency_remit(person_id, v: Viewer) -> ColumnElement[bool]:
    return or_(
        _candidates(person_id),
        _referred_by_me(person_id, v),
        _registered_at_my_fairs(person_id, v),
        _my_cases(person_id, v),
    )


def _household_with_clear_member(v: Viewer) -> ColumnElement[bool]:
    """Households of which the viewer sees some member's household in clear: the only ones it
    may find (by registration number or a member's ID number) or add a person to."""
    return _subquery(Person, where=(Person.household_id == Household.id, clear(v, "household")))


def _households_of_my_county(v: Viewer) -> ColumnElement[bool]:
    """A household's category and members are the census's work: its county bureau's only."""
    if not _is_county_bureau(v):
        return false()
    return and_(within(Household.region_code, v.region_code, v.region_level), working(v))


def _self(person_id, v: Viewer) -> ColumnElement[bool]:
    return person_id == v.person_id


def _is_county_bureau(v: Viewer) -> bool:
    # 市县抓落实: named personal data is the county's work; above it, aggregates suffice.
    return v.region_level == RegionLevel.COUNTY


def _own_positions(v: Viewer) -> ColumnElement[bool]:
    return Position.enterprise_id == v.organisation_id


def _partner_enterprises(v: Viewer) -> ColumnElement[bool]:
    return Position.enterprise_id.in_(
        select(TrainingClass.enterprise_id).where(TrainingClass.school_id == v.organisation_id)
    )


_OPEN = Position.state == PositionState.OPEN
_APPROVED = Organisation.membership == Membership.APPROVED

# Fields a candidate's record shows to enterprises and agencies: nothing about the family's
# poverty status, the census or the help they receive.
CANDIDATE_FIELDS = frozenset(
    {
        "id",
        "name",
        "id_number",
        "phone",
        "gender",
        "birth_date",
        "education",
        "certificates",
        "consent_to_share",
        "student_record",
        "employment_intention",
        "applications",
        "employment_records",
    }
)
# An agency doing one-to-one help also reads the help files (一人一档) it keeps and their
# follow-ups; the row rules of assistance_cases and follow_ups limit them to its own cases.
AGENCY_FIELDS = CANDIDATE_FIELDS | {
    "assistance_cases",
    "follow_ups",
    "graduate_destinations",
    "follow_up_dues",
    "alerts",
}
PUBLIC_ORGANISATION_FIELDS = frozenset(
    {
        "id",
        "kind",
        "name",
        "region",
        "school_level",
        "is_central_soe",
        "industry",
        "membership",
    }
)
_EVERYONE_READS = {
    "regions": Permission(rows=_everything),
    "fairs": Permission(rows=_everything),
}
_MEMBERS_READ = {
    **_EVERYONE_READS,
    "organisations": Permission(
        rows=lambda v: or_(_APPROVED, Organisation.id == v.organisation_id)
    ),
    "training_classes": Permission(rows=_everything),
}
_ORGANISER_WRITES = Permission(
    rows=_everything, writes=lambda v: Fair.organiser_id == v.organisation_id
)
_FAIR_MUTATIONS = frozenset(
    {"createFair", "addFairEnterprises", "addFairPositions", "registerForFair"}
)
ADMIN_MUTATIONS = frozenset(
    {
        "createOAuthClient",
        "deleteOAuthClient",
        "createUser",
        "resetPassword",
        "unlockUser",
        "deactivateUser",
        "rotateSigningKeys",
        "createBureau",
    }
)
"""Running the authorization server (clients, users, keys): admins only, with the admin scope."""
ADMIN_QUERIES = frozenset({"oauthClients", "userAccounts"})
# Tracking and one-to-one help (跟踪监测, 一对一实名制帮扶); bureaus above the county are refused
# by the resolvers (named help is the county's work), and a case is changed by its owner only.
_HELP_MUTATIONS = frozenset(
    {"openAssistanceCase", "addAssistanceAction", "recordActionOutcome", "closeAssistanceCase"}
)
"""One-to-one help (一人一档、一人一策): agencies, schools (for their own students) and county
bureaus (for their county) each run cases they own."""
_TRACKING_MUTATIONS = frozenset({"recordFollowUp"}) | _HELP_MUTATIONS
_POSITION_MUTATIONS = frozenset(
    {"createPosition", "updatePosition", "openPosition", "closePosition"}
)
POSTABLE_KINDS: dict[Role | None, frozenset[PositionKind]] = {
    Role.ENTERPRISE: frozenset(PositionKind),
    # Bureaus post the places of last resort the programme names: 公益性岗位 and 见习岗位.
    Role.BUREAU: frozenset({PositionKind.PUBLIC_WELFARE, PositionKind.INTERNSHIP}),
}
"""The kinds of position each posting role may create (the poster owns the position)."""
# Destinations (毕业去向) and the relapse-risk work queue (就业风险预警): recorded and worked by the
# school, the agency owning the case and the county bureau, each within its remit (the tables'
# rules below); the graduate records their own destination; only a bureau verifies one.
_ALERT_MUTATIONS = frozenset({"dismissAlert", "linkAlertToCase"})


def _about(person_id: Callable[[Viewer], ColumnElement[bool]]) -> Permission:
    """A table about persons that the role reads and writes on the same rows."""
    return Permission(rows=person_id, writes=person_id)


def _county_writes(person_column) -> RowFilter:
    return lambda v: _in_my_region(person_column, v) if _is_county_bureau(v) else false()


RULES: dict[Role | None, RoleRules] = {
    None: RoleRules(
        tables={
            **_EVERYONE_READS,
            "organisations": Permission(
                rows=lambda v: _APPROVED, columns=PUBLIC_ORGANISATION_FIELDS
            ),
            "positions": Permission(rows=lambda v: _OPEN),
        },
        mutations=frozenset({"requestMembership"}),
    ),
    Role.ENTERPRISE: RoleRules(
        tables={
            **_MEMBERS_READ,
            "persons": Permission(
                rows=lambda v: or_(_applied_to_my_positions(Person.id, v), _candidates(Person.id)),
                columns=CANDIDATE_FIELDS,
                unmasked=lambda v: or_(
                    Person.consent_to_share, _accepted_for_my_positions(Person.id, v)
                ),
            ),
            "positions": Permission(
                rows=lambda v: or_(_OPEN, _own_positions(v)), writes=_own_positions
            ),
            "training_classes": Permission(
                rows=_everything, writes=lambda v: TrainingClass.enterprise_id == v.organisation_id
            ),
            "applications": Permission(
                rows=lambda v: Application.position_id.in_(
                    select(Position.id).where(_own_positions(v))
                ),
                writes=lambda v: Application.position_id.in_(
                    select(Position.id).where(_own_positions(v))
                ),
            ),
            # Its own employees' jobs only: a graduate's later jobs elsewhere are not its business.
            "employment_records": Permission(
                rows=lambda v: EmploymentRecord.employer_id == v.organisation_id,
                writes=lambda v: EmploymentRecord.employer_id == v.organisation_id,
            ),
        },
        mutations=_POSITION_MUTATIONS
        | frozenset(
            {
                "reserveClassPositions",
                "transitionApplication",
                "endEmployment",
            }
        ),
    ),
    Role.SCHOOL: RoleRules(
        tables={
            **_MEMBERS_READ,
            "persons": Permission(
                rows=lambda v: _own_students(Person.id, v),
                unmasked=lambda v: _own_students(Person.id, v),
                writes=lambda v: _own_students(Person.id, v),
            ),
            "positions": Permission(rows=lambda v: or_(_OPEN, _partner_enterprises(v))),
            "training_classes": Permission(
                rows=_everything, writes=lambda v: TrainingClass.school_id == v.organisation_id
            ),
            "applications": Permission(
                rows=lambda v: _own_students(Application.person_id, v),
                writes=lambda v: _own_students(Application.person_id, v),
            ),
            "employment_records": Permission(
                rows=lambda v: _own_students(EmploymentRecord.person_id, v),
                writes=lambda v: _own_students(EmploymentRecord.person_id, v),
            ),
            "follow_ups": Permission(
                rows=lambda v: _own_students(FollowUp.person_id, v),
                writes=lambda v: _own_students(FollowUp.person_id, v),
            ),
            "assistance_cases": Permission(
                rows=lambda v: _own_students(AssistanceCase.person_id, v),
                writes=lambda v: AssistanceCase.owner_org_id == v.organisation_id,
            ),
            "graduate_destinations": _about(
                lambda v: _own_students(GraduateDestination.person_id, v)
            ),
            "follow_up_dues": Permission(rows=lambda v: _own_students(FollowUpDue.person_id, v)),
            "alerts": _about(lambda v: _own_students(Alert.person_id, v)),
            "fairs": _ORGANISER_WRITES,
        },
        mutations=frozenset(
            {
                "upsertStudentRecord",
                "upsertEmploymentIntention",
                "createClass",
                "updateClass",
                "enrolStudent",
                "reserveClassPositions",
                "createApplication",
                "referCandidate",
                "transitionApplication",
                "recordFollowUp",
                "decideStudentTransfer",
                "recordDestination",
                "endEmployment",
                "graduateStudent",
                "closeStudentRecord",
            }
        )
        | _FAIR_MUTATIONS
        | _HELP_MUTATIONS
        | _ALERT_MUTATIONS,
    ),
    Role.AGENCY: RoleRules(
        tables={
            **_MEMBERS_READ,
            "persons": Permission(
                rows=lambda v: _agency_remit(Person.id, v),
                columns=AGENCY_FIELDS,
                unmasked=lambda v: or_(
                    Person.consent_to_share,
                    _accepted_my_referral(Person.id, v),
                    _registered_at_my_fairs(Person.id, v, with_consent=True),
                    _cases_assigned_to_me(Person.id, v),
                ),
            ),
            "positions": Permission(rows=lambda v: Position.state != PositionState.DRAFT),
            "applications": Permission(
                rows=lambda v: Application.referrer_id == v.organisation_id,
                writes=lambda v: Application.referrer_id == v.organisation_id,
            ),
            "employment_records": Permission(
                rows=lambda v: or_(
                    _referred_by_me(EmploymentRecord.person_id, v),
                    _my_cases(EmploymentRecord.person_id, v),
                )
            ),
            # Agencies record follow-ups of the graduates they help; they read the tracking of
            # those whose help file (一人一档) they keep, as they need it for the plan.
            "follow_ups": Permission(
                rows=lambda v: _my_cases(FollowUp.person_id, v),
                writes=lambda v: _agency_remit(FollowUp.person_id, v),
            ),
            "assistance_cases": Permission(
                rows=lambda v: AssistanceCase.owner_org_id == v.organisation_id,
                writes=lambda v: AssistanceCase.owner_org_id == v.organisation_id,
            ),
            # The persons whose help file (一人一档) it keeps: their destination, schedule, alerts.
            "graduate_destinations": _about(lambda v: _my_cases(GraduateDestination.person_id, v)),
            "follow_up_dues": Permission(rows=lambda v: _my_cases(FollowUpDue.person_id, v)),
            "alerts": _about(lambda v: _my_cases(Alert.person_id, v)),
            "fairs": _ORGANISER_WRITES,
        },
        mutations=frozenset(
            {"createApplication", "referCandidate", "transitionApplication", "recordDestination"}
        )
        | _FAIR_MUTATIONS
        | _TRACKING_MUTATIONS
        | _ALERT_MUTATIONS,
    ),
    Role.BUREAU: RoleRules(
        tables={
            **_MEMBERS_READ,
            "organisations": Permission(
                rows=lambda v: or_(
                    _APPROVED, within(Organisation.region_code, v.region_code, v.region_level)
                ),
                writes=lambda v: within(Organisation.region_code, v.region_code, v.region_level),
            ),
            "persons": Permission(
                rows=lambda v: _in_my_region(Person.id, v),
                unmasked=lambda v: _in_my_region(Person.id, v) if _is_county_bureau(v) else false(),
                writes=lambda v: _in_my_region(Person.id, v) if _is_county_bureau(v) else false(),
            ),
            "positions": Permission(
                rows=lambda v: or_(
                    _OPEN,
                    within(Position.region_code, v.region_code, v.region_level),
                    _own_positions(v),
                ),
                writes=_own_positions,
            ),
            "applications": Permission(rows=lambda v: _in_my_region(Application.person_id, v)),
            "employment_records": Permission(
                rows=lambda v: _in_my_region(EmploymentRecord.person_id, v),
                writes=_county_writes(EmploymentRecord.person_id),
            ),
            "graduate_destinations": Permission(
                rows=lambda v: _in_my_region(GraduateDestination.person_id, v),
                writes=_county_writes(GraduateDestination.person_id),
            ),
            "follow_up_dues": Permission(rows=lambda v: _in_my_region(FollowUpDue.person_id, v)),
            # The household's county bureau works the queue; above it, bureaus read it (masked).
            "alerts": Permission(
                rows=lambda v: _in_my_region(Alert.person_id, v),
                writes=_county_writes(Alert.person_id),
            ),
            "follow_ups": Permission(
                rows=lambda v: _in_my_region(FollowUp.person_id, v),
                writes=lambda v: (
                    _in_my_region(FollowUp.person_id, v) if _is_county_bureau(v) else false()
                ),
            ),
            "assistance_cases": Permission(
                rows=lambda v: _in_my_region(AssistanceCase.person_id, v),
                writes=lambda v: AssistanceCase.owner_org_id == v.organisation_id,
            ),
            "fairs": _ORGANISER_WRITES,
            "audit_records": Permission(
                rows=lambda v: within(AuditRecord.region_code, v.region_code, v.region_level)
            ),
        },
        mutations=frozenset(
            {
                "decideMembership",
                "suspendMembership",
                "upsertEnrolmentIntention",
                "closeCensusEntry",
                "changeHouseholdCategory",
                "decideStudentTransfer",
                "recordDestination",
                "verifyDestination",
                "endEmployment",
                "createMemberAccount",
                # the yearly evaluation (成效评估): a bureau publishes its own region's
                "publishEvaluation",
            }
        )
        | _FAIR_MUTATIONS
        | _TRACKING_MUTATIONS
        | _POSITION_MUTATIONS
        | _ALERT_MUTATIONS,
    ),
    Role.GRADUATE: RoleRules(
        tables={
            **_MEMBERS_READ,
            "persons": Permission(
                rows=lambda v: _self(Person.id, v),
                unmasked=lambda v: _self(Person.id, v),
                writes=lambda v: _self(Person.id, v),
            ),
            "positions": Permission(rows=lambda v: _OPEN),
            "applications": Permission(
                rows=lambda v: _self(Application.person_id, v),
                writes=lambda v: _self(Application.person_id, v),
            ),
            "employment_records": Permission(rows=lambda v: _self(EmploymentRecord.person_id, v)),
            "follow_ups": Permission(rows=lambda v: _self(FollowUp.person_id, v)),
            "assistance_cases": Permission(rows=lambda v: _self(AssistanceCase.person_id, v)),
            "graduate_destinations": _about(lambda v: _self(GraduateDestination.person_id, v)),
            "follow_up_dues": Permission(rows=lambda v: _self(FollowUpDue.person_id, v)),
            "alerts": Permission(rows=lambda v: _self(Alert.person_id, v)),
        },
        mutations=frozenset(
            {
                "upsertEmploymentIntention",
                "setConsent",
                "createApplication",
                "transitionApplication",
                "registerForFair",
                "recordDestination",
            }
        ),
    ),
    # Admins run the alliance (members, clients, keys) and may list persons, always masked:
    # there is no silent bypass of the personal-data rules.
    Role.ADMIN: RoleRules(
        tables={
            **_MEMBERS_READ,
            "organisations": Permission(rows=_everything, writes=_everything),
            "persons": Permission(rows=_everything, columns=CANDIDATE_FIELDS),
            "positions": Permission(rows=_everything),
            "applications": Permission(rows=_everything),
            "employment_records": Permission(rows=_everything),
            "audit_records": Permission(rows=_everything),
        },
        mutations=frozenset({"decideMembership", "suspendMembership", "createMemberAccount"})
        | ADMIN_MUTATIONS,
        queries=ADMIN_QUERIES,
    ),
}

EXTRA_SCOPES: dict[str, frozenset[str]] = {
    name: frozenset({scopes.ADMIN}) for name in ADMIN_MUTATIONS | ADMIN_QUERIES
}
"""Operations that need a scope beyond the role's (as the SDL's @requiresScopes declares them)."""

# --- membership state: only approved members work in the alliance -----------------------------

MEMBERSHIP_FREE_MUTATIONS = frozenset({"requestMembership"})
"""What a signed-in organisation may call whatever its membership state; every other mutation
needs the viewer's organisation to be an approved member."""
WORKING_MEMBERSHIP = frozenset({Membership.APPROVED})
MEMBERSHIP_REFUSALS: dict[Membership | None, str] = {
    Membership.PENDING: "您的单位入盟申请正在审核中，审核通过后才能办理此项业务。",
    Membership.REJECTED: "您的单位入盟申请未获批准，不能办理此项业务。",
    Membership.SUSPENDED: "您的单位联盟成员资格已被暂停，恢复前不能办理此项业务。",
    None: "您所在的单位不是联盟成员，不能办理此项业务。",
}


def needs_approved_membership(viewer: Viewer, mutation: str) -> bool:
    """Whether ``mutation`` waits for the viewer's organisation to be approved (graduates and
    admins belong to no member organisation)."""
    return viewer.organisation_id is not None and mutation not in MEMBERSHIP_FREE_MUTATIONS


def require_approved_membership(
    viewer: Viewer, mutation: str, membership: Membership | None
) -> None:
    """FORBIDDEN, saying why, when the organisation is pending, rejected or suspended."""
    if needs_approved_membership(viewer, mutation) and membership not in WORKING_MEMBERSHIP:
        raise AccessDenied(
            "FORBIDDEN", MEMBERSHIP_REFUSALS.get(membership, MEMBERSHIP_REFUSALS[None])
        )


STATISTICS_READERS = frozenset({Role.BUREAU, Role.ADMIN})
"""Region statistics hold no personal data: bureaus read any region inside their own subtree,
admins every region; schools, enterprises, agencies and graduates have dashboards of their own."""


def require_statistics(viewer: Viewer, region_code: str) -> None:
    if viewer.role not in STATISTICS_READERS:
        raise denial(viewer)
    if viewer.role == Role.BUREAU:
        bounds = (
            subtree_bounds(viewer.region_code or "", viewer.region_level)
            if viewer.region_level
            else ("", "")
        )
        if bounds is not None and not bounds[0] <= region_code <= bounds[1]:
            raise denial(viewer)


STAGE_ACTORS: dict[Stage, frozenset[Role]] = {
    # Accepting a referral is the graduate's act (or their school's on their behalf): it clears
    # them for the enterprise and the referring agency, so the referrer cannot do it itself.
    Stage.APPLIED: frozenset({Role.GRADUATE, Role.SCHOOL}),
    Stage.INTERVIEW: frozenset({Role.ENTERPRISE}),
    Stage.OFFER: frozenset({Role.ENTERPRISE}),
    Stage.HIRED: frozenset({Role.ENTERPRISE}),
    Stage.REJECTED: frozenset({Role.ENTERPRISE}),
    Stage.WITHDRAWN: frozenset({Role.GRADUATE, Role.SCHOOL, Role.AGENCY}),
}
"""Which roles move an application into each stage (the stage machine itself is in resolvers)."""


def permission(viewer: Viewer, table: str) -> Permission:
    """The viewer's permission on ``table``; AccessDenied when the role has none."""
    found = RULES[viewer.role].tables.get(table)
    if found is None:
        raise denial(viewer)
    return found


def rows(viewer: Viewer, table: str) -> ColumnElement[bool]:
    rule = permission(viewer, table).rows(viewer)
    return and_(rule, working(viewer)) if table in PERSONAL_TABLES else rule


def writes(viewer: Viewer, table: str) -> ColumnElement[bool]:
    return permission(viewer, table).writes(viewer)


def may_read(viewer: Viewer, table: str, column: str) -> bool:
    columns = RULES[viewer.role].tables.get(table)
    return columns is not None and (columns.columns is None or column in columns.columns)


def require_read(viewer: Viewer, table: str, column: str) -> None:
    """Fields outside a role's allow-list answer FORBIDDEN, never an empty or a null value."""
    if not may_read(viewer, table, column):
        raise denial(viewer)


# --- personal fields: one declaration each, read by every field, filter, sort, score and count ---


@dataclass(frozen=True)
class PersonalField:
    """A person's field under PIPL. ``clear(viewer, name)`` says for which rows the viewer sees it
    in clear; elsewhere it is shown as ``mask`` of the value, or not at all when there is none.
    Anything computed from it (a filter, a sort key, a score, a derived value such as a location
    tier) may use it only on those rows."""

    name: str
    mask: Callable[[str], str] | None = None
    meaning: str = ""


PERSONAL_FIELDS: dict[str, PersonalField] = {
    declared.name: declared
    for declared in (
        PersonalField("name", mask_name, "姓名"),
        PersonalField("id_number", mask_id_number, "身份证号"),
        PersonalField("phone", mask_phone, "手机号"),
        PersonalField("birth_date", None, "出生日期"),
        PersonalField(
            "household",
            None,
            "户籍：户籍地、家庭类别（脱贫户、监测对象）、易地搬迁，及由此推出的重点帮扶县、"
            "就业地与户籍地的关系",
        ),
    )
}


DERIVED_FIELDS: dict[str, str] = {"id_number_hmac": "id_number"}
"""Person fields computed from a personal field (the person key of the federation,
gateway/PARTNERS.md): shown only where that field is clear, and a lookup by one finds only the
rows where that field is clear."""


def working(viewer: Viewer) -> ColumnElement[bool]:
    """A member organisation that is approved and an account still active: a suspended member or
    a deactivated user keeps a valid token until it expires, but reads nothing personal with it.
    Uncorrelated, so the database evaluates it once per statement."""
    conditions = []
    if viewer.organisation_id is not None:
        conditions.append(exists().where(Organisation.id == viewer.organisation_id, _APPROVED))
    if viewer.user_id is not None:
        conditions.append(exists().where(User.id == viewer.user_id, User.is_active.is_(True)))
    return and_(*conditions) if conditions else true()


PERSONAL_TABLES = frozenset(
    {
        "persons",
        "applications",
        "employment_records",
        "follow_ups",
        "assistance_cases",
        "audit_records",
        "graduate_destinations",
        "follow_up_dues",
        "alerts",
    }
)
"""Tables whose rows are about a person: a viewer that is not working (``working``) reads none."""


def unmasked(viewer: Viewer) -> ColumnElement[bool]:
    """Persons shown in clear: the role's rule, and only for a token granted ``personal:read``."""
    if scopes.PERSONAL not in viewer.scopes:
        return false()
    rule = permission(viewer, "persons").unmasked(viewer)
    return rule if isinstance(rule, False_) else and_(rule, working(viewer))


def never_unmasked(viewer: Viewer) -> bool:
    """Whether the viewer sees no person in clear (no ``personal:read``, or a role whose rule is
    false): every personal field is masked without asking the database."""
    return isinstance(unmasked(viewer), False_)


def clear(viewer: Viewer, field_name: str) -> ColumnElement[bool]:
    """SQL over persons: the rows whose ``field_name`` this viewer sees in clear."""
    if field_name not in PERSONAL_FIELDS:
        raise KeyError(f"{field_name} is not a declared personal field")
    return unmasked(viewer) if may_read(viewer, "persons", field_name) else false()


def never_clear(viewer: Viewer, field_name: str) -> bool:
    return isinstance(clear(viewer, field_name), False_)


class PersonalArgumentRefused(AccessDenied):
    def __init__(self, argument: str, field_name: str) -> None:
        head, *rest = argument.split("_")
        name = head + "".join(part.title() for part in rest)  # as the API spells it
        super().__init__(
            "FORBIDDEN",
            f"您不能按「{name}」筛选：它依据{PERSONAL_FIELDS[field_name].meaning}，"
            "而您看不到这项个人信息。",
        )


PERSONAL_ARGUMENTS: dict[str, dict[str, str | None]] = {
    "PersonFilter": {
        "search": "name",
        "region": "household",
        "monitored": "household",
        "relocated": "household",
        "key_county": "household",
        "school": None,
        "major": None,
        "cohort_year": None,
        "seeking": None,
    },
    "PersonSort": {"name": "name", "birth_date": "birth_date", "newest": None},
    "MatchedGraduatesFilter": {
        "region": "household",
        "monitored": "household",
        "key_county": "household",
        "relocated": "household",
        "major": None,
        "occupation": None,
    },
    "EmploymentFilter": {
        "location_tier": "household",
        "region": None,
        "employer": None,
        "person": None,
        "start_year": None,
        "current": None,
    },
    "EmploymentSort": {"newest": None, "income": None},
    "ApplicationFilter": {"position": None, "person": None, "enterprise": None, "stage": None},
    "ApplicationSort": {"newest": None, "stage": None, "updated": None},
    "AssistanceCaseFilter": {"state": None, "person": None, "owner": None},
    "AlertFilter": {"state": None, "kind": None, "person": None},
    "FollowUpDueFilter": {"state": None, "person": None},
    # Finding a sibling's household: by its registration number (户号), or a member's ID number.
    "HouseholdLookup": {"registration_number": "household", "id_number": "id_number"},
    # The log's region is the subject's household region (户籍地).
    "auditLog": {"region": "household", "person": None, "action": None},
}
"""For every filter argument and sort order over persons (or rows about them): the personal field
it reads, or None. The API's input types are checked against this table (tests/privacy), so a new
argument cannot ship undeclared, and ``argument`` / ``sort_key`` apply the field's ``clear``."""


def _declared(input_type: str, argument: str) -> str | None:
    return PERSONAL_ARGUMENTS[input_type][argument]  # KeyError: an undeclared argument is a bug


def clear_for(viewer: Viewer, field_name: str, person_id=None) -> ColumnElement[bool]:
    """``clear`` for the person a column of another table names (``person_id``), or for the
    persons row itself when None."""
    if person_id is None or never_clear(viewer, field_name):
        return clear(viewer, field_name)
    return exists().where(Person.id == person_id, clear(viewer, field_name))


def argument(
    viewer: Viewer, input_type: str, name: str, condition: ColumnElement[bool], person_id=None
) -> ColumnElement[bool]:
    """``condition`` for argument ``name`` of ``input_type``, held only on rows whose person
    (the persons row, or the one ``person_id`` names) has the field it reads in clear;
    FORBIDDEN, naming the argument, for a viewer who sees that field on no row at all."""
    field_name = _declared(input_type, name)
    if field_name is None:
        return condition
    if never_clear(viewer, field_name):
        raise PersonalArgumentRefused(name, field_name)
    return and_(clear_for(viewer, field_name, person_id), condition)


def sort_key(viewer: Viewer, input_type: str, name: str, key: AnyColumn) -> AnyColumn:
    """A sort key: on a personal field, the value where clear and NULL (sorted last, then by id)
    elsewhere, so the order says nothing about masked rows."""
    field_name = _declared(input_type, name)
    if field_name is None:
        return key
    return case((clear(viewer, field_name), key), else_=None).nulls_last()


def may_call(viewer: Viewer, mutation: str) -> bool:
    # A signed-in user's client must also hold the write scope; anonymous callers have no token.
    has_scope = not viewer.is_authenticated or scopes.WRITE in viewer.scopes
    extra = EXTRA_SCOPES.get(mutation, frozenset())
    return has_scope and extra <= viewer.scopes and mutation in RULES[viewer.role].mutations


def require_mutation(viewer: Viewer, mutation: str) -> None:
    if not may_call(viewer, mutation):
        raise denial(viewer)


def require_query(viewer: Viewer, query: str) -> None:
    """A query of ``RoleRules.queries`` (not a table read), with the scopes it needs."""
    if (
        query not in RULES[viewer.role].queries
        or not EXTRA_SCOPES.get(query, frozenset()) <= viewer.scopes
    ):
        raise denial(viewer)


def may_move_to(viewer: Viewer, stage: Stage) -> bool:
    return viewer.role in STAGE_ACTORS.get(stage, frozenset())


# --- student transfers (issue 11): a school's request for a person it does not hold ------------
# Decided by the person's current school (a studying record there) or by the county bureau of
# the household's region — for a person not registered yet, of the region the request claims:
# confirming a family's category is the census's work (摸清底数). Never by the school that filed it.


from models.people import StudentStatus  # noqa: E402
from models.transfers import StudentTransfer  # noqa: E402


def _registered(id_number) -> ColumnElement[bool]:
    return _subquery(Person, where=(Person.id_number == id_number,))


def _studying_at_my_school(id_number, v: Viewer) -> ColumnElement[bool]:
    return _subquery(
        Person,
        StudentRecord,
        where=(
            Person.id_number == id_number,
            StudentRecord.person_id == Person.id,
            StudentRecord.school_id == v.organisation_id,
            StudentRecord.status == StudentStatus.STUDYING,
        ),
    )


def _household_in_my_county(id_number, claimed_region, v: Viewer) -> ColumnElement[bool]:
    registered_here = _subquery(
        Person,
        Household,
        where=(
            Person.id_number == id_number,
            Household.id == Person.household_id,
            within(Household.region_code, v.region_code, v.region_level),
        ),
    )
    claimed_here = and_(
        ~_registered(id_number), within(claimed_region, v.region_code, v.region_level)
    )
    return or_(registered_here, claimed_here)


TRANSFER_DECIDERS: dict[Role, RowFilter] = {
    Role.SCHOOL: lambda v: _studying_at_my_school(StudentTransfer.id_number, v),
    Role.BUREAU: lambda v: (
        _household_in_my_county(StudentTransfer.id_number, StudentTransfer.claimed_region_code, v)
        if _is_county_bureau(v)
        else false()
    ),
}


def decides_transfers(viewer: Viewer) -> ColumnElement[bool]:
    """The student transfers the viewer may accept or decline (and list as theirs to decide).
    A request is about a person: a viewer that is not working (``working``) has none."""
    decider = TRANSFER_DECIDERS.get(viewer.role) if viewer.role is not None else None
    if decider is None:
        return false()
    return and_(
        decider(viewer),
        StudentTransfer.requesting_school_id != viewer.organisation_id,
        working(viewer),
    )


def filed_transfers(viewer: Viewer) -> ColumnElement[bool]:
    """The requests the viewer's school filed (shown with the identity as it typed it)."""
    if viewer.role != Role.SCHOOL:
        return false()
    return and_(StudentTransfer.requesting_school_id == viewer.organisation_id, working(viewer))


def sees_typed_identity(viewer: Viewer) -> bool:
    """The identity a request carries is personal data, even as typed: in clear only to a token
    granted ``personal:read`` (the requester and the deciders are the only viewers of a request)."""
    return scopes.PERSONAL in viewer.scopes


# --- the referral lifecycle (issue 14): who acts on an application at its current stage -------
# A referral (已推荐) waits for the graduate's answer — theirs or their school's on their behalf —
# or for its referrer to take it back; the enterprise acts only once it was accepted (已投递 on).

AWAITING_GRADUATE_ACTORS = frozenset({Role.GRADUATE, Role.SCHOOL, Role.AGENCY})


def may_act_at(viewer: Viewer, current: Stage) -> bool:
    """Whether the viewer's role moves an application that stands at ``current`` at all."""
    return current != Stage.RECOMMENDED or viewer.role in AWAITING_GRADUATE_ACTORS


# --- for the portal's words: what the graduate's consent would change -------------------------


def consent_clears(role: Role) -> bool:
    """Whether the graduate's consent (setConsent) clears their name, ID number and phone for
    ``role``: its ``persons.unmasked`` rule holds ``Person.consent_to_share``. The portal says
    "毕业生同意后可见" beside a masked phone exactly where this is true."""
    persons = RULES[role].tables.get("persons") if role in RULES else None
    if persons is None:
        return False
    probe = Viewer(
        role=role, organisation_id=0, region_code="500000", region_level=RegionLevel.PROVINCE
    )
    consent = Person.__table__.c.consent_to_share
    return any(
        getattr(element, "table", None) is consent.table
        and getattr(element, "name", None) == consent.name
        for element in visitors.iterate(persons.unmasked(probe))
    )


# --- households (issue 12): finding a sibling's household, changing a household's category ----
# Not a table of the matrix: a household is read only through its members (Person.household, in
# clear where the household field is) and found only where some member's household is clear.


def households(viewer: Viewer) -> ColumnElement[bool]:
    """SQL over households: the ones the viewer may find and add a person to. FORBIDDEN for a
    viewer who sees no household in clear at all (enterprises, agencies, bureaus above the
    county, admins, a token without ``personal:read``), whatever it asks for."""
    if never_clear(viewer, "household"):
        raise denial(viewer)
    return _household_with_clear_member(viewer)


def writes_households(viewer: Viewer) -> ColumnElement[bool]:
    """The households whose category (and members) the viewer changes: its county's, if a county
    bureau; none for anyone else."""
    return _households_of_my_county(viewer)
