"""matching keys on employment intentions (major and household priority flags), backfilled

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:58:40.033274
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The same derivation as models.matching_keys, frozen here as SQL so later model changes cannot
# change what this revision did.
BACKFILL = """
UPDATE employment_intentions SET
  match_major_code = (SELECT s.major_code FROM student_records s
                      WHERE s.person_id = employment_intentions.person_id),
  match_monitored = COALESCE((SELECT h.category IN ('unstable', 'marginal', 'sudden_hardship')
                              FROM persons p JOIN households h ON h.id = p.household_id
                              WHERE p.id = employment_intentions.person_id), false),
  match_relocated = COALESCE((SELECT h.relocated FROM persons p JOIN households h ON h.id = p.household_id
                              WHERE p.id = employment_intentions.person_id), false),
  match_key_county = COALESCE((SELECT r.is_key_county FROM persons p
                               JOIN households h ON h.id = p.household_id
                               JOIN regions r ON r.code = h.region_code
                               WHERE p.id = employment_intentions.person_id), false)
"""


def upgrade() -> None:
    with op.batch_alter_table("employment_intentions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("match_major_code", sa.String(length=6), nullable=True))
        batch_op.add_column(
            sa.Column("match_monitored", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("match_key_county", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("match_relocated", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(
            "ix_employment_intentions_matching",
            [
                "match_major_code",
                "match_monitored",
                "match_key_county",
                "match_relocated",
                "expected_salary",
                "seeking",
                "id",
                "person_id",
            ],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_employment_intentions_match_major_code_majors"),
            "majors",
            ["match_major_code"],
            ["code"],
        )
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("employment_intentions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_employment_intentions_match_major_code_majors"), type_="foreignkey"
        )
        batch_op.drop_index("ix_employment_intentions_matching")
        batch_op.drop_column("match_relocated")
        batch_op.drop_column("match_key_county")
        batch_op.drop_column("match_monitored")
        batch_op.drop_column("match_major_code")
