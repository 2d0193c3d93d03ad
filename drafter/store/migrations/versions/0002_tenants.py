"""tenants: every key belongs to a tenant, and every stored row to its key's tenant

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 23:40:00

Keys and rows stored before tenants existed belong to the tenant "default".
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("api_keys", "verdicts", "drafts", "feedback")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("tenant", sa.String(length=100), nullable=False, server_default="default")
            )
    op.create_index("ix_drafts_tenant_created_at", "drafts", ["tenant", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_drafts_tenant_created_at", table_name="drafts")
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("tenant")
