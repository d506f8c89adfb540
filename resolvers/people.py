"""Persons and the three ledgers (3张清单): lists, masking of personal data, and ledger upserts.

Personal fields go through ``personal_value``: the role's column allow-list first, then the
role's ``unmasked`` rule per person (one batched statement per request), and every value shown
in clear is noted for the audit log.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, insert, or_, select
from stdnum.cn import ric

from auth import rules
from auth.viewer import Viewer
from models.audit import AuditRecord
from models.base import AnyColumn
from models.catalogue import Occupation
from models.people import (
    MONITORED_CATEGORIES,
    EmploymentIntention,
    EnrolmentIntention,
    Gender,
    Household,
    HouseholdCategory,
    Person,
    StudentRecord,
    StudentStatus,
    employment_intention_occupations,
    employment_intention_regions,
)
from models.regions import Region, RegionLevel, subtree_bounds
from resolvers import households
from resolvers.batching import any_of, load_soon, one_by, settled
from resolvers.context import Context
from resolvers.outcomes import Checks, Outcome, attempt, check_version, key_of, reject, today
from resolvers.pagination import Page, paginate
from resolvers.regions import in_region


class Ledger(enum.StrEnum):
    INTENTIONS = "intentions"  # (a) willing to enter vocational school
    STUDENTS = "students"  # (b) current Yulu students
    GRADUATES = "graduates"  # (c) graduates and their employment intentions
    ALL = "all"


PERSON_SORTS: dict[str, AnyColumn] = {
    "name": Person.name,
    "newest": Person.created_at.desc(),
    "birth_date": Person.birth_date,
}
"""Sort keys; those on a personal field (auth.rules.PERSONAL_ARGUMENTS) sort masked rows last."""


STORED_AS = {"household": "household_id"}
"""Personal fields whose value is a reference: shown in clear or not at all (never masked)."""

# --- reading ---------------------------------------------------------------------------------


def _unmasked_loader(ctx: Context):
    async def batch(person_ids):
        statement = select(Person.id).where(
            any_of(ctx, Person.id, person_ids), rules.unmasked(ctx.viewer)
        )
        shown = set(await ctx.session.scalars(statement))
        return [person_id in shown for person_id in person_ids]

    return ctx.loader("persons.unmasked", batch)


def _decision(ctx: Context, person_id: int, field: str) -> bool | Awaitable[bool]:
    """Whether the viewer sees the person's ``field`` in clear (auth.rules.clear): at once when
    no statement is needed (the role's allow-list, a viewer who sees nobody in clear, a person
    already decided in this request), else the batched loader's answer to await."""
    # The column check only: building the rule's SQL on every field of every row would cost
    # more than the batched loader; whether the rule is false at all is asked once a request.
    if not rules.may_read(ctx.viewer, "persons", field):
        return False
    if ctx.once("persons.never_unmasked", lambda: rules.never_unmasked(ctx.viewer)):
        return False
    return load_soon(_unmasked_loader(ctx), person_id)


def _noted(ctx: Context, person_id: int, field: str, clear: bool) -> bool:
    """A yes is audited: the caller is about to show the field or something derived from it."""
    if clear:
        ctx.audit.read_in_clear(person_id, field)
    return clear


async def sees_in_clear(ctx: Context, person_id: int, field: str) -> bool:
    """Whether this viewer sees the person's ``field`` in clear; a yes is audited."""
    return _noted(ctx, person_id, field, await settled(_decision(ctx, person_id, field)))


async def derived_from_household(ctx: Context, person_id: int, value: Any) -> Any:
    """A value computed from the person's household (a location tier, a region): the value
    where the household is shown in clear, None elsewhere."""
    return value if await sees_in_clear(ctx, person_id, "household") else None


def _shown(ctx: Context, person_id: int, field: str, value: Any, clear: bool) -> Any:
    if _noted(ctx, person_id, field, clear):
        return value
    mask = rules.PERSONAL_FIELDS[field].mask
    return mask(value) if mask else None


