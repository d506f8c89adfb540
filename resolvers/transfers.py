"""Ledger (b) writes: a school updates its own students and asks for everyone else (issue 11).

A school's ``upsertStudentRecord`` about a person it does not hold — an unknown ID number,
another school's student, a census child, a graduate — files a pending request and changes
nothing stored; the answer is the same whoever holds the number. The person's current school
or the county bureau of the household's region (of the claimed region, for a new person)
decides it (auth.rules ``decides_transfers``); accepting moves or creates the record (keeping the
one it replaced on the request) and, for a new person, creates the household and person.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from auth import rules
from models.catalogue import Major
from models.organisations import Role
from models.people import Person, StudentRecord, StudentStatus
from models.regions import RegionLevel
from models.transfers import StudentTransfer, TransferState
from resolvers import people
from resolvers.batching import one_by
from resolvers.context import Context
from resolvers.outcomes import Checks, attempt, key_of, reject
from resolvers.pagination import Page, paginate

RECORD_FIELDS = ("major_code", "entry_year", "expected_graduation_year")
TYPED_IDENTITY = ("name", "phone", "education", "household_category", "relocated")
"""What a request keeps of the identity as typed, as JSON; the ID number and the claimed region
have columns of their own (``TYPED_COLUMNS``), as the deciders' rules select on them."""
TYPED_COLUMNS = {"id_number": "id_number", "household_region": "claimed_region_code"}


async def _check_record(ctx: Context, values: dict[str, Any]) -> None:
    checks = Checks()
    checks.year(values["entry_year"], "entry_year", "入学年份")
    checks.year(values["expected_graduation_year"], "expected_graduation_year", "预计毕业年份")
    checks.require(
        values["entry_year"] <= values["expected_graduation_year"],
        "expected_graduation_year",
        "BEFORE_ENTRY",
        "毕业年份不能早于入学年份。",
    )
    checks.require(
        await one_by(ctx, Major.code).load(values["major_code"]) is not None,
        "major_code",
        "UNKNOWN_MAJOR",
        "专业目录中没有该专业。",
    )
    checks.done()


async def _set_record(
    ctx: Context, person: Person, school_id: int, values: dict[str, Any]
) -> StudentRecord:
    return await people.upsert_ledger(
        ctx, StudentRecord, person, {**values, "school_id": school_id}
    )


def _typed_identity(identity: dict[str, Any]) -> dict[str, Any]:
    typed = {name: identity.get(name) for name in TYPED_IDENTITY}
    typed["name"] = identity["name"].strip()
    typed["relocated"] = bool(typed["relocated"])
    return {name: getattr(value, "value", value) for name, value in typed.items()}


async def _file(ctx: Context, identity: dict[str, Any], values: dict[str, Any]) -> StudentTransfer:
    """The school's pending request for this ID number: new, or its earlier one refiled."""
    school_id, id_number = ctx.viewer.organisation_id, people.id_number_of(identity)
    pending = select(StudentTransfer).where(
        StudentTransfer.requesting_school_id == school_id,
        StudentTransfer.id_number == id_number,
        StudentTransfer.state == TransferState.PENDING,
    )
    transfer = (await ctx.session.scalars(pending)).first() or StudentTransfer(
        requesting_school_id=school_id, id_number=id_number, state=TransferState.PENDING
    )
    registered = await people.registered_person(ctx, id_number)
    transfer.person_id = registered.id if registered else None
    transfer.identity = _typed_identity(identity)
    transfer.claimed_region_code = identity["household_region"]
    for name in RECORD_FIELDS:
        setattr(transfer, name, values[name])
    transfer.record_status = values.get("status", StudentStatus.STUDYING)
    ctx.session.add(transfer)
    await ctx.session.flush()
    return transfer


async def upsert_student_record(ctx: Context, identity: dict[str, Any], values: dict[str, Any]):
    """The school's own student updated (identity audited before/after); anyone else: a request."""

    async def work():
        await _check_record(ctx, values)
        person = await people.writable_by_id_number(ctx, identity)
        if person is None:
            return await _file(ctx, identity, values)
        await people.update_identity(ctx, person, identity, household=False)
        assert ctx.viewer.organisation_id is not None  # only schools upsert student records
        return await _set_record(ctx, person, ctx.viewer.organisation_id, values)

    return await attempt(ctx, "upsertStudentRecord", work)


# --- deciding ----------------------------------------------------------------------------------


