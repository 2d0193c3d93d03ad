"""The audit store: every verdict, draft and agent feedback, and the API keys
(SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

from drafter.settings import Settings
from drafter.store.audit import AuditStore, DraftRecord
from drafter.store.db import make_engine, migrate

__all__ = ["AuditStore", "DraftRecord", "open_store"]


def open_store(settings: Settings, *, migrate_schema: bool = True) -> AuditStore:
    """The audit store the settings name, upgraded to the current schema."""
    engine = make_engine(settings)
    if migrate_schema:
        migrate(engine)
    return AuditStore(engine)
