"""Alembic environment: runs migrations on the engine drafter hands over (never a URL from an
ini file), so the same settings drive the app and its migrations."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from drafter.store.tables import Base

engine = context.config.attributes["engine"]
assert isinstance(engine, Engine)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