async def _decidable(ctx: Context, transfer_id: int) -> StudentTransfer:
    viewer = ctx.viewer
    if viewer.role == Role.BUREAU and viewer.region_level != RegionLevel.COUNTY:
        raise reject(
            None, "COUNTY_ONLY", "转学与入学申请由学生现就读学校或户籍地县级乡村振兴局审批。"
        )
    statement = select(StudentTransfer).where(
        StudentTransfer.id == transfer_id, rules.decides_transfers(viewer)
    )
    transfer = (await ctx.session.scalars(statement)).first()
    if transfer is not None:
        return transfer
    own = select(StudentTransfer.id).where(
        StudentTransfer.id == transfer_id, rules.filed_transfers(viewer)
    )
    if await ctx.session.scalar(own) is not None:
        raise reject("id", "OWN_REQUEST", "不能审批本校提交的申请。")
    raise reject("id", "NOT_FOUND", "没有找到您可审批的申请。")


async def _accept(ctx: Context, transfer: StudentTransfer) -> None:
    person = await people.registered_person(ctx, transfer.id_number)
    if person is None:
        person = await people.create_person(
            ctx,
            {
                **transfer.identity,
                "id_number": transfer.id_number,
                "household_region": transfer.claimed_region_code,
            },
        )
    current = (
        await ctx.session.scalars(select(StudentRecord).where(StudentRecord.person_id == person.id))
    ).first()
    if current is not None:
        transfer.replaced_record = {
            "school_id": current.school_id,
            "status": current.status.value,
            **{name: getattr(current, name) for name in RECORD_FIELDS},
        }
    values = {name: getattr(transfer, name) for name in RECORD_FIELDS}
    await _set_record(
        ctx, person, transfer.requesting_school_id, {**values, "status": transfer.record_status}
    )
    transfer.person_id = person.id


async def decide_student_transfer(
    ctx: Context, transfer_global_id: str, accept: bool, reason: str | None
):
    """Accept (the record moves or is created) or decline (nothing changes, a reason is given)."""

    async def work():
        transfer = await _decidable(ctx, key_of(transfer_global_id, "StudentTransfer", "id"))
        if transfer.state != TransferState.PENDING:
            raise reject("id", "ALREADY_DECIDED", "该申请已审批。")
        if not accept and not (reason or "").strip():
            raise reject("reason", "REQUIRED", "不同意时请说明理由。")
        if accept:
            await _accept(ctx, transfer)
        transfer.state = TransferState.ACCEPTED if accept else TransferState.DECLINED
        transfer.reason = (reason or "").strip() or None
        transfer.decided_by_user_id = ctx.viewer.user_id
        transfer.decided_by_organisation_id = ctx.viewer.organisation_id
        transfer.decided_at = datetime.now(UTC)
        await ctx.session.flush()
        return transfer

    return await attempt(ctx, "decideStudentTransfer", work)


# --- reading -----------------------------------------------------------------------------------

TRANSFER_READERS = frozenset({Role.SCHOOL, Role.BUREAU})


async def student_transfers(
    ctx: Context,
    first: int | None,
    after: str | None,
    *,
    to_decide: bool,
    state: TransferState | None,
) -> Page:
    """The requests the viewer may decide, or the ones its school filed; newest first."""
    if ctx.viewer.role not in TRANSFER_READERS:
        raise rules.denial(ctx.viewer)
    conditions = [
        rules.decides_transfers(ctx.viewer) if to_decide else rules.filed_transfers(ctx.viewer)
    ]
    if state is not None:
        conditions.append(StudentTransfer.state == state)
    statement = (
        select(StudentTransfer)
        .where(*conditions)
        .order_by(StudentTransfer.created_at.desc(), StudentTransfer.id.desc())
    )
    return await paginate(ctx, statement, first, after)


def typed_value(ctx: Context, transfer: StudentTransfer, field: str) -> Any:
    """The identity as the requesting school typed it. Its personal fields are masked (or null)
    for a token without ``personal:read``; to a decider, a clear one is a read of personal data
    about the person concerned (audited when that person is known)."""
    column = TYPED_COLUMNS.get(field)
    value = getattr(transfer, column) if column else transfer.identity.get(field)
    personal = people.AUDITED_IDENTITY.get(field)
    if value is None or personal is None:
        return value
    if not rules.sees_typed_identity(ctx.viewer):
        mask = rules.PERSONAL_FIELDS[personal].mask
        return mask(value) if mask else None
    if transfer.requesting_school_id != ctx.viewer.organisation_id and transfer.person_id:
        ctx.audit.read_in_clear(transfer.person_id, personal)
    return value
