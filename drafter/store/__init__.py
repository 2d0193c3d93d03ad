"""The audit store: every verdict, draft and agent feedback, and the API keys
(SQLite by default, PostgreSQL by URL). What the API serves goes in through ``AuditLog``'s
``record_verdict``, ``record_draft`` and ``record_feedback``; ``AuditStore`` reads it back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import URL, NullPool, create_engine

from drafter.settings import Settings
from drafter.store.audit import AuditStore, DraftRecord, random_part, utc
from drafter.store.db import make_engine, migrate
from drafter.store.listing import NO_FEEDBACK, DraftFilter, DraftSummary, Position
from drafter.store.records import AuditLog, Author, DraftFacts, DuplicateDraft
from drafter.store.replay import SOURCES, RequestScope, Source, StoredRequest, brief_json
from drafter.store.tables import DraftRow

__all__ = [
    "NO_FEEDBACK",
    "SOURCES",
    "AuditLog",
    "AuditStore",
    "Author",
    "DraftFacts",
    "DraftFilter",
    "DraftRecord",
    "DraftRow",
    "DraftSummary",
    "DuplicateDraft",
    "Position",
    "RequestScope",
    "Source",
    "StoredRequest",
    "brief_json",
    "open_store",
    "opened_store",
    "random_part",
    "reader",
    "utc",
]


def open_store(settings: Settings, *, migrate_schema: bool = True) -> AuditStore:
    """The audit store the settings name, upgraded to the current schema."""
    engine = make_engine(settings)
    if migrate_schema:
        migrate(engine)
    return AuditStore(engine)


def reader(url: URL) -> AuditStore:
    """A store on the database at ``url`` for reading only, from another process (a replay's
    workers): no migration, and no pool kept once it is closed."""
    return AuditStore(create_engine(url, poolclass=NullPool))


@contextmanager
def opened_store(settings: Settings) -> Iterator[AuditStore]:
    """``open_store`` for one command: its connections are closed afterwards."""
    store = open_store(settings)
    try:
        yield store
    finally:
        store.close()
