"""persons.id_number_hmac: the person key partners compute from the ID numbers they hold

Revision ID: 0020
Revises: 0012
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.people import rekey_statement_and_rows

revision = "0020"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN and an index: no table rebuild (SQLite would have to drop persons).
    op.add_column("persons", sa.Column("id_number_hmac", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_persons_id_number_hmac"), "persons", ["id_number_hmac"], unique=False)
    # The rows there are, keyed under the key configured now (`yulu federation-rekey` redoes
    # this after the key changes).
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, id_number FROM persons")).all()
    if rows:
        connection.execute(*rekey_statement_and_rows(rows))


def downgrade() -> None:
    op.drop_index(op.f("ix_persons_id_number_hmac"), table_name="persons")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch rebuild would drop persons, which the
    # rows referencing it forbid.
    op.drop_column("persons", "id_number_hmac")
