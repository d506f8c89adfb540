"""Mutation outcomes: the result or the user errors, and a write that fails leaves no trace.

Every mutation runs through ``attempt``: the role must be allowed to call it (else a GraphQL
error, FORBIDDEN / UNAUTHENTICATED), the work runs inside a savepoint, and any user error —
raised as ``Rejected`` by validation, or a database constraint or version conflict — rolls the
savepoint back and comes back as ``errors`` in the payload. Both outcomes are audited.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from auth import rules
from models import errors as constraint_errors
from models.lengths import ValueTooLong
from models.organisations import Organisation
from models.people import Person
from resolvers.context import Context, SerialSession
from resolvers.ids import InvalidId, decode_id

T = TypeVar("T")

CHINA = ZoneInfo("Asia/Shanghai")
EARLIEST_YEAR = 2000  # 雨露计划 began in 2004: no ledger year, class or position is older
YEARS_AHEAD = 6  # a student entering this year finishes 中职 and 高职专科 within six years


def today() -> date:
    """The date in China, where every county office is: a follow-up of this morning is today's."""
    return datetime.now(CHINA).date()


def sane_years() -> tuple[int, int]:
    """The years a ledger, class, fair or position may name: a typo such as 1899 or 2205 is refused."""
    return EARLIEST_YEAR, today().year + YEARS_AHEAD


@dataclass(frozen=True)
class UserError:
    field: str | None
    code: str
    message: str


class Rejected(Exception):
    def __init__(self, *errors: UserError) -> None:
        super().__init__(errors[0].message)
        self.errors = list(errors)


@dataclass
class Outcome(Generic[T]):
    result: T | None = None
    errors: list[UserError] = field(default_factory=list)


def camel(name: str) -> str:
    """The GraphQL spelling of an input field, so errors name the field the client sent."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def reject(field_name: str | None, code: str, message: str) -> Rejected:
    return Rejected(UserError(camel(field_name) if field_name else None, code, message))


class Checks:
    """Collects every validation failure of an input, so the client sees all of them at once."""

    def __init__(self) -> None:
        self.errors: list[UserError] = []

    def require(self, condition: bool, field_name: str, code: str, message: str) -> None:
        if not condition:
            self.errors.append(UserError(camel(field_name), code, message))

    def year(self, value: int | None, field_name: str, label: str) -> None:
        """``label`` is the field as the form calls it (毕业年份), so the message names it."""
        low, high = sane_years()
        self.require(
            value is None or low <= value <= high,
            field_name,
            "YEAR_RANGE",
            f"{label}须在 {low} 至 {high} 之间。",
        )

    def date_in_years(self, value: date | None, field_name: str, label: str) -> None:
        low, high = sane_years()
        self.require(
            value is None or low <= value.year <= high,
            field_name,
            "YEAR_RANGE",
            f"{label}须在 {low} 年至 {high} 年之间。",
        )

    def done(self) -> None:
        if self.errors:
            raise Rejected(*self.errors)


def key_of(global_id: str, type_name: str, field_name: str) -> int:
    try:
        return decode_id(global_id, type_name)
    except InvalidId as error:
        raise reject(field_name, "INVALID_ID", str(error)) from error


def check_version(current: int, expected: int | None) -> None:
    """Optimistic concurrency: the client must have read the version it is changing."""
    if expected is not None and expected != current:
        raise reject(
            "version", "STALE_VERSION", f"数据已被他人修改（当前版本 {current}），请刷新后重试。"
        )


def _conflict(error: IntegrityError) -> UserError:
    """The field and rule of the constraint the database enforced (on both databases); the raw
    driver message stays server-side."""
    violation = constraint_errors.describe(error)
    return UserError(violation.field or None, violation.code, violation.message)


async def attempt(
    ctx: Context, name: str, work: Callable[[], Awaitable[T]], **audit: Any
) -> Outcome[T]:
    rules.require_mutation(ctx.viewer, name)
    assert isinstance(ctx.session, SerialSession)  # what Context makes of any session
    await ctx.session.lock_for_writing()
    if rules.needs_approved_membership(ctx.viewer, name):
        membership = await ctx.session.scalar(
            select(Organisation.membership).where(Organisation.id == ctx.viewer.organisation_id)
        )
        rules.require_approved_membership(ctx.viewer, name, membership)
    ctx.audit.take_staged()
    try:
        async with ctx.session.begin_nested():
            result = await work()
    except Rejected as rejected:
        errors = rejected.errors
    except IntegrityError as error:
        errors = [_conflict(error)]
    except StaleDataError:
        errors = [UserError("version", "STALE_VERSION", "数据已被他人修改，请刷新后重试。")]
    except ValueTooLong as error:
        errors = [UserError(camel(error.attribute), "TOO_LONG", f"最多 {error.limit} 个字符。")]
    else:
        ctx.audit.mutated(name, True, **_audit_subject(result), **audit, **ctx.audit.take_staged())
        return Outcome(result)
    ctx.audit.take_staged()  # rolled back with the savepoint: nothing of it happened
    ctx.audit.mutated(name, False, codes=[e.code for e in errors], **audit)
    return Outcome(errors=errors)


def _audit_subject(result: Any) -> dict[str, Any]:
    """Which person and region a successful mutation touched, for the bureau's view of the log."""
    person_id = result.id if isinstance(result, Person) else getattr(result, "person_id", None)
    region = getattr(result, "region_code", None)
    return {
        "subject_person_id": person_id,
        "region_code": region,
        "record_id": getattr(result, "id", None),
    }
