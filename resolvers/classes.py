"""Targeted (定向班), customised (定制班) and short training classes: school and enterprise run
them together; enrolment means a job (招生即招工), so seats and reserved positions are tracked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, insert, select, update

from auth import rules
from models.catalogue import Major
from models.classes import ClassKind, Enrolment, TrainingClass, class_reserved_positions
from models.organisations import Organisation, OrganisationKind
from models.positions import Position
from resolvers.batching import one_by
from resolvers.context import Context
from resolvers.outcomes import Checks, Outcome, attempt, check_version, key_of, reject
from resolvers.pagination import Page, paginate
from resolvers.people import writable_person
from resolvers.regions import in_region

CLASS_SORTS = {
    "newest": (TrainingClass.created_at.desc(),),
    "starts": (TrainingClass.starts_on,),
    "name": (TrainingClass.name,),
}


def classes_statement(
    ctx: Context,
    *,
    school_id: int | None = None,
    enterprise_id: int | None = None,
    kind: str | None = None,
    major: str | None = None,
    cohort_year: int | None = None,
    region: str | None = None,
    search: str | None = None,
    sort: str = "newest",
) -> Select:
    conditions = [rules.rows(ctx.viewer, "training_classes")]
    if school_id is not None:
        conditions.append(TrainingClass.school_id == school_id)
    if enterprise_id is not None:
        conditions.append(TrainingClass.enterprise_id == enterprise_id)
    if kind:
        conditions.append(TrainingClass.kind == kind)
    if major:
        conditions.append(TrainingClass.major_code == major)
    if cohort_year is not None:
        conditions.append(TrainingClass.cohort_year == cohort_year)
    if region:
        conditions.append(
            TrainingClass.school_id.in_(
                select(Organisation.id).where(in_region(Organisation.region_code, region))
            )
        )
    if search:
        conditions.append(TrainingClass.name.icontains(search, autoescape=True))
    return select(TrainingClass).where(*conditions).order_by(*CLASS_SORTS[sort], TrainingClass.id)


async def classes(ctx: Context, first: int | None, after: str | None, **filters: Any) -> Page:
    return await paginate(ctx, classes_statement(ctx, **filters), first, after)


# --- writing ---------------------------------------------------------------------------------


async def _validate(
    ctx: Context, values: dict[str, Any], current: TrainingClass | None = None
) -> None:
    checks = Checks()
    columns = ("name", "kind", "seats", "enrolled", "starts_on", "ends_on", "enterprise_id")
    merged = {name: getattr(current, name) for name in columns} if current else {"enrolled": 0}
    merged.update(values)
    checks.require(
        bool(str(merged.get("name", "")).strip()), "name", "REQUIRED", "请填写班级名称。"
    )
    checks.require(
        merged["enrolled"] <= merged["seats"] <= 10_000,
        "seats",
        "OUT_OF_RANGE",
        "名额须在已编班人数至 10,000 之间。",
    )
    checks.year(values.get("cohort_year"), "cohort_year", "届别（入学年份）")
    checks.date_in_years(values.get("starts_on"), "starts_on", "开班日期")
    checks.date_in_years(values.get("ends_on"), "ends_on", "结班日期")
    checks.require(
        merged["starts_on"] <= merged["ends_on"],
        "ends_on",
        "DATE_RANGE",
        "结班日期不能早于开班日期。",
    )
    checks.require(
        merged["kind"] == ClassKind.SHORT_TRAINING or merged.get("enterprise_id") is not None,
        "enterprise_id",
        "PARTNER_REQUIRED",
        "定向班和订单班须选择合作企业。",
    )
    if merged.get("enterprise_id") is not None:
        partner = await one_by(ctx, Organisation.id).load(merged["enterprise_id"])
        checks.require(
            partner is not None and partner.kind == OrganisationKind.ENTERPRISE,
            "enterprise_id",
            "NOT_AN_ENTERPRISE",
            "合作单位须为联盟内的企业。",
        )
    if values.get("major_code"):
        checks.require(
            await one_by(ctx, Major.code).load(values["major_code"]) is not None,
            "major_code",
            "UNKNOWN_MAJOR",
            "专业目录中没有该专业。",
        )
    checks.done()


def _decode_partner(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("enterprise_id") is not None:
        values["enterprise_id"] = key_of(values["enterprise_id"], "Organisation", "enterprise_id")
    return values


async def create_class(ctx: Context, values: dict[str, Any]) -> Outcome[TrainingClass]:
    async def work() -> TrainingClass:
        await _validate(ctx, _decode_partner(values))
        training_class = TrainingClass(school_id=ctx.viewer.organisation_id, enrolled=0, **values)
        ctx.session.add(training_class)
        await ctx.session.flush()
        return training_class

    return await attempt(ctx, "createClass", work)


async def _writable_class(
    ctx: Context, class_global_id: str, version: int | None, field: str = "id"
) -> TrainingClass:
    class_id = key_of(class_global_id, "TrainingClass", field)
    statement = select(TrainingClass).where(
        TrainingClass.id == class_id, rules.writes(ctx.viewer, "training_classes")
    )
    training_class = (await ctx.session.scalars(statement)).first()
    if training_class is None:
        raise reject(field, "NOT_FOUND", "在您的班级中没有找到该班级。")
    check_version(training_class.version, version)
    return training_class


async def update_class(
    ctx: Context, class_global_id: str, version: int, values: dict[str, Any]
) -> Outcome[TrainingClass]:
    async def work() -> TrainingClass:
        training_class = await _writable_class(ctx, class_global_id, version)
        await _validate(ctx, _decode_partner(values), training_class)
        for name, value in values.items():
            setattr(training_class, name, value)
        await ctx.session.flush()
        return training_class

    return await attempt(ctx, "updateClass", work)


async def _take_seat(ctx: Context, class_id: int) -> None:
    # Same pattern as a position's headcount: one conditional UPDATE, safe under concurrency.
    statement = (
        update(TrainingClass)
        .where(TrainingClass.id == class_id, TrainingClass.enrolled < TrainingClass.seats)
        .values(enrolled=TrainingClass.enrolled + 1, version=TrainingClass.version + 1)
        .returning(TrainingClass.id)
    )
    if (await ctx.session.execute(statement)).first() is None:
        raise reject("class_id", "CLASS_FULL", "该班级名额已满。")


async def enrol_student(
    ctx: Context, class_global_id: str, person_global_id: str
) -> Outcome[Enrolment]:
    async def work() -> Enrolment:
        training_class = await _writable_class(ctx, class_global_id, None, "class_id")
        person_id = key_of(person_global_id, "Person", "person_id")
        await writable_person(ctx, person_global_id)
        already = select(Enrolment.id).where(
            Enrolment.class_id == training_class.id, Enrolment.person_id == person_id
        )
        if await ctx.session.scalar(already) is not None:
            raise reject("person_id", "ALREADY_ENROLLED", "该学生已在本班。")
        await _take_seat(ctx, training_class.id)
        enrolment = Enrolment(class_id=training_class.id, person_id=person_id)
        ctx.session.add(enrolment)
        await ctx.session.flush()
        return enrolment

    return await attempt(ctx, "enrolStudent", work)


async def reserve_positions(
    ctx: Context, class_global_id: str, position_global_ids: Sequence[str]
) -> Outcome[TrainingClass]:
    """Positions kept for the class's graduates: the partner enterprise's own positions only."""

    async def work() -> TrainingClass:
        training_class = await _writable_class(ctx, class_global_id, None)
        position_ids = {key_of(g, "Position", "position_ids") for g in position_global_ids}
        owned = set(
            await ctx.session.scalars(
                select(Position.id).where(
                    Position.id.in_(position_ids),
                    Position.enterprise_id == training_class.enterprise_id,
                )
            )
        )
        if owned != position_ids:
            raise reject("position_ids", "NOT_PARTNER_POSITION", "只能预留合作企业的岗位。")
        reserved = set(
            await ctx.session.scalars(
                select(class_reserved_positions.c.position_id).where(
                    class_reserved_positions.c.class_id == training_class.id
                )
            )
        )
        new = [
            {"class_id": training_class.id, "position_id": p}
            for p in sorted(position_ids - reserved)
        ]
        if new:
            await ctx.session.execute(insert(class_reserved_positions), new)
        return training_class

    return await attempt(ctx, "reserveClassPositions", work)
