"""evaluation_snapshots: a published yearly evaluation (成效评估), frozen with its version

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluation_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("published_by_user_id", sa.Integer(), nullable=True),
        sa.Column("published_by_org_id", sa.Integer(), nullable=True),
        sa.Column(
            "published_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["region_code"],
            ["regions.code"],
            name=op.f("fk_evaluation_snapshots_region_code_regions"),
        ),
        sa.ForeignKeyConstraint(
            ["published_by_user_id"],
            ["users.id"],
            name=op.f("fk_evaluation_snapshots_published_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["published_by_org_id"],
            ["organisations.id"],
            name=op.f("fk_evaluation_snapshots_published_by_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_snapshots")),
        sa.UniqueConstraint(
            "region_code",
            "year",
            "version",
            name=op.f("uq_evaluation_snapshots_region_code_year_version"),
        ),
    )


def downgrade() -> None:
    op.drop_table("evaluation_snapshots")
