"""assistance_cases.goals / outcome_kind, assistance_actions.kind / due_on / position_id /
outcome / done_on: one-to-one help with a plan, typed actions due and done, a typed outcome

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None

CASE_OUTCOMES = (
    "employed",
    "public_welfare",
    "own_business",
    "further_study",
    "not_seeking",
    "unreachable",
    "transferred",
)
ACTION_KINDS = (
    "job_recommendation",
    "internship",
    "skills_training",
    "public_welfare_position",
    "entrepreneurship_support",
    "career_guidance",
)


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True)


def upgrade() -> None:
    with op.batch_alter_table("assistance_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("goals", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("outcome_kind", _enum(CASE_OUTCOMES, "caseoutcome"), nullable=True)
        )
        batch_op.create_check_constraint(
            "open_has_no_outcome", "state = 'closed' OR outcome_kind IS NULL"
        )
    with op.batch_alter_table("assistance_actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", _enum(ACTION_KINDS, "actionkind"), nullable=True))
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("position_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("done_on", sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_assistance_actions_position_id_positions"),
            "positions",
            ["position_id"],
            ["id"],
        )
        batch_op.create_check_constraint("due_after_planned", "due_on IS NULL OR on_date <= due_on")
        batch_op.create_check_constraint(
            "done_has_outcome", "(outcome IS NULL) = (done_on IS NULL)"
        )


def downgrade() -> None:
    with op.batch_alter_table("assistance_actions", schema=None) as batch_op:
        batch_op.drop_constraint("done_has_outcome", type_="check")
        batch_op.drop_constraint("due_after_planned", type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_assistance_actions_position_id_positions"), type_="foreignkey"
        )
        batch_op.drop_constraint("actionkind", type_="check")
        for column in ("done_on", "outcome", "position_id", "due_on", "kind"):
            batch_op.drop_column(column)
    with op.batch_alter_table("assistance_cases", schema=None) as batch_op:
        batch_op.drop_constraint("open_has_no_outcome", type_="check")
        batch_op.drop_constraint("caseoutcome", type_="check")
        batch_op.drop_column("outcome_kind")
        batch_op.drop_column("goals")