def personal_value(ctx: Context, person: Person, field: str) -> Any:
    """``person.field`` as this viewer may see it: in clear (audited), masked, or None — the
    value itself when the masking decision is known (no future per row: issue 15), else an
    awaitable of it."""
    rules.require_read(ctx.viewer, "persons", field)
    value = getattr(person, STORED_AS.get(field, field))
    if value is None:
        return None
    decision = _decision(ctx, person.id, field)
    if isinstance(decision, bool):
        return _shown(ctx, person.id, field, value, decision)

    async def shown_later() -> Any:
        return _shown(ctx, person.id, field, value, await decision)

    return shown_later()


async def id_number_hmac(ctx: Context, person: Person) -> str | None:
    """The person key (models.people.id_number_hmac), for the federation gateway's own fetches
    only (a signed request: a client of the portal or of the API never reads it), and only where
    the viewer sees the ID number in clear: the key stands for the ID number, and a partner that
    holds the federation key could recover a masked one from it by trying every ID number."""
    if not ctx.from_gateway or person.id_number_hmac is None:
        return None
    source = rules.DERIVED_FIELDS["id_number_hmac"]
    return person.id_number_hmac if await sees_in_clear(ctx, person.id, source) else None


def _by_hmac_loader(ctx: Context):
    async def batch(keys):
        statement = select(Person).where(
            any_of(ctx, Person.id_number_hmac, keys),
            rules.rows(ctx.viewer, "persons"),
            rules.clear(ctx.viewer, rules.DERIVED_FIELDS["id_number_hmac"]),
        )
        found = {person.id_number_hmac: person for person in await ctx.session.scalars(statement)}
        return [found.get(key) for key in keys]

    return ctx.loader("persons.by_id_number_hmac", batch)


async def by_id_number_hmac(ctx: Context, key: Any) -> Person | None:
    """The federation key ``idNumberHmac``: the person with this key among those whose ID number
    the viewer sees in clear (a lookup by ID number, as ``auth.rules.argument`` holds every
    personal filter to), else None — unknown, outside the viewer's rows and masked alike."""
    source = rules.DERIVED_FIELDS["id_number_hmac"]
    if not isinstance(key, str) or not rules.may_read(ctx.viewer, "persons", source):
        return None
    return await _by_hmac_loader(ctx).load(key.strip().lower())


async def shown_audit_detail(ctx: Context, record: AuditRecord) -> dict[str, Any]:
    """An audit record's detail, its identity changes (before/after) shown as the subject's Person
    fields are to this viewer: absent outside the role's fields, in clear (audited) where the
    viewer sees that field of the person in clear, masked or null elsewhere."""
    detail = record.detail or {}
    if not detail.get("changes"):
        return detail
    shown = {}
    for name, change in detail["changes"].items():
        field = AUDITED_IDENTITY[name]
        if not rules.may_read(ctx.viewer, "persons", field):
            continue
        if record.subject_person_id is not None and await sees_in_clear(
            ctx, record.subject_person_id, field
        ):
            shown[name] = change
        else:
            mask = rules.PERSONAL_FIELDS[field].mask
            shown[name] = {
                side: mask(value) if mask and isinstance(value, str) else None
                for side, value in change.items()
            }
    return {**detail, "changes": shown}


async def household(ctx: Context, person: Person) -> Household | None:
    household_id = await settled(personal_value(ctx, person, "household"))
    return None if household_id is None else await one_by(ctx, Household.id).load(household_id)


def _ledger_filter(ledger: Ledger):
    if ledger == Ledger.INTENTIONS:
        return Person.id.in_(
            select(EnrolmentIntention.person_id).where(EnrolmentIntention.closed_on.is_(None))
        )
    if ledger == Ledger.STUDENTS:
        return Person.id.in_(
            select(StudentRecord.person_id).where(StudentRecord.status == StudentStatus.STUDYING)
        )
    if ledger == Ledger.GRADUATES:
        return or_(
            Person.id.in_(
                select(StudentRecord.person_id).where(
                    StudentRecord.status == StudentStatus.GRADUATED
                )
            ),
            Person.id.in_(select(EmploymentIntention.person_id)),
        )
    return None


