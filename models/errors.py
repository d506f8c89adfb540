"""Turn the database's own constraint errors into messages a person can act on.

Both databases name the violated constraint (our naming convention makes the names stable);
this maps a name to the field it guards and the rule it enforces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError


@dataclass(frozen=True)
class ConstraintViolation:
    field: str
    code: str
    message: str


RULES: dict[str, ConstraintViolation] = {
    "uq_persons_id_number": ConstraintViolation(
        "idNumber", "DUPLICATE", "该身份证号已登记（身份证号不能重复）"
    ),
    "uq_organisations_credit_code": ConstraintViolation(
        "creditCode", "DUPLICATE", "该统一社会信用代码已登记"
    ),
    "uq_users_username": ConstraintViolation("username", "DUPLICATE", "用户名已存在"),
    "uq_applications_person_id_position_id": ConstraintViolation(
        "positionId", "DUPLICATE", "已向该岗位投递或推荐过"
    ),
    "uq_enrolments_class_id_person_id": ConstraintViolation(
        "personId", "DUPLICATE", "该学生已在本班"
    ),
    "ck_positions_salary_range": ConstraintViolation(
        "salaryMin", "SALARY_RANGE", "最低薪资不能高于最高薪资，且不能为负"
    ),
    "ck_positions_headcount_not_negative": ConstraintViolation(
        "headcount", "NEGATIVE", "招聘人数不能为负"
    ),
    "ck_positions_within_headcount": ConstraintViolation(
        "headcount", "HEADCOUNT_EXCEEDED", "已录用人数不能超过招聘人数"
    ),
    "ck_positions_validity_range": ConstraintViolation(
        "validUntil", "DATE_RANGE", "有效期结束日期不能早于开始日期"
    ),
    "ck_training_classes_seats_not_negative": ConstraintViolation(
        "seats", "NEGATIVE", "名额不能为负"
    ),
    "ck_training_classes_within_seats": ConstraintViolation(
        "seats", "SEATS_EXCEEDED", "报名人数不能超过名额"
    ),
    "ck_training_classes_date_range": ConstraintViolation(
        "endsOn", "DATE_RANGE", "结束日期不能早于开始日期"
    ),
    "ck_employment_records_date_range": ConstraintViolation(
        "endDate", "DATE_RANGE", "离职日期不能早于入职日期"
    ),
    "ck_fairs_date_range": ConstraintViolation("endsOn", "DATE_RANGE", "结束日期不能早于开始日期"),
    "ck_assistance_cases_date_range": ConstraintViolation(
        "closedOn", "DATE_RANGE", "结案日期不能早于立案日期"
    ),
}

# SQLite names a UNIQUE violation by its columns, not by the constraint.
_SQLITE_UNIQUE = {
    "persons.id_number": "uq_persons_id_number",
    "organisations.credit_code": "uq_organisations_credit_code",
    "users.username": "uq_users_username",
    "applications.person_id, applications.position_id": "uq_applications_person_id_position_id",
    "enrolments.class_id, enrolments.person_id": "uq_enrolments_class_id_person_id",
}

_NAMED = re.compile(
    r'constraint "(?P<name>[a-z0-9_]+)"|CHECK constraint failed: (?P<check>[a-z0-9_]+)'
)
_SQLITE_COLUMNS = re.compile(r"UNIQUE constraint failed: (?P<columns>[a-z0-9_., ]+)")


def constraint_name(error: IntegrityError) -> str | None:
    message = str(error.orig)
    if match := _NAMED.search(message):
        return match.group("name") or match.group("check")
    if match := _SQLITE_COLUMNS.search(message):
        return _SQLITE_UNIQUE.get(match.group("columns").strip())
    return None


def describe(error: IntegrityError) -> ConstraintViolation:
    """The field and rule a failed write broke; a generic message for unmapped constraints."""
    name = constraint_name(error)
    return (RULES.get(name) if name else None) or ConstraintViolation(
        "", "CONSTRAINT", f"数据不符合约束 {name or ''}".strip()
    )
