"""The social insurance bureau's own table, and its demo content.

The bureau keys its records by the alliance's person id (the two systems agreed on it when the
bureau joined). The demo content is derived from the alliance seed's current employment records,
so it describes the same persons as the alliance's demo or test database.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Column, Integer, MetaData, String, Table

from models.organisations import Organisation
from models.tracking import EmploymentRecord
from seeds import demo

metadata = MetaData()

insured_employments = Table(
    "insured_employments",
    metadata,
    Column("person_id", Integer, primary_key=True),
    Column("employer", String(128), nullable=False),
    Column("employer_credit_code", String(18)),
    Column("contribution_months", Integer, nullable=False),
    Column("last_contribution_month", String(7), nullable=False),  # YYYY-MM
)

# Contributions are declared for the month just ended: on the demo's "today" the last one is October.
LAST_DECLARED_MONTH = (demo.AS_OF.replace(day=1) - timedelta(days=1)).replace(day=1)


def seed_rows(scale: str) -> list[tuple[Table, list[dict]]]:
    organisations: dict[int, dict] = {}
    records: list[dict] = []
    for table, rows in demo.generate(scale, password_hash=""):
        if table is Organisation.__table__:
            organisations.update((row["id"], row) for row in rows)
        elif table is EmploymentRecord.__table__:
            records.extend(rows)
    insured = [_insured(record, organisations) for record in records if _is_insured(record)]
    return [(insured_employments, insured)]


def _is_insured(record: dict) -> bool:
    # Individual businesses (个体) seldom enrol their helpers in employee insurance: those jobs
    # are exactly the ones the bureau cannot confirm.
    return record["end_date"] is None and "个体" not in record["employer_name"]


def _insured(record: dict, organisations: dict[int, dict]) -> dict:
    employer = organisations.get(record["employer_id"])
    start = record["start_date"]
    months = (
        (LAST_DECLARED_MONTH.year - start.year) * 12 + LAST_DECLARED_MONTH.month - start.month + 1
    )
    return {
        "person_id": record["person_id"],
        "employer": record["employer_name"],
        "employer_credit_code": employer["credit_code"] if employer else None,
        "contribution_months": months,
        "last_contribution_month": LAST_DECLARED_MONTH.strftime("%Y-%m"),
    }
