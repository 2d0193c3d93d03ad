"""The audit store: every verdict, draft and agent feedback, and the API keys
(SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from drafter.settings import Settings
from drafter.store.audit import AuditStore, DraftRecord
from drafter.store.db import make_engine, migrate

__all__ = ["AuditStore", "DraftRecord", "open_store", "opened_store"]


def open_store(settings: Settings, *, migrate_schema: bool = True) -> AuditStore:
    """The audit store the settings name, upgraded to the current schema."""
    engine = make_engine(settings)
    if migrate_schema:
        migrate(engine)
    return AuditStore(engine)


@contextmanager
def opened_store(settings: Settings) -> Iterator[AuditStore]:
    """``open_store`` for one command: its connections are closed afterwards."""
    store = open_store(settings)
    try:
        yield store
    finally:
        store.close()
