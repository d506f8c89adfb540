"""What each viewer should get, written from issue 4 item 3 and docs/DOMAIN.md — not from
auth/rules.py, which is what the matrix checks. The matrix's rows and columns come from the
rules (every role, every table a role's rules name, every mutation); the expectations here say
what the issue asks for, and test_spec_covers_rules fails when the rules grow a table, role or
mutation this spec has not decided.

Outcomes:
- persons: ``clear`` (every personal field as stored, audited), ``masked`` (张*, 4+4, 3+4; no
  birth date, no household), ``hidden`` (not visible: null);
- other tables: ``visible`` / ``hidden``;
- ``withheld``: no rows shown — an empty list or FORBIDDEN both satisfy it;
- ``UNAUTHENTICATED`` / ``FORBIDDEN``: the GraphQL error code.
"""

from __future__ import annotations

from models.organisations import Role
from seeds.demo import DEMO_ACCOUNTS

ANONYMOUS = "anonymous"
V, H, C, M, W = "visible", "hidden", "clear", "masked", "withheld"
UNAUTH, FORBID = "UNAUTHENTICATED", "FORBIDDEN"

VIEWERS: dict[str, Role | None] = {
    ANONYMOUS: None,
    **{u: Role(role) for u, role, _ in DEMO_ACCOUNTS},
}
"""Every demo account, by the role its token carries; bureaus twice (county and city level)."""

_AGENCY_ACTS_AS_OTHER = {
    outcome: dict.fromkeys(("referred", "registered", "own_case", "assigned"), outcome)
    for outcome in (H, M)
}
"""The agency's acts on a person are nothing to anyone else: they see such a person as any other."""

