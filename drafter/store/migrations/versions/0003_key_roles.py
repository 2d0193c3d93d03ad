"""roles: every key is an agent, a supervisor or an admin

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 02:50:00

A new key is an agent unless it is created with another role. Keys made before roles existed
could do everything, /metrics included, so they become admins: upgrading takes nothing away.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=16), nullable=False, server_default="agent")
        )
    op.execute("UPDATE api_keys SET role = 'admin'")


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("role")
