"""authorization codes are kept once exchanged, with the tokens they bought, so a replay revokes them

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 14:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oauth_authorization_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("used_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("access_token_jti", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("refresh_family_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("oauth_authorization_codes", schema=None) as batch_op:
        batch_op.drop_column("refresh_family_id")
        batch_op.drop_column("access_token_jti")
        batch_op.drop_column("used_at")
