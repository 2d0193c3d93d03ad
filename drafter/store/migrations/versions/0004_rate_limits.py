"""rate limits and Idempotency-Key claims, shared by every instance on one database

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 02:40:00

Several ``drafter serve`` instances on one PostgreSQL share each key's token bucket
(``rate_limits``) and know which Idempotency-Keys another instance is answering
(``idempotency_claims``). Both start empty: a bucket starts full, and no key is claimed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("key_id", sa.String(length=32), primary_key=True),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "idempotency_claims",
        sa.Column("key_id", sa.String(length=32), primary_key=True),
        sa.Column("idempotency_key", sa.String(length=255), primary_key=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("idempotency_claims")
    op.drop_table("rate_limits")