# viewer → relation → outcome, per table. Comments cite the words.
READS: dict[str, dict[str, dict[str, str]]] = {
    "persons": {
        # school: "full detail of its own students and graduates" — nobody else's.
        "school": {
            "own": C,
            "other": H,
            "outside": H,
            "consented": H,
            "fair": H,
            **_AGENCY_ACTS_AS_OTHER[H],
        },
        # enterprise: "sees its own applicants; matched candidates stay masked until they applied or consented".
        "enterprise": {
            "own": C,
            "other": M,
            "outside": M,
            "consented": C,
            "fair": M,
            **_AGENCY_ACTS_AS_OTHER[M],
        },
        # agency: "candidates masked unless they consented, accepted its referral, registered at its fair
        # themselves, or a bureau assigned their case to it" — its own acts clear nobody (issue 11).
        "agency": {
            "own": C,
            "other": M,
            "outside": M,
            "consented": C,
            "fair": C,
            "referred": M,
            "registered": M,
            "own_case": M,
            "assigned": C,
        },
        # bureau: "reads inside its region subtree; personal data unmasked at county level only".
        "county": {
            "own": C,
            "other": H,
            "outside": H,
            "consented": H,
            "fair": H,
            **_AGENCY_ACTS_AS_OTHER[H],
        },
        "city": {
            "own": M,
            "other": M,
            "outside": H,
            "consented": M,
            "fair": M,
            **_AGENCY_ACTS_AS_OTHER[M],
        },
        # graduate: "self only".
        "graduate": {
            "own": C,
            "other": H,
            "outside": H,
            "consented": H,
            "fair": H,
            **_AGENCY_ACTS_AS_OTHER[H],
        },
        # admin: "no silent bypass of personal-data rules": listed, always masked.
        "admin": {"other": M, "outside": M, "consented": M, "fair": M, **_AGENCY_ACTS_AS_OTHER[M]},
        ANONYMOUS: {"other": UNAUTH, "consented": UNAUTH},
    },
    "positions": {
        # enterprise "writes its own positions" (and sees its drafts); school sees "partner
        # enterprises' positions"; agency "reads positions" (published ones); bureau its region.
        "enterprise": {"own": V, "other": H, "outside": H, "public": V},
        "school": {"own": V, "other": H, "outside": H, "public": V},
        "agency": {"other": H, "outside": H, "public": V},
        "county": {"own": V, "other": H, "outside": H, "public": V},
        "city": {"own": V, "other": V, "outside": H, "public": V},
        "graduate": {"other": H, "outside": H, "public": V},
        "admin": {"other": V, "outside": V, "public": V},
        ANONYMOUS: {"other": H, "outside": H, "public": V},
    },
    "organisations": {
        # members see approved members and themselves; join requests: the region's bureau and admins.
        **{
            v: {"own": V, "other": H, "outside": H, "public": V}
            for v in ("school", "enterprise", "agency")
        },
        "county": {"own": V, "other": H, "outside": H, "public": V},
        "city": {"own": V, "other": V, "outside": H, "public": V},
        "graduate": {"other": H, "outside": H, "public": V},
        "admin": {"other": V, "outside": V, "public": V},
        ANONYMOUS: {"other": H, "outside": H, "public": V},
    },
    "training_classes": {
        # school "its own classes"; classes carry no personal data, members may browse them.
        **{
            v: {"own": V, "other": V} if v == "school" else {"other": V}
            for v in ("school", "enterprise", "agency", "county", "city", "graduate", "admin")
        },
        ANONYMOUS: {"other": UNAUTH},
    },
    "applications": {
        **{
            v: {"own": V, "other": H, "outside": H}
            for v in ("enterprise", "school", "agency", "county", "graduate")
        },
        "city": {"own": V, "other": V, "outside": H},
        "admin": {"other": V, "outside": V},
        ANONYMOUS: {"other": UNAUTH},
    },
    "employment_records": {
        **{
            v: {"own": V, "other": H, "outside": H}
            for v in ("enterprise", "school", "agency", "county", "graduate")
        },
        "city": {"own": V, "other": V, "outside": H},
        "admin": {"other": V, "outside": V},
        ANONYMOUS: {"other": UNAUTH},
    },
    "follow_ups": {
        # tracking (跟踪监测) is the school's and the bureau's work, and the graduate's own; an
        # agency reads the follow-ups of the persons whose help case it owns.
        "school": {"own": V, "other": W, "outside": W},
        "enterprise": {"own": W, "other": W, "outside": W},
        "agency": {"own": V, "other": W, "outside": W},
        "county": {"own": V, "other": W, "outside": W},
        "city": {"own": V, "other": V, "outside": W},
        "graduate": {"own": V, "other": W, "outside": W},
        "admin": {"other": W, "outside": W},
        ANONYMOUS: {"other": UNAUTH},
    },
    "assistance_cases": {
        # agencies "do one-to-one help": they read the cases they own.
        "school": {"own": V, "other": W, "outside": W},
        "enterprise": {"own": W, "other": W, "outside": W},
        "agency": {"own": V, "other": W, "outside": W},
        "county": {"own": V, "other": W, "outside": W},
        "city": {"own": V, "other": V, "outside": W},
        "graduate": {"own": V, "other": W, "outside": W},
        "admin": {"other": W, "outside": W},
        ANONYMOUS: {"other": UNAUTH},
    },
    # issue 13: destinations, the follow-up schedule and the early warning are the school's, the
    # county's and (for the persons of its cases) the agency's work, and the graduate's own; an
    # enterprise learns nothing of a graduate's later jobs elsewhere or their alerts.
    **{
        table: {
            "school": {"own": V, "other": W, "outside": W},
            "enterprise": {"own": W, "other": W, "outside": W},
            "agency": {"own": V, "other": W, "outside": W},
            "county": {"own": V, "other": W, "outside": W},
            "city": {"own": V, "other": V, "outside": W},
            "graduate": {"own": V, "other": W, "outside": W},
            "admin": {"other": W, "outside": W},
            ANONYMOUS: {"other": UNAUTH},
        }
        for table in ("graduate_destinations", "follow_up_dues", "alerts")
    },
    "audit_records": {
        # "queryable by bureaus within their region and by admins".
        **{v: {"other": FORBID} for v in ("school", "enterprise", "agency", "graduate")},
        "county": {"own": V, "other": H, "outside": H},
        "city": {"own": V, "other": V, "outside": H},
        "admin": {"other": V, "outside": V},
        ANONYMOUS: {"other": UNAUTH},
    },
    "regions": {
        v: ({"own": V, "public": V} if v not in (ANONYMOUS, "graduate", "admin") else {"public": V})
        for v in VIEWERS
    },
    "fairs": {v: ({"own": V, "public": V} if v == "agency" else {"public": V}) for v in VIEWERS},
}

