"""households.registration_number (户号, unique within a region), household_category_changes
(the category's history), census rows per (person, survey year), closing ledger entries, and the
household a school's request asks to join

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

CATEGORIES = ("lifted", "unstable", "marginal", "sudden_hardship")


def _category(name: str, nullable: bool) -> sa.Column:
    return sa.Column(
        name,
        sa.Enum(*CATEGORIES, name=name, native_enum=False, create_constraint=True, length=15),
        nullable=nullable,
    )


def upgrade() -> None:
    op.add_column("households", sa.Column("registration_number", sa.String(length=32)))
    op.create_index(
        "uq_households_region_code_registration_number",
        "households",
        ["region_code", "registration_number"],
        unique=True,
    )
    op.create_table(
        "household_category_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        _category("from_category", True),
        _category("to_category", False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("changed_by_organisation_id", sa.Integer(), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_household_category_changes_household_id_households"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_user_id"],
            ["users.id"],
            name=op.f("fk_household_category_changes_changed_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_household_category_changes_changed_by_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_category_changes")),
    )
    with op.batch_alter_table("household_category_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_household_category_changes_household_id"), ["household_id"]
        )
    with op.batch_alter_table("enrolment_intentions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_enrolment_intentions_person_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_enrolment_intentions_person_id_survey_year"),
            ["person_id", "survey_year"],
        )
        batch_op.create_index(batch_op.f("ix_enrolment_intentions_person_id"), ["person_id"])
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("close_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("student_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("close_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("student_transfers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("household_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_student_transfers_household_id_households"),
            "households",
            ["household_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("student_transfers", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_student_transfers_household_id_households"), type_="foreignkey"
        )
        batch_op.drop_column("household_id")
    with op.batch_alter_table("student_records", schema=None) as batch_op:
        batch_op.drop_column("close_reason")
        batch_op.drop_column("closed_on")
    with op.batch_alter_table("enrolment_intentions", schema=None) as batch_op:
        batch_op.drop_column("close_reason")
        batch_op.drop_column("closed_on")
        batch_op.drop_index(batch_op.f("ix_enrolment_intentions_person_id"))
        batch_op.drop_constraint(
            batch_op.f("uq_enrolment_intentions_person_id_survey_year"), type_="unique"
        )
        batch_op.create_unique_constraint("uq_enrolment_intentions_person_id", ["person_id"])
    with op.batch_alter_table("household_category_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_category_changes_household_id"))
    op.drop_table("household_category_changes")
    op.drop_index("uq_households_region_code_registration_number", table_name="households")
    # Not in a batch: SQLite (3.35+) drops the column in place; a rebuilt table would break the
    # persons' foreign keys.
    op.drop_column("households", "registration_number")
