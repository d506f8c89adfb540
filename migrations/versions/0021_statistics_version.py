"""statistics_version: the version of the data the region statistics read, a new random value
at each commit that writes them (models.statistics), so the bureau dashboard's figures are
computed once per change instead of once per page view

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.statistics import ROW_ID, new_value

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "statistics_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statistics_version")),
    )
    op.bulk_insert(table, [{"id": ROW_ID, "value": new_value()}])


def downgrade() -> None:
    op.drop_table("statistics_version")