KNOWN_WRONG: dict[tuple[str, str, str], str] = {}
"""Cells where the rules disagree with the issue: xfail(strict), reported to the API engineer."""

# --- mutations ---------------------------------------------------------------------------------

_FAIRS = {"createFair", "addFairEnterprises", "addFairPositions", "registerForFair"}
# One-to-one help (一人一档、一人一策): agencies, schools and county bureaus run their own cases.
_HELP = {"openAssistanceCase", "addAssistanceAction", "recordActionOutcome", "closeAssistanceCase"}
_TRACKING = {"recordFollowUp"} | _HELP
# Bureaus post public-welfare positions and internships (the kind is checked by the resolver).
_POSITIONS = {"createPosition", "updatePosition", "openPosition", "closePosition"}
# A bureau publishes its own region's yearly evaluation (the resolver checks the region).
_EVALUATION = {"publishEvaluation"}
# issue 13: destinations are recorded within remit (the graduate their own), verified by a
# bureau; a job is ended by its employer, the school or the county; alerts are worked by those
# whose queue they are in.
_ALERTS = {"dismissAlert", "linkAlertToCase"}
_BUREAU_DESTINATIONS = {"recordDestination", "verifyDestination", "endEmployment"}
MUTATIONS: dict[str, set[str]] = {
    ANONYMOUS: {"requestMembership"},  # "ask to join"; everything else needs a token
    "enterprise": {"transitionApplication", "reserveClassPositions", "endEmployment"}
    | _POSITIONS,  # "writes its own positions", moves its applicants, co-runs classes; ends its employees' jobs
    # issue 5: "a referral mutation turns a match into an application": schools refer their graduates.
    "school": {
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
        # issue 12: a school graduates its students (ledger b → c) and closes their records.
        "graduateStudent",
        "closeStudentRecord",
    }
    | _HELP
    | _FAIRS
    | _ALERTS,
    "agency": {"createApplication", "referCandidate", "transitionApplication", "recordDestination"}
    | _FAIRS
    | _TRACKING
    | _ALERTS,  # refers, organises fairs, helps
    # "approves members in its region" (and suspends them), census
    # issue 11: a transfer is accepted by the current school or the household's county bureau.
    # issue 12: the county keeps the census (closes entries, changes a household's category) and
    # opens an approved member's first account.
    "county": {
        "decideMembership",
        "suspendMembership",
        "upsertEnrolmentIntention",
        "decideStudentTransfer",
        "closeCensusEntry",
        "changeHouseholdCategory",
        "createMemberAccount",
    }
    | _FAIRS
    | _TRACKING
    | _POSITIONS
    | _EVALUATION
    | _ALERTS
    | _BUREAU_DESTINATIONS,
    # a city bureau passes the role gate; the resolvers answer COUNTY_ONLY (named help is the county's)
    "city": {
        "decideMembership",
        "suspendMembership",
        "upsertEnrolmentIntention",
        "decideStudentTransfer",
        "closeCensusEntry",
        "changeHouseholdCategory",
        "createMemberAccount",
    }
    | _FAIRS
    | _TRACKING
    | _POSITIONS
    | _EVALUATION
    | _ALERTS
    | _BUREAU_DESTINATIONS,
    "graduate": {
        "upsertEmploymentIntention",
        "setConsent",
        "createApplication",
        "transitionApplication",
        "registerForFair",
        "recordDestination",
    },  # "self only; a consent switch"; their own destination
    # "members"; "clients, keys": the admin mutations need the admin scope, which the matrix's tokens
    # do not carry, so they are refused here too (granted with the scope: tests/api/test_admin.py).
    # issue 12: createBureau is an admin mutation (admin scope); a member's first account is not.
    "admin": {"decideMembership", "suspendMembership", "createMemberAccount"},
}
"""Which viewer may call which mutation (the role gate; row rules are checked separately)."""


def read_cells() -> list[tuple[str, str, str]]:
    return [
        (viewer, table, relation)
        for table in READS
        for viewer in VIEWERS
        for relation in READS[table].get(viewer, {})
    ]
