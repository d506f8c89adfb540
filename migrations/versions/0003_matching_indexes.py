"""matching indexes: graduates by desired occupation, positions by accepted major, reservations by position

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_employment_intention_occupations_by_occupation",
        "employment_intention_occupations",
        ["occupation_code", "intention_id"],
        unique=False,
    )
    op.create_index(
        "ix_position_majors_by_major",
        "position_majors",
        ["major_code", "position_id"],
        unique=False,
    )
    op.create_index(
        "ix_class_reserved_positions_by_position",
        "class_reserved_positions",
        ["position_id", "class_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_class_reserved_positions_by_position", table_name="class_reserved_positions")
    op.drop_index("ix_position_majors_by_major", table_name="position_majors")
    op.drop_index(
        "ix_employment_intention_occupations_by_occupation",
        table_name="employment_intention_occupations",
    )
