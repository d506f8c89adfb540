"""After the hire: employment records (with the location tier), follow-ups and assistance cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, extract, select

from auth import rules
from models.tracking import EmploymentRecord
from resolvers.context import Context
from resolvers.pagination import Page, paginate
from resolvers.regions import in_region

EMPLOYMENT_SORTS = {"newest": (EmploymentRecord.start_date.desc(),), "income": (EmploymentRecord.monthly_income.desc(),)}


def employment_records_statement(ctx: Context, *, region: str | None = None, employer_id: int | None = None,
                                 person_id: int | None = None, location_tier: str | None = None,
                                 start_year: int | None = None, current: bool | None = None,
                                 sort: str = "newest") -> Select:
    conditions = [rules.rows(ctx.viewer, "employment_records")]
    if region:
        conditions.append(in_region(EmploymentRecord.work_region_code, region))
    if employer_id is not None:
        conditions.append(EmploymentRecord.employer_id == employer_id)
    if person_id is not None:
        conditions.append(EmploymentRecord.person_id == person_id)
    if location_tier:
        conditions.append(EmploymentRecord.location_tier == location_tier)
    if start_year is not None:
        conditions.append(extract("year", EmploymentRecord.start_date) == start_year)
    if current is not None:
        conditions.append(EmploymentRecord.end_date.is_(None) if current else EmploymentRecord.end_date.is_not(None))
    return select(EmploymentRecord).where(*conditions).order_by(*EMPLOYMENT_SORTS[sort], EmploymentRecord.id)


async def employment_records(ctx: Context, first: int | None, after: str | None, **filters: Any) -> Page:
    return await paginate(ctx, employment_records_statement(ctx, **filters), first, after)
