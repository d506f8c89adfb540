"""student_transfers: a school's request to hold a person it does not hold, decided by the
person's current school or the county bureau of the household's region

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

STUDENT_STATUSES = ("studying", "graduated", "withdrawn")
TRANSFER_STATES = ("pending", "accepted", "declined")


def upgrade() -> None:
    op.create_table(
        "student_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requesting_school_id", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("identity", sa.JSON(), nullable=False),
        sa.Column("claimed_region_code", sa.String(length=6), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("major_code", sa.String(length=6), nullable=False),
        sa.Column("entry_year", sa.Integer(), nullable=False),
        sa.Column("expected_graduation_year", sa.Integer(), nullable=False),
        sa.Column(
            "record_status",
            sa.Enum(
                *STUDENT_STATUSES, name="studentstatus", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                *TRANSFER_STATES, name="transferstate", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("replaced_record", sa.JSON(), nullable=True),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_organisation_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "entry_year <= expected_graduation_year",
            name=op.f("ck_student_transfers_entry_before_graduation"),
        ),
        sa.ForeignKeyConstraint(
            ["requesting_school_id"],
            ["organisations.id"],
            name=op.f("fk_student_transfers_requesting_school_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["claimed_region_code"],
            ["regions.code"],
            name=op.f("fk_student_transfers_claimed_region_code_regions"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_student_transfers_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["major_code"], ["majors.code"], name=op.f("fk_student_transfers_major_code_majors")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["users.id"],
            name=op.f("fk_student_transfers_decided_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_student_transfers_decided_by_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student_transfers")),
    )
    for column in (
        "requesting_school_id",
        "id_number",
        "claimed_region_code",
        "person_id",
        "state",
    ):
        op.create_index(
            op.f(f"ix_student_transfers_{column}"), "student_transfers", [column], unique=False
        )


def downgrade() -> None:
    for column in (
        "requesting_school_id",
        "id_number",
        "claimed_region_code",
        "person_id",
        "state",
    ):
        op.drop_index(op.f(f"ix_student_transfers_{column}"), table_name="student_transfers")
    op.drop_table("student_transfers")
