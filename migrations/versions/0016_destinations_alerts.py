"""graduate destinations (毕业去向) with history, jobs that end (end_reason), the follow-up
schedule (follow_up_dues), and relapse-risk alerts with their rules (alert_rules, defaults loaded)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

DEFAULT_THRESHOLDS = {
    "job_lost": 0,
    "income_below_floor": 2000,
    "income_drop": 30,
    "no_follow_up": 6,
    "monitored_not_employed": 180,
}


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column(
            "kind",
            sa.Enum(
                "job_lost",
                "income_below_floor",
                "income_drop",
                "no_follow_up",
                "monitored_not_employed",
                name="alertkind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.CheckConstraint("threshold >= 0", name=op.f("ck_alert_rules_threshold_not_negative")),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_alert_rules")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "job_lost",
                "income_below_floor",
                "income_drop",
                "no_follow_up",
                "monitored_not_employed",
                name="alertkind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("fact", sa.String(length=64), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "open",
                "handled",
                "dismissed",
                name="alertstate",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("dismissal_reason", sa.Text(), nullable=True),
        sa.Column("handled_by_user_id", sa.Integer(), nullable=True),
        sa.Column("handled_by_org_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
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
            "(state = 'dismissed') = (dismissal_reason IS NOT NULL)",
            name=op.f("ck_alerts_dismissed_has_reason"),
        ),
        sa.CheckConstraint(
            "(state = 'handled') = (case_id IS NOT NULL)", name=op.f("ck_alerts_handled_has_case")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["assistance_cases.id"], name=op.f("fk_alerts_case_id_assistance_cases")
        ),
        sa.ForeignKeyConstraint(
            ["county_code"], ["regions.code"], name=op.f("fk_alerts_county_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["handled_by_org_id"],
            ["organisations.id"],
            name=op.f("fk_alerts_handled_by_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["handled_by_user_id"], ["users.id"], name=op.f("fk_alerts_handled_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_alerts_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["organisations.id"], name=op.f("fk_alerts_school_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint(
            "person_id", "kind", "fact", name=op.f("uq_alerts_person_id_kind_fact")
        ),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_raised_on"), ["raised_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_state"), ["state"], unique=False)
        batch_op.create_index(
            "uq_alerts_open",
            ["person_id", "kind"],
            unique=True,
            sqlite_where=sa.text("state = 'open'"),
            postgresql_where=sa.text("state = 'open'"),
        )

    op.create_table(
        "follow_up_dues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("employment_record_id", sa.Integer(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("follow_up_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["employment_record_id"],
            ["employment_records.id"],
            name=op.f("fk_follow_up_dues_employment_record_id_employment_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_id"],
            ["follow_ups.id"],
            name=op.f("fk_follow_up_dues_follow_up_id_follow_ups"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_follow_up_dues_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_dues")),
        sa.UniqueConstraint(
            "employment_record_id",
            "months",
            name=op.f("uq_follow_up_dues_employment_record_id_months"),
        ),
    )
    with op.batch_alter_table("follow_up_dues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_dues_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_follow_up_dues_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "graduate_destinations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("cohort_year", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "alliance_job",
                "other_job",
                "flexible",
                "own_business",
                "further_study",
                "military",
                "public_welfare",
                "not_employed",
                "not_seeking",
                name="destinationkind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("employment_record_id", sa.Integer(), nullable=True),
        sa.Column("employer_name", sa.String(length=128), nullable=True),
        sa.Column("employer_credit_code", sa.String(length=18), nullable=True),
        sa.Column("work_region_code", sa.String(length=6), nullable=True),
        sa.Column("monthly_income", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "school",
                "graduate",
                "agency",
                "bureau",
                "enterprise",
                "hire",
                name="destinationsource",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_org_id", sa.Integer(), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("superseded_on", sa.Date(), nullable=True),
        sa.Column("verification", sa.String(length=32), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by_org_id", sa.Integer(), nullable=True),
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
            "is_current = (superseded_on IS NULL)",
            name=op.f("ck_graduate_destinations_current_not_superseded"),
        ),
        sa.CheckConstraint(
            "monthly_income IS NULL OR monthly_income >= 0",
            name=op.f("ck_graduate_destinations_income_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["employment_record_id"],
            ["employment_records.id"],
            name=op.f("fk_graduate_destinations_employment_record_id_employment_records"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_graduate_destinations_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_org_id"],
            ["organisations.id"],
            name=op.f("fk_graduate_destinations_recorded_by_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_user_id"],
            ["users.id"],
            name=op.f("fk_graduate_destinations_recorded_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_org_id"],
            ["organisations.id"],
            name=op.f("fk_graduate_destinations_verified_by_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["work_region_code"],
            ["regions.code"],
            name=op.f("fk_graduate_destinations_work_region_code_regions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_graduate_destinations")),
    )
    with op.batch_alter_table("graduate_destinations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_graduate_destinations_cohort_year"), ["cohort_year"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_graduate_destinations_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_graduate_destinations_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            "uq_graduate_destinations_current",
            ["person_id"],
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )

    with op.batch_alter_table("employment_records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "end_reason",
                sa.Enum(
                    "left",
                    "dismissed",
                    "contract_ended",
                    name="endreason",
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=True,
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_employment_records_reason_needs_end"),
            "end_reason IS NULL OR end_date IS NOT NULL",
        )
    # The rules' default thresholds (models.alerts.DEFAULT_THRESHOLDS, frozen here).
    rules = sa.table(
        "alert_rules",
        sa.column("kind", sa.String),
        sa.column("threshold", sa.Integer),
        sa.column("enabled", sa.Boolean),
    )
    op.bulk_insert(
        rules,
        [
            {"kind": kind, "threshold": threshold, "enabled": True}
            for kind, threshold in DEFAULT_THRESHOLDS.items()
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("graduate_destinations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_graduate_destinations_current",
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )
        batch_op.drop_index(batch_op.f("ix_graduate_destinations_person_id"))
        batch_op.drop_index(batch_op.f("ix_graduate_destinations_kind"))
        batch_op.drop_index(batch_op.f("ix_graduate_destinations_cohort_year"))

    op.drop_table("graduate_destinations")
    with op.batch_alter_table("follow_up_dues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_dues_person_id"))
        batch_op.drop_index(batch_op.f("ix_follow_up_dues_due_on"))

    op.drop_table("follow_up_dues")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_alerts_open",
            sqlite_where=sa.text("state = 'open'"),
            postgresql_where=sa.text("state = 'open'"),
        )
        batch_op.drop_index(batch_op.f("ix_alerts_state"))
        batch_op.drop_index(batch_op.f("ix_alerts_school_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_raised_on"))
        batch_op.drop_index(batch_op.f("ix_alerts_person_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_kind"))
        batch_op.drop_index(batch_op.f("ix_alerts_county_code"))

    op.drop_table("alerts")
    op.drop_table("alert_rules")
    # Last: the tables above refer to employment_records, which SQLite's batch mode recreates.
    with op.batch_alter_table("employment_records", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_employment_records_reason_needs_end"), type_="check")
        batch_op.drop_constraint(op.f("ck_employment_records_endreason"), type_="check")
        batch_op.drop_column("end_reason")
