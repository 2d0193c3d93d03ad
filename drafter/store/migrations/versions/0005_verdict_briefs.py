"""a brief of each stored verdict, for replays

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 17:00:00

``drafts.brief_json`` and ``verdicts.brief_json`` hold what the verdict decided (its decision,
rule, money, offers, escalation target, questions and the rules that fired), written beside
the verdict (``store.replay.brief_json``). Rows stored before keep NULL, and a replay reads
their whole verdict instead: nothing is rewritten.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("drafts", "verdicts"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("brief_json", sa.Text(), nullable=True))


def downgrade() -> None:
    for table in ("drafts", "verdicts"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("brief_json")
