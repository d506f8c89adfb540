"""matching key: the graduate's availability (seeking, or not in work), backfilled

Matching filtered on ``seeking OR NOT EXISTS (open employment record)``; once employed graduates
stop seeking, PostgreSQL answered the OR with a hashed scan of every open employment record per
statement (~125 ms at bench scale). The copy on the intention row sits in the covering index.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The same derivation as models.matching_keys.available, frozen as SQL (see revision 0004).
BACKFILL = """
UPDATE employment_intentions SET match_available = (
  seeking OR NOT EXISTS (SELECT 1 FROM employment_records r
                         WHERE r.person_id = employment_intentions.person_id AND r.end_date IS NULL))
"""
COVERING = [
    "match_major_code",
    "match_monitored",
    "match_key_county",
    "match_relocated",
    "expected_salary",
    "seeking",
]
TAIL = ["match_education", "preferred_tier", "match_region_code", "id", "person_id"]


def upgrade() -> None:
    with op.batch_alter_table("employment_intentions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("match_available", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.drop_index("ix_employment_intentions_matching")
        batch_op.create_index(
            "ix_employment_intentions_matching", [*COVERING, "match_available", *TAIL], unique=False
        )
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("employment_intentions", schema=None) as batch_op:
        batch_op.drop_index("ix_employment_intentions_matching")
        batch_op.create_index("ix_employment_intentions_matching", COVERING + TAIL, unique=False)
        batch_op.drop_column("match_available")