def _households(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return Person.household_id.in_(select(Household.id).where(condition))


def _students(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return Person.id.in_(select(StudentRecord.person_id).where(condition))


def _flag(value: bool | None, condition: ColumnElement[bool]) -> ColumnElement[bool] | None:
    return None if value is None else (condition if value else ~condition)


def _search(viewer: Viewer, text: str) -> ColumnElement[bool]:
    """Part of a name, or a whole ID number where the viewer sees it in clear. (The argument's
    declared field, the name, holds the whole search to rows whose name is clear.)"""
    by_name = Person.name.icontains(text, autoescape=True)
    id_number = text.strip().upper()
    if not ric.is_valid(id_number):
        return by_name
    return or_(by_name, and_(rules.clear(viewer, "id_number"), Person.id_number == id_number))


def person_filters(
    viewer: Viewer,
    *,
    search: str | None = None,
    region: str | None = None,
    school_id: int | None = None,
    major: str | None = None,
    cohort_year: int | None = None,
    monitored: bool | None = None,
    relocated: bool | None = None,
    key_county: bool | None = None,
    seeking: bool | None = None,
) -> dict[str, ColumnElement[bool] | None]:
    """``PersonFilter``'s arguments as conditions on persons, by argument name."""
    key_counties = select(Region.code).where(Region.is_key_county)
    return {
        "search": _search(viewer, search) if search else None,
        "region": _households(in_region(Household.region_code, region)) if region else None,
        "school": _students(StudentRecord.school_id == school_id)
        if school_id is not None
        else None,
        "major": _students(StudentRecord.major_code == major) if major else None,
        "cohort_year": _students(StudentRecord.expected_graduation_year == cohort_year)
        if cohort_year is not None
        else None,
        "monitored": _flag(monitored, _households(Household.category.in_(MONITORED_CATEGORIES))),
        "relocated": _flag(relocated, _households(Household.relocated.is_(True))),
        "key_county": _flag(key_county, _households(Household.region_code.in_(key_counties))),
        "seeking": None
        if seeking is None
        else Person.id.in_(
            select(EmploymentIntention.person_id).where(EmploymentIntention.seeking.is_(seeking))
        ),
    }


def persons_statement(
    ctx: Context, ledger: Ledger = Ledger.ALL, *, sort: str = "name", **filters: Any
) -> Select:
    """The persons of a ledger the viewer may see, each filter and the sort held to the rows where
    the personal field it reads is clear (auth.rules.PERSONAL_ARGUMENTS)."""
    viewer = ctx.viewer
    conditions = [rules.rows(viewer, "persons"), _ledger_filter(ledger)] + [
        rules.argument(viewer, "PersonFilter", name, condition)
        for name, condition in person_filters(viewer, **filters).items()
        if condition is not None
    ]
    order = rules.sort_key(viewer, "PersonSort", sort, PERSON_SORTS[sort])
    return (
        select(Person).where(*(c for c in conditions if c is not None)).order_by(order, Person.id)
    )


async def persons(ctx: Context, first: int | None, after: str | None, **filters: Any) -> Page:
    """AccessDenied for a filter on a personal field the viewer sees on no row (auth.rules)."""
    return await paginate(ctx, persons_statement(ctx, **filters), first, after)


# --- writing: the ledgers --------------------------------------------------------------------
#
# No ledger write takes a person over (issue 11): a viewer changes only persons already inside its
# write rule. Anyone else — unknown, or someone else's — is answered as an unknown ID number is:
# every check that needs no stored person runs first and alike for both, and the household fields
# a new person needs are required for both, so the answer tells nothing about who is registered.
# A county bureau may create persons of its own region only; a school files a request that the
# person's current school or county bureau decides (resolvers.transfers).

AUDITED_IDENTITY = {
    "name": "name",
    "id_number": "id_number",
    "phone": "phone",
    "household_region": "household",
    "household_category": "household",
    "relocated": "household",
    "registration_number": "household",
}
"""Identity fields whose every change is audited with the value before and after, each with the
personal field (auth.rules.PERSONAL_FIELDS) that governs who reads the change in the log."""
NOT_IN_REGION = ("household_region", "NOT_IN_REGION", "户籍地须在本局辖区内。")


def id_number_of(identity: dict[str, Any]) -> str:
    return identity["id_number"].upper()


def _check_identity(identity: dict[str, Any]) -> None:
    checks = Checks()
    id_number = identity.get("id_number", "")
    checks.require(
        ric.is_valid(id_number),
        "id_number",
        "INVALID_ID_NUMBER",
        "身份证号无效（GB 11643：18 位，含校验码）。",
    )
    checks.require(bool(identity.get("name", "").strip()), "name", "REQUIRED", "请填写姓名。")
    phone = identity.get("phone")
    checks.require(
        phone is None or (phone.isdigit() and len(phone) == 11 and phone.startswith("1")),
        "phone",
        "INVALID_PHONE",
        "手机号应为以 1 开头的 11 位数字。",
    )
    if ric.is_valid(id_number):
        checks.require(
            ric.get_birth_date(id_number)
            == identity.get("birth_date", ric.get_birth_date(id_number)),
            "birth_date",
            "MISMATCH",
            "出生日期与身份证号中的不一致。",
        )
    checks.done()


async def _check_claimed_household(ctx: Context, identity: dict[str, Any]) -> None:
    """The household a person not yet the viewer's must be given with: a county and a category,
    or a household of the viewer's remit to join (a sibling's), whose county and category it takes."""
    if identity.get("household_id"):
        household = await households.household_in_remit(ctx, identity["household_id"])
        identity["household_region"] = household.region_code
        identity["household_category"] = household.category
        return
    checks = Checks()
    for name, label in (("household_region", "户籍地（县）"), ("household_category", "家庭类别")):
        checks.require(
            identity.get(name) is not None,
            name,
            "REQUIRED",
            f"{label}必填：此人还不是您已管理的人员。",
        )
    checks.done()
    region = await one_by(ctx, Region.code).load(identity["household_region"])
    if region is None or region.level != RegionLevel.COUNTY:
        raise reject("household_region", "UNKNOWN_REGION", "户籍地须为县级行政区划代码。")


async def writable_by_id_number(ctx: Context, identity: dict[str, Any]) -> Person | None:
    """The person with this ID number if the viewer may write them; otherwise None, whether the
    number is unknown or someone else's, once the claimed household has passed its checks."""
    _check_identity(identity)
    statement = select(Person).where(
        Person.id_number == id_number_of(identity), rules.writes(ctx.viewer, "persons")
    )
    person = (await ctx.session.scalars(statement)).first()
    if person is None:
        await _check_claimed_household(ctx, identity)
    return person


async def registered_person(ctx: Context, id_number: str) -> Person | None:
    """Whoever holds this ID number, whatever the viewer's rules: for the write side only."""
    return (await ctx.session.scalars(select(Person).where(Person.id_number == id_number))).first()


async def _identity_of(ctx: Context, person: Person) -> dict[str, Any]:
    household = await ctx.session.get(Household, person.household_id)
    assert household is not None  # persons.household_id is a foreign key
    return {
        "name": person.name,
        "id_number": person.id_number,
        "phone": person.phone,
        "household_region": household.region_code,
        "household_category": household.category.value,
        "relocated": household.relocated,
        "registration_number": household.registration_number,
    }


def _stage_identity_changes(ctx: Context, before: dict[str, Any], after: dict[str, Any]) -> None:
    changes = {
        name: {"before": before.get(name), "after": after[name]}
        for name in AUDITED_IDENTITY
        if before.get(name) != after[name]
    }
    if changes:
        ctx.audit.stage(changes=changes)


async def joined_household(ctx: Context, identity: dict[str, Any]) -> Household | None:
    """The existing household a new person of ``identity`` joins: the one named by
    ``household_id`` (of the viewer's remit), or the one of the claimed county holding the given
    registration number (户号); None: a household of their own."""
    if identity.get("household_id"):
        return await households.household_in_remit(ctx, identity["household_id"])
    return await households.registered_household(
        ctx,
        identity["household_region"],
        households.normalised_number(identity.get("registration_number")),
    )


async def _new_household(ctx: Context, identity: dict[str, Any]) -> Household:
    household = Household(
        region_code=identity["household_region"],
        category=HouseholdCategory(identity["household_category"]),
        relocated=bool(identity.get("relocated") or False),
        registration_number=households.normalised_number(identity.get("registration_number")),
    )
    ctx.session.add(household)
    await ctx.session.flush()
    households.record_category_change(
        ctx, household, household.category, today(), "登记", first=True
    )
    return household


async def create_person(
    ctx: Context, identity: dict[str, Any], household: Household | None = None
) -> Person:
    """A new person from ``identity`` (its household already checked), in ``household`` or in a
    new household of their own."""
    household = household or await _new_household(ctx, identity)
    id_number = id_number_of(identity)
    person = Person(
        name=identity["name"].strip(),
        id_number=id_number,
        phone=identity.get("phone"),
        # GB 11643: the 17th character is odd for men.
        gender=Gender.MALE if int(id_number[16]) % 2 else Gender.FEMALE,
        birth_date=ric.get_birth_date(id_number),
        household_id=household.id,
        education=identity.get("education") or "junior_middle",
        certificates=[],
    )
    ctx.session.add(person)
    await ctx.session.flush()
    _stage_identity_changes(ctx, {}, await _identity_of(ctx, person))
    return person


async def update_identity(
    ctx: Context, person: Person, identity: dict[str, Any], *, household: bool
) -> None:
    """Name, phone and education as given; the household too when ``household`` (the census's
    work: a school's claim about the family counts for a new person only). Audited before/after."""
    check_version(person.version, identity.get("version"))
    before = await _identity_of(ctx, person)
    if "name" in identity:
        person.name = identity["name"].strip()
    for name in ("phone", "education"):
        if name in identity:
            setattr(person, name, identity[name])
    if household:
        await _update_household(ctx, person, identity)
    await ctx.session.flush()
    _stage_identity_changes(ctx, before, await _identity_of(ctx, person))


async def _update_household(ctx: Context, person: Person, identity: dict[str, Any]) -> None:
    """The census's corrections: the person moves to a sibling's household (``household_id``),
    or their household's region, relocation and registration number are corrected; a category
    change is kept in the household's history (dated today, reason ``CENSUS_UPDATE_REASON``)."""
    if identity.get("household_id"):
        joined = await households.household_in_remit(ctx, identity["household_id"])
        person.household_id = joined.id
        return
    row = await ctx.session.get(Household, person.household_id)
    assert row is not None  # persons.household_id is a foreign key
    if identity.get("household_region") is not None:
        row.region_code = identity["household_region"]
    if identity.get("relocated") is not None:
        row.relocated = identity["relocated"]
    number = households.normalised_number(identity.get("registration_number"))
    if number is not None:
        row.registration_number = number
    category = identity.get("household_category")
    if category is not None and HouseholdCategory(category) != row.category:
        households.record_category_change(
            ctx, row, HouseholdCategory(category), today(), households.CENSUS_UPDATE_REASON
        )


def _require_in_my_region(ctx: Context, region_code: str | None) -> None:
    viewer = ctx.viewer
    bounds = (
        subtree_bounds(viewer.region_code or "", viewer.region_level)
        if viewer.region_level
        else None
    )
    if region_code is not None and bounds is not None and not bounds[0] <= region_code <= bounds[1]:
        raise reject(*NOT_IN_REGION)


def _ledger_row(existing: Any, model: type, person_id: int, values: dict[str, Any]) -> Any:
    row = existing or model(person_id=person_id)
    for name, value in values.items():
        setattr(row, name, value)
    return row


async def upsert_ledger(
    ctx: Context, model: type[Any], person: Person, values: dict[str, Any], *keys: str
) -> Any:
    """The person's row of a ledger (with the same ``keys`` values, e.g. the survey year), set
    to ``values``; created when there is none."""
    same = [getattr(model, key) == values[key] for key in keys]
    existing = (
        await ctx.session.scalars(select(model).where(model.person_id == person.id, *same))
    ).first()
    row = _ledger_row(existing, model, person.id, values)
    ctx.session.add(row)
    await ctx.session.flush()
    return row


async def _census_person(ctx: Context, identity: dict[str, Any]) -> Person:
    """The county's own person, updated; or a new one of its county. A person registered
    elsewhere gets the refusal of a claimed household outside the county, and nothing is written."""
    person = await writable_by_id_number(ctx, identity)
    _require_in_my_region(ctx, identity.get("household_region"))
    if person is not None:
        await update_identity(ctx, person, identity, household=True)
        return person
    if await registered_person(ctx, id_number_of(identity)) is not None:
        raise reject(*NOT_IN_REGION)
    household = await joined_household(ctx, identity)
    _require_in_my_region(ctx, household.region_code if household else None)
    return await create_person(ctx, identity, household)


async def upsert_enrolment_intention(
    ctx: Context, identity: dict[str, Any], values: dict[str, Any]
):
    """Ledger (a), kept by the county bureau's census for the persons of its county: one row per
    (person, survey year) — a new year adds a row, the same year corrects it."""

    async def work():
        _require_county(ctx)
        checks = Checks()
        checks.year(values.get("survey_year"), "survey_year", "摸底年份")
        households.check_registration_number(
            checks, households.normalised_number(identity.get("registration_number"))
        )
        checks.done()
        if values.get("preferred_school_id") is not None:
            values["preferred_school_id"] = key_of(
                values["preferred_school_id"], "Organisation", "preferred_school_id"
            )
        person = await _census_person(ctx, identity)
        return await upsert_ledger(ctx, EnrolmentIntention, person, values, "survey_year")

    return await attempt(ctx, "upsertEnrolmentIntention", work)


def _require_county(ctx: Context) -> None:
    if ctx.viewer.region_level != RegionLevel.COUNTY:
        raise reject(None, "COUNTY_ONLY", "摸底台账由县级乡村振兴局维护。")


CLOSE_REASON_LENGTH = 500


def check_closing(values: dict[str, Any]) -> None:
    """A ledger entry is closed on a date, not in the future, with a reason."""
    checks = Checks()
    reason = (values.get("reason") or "").strip()
    checks.require(bool(reason), "reason", "REQUIRED", "请填写注销原因。")
    checks.require(
        len(reason) <= CLOSE_REASON_LENGTH,
        "reason",
        "TOO_LONG",
        f"注销原因最多 {CLOSE_REASON_LENGTH} 个字。",
    )
    closed_on = values.get("closed_on")
    checks.require(closed_on is not None, "closed_on", "REQUIRED", "请填写注销日期。")
    checks.date_in_years(closed_on, "closed_on", "注销日期")
    checks.require(
        closed_on is None or closed_on <= today(),
        "closed_on",
        "IN_FUTURE",
        "注销日期不能晚于今天。",
    )
    checks.done()


async def close_census_entry(
    ctx: Context, person_global_id: str, values: dict[str, Any]
) -> Outcome[Person]:
    """The county bureau takes a child off its census (moved away, registered twice, ...): every
    open survey row of the person is closed with the date and reason; the rows stay."""

    async def work() -> Person:
        _require_county(ctx)
        check_closing(values)
        person = await writable_person(ctx, person_global_id)
        rows = list(
            await ctx.session.scalars(
                select(EnrolmentIntention).where(
                    EnrolmentIntention.person_id == person.id,
                    EnrolmentIntention.closed_on.is_(None),
                )
            )
        )
        if not rows:
            raise reject("person_id", "NOT_IN_LEDGER", "此人不在摸底台账中（或已注销）。")
        for row in rows:
            row.closed_on, row.close_reason = values["closed_on"], values["reason"].strip()
        await ctx.session.flush()
        return person

    return await attempt(ctx, "closeCensusEntry", work)


async def writable_person(ctx: Context, person_global_id: str) -> Person:
    person_id = key_of(person_global_id, "Person", "person_id")
    statement = select(Person).where(Person.id == person_id, rules.writes(ctx.viewer, "persons"))
    person = (await ctx.session.scalars(statement)).first()
    if person is None:
        raise reject("person_id", "NOT_FOUND", "在您管理的人员中没有找到此人。")
    return person


MAX_DESIRED = 5
"""Desired occupations, and desired regions, an intention names at most: a wish list, not a census."""
MAX_CERTIFICATES, CERTIFICATE_LENGTH = 20, 32


async def _check_intention_choices(ctx: Context, checks: Checks, values: dict[str, Any]) -> None:
    """The desired occupations and regions (catalogue codes, at most ``MAX_DESIRED`` each) and the
    person's certificates, each error naming its field."""
    for name, key, code, wish, meaning in (
        (
            "occupation_codes",
            Occupation.code,
            "UNKNOWN_OCCUPATION",
            "意向职业",
            "职业代码（GB/T 6565）",
        ),
        ("region_codes", Region.code, "UNKNOWN_REGION", "意向地区", "行政区划代码"),
    ):
        codes = values.get(name)
        if codes is None:
            continue
        checks.require(
            len(set(codes)) <= MAX_DESIRED, name, "TOO_MANY", f"{wish}最多选择 {MAX_DESIRED} 项。"
        )
        unknown = [
            c
            for c, found in zip(codes, await one_by(ctx, key).load_many(codes), strict=True)
            if found is None
        ]
        checks.require(not unknown, name, code, f"没有这些{meaning}：{'、'.join(unknown[:5])}。")
    certificates = values.get("certificates")
    if certificates is not None:
        checks.require(
            len(certificates) <= MAX_CERTIFICATES,
            "certificates",
            "TOO_MANY",
            f"证书最多填写 {MAX_CERTIFICATES} 项。",
        )
        checks.require(
            all(0 < len(c.strip()) <= CERTIFICATE_LENGTH for c in certificates),
            "certificates",
            "TOO_LONG",
            f"每项证书名称须为 1 至 {CERTIFICATE_LENGTH} 个字。",
        )


async def _set_links(
    ctx: Context, table: Any, intention_id: int, column: str, codes: list[str]
) -> None:
    """Replace the intention's rows of a link table. Matching reads these tables directly (its
    bands and the intention and location factors), so nothing derived needs refreshing here;
    the matching keys on the intention row are refreshed by its own flush (models.matching_keys)."""
    await ctx.session.execute(table.delete().where(table.c.intention_id == intention_id))
    if codes:
        await ctx.session.execute(
            insert(table),
            [{"intention_id": intention_id, column: code} for code in dict.fromkeys(codes)],
        )


async def upsert_employment_intention(ctx: Context, person_global_id: str, values: dict[str, Any]):
    """Ledger (c): the graduate's own intention, or the school's record of it. Desired
    occupations and regions, and the person's certificates, change only when given."""

    async def work():
        checks = Checks()
        checks.year(values.get("graduation_year"), "graduation_year", "毕业年份")
        salary = values.get("expected_salary")
        checks.require(
            salary is None or 0 <= salary <= 1_000_000,
            "expected_salary",
            "OUT_OF_RANGE",
            "期望月薪（元）应在 0 至 1,000,000 之间。",
        )
        await _check_intention_choices(ctx, checks, values)
        checks.done()
        person = await writable_person(ctx, person_global_id)
        occupations, regions = (
            values.pop("occupation_codes", None),
            values.pop("region_codes", None),
        )
        certificates = values.pop("certificates", None)
        if certificates is not None:
            person.certificates = list(dict.fromkeys(c.strip() for c in certificates))
        intention = await upsert_ledger(ctx, EmploymentIntention, person, values)
        if occupations is not None:
            await _set_links(
                ctx, employment_intention_occupations, intention.id, "occupation_code", occupations
            )
        if regions is not None:
            await _set_links(
                ctx, employment_intention_regions, intention.id, "region_code", regions
            )
        return intention

    return await attempt(ctx, "upsertEmploymentIntention", work)


async def set_consent(ctx: Context, consent: bool, version: int | None):
    """The graduate's switch: may enterprises and agencies see me unmasked as a candidate?"""

    async def work():
        person = await ctx.session.get(Person, ctx.viewer.person_id)
        if person is None:
            raise reject(None, "NOT_FOUND", "没有找到您的个人档案。")
        check_version(person.version, version)
        person.consent_to_share = consent
        await ctx.session.flush()
        return person

    return await attempt(ctx, "setConsent", work)
