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
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id_number_hmac", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_persons_id_number_hmac"), ["id_number_hmac"]
        )
    # The rows there are, keyed under the key configured now (`yulu federation-rekey` redoes
    # this after the key changes).
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, id_number FROM persons")).all()
    if rows:
        connection.execute(*rekey_statement_and_rows(rows))


def downgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_persons_id_number_hmac"), type_="unique")
        batch_op.drop_column("id_number_hmac")
