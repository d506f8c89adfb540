"""Households (户): siblings share one. Found by registration number (户号) or a member's ID
number, within the viewer's remit only (auth.rules ``households`` and ``HouseholdLookup``); the
category is changed by the county bureau of the household's region only, with a date and a
reason, and every change is kept (``household_category_changes``).

The same functions serve the API's mutations and the ledgers' Excel import.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, select
from stdnum.cn import ric

from auth import rules
from models.people import (
    REGISTRATION_NUMBER_LENGTH,
    Household,
    HouseholdCategory,
    HouseholdCategoryChange,
    Person,
)
from resolvers.context import Context
from resolvers.outcomes import Checks, Outcome, attempt, key_of, reject, today

MAX_FOUND = 20
"""Households a lookup answers at most: one number names one household per county."""
REASON_LENGTH = 500
CENSUS_UPDATE_REASON = "摸底台账更新"
"""The reason recorded when a census write (a ledger row, an import) changes the category."""
NO_HOUSEHOLD = ("household_id", "NOT_FOUND", "在您管理的家庭中没有找到该户。")


def normalised_number(number: str | None) -> str | None:
    text = (number or "").strip()
    return text or None


def _members_where(viewer: Any, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return Household.id.in_(
        select(Person.household_id).where(rules.rows(viewer, "persons"), condition)
    )


def lookup_statement(
    ctx: Context, *, registration_number: str | None = None, id_number: str | None = None
) -> Any:
    """Households the viewer may see matching the given number(s); each argument holds only on
    members whose field it reads is clear (auth.rules.PERSONAL_ARGUMENTS['HouseholdLookup'])."""
    viewer = ctx.viewer
    conditions = [rules.households(viewer)]
    number = normalised_number(registration_number)
    if number is not None:
        by_number = Person.household_id.in_(
            select(Household.id).where(Household.registration_number == number)
        )
        conditions.append(
            _members_where(
                viewer,
                rules.argument(viewer, "HouseholdLookup", "registration_number", by_number),
            )
        )
    if id_number is not None:
        wanted = id_number.strip().upper()
        conditions.append(
            _members_where(
                viewer,
                rules.argument(viewer, "HouseholdLookup", "id_number", Person.id_number == wanted),
            )
        )
    return select(Household).where(*conditions).order_by(Household.region_code, Household.id)


async def find_households(
    ctx: Context, *, registration_number: str | None = None, id_number: str | None = None
) -> list[Household]:
    """At most ``MAX_FOUND`` households of the viewer's remit; nothing (never an error naming
    the number) outside it. An ID number that is not valid under GB 11643 finds nothing."""
    rules.households(ctx.viewer)  # FORBIDDEN for a viewer that sees no household in clear
    if normalised_number(registration_number) is None and not id_number:
        return []
    if id_number is not None and not ric.is_valid(id_number.strip().upper()):
        return []
    statement = lookup_statement(
        ctx, registration_number=registration_number, id_number=id_number
    ).limit(MAX_FOUND)
    return list(await ctx.session.scalars(statement))


async def household_in_remit(ctx: Context, household_global_id: str) -> Household:
    """The household the viewer names to add a person to: one it may see (a member's household
    in clear), else NOT_FOUND — whether or not it exists."""
    household_id = key_of(household_global_id, "Household", "household_id")
    statement = select(Household).where(Household.id == household_id, rules.households(ctx.viewer))
    household = (await ctx.session.scalars(statement)).first()
    if household is None:
        raise reject(*NO_HOUSEHOLD)
    return household


async def registered_household(
    ctx: Context, region_code: str, number: str | None
) -> Household | None:
    """The household of ``region_code`` holding this registration number, whatever the viewer's
    rules: for the census and an accepted request only (both act for the county)."""
    if number is None:
        return None
    statement = select(Household).where(
        Household.region_code == region_code, Household.registration_number == number
    )
    return (await ctx.session.scalars(statement)).first()


def record_category_change(
    ctx: Context,
    household: Household,
    category: HouseholdCategory,
    changed_on: date,
    reason: str,
    *,
    first: bool = False,
) -> HouseholdCategoryChange:
    """Set the household's current category and keep the change (``first``: the category a new
    household is registered with, from nothing)."""
    change = HouseholdCategoryChange(
        household_id=household.id,
        from_category=None if first else household.category,
        to_category=category,
        changed_on=changed_on,
        reason=reason,
        changed_by_user_id=ctx.viewer.user_id,
        changed_by_organisation_id=ctx.viewer.organisation_id,
    )
    household.category = category
    ctx.session.add(change)
    return change


def _check_change(values: dict[str, Any]) -> None:
    checks = Checks()
    reason = (values.get("reason") or "").strip()
    checks.require(bool(reason), "reason", "REQUIRED", "请填写家庭类别变更的原因。")
    checks.require(
        len(reason) <= REASON_LENGTH,
        "reason",
        "TOO_LONG",
        f"变更原因最多 {REASON_LENGTH} 个字。",
    )
    changed_on = values.get("changed_on")
    checks.require(changed_on is not None, "changed_on", "REQUIRED", "请填写变更（认定）日期。")
    checks.date_in_years(changed_on, "changed_on", "变更日期")
    checks.require(
        changed_on is None or changed_on <= today(),
        "changed_on",
        "IN_FUTURE",
        "变更日期不能晚于今天。",
    )
    checks.done()


async def change_household_category(
    ctx: Context, household_global_id: str, values: dict[str, Any]
) -> Outcome[Household]:
    """The county bureau of the household's region sets its category (``category``,
    ``changed_on``, ``reason``); the change is kept and audited. Anyone else: NOT_FOUND."""

    async def work() -> Household:
        _check_change(values)
        household_id = key_of(household_global_id, "Household", "household_id")
        statement = select(Household).where(
            Household.id == household_id, rules.writes_households(ctx.viewer)
        )
        household = (await ctx.session.scalars(statement)).first()
        if household is None:
            raise reject("household_id", "NOT_FOUND", "本县没有该户。")
        category = HouseholdCategory(values["category"])
        if category == household.category:
            raise reject("category", "NO_CHANGE", "家庭类别与当前类别相同。")
        record_category_change(
            ctx, household, category, values["changed_on"], values["reason"].strip()
        )
        await ctx.session.flush()
        return household

    return await attempt(ctx, "changeHouseholdCategory", work)


def check_registration_number(checks: Checks, number: str | None) -> None:
    checks.require(
        number is None or len(number) <= REGISTRATION_NUMBER_LENGTH,
        "registration_number",
        "TOO_LONG",
        f"户号最多 {REGISTRATION_NUMBER_LENGTH} 个字符。",
    )
