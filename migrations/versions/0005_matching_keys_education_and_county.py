"""matching keys: the graduate's education and the household's county, backfilled

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 11:14:18.483935
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The same derivation as models.matching_keys, frozen as SQL (see revision 0004).
BACKFILL = """
UPDATE employment_intentions SET
  match_education = (SELECT p.education FROM persons p WHERE p.id = employment_intentions.person_id),
  match_region_code = (SELECT h.region_code FROM persons p JOIN households h ON h.id = p.household_id
                       WHERE p.id = employment_intentions.person_id)
"""


def upgrade() -> None:
    with op.batch_alter_table("employment_intentions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "match_education",
                sa.Enum(
                    "junior_middle",
                    "secondary_vocational",
                    "higher_vocational",
                    "bachelor",
                    name="match_education",
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("match_region_code", sa.String(length=6), nullable=True))
        batch_op.drop_index(batch_op.f("ix_employment_intentions_matching"))
        batch_op.create_index(
            "ix_employment_intentions_matching",
            [
                "match_major_code",
                "match_monitored",
                "match_key_county",
                "match_relocated",
                "expected_salary",
                "seeking",
                "match_education",
                "preferred_tier",
                "match_region_code",
                "id",
                "person_id",
            ],
            unique=False,
        )
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("employment_intentions", schema=None) as batch_op:
        batch_op.drop_index("ix_employment_intentions_matching")
        batch_op.create_index(
            batch_op.f("ix_employment_intentions_matching"),
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
        batch_op.drop_column("match_region_code")
        # SQLite's batch copy would keep the enum's CHECK and name the dropped column in it.
        batch_op.drop_constraint(
            batch_op.f("ck_employment_intentions_match_education"), type_="check"
        )
        batch_op.drop_column("match_education")
