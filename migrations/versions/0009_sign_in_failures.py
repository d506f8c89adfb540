"""sign_in_failures: failed sign-ins per network address, for the per-source back-off

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index(
        "ix_sign_in_failures_source_at", "sign_in_failures", ["source", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_source_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
