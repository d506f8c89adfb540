"""audit_records is append-only: the database refuses UPDATE and DELETE (and TRUNCATE).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

MESSAGE = "audit_records is append-only"

POSTGRESQL_UP = [
    f"""CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$""",
    """CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records
        FOR EACH ROW EXECUTE FUNCTION audit_records_append_only()""",
    """CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
        FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only()""",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER audit_records_no_truncate ON audit_records",
    "DROP TRIGGER audit_records_append_only ON audit_records",
    "DROP FUNCTION audit_records_append_only()",
]
SQLITE_UP = [
    f"""CREATE TRIGGER audit_records_no_{verb.lower()} BEFORE {verb} ON audit_records
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""
    for verb in ("UPDATE", "DELETE")
]
SQLITE_DOWN = ["DROP TRIGGER audit_records_no_update", "DROP TRIGGER audit_records_no_delete"]


def _run(statements: dict[str, list[str]]) -> None:
    for statement in statements[op.get_bind().dialect.name]:
        op.execute(statement)


def upgrade() -> None:
    _run({"postgresql": POSTGRESQL_UP, "sqlite": SQLITE_UP})


def downgrade() -> None:
    _run({"postgresql": POSTGRESQL_DOWN, "sqlite": SQLITE_DOWN})
