"""The cast of the authorization matrix: for every viewer, one subject per relation.

The seeded ``test`` alliance (seeds/demo.py) holds most of what the matrix needs; a few rows are
added so that every relation exists whatever the random draw gave: an enterprise and two join
requests outside Chongqing, draft positions of known owners, a fair of another organiser, and
some tracking rows. Subjects are then picked with plain SQL — never with auth.rules, which is
what the matrix checks.

Relations, the same for every table:
- ``own``: the viewer's own row (its organisation, position, student, applicant, referral, fair,
  itself; for a bureau: a row inside its region subtree);
- ``other``: another organisation's row inside Chongqing, outside the county 500229 and tied to
  none of the demo users' organisations;
- ``outside``: the same, outside Chongqing (Shandong);
- ``consented`` / ``fair`` (persons): a neutral candidate who consented to be shown, or who
  registered at the agency's fair with consent; ``referred`` / ``registered`` / ``own_case`` /
  ``assigned``: neutral candidates the agency referred (not accepted), registered at its fair
  itself, opened a case on, or was assigned a case of by the county bureau;
- ``public``: a row anyone may see (an open position, an approved member, a region, a fair).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from models.applications import Application
from models.audit import AuditRecord
from models.fairs import Fair, fair_enterprises, fair_registrations
from models.organisations import Organisation
from models.positions import Position
from models.tracking import AssistanceCase, EmploymentRecord, FollowUp
from seeds import identity

COUNTY = "500229"  # 城口县: the county bureau's region
SHANDONG = "370212"  # 青岛市崂山区: outside the Chongqing bureaus' regions
USERNAMES = ("school", "enterprise", "agency", "county", "city", "graduate", "admin")


@dataclass
class Cast:
    """Facts about the demo users and the subjects, all plain ids and values from the database."""

    org: dict[str, int] = field(default_factory=dict)  # username → organisation id
    graduate_person: int = 0
    partner: int = 0  # the enterprise partnering the school's class
    persons: dict[int, dict] = field(
        default_factory=dict
    )  # id → name, id_number, phone, birth_date
    subjects: dict[tuple[str, str, str], int | str] = field(
        default_factory=dict
    )  # (viewer, table, relation) → key

    def subject(self, viewer: str, table: str, relation: str) -> int | str:
        """The viewer's own subject, else the one every viewer shares for this relation."""
        found = self.subjects.get((viewer, table, relation))
        return found if found is not None else self.subjects[("*", table, relation)]


def _one(session: Session, sql: str, **params) -> Any:
    value = session.execute(text(sql), params).scalar()
    assert value is not None, f"the seeded alliance has no row for: {sql} {params}"
    return value


def _maybe(session: Session, sql: str, **params) -> int | None:
    return session.execute(text(sql), params).scalar()


def _add(session: Session, table, **values) -> int:
    return session.execute(insert(table).values(**values).returning(table.c.id)).scalar_one()


NEUTRAL = """
    p.id IN (SELECT person_id FROM employment_intentions WHERE seeking = :yes)
    AND p.id NOT IN (SELECT person_id FROM student_records WHERE school_id = :school)
    AND p.id NOT IN (SELECT a.person_id FROM applications a JOIN positions q ON q.id = a.position_id
                     WHERE q.enterprise_id = :enterprise)
    AND p.id NOT IN (SELECT person_id FROM applications WHERE referrer_id = :agency)
    AND p.id NOT IN (SELECT person_id FROM assistance_cases WHERE owner_org_id = :agency)
    AND p.id <> :graduate AND p.consent_to_share = :no
"""
"""A seeking graduate tied to none of the demo users' organisations, not consenting."""


