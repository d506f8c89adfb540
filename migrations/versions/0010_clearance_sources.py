"""Clearance sources: a fair registration made with the graduate's consent, a help case assigned by a bureau

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 08:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing registrations and cases count as the organiser's own acts: nobody granted them.
    with op.batch_alter_table("fair_registrations") as batch:
        batch.add_column(
            sa.Column("with_consent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("assistance_cases") as batch:
        batch.add_column(sa.Column("assigned_by_org_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_assistance_cases_assigned_by_org_id_organisations"),
            "organisations",
            ["assigned_by_org_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("assistance_cases") as batch:
        batch.drop_constraint(
            batch.f("fk_assistance_cases_assigned_by_org_id_organisations"), type_="foreignkey"
        )
        batch.drop_column("assigned_by_org_id")
    with op.batch_alter_table("fair_registrations") as batch:
        batch.drop_column("with_consent")