def build(session: Session) -> Cast:
    cast = Cast()
    for username in USERNAMES:
        cast.org[username] = session.execute(
            text("SELECT organisation_id FROM users WHERE username = :u"), {"u": username}
        ).scalar()
    cast.graduate_person = _one(session, "SELECT person_id FROM users WHERE username = 'graduate'")
    school, enterprise, agency = cast.org["school"], cast.org["enterprise"], cast.org["agency"]
    ties = {
        "school": school,
        "enterprise": enterprise,
        "agency": agency,
        "graduate": cast.graduate_person,
        "yes": True,
        "no": False,
    }
    cast.partner = _one(
        session,
        "SELECT enterprise_id FROM training_classes WHERE school_id = :s "
        "AND enterprise_id IS NOT NULL ORDER BY id",
        s=school,
    )
    occupation = _one(session, "SELECT code FROM occupations ORDER BY code")
    other_enterprise = _one(
        session,
        "SELECT id FROM organisations WHERE kind = 'enterprise' AND id NOT IN "
        "(:e, :p) AND region_code <> :c ORDER BY id",
        e=enterprise,
        p=cast.partner,
        c=COUNTY,
    )
    other_agency = _one(
        session,
        "SELECT id FROM organisations WHERE kind = 'agency' AND id <> :a ORDER BY id",
        a=agency,
    )
    other_school = _one(
        session,
        "SELECT id FROM organisations WHERE kind = 'school' AND id <> :s "
        "AND region_code <> :c ORDER BY id",
        s=school,
        c=COUNTY,
    )

    # --- organisations: an approved member and two join requests outside Chongqing, one in the county
    def organisation(kind: str, region: str, serial: int, membership: str, **extra) -> int:
        return _add(
            session,
            Organisation.__table__,
            kind=kind,
            name=f"矩阵测试{kind}{serial}",
            region_code=region,
            credit_code=identity.credit_code(kind, region, 90_000_000 + serial),
            membership=membership,
            is_central_soe=False,
            **extra,
        )

    outside_member = organisation("enterprise", SHANDONG, 1, "approved", industry="家电制造")
    outside_request = organisation("enterprise", SHANDONG, 2, "pending", industry="食品")
    county_request = organisation(
        "school", COUNTY, 3, "pending", school_level="secondary_vocational"
    )
    cast.subjects[("*", "organisations", "other")] = _one(
        session,
        "SELECT id FROM organisations WHERE membership = 'pending' AND region_code LIKE '50%' "
        "AND region_code <> :c AND id NOT IN (:s, :e, :a) ORDER BY id",
        c=COUNTY,
        s=school,
        e=enterprise,
        a=agency,
    )
    cast.subjects[("*", "organisations", "outside")] = outside_request
    cast.subjects[("*", "organisations", "public")] = outside_member
    cast.subjects[("*", "organisations", "county_request")] = county_request
    for username, organisation_id in cast.org.items():
        if organisation_id is not None:
            cast.subjects[(username, "organisations", "own")] = organisation_id

    # --- positions of known owners and states
    def position(owner: int, region: str, state: str, title: str) -> int:
        return _add(
            session,
            Position.__table__,
            enterprise_id=owner,
            title=title,
            occupation_code=occupation,
            kind="regular",
            state=state,
            min_education="secondary_vocational",
            headcount=5,
            filled=0,
            salary_min=4000,
            salary_max=6000,
            region_code=region,
            benefits=None,
            description=None,
            required_certificates=[],
            yulu_priority=False,
            valid_from=date(2026, 9, 1),
            valid_until=date(2027, 6, 30),
            version=1,
        )

    enterprise_region = _one(
        session, "SELECT region_code FROM organisations WHERE id = :e", e=enterprise
    )
    cast.subjects[("enterprise", "positions", "own")] = position(
        enterprise, enterprise_region, "draft", "矩阵自有草稿"
    )
    cast.subjects[("school", "positions", "own")] = position(
        cast.partner, "500101", "draft", "矩阵合作企业草稿"
    )
    county_draft = position(other_enterprise, COUNTY, "draft", "矩阵县内草稿")
    cast.subjects[("county", "positions", "own")] = county_draft
    cast.subjects[("city", "positions", "own")] = county_draft
    cast.subjects[("*", "positions", "other")] = position(
        other_enterprise, "500157", "draft", "矩阵他人草稿"
    )
    cast.subjects[("*", "positions", "outside")] = position(
        outside_member, SHANDONG, "draft", "矩阵省外草稿"
    )
    cast.subjects[("*", "positions", "public")] = position(
        outside_member, SHANDONG, "open", "矩阵省外开放岗位"
    )
    open_position = position(other_enterprise, "500157", "open", "矩阵开放岗位")

    # --- persons: neutral candidates in the county, elsewhere in Chongqing, outside, consenting, at the fair
    neutral = (
        "SELECT p.id FROM persons p JOIN households h ON h.id = p.household_id WHERE " + NEUTRAL
    )
    not_at_fair = " AND p.id NOT IN (SELECT person_id FROM fair_registrations)"
    in_chongqing = " AND h.region_code LIKE '50%' AND h.region_code <> :county"
    county_person = _maybe(
        session,
        neutral + " AND h.region_code = :county" + not_at_fair + " ORDER BY p.id",
        county=COUNTY,
        **ties,
    )
    if county_person is None:  # the random draw put no seeking graduate in 城口: move one there
        county_person = _one(
            session,
            neutral + in_chongqing + not_at_fair + " ORDER BY p.id DESC",
            county=COUNTY,
            **ties,
        )
        session.execute(
            text(
                "UPDATE households SET region_code = :c WHERE id = "
                "(SELECT household_id FROM persons WHERE id = :p)"
            ),
            {"c": COUNTY, "p": county_person},
        )
    chongqing = [
        row
        for (row,) in session.execute(
            text(neutral + in_chongqing + not_at_fair + " ORDER BY p.id"),
            {"county": COUNTY, **ties},
        )
    ]
    assert len(chongqing) >= 2
    other_person, consented = chongqing[0], chongqing[1]
    session.execute(
        text("UPDATE persons SET consent_to_share = :yes WHERE id = :p"),
        {"yes": True, "p": consented},
    )
    outside_person = _one(
        session,
        neutral + " AND h.region_code NOT LIKE '50%'" + not_at_fair + " ORDER BY p.id",
        **ties,
    )
    fair_person = _one(
        session,
        neutral + in_chongqing + " AND p.id IN (SELECT person_id FROM fair_registrations "
        "WHERE fair_id = 1 AND with_consent = :yes) ORDER BY p.id",
        county=COUNTY,
        **ties,
    )
    own_student = _one(
        session,
        "SELECT p.id FROM persons p JOIN student_records s ON s.person_id = p.id "
        "WHERE s.school_id = :s AND s.status = 'graduated' AND p.consent_to_share = :no "
        "ORDER BY p.id",
        s=school,
        no=False,
    )
    applicant = _one(
        session,
        "SELECT a.person_id FROM applications a JOIN positions q ON q.id = a.position_id "
        "JOIN persons p ON p.id = a.person_id WHERE q.enterprise_id = :e "
        "AND p.consent_to_share = :no ORDER BY a.id",
        e=enterprise,
        no=False,
    )
    referred = _one(
        session,
        "SELECT a.person_id FROM applications a JOIN persons p ON p.id = a.person_id "
        "WHERE a.referrer_id = :a AND p.consent_to_share = :no AND a.id IN (SELECT "
        "application_id FROM application_events WHERE to_stage = 'applied') ORDER BY a.id",
        a=agency,
        no=False,
    )
    own_person = {
        "school": own_student,
        "enterprise": applicant,
        "agency": referred,
        "county": county_person,
        "city": county_person,
        "graduate": cast.graduate_person,
    }
    for viewer, person in own_person.items():
        cast.subjects[(viewer, "persons", "own")] = person
    cast.subjects[("*", "persons", "other")] = other_person
    cast.subjects[("*", "persons", "outside")] = outside_person
    cast.subjects[("*", "persons", "consented")] = consented
    cast.subjects[("*", "persons", "fair")] = fair_person
    # The agency's own acts, which clear nobody (issue 11, item 3): a referral not yet accepted, a
    # registration at its fair without consent, a help case it opened itself; and one a county
    # bureau assigned to it, which does clear.
    referred_only, registered, own_case, assigned = chongqing[2:6]
    _add(
        session,
        Application.__table__,
        person_id=referred_only,
        position_id=open_position,
        source="agency",
        referrer_id=agency,
        fair_id=None,
        stage="recommended",
        rejection_reason=None,
        note=None,
        version=1,
    )
    fair_of_agency = _one(
        session, "SELECT id FROM fairs WHERE organiser_id = :a ORDER BY id", a=agency
    )
    session.execute(
        insert(fair_registrations).values(
            fair_id=fair_of_agency, person_id=registered, with_consent=False
        )
    )
    county_bureau = cast.org["county"]
    for person, assigner in ((own_case, None), (assigned, county_bureau)):
        _add(
            session,
            AssistanceCase.__table__,
            person_id=person,
            owner_org_id=agency,
            owner_user_id=None,
            assigned_by_org_id=assigner,
            reason="矩阵测试：帮扶",
            plan=None,
            state="open",
            outcome=None,
            opened_on=date(2026, 9, 1),
            closed_on=None,
        )
    for relation, person in (
        ("referred", referred_only),
        ("registered", registered),
        ("own_case", own_case),
        ("assigned", assigned),
    ):
        cast.subjects[("*", "persons", relation)] = person

    # --- tracking rows, so that "hidden" means hidden and not merely absent
    for person in {*own_person.values(), other_person, outside_person}:
        if _maybe(session, "SELECT id FROM follow_ups WHERE person_id = :p", p=person) is None:
            _add(
                session,
                FollowUp.__table__,
                person_id=person,
                on_date=date(2026, 10, 15),
                status="unemployed",
                monthly_income=None,
                note=None,
                recorded_by_id=None,
            )
        owner = agency if person == referred else other_agency
        if (
            _maybe(
                session,
                "SELECT id FROM assistance_cases WHERE person_id = :p AND owner_org_id = :o",
                p=person,
                o=owner,
            )
            is None
        ):
            _add(
                session,
                AssistanceCase.__table__,
                person_id=person,
                owner_org_id=owner,
                owner_user_id=None,
                reason="矩阵测试：一对一帮扶",
                plan="推送岗位",
                state="open",
                outcome=None,
                opened_on=date(2026, 9, 1),
                closed_on=None,
            )
    for table in ("follow_ups", "assistance_cases"):
        for viewer, person in own_person.items():
            cast.subjects[(viewer, table, "own")] = person
        cast.subjects[("*", table, "other")] = other_person
        cast.subjects[("*", table, "outside")] = outside_person

    # --- applications and employment records: the viewer's own, another's in Chongqing, outside
    def application(
        person: int,
        position_id: int,
        source: str = "self",
        referrer: int | None = None,
        stage: str = "applied",
    ) -> int:
        return _add(
            session,
            Application.__table__,
            person_id=person,
            position_id=position_id,
            source=source,
            referrer_id=referrer,
            fair_id=None,
            stage=stage,
            rejection_reason=None,
            note=None,
            version=1,
        )

    def employment(person: int, employer: int, region: str) -> int:
        return _add(
            session,
            EmploymentRecord.__table__,
            person_id=person,
            employer_id=employer,
            employer_name="矩阵测试雇主",
            position_id=None,
            application_id=None,
            start_date=date(2026, 7, 15),
            end_date=None,
            monthly_income=5000,
            work_region_code=region,
            location_tier="in_province",
        )

    own_application = _one(
        session,
        "SELECT a.id FROM applications a JOIN positions q ON q.id = a.position_id "
        "WHERE q.enterprise_id = :e AND a.person_id = :p",
        e=enterprise,
        p=applicant,
    )
    apps = {
        "enterprise": own_application,
        "school": application(own_student, open_position, "school", school, "recommended"),
        "agency": application(referred, open_position, "agency", agency, "recommended"),
        "county": application(county_person, open_position),
        "graduate": application(cast.graduate_person, open_position),
    }
    apps["city"] = apps["county"]
    jobs = {
        "enterprise": employment(applicant, enterprise, enterprise_region),
        "school": employment(own_student, other_enterprise, "500157"),
        "agency": employment(referred, other_enterprise, "500157"),
        "county": employment(county_person, other_enterprise, COUNTY),
        "graduate": employment(cast.graduate_person, other_enterprise, "500157"),
    }
    jobs["city"] = jobs["county"]
    for viewer in apps:
        cast.subjects[(viewer, "applications", "own")] = apps[viewer]
        cast.subjects[(viewer, "employment_records", "own")] = jobs[viewer]
    cast.subjects[("*", "applications", "other")] = application(other_person, open_position)
    cast.subjects[("*", "applications", "outside")] = application(outside_person, open_position)
    cast.subjects[("*", "employment_records", "other")] = employment(
        other_person, other_enterprise, "500157"
    )
    cast.subjects[("*", "employment_records", "outside")] = employment(
        outside_person, other_enterprise, "500157"
    )

    # --- classes, fairs, regions, audit records
    cast.subjects[("school", "training_classes", "own")] = _one(
        session, "SELECT id FROM training_classes WHERE school_id = :s ORDER BY id", s=school
    )
    cast.subjects[("*", "training_classes", "other")] = _one(
        session,
        "SELECT id FROM training_classes WHERE school_id <> :s AND (enterprise_id IS NULL OR "
        "enterprise_id <> :e) ORDER BY id",
        s=school,
        e=enterprise,
    )
    cast.subjects[("agency", "fairs", "own")] = _one(
        session, "SELECT id FROM fairs WHERE organiser_id = :a", a=agency
    )
    other_fair = _add(
        session,
        Fair.__table__,
        organiser_id=other_school,
        name="矩阵测试专场",
        kind="general",
        mode="online",
        region_code="500157",
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 2),
    )
    session.execute(
        insert(fair_enterprises).values(fair_id=other_fair, enterprise_id=other_enterprise)
    )
    cast.subjects[("*", "fairs", "public")] = other_fair
    for viewer in USERNAMES:
        cast.subjects[(viewer, "regions", "own")] = (
            _maybe(
                session,
                "SELECT region_code FROM organisations WHERE id = :o",
                o=cast.org[viewer] or 0,
            )
            or COUNTY
        )
    cast.subjects[("*", "regions", "public")] = SHANDONG
    for person in (county_person, other_person, outside_person):
        region = _one(
            session,
            "SELECT h.region_code FROM persons p JOIN households h ON h.id = p.household_id "
            "WHERE p.id = :p",
            p=person,
        )
        _add(
            session,
            AuditRecord.__table__,
            action="read_personal",
            actor_user_id=None,
            actor_role="school",
            actor_organisation_id=None,
            operation="MatrixSeed",
            subject_person_id=person,
            region_code=region,
            fields=["name"],
            detail={},
        )
    cast.subjects[("county", "audit_records", "own")] = county_person
    cast.subjects[("city", "audit_records", "own")] = county_person
    cast.subjects[("*", "audit_records", "other")] = other_person
    cast.subjects[("*", "audit_records", "outside")] = outside_person
    cast.subjects[("*", "extra", "open_position")] = open_position
    cast.subjects[("*", "extra", "other_enterprise")] = other_enterprise

    for row in session.execute(
        text("SELECT id, name, id_number, phone, birth_date FROM persons")
    ).mappings():
        cast.persons[row["id"]] = dict(row)
    return cast
