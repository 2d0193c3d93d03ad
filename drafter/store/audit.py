"""The audit store: every verdict, draft and piece of agent feedback, and the API keys.

Synchronous on purpose: the API calls it from worker threads (reads) and from the group-commit
writer thread (writes), and the CLI calls it directly. Nothing here knows about HTTP.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from drafter.store.tables import ApiKeyRow, Base, DraftRow, FeedbackRow

__all__ = ["AuditStore", "DraftRecord", "new_id", "utc", "utcnow"]


# Seeded once from the OS. os.urandom() is a system call that releases the GIL, and under load
# a thread that gives up the GIL waits for it again: two such calls per request cost more than
# everything else a verdict does. Ids need to be unique, not secret: every read needs a key.
_RANDOM = random.Random(os.urandom(32))


def new_id(prefix: str) -> str:
    """A unique id that sorts by creation time: prefix, 12 hex digits of ms, 16 random."""
    return f"{prefix}_{int(time.time() * 1000):012x}{_RANDOM.getrandbits(64):016x}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands datetimes back without a zone; they were stored as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class DraftRecord:
    """A stored draft with the feedback it received, oldest first."""

    draft: DraftRow
    feedback: list[FeedbackRow]


class AuditStore:
    """Reads and writes the audit tables through one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def close(self) -> None:
        """Close every pooled connection (the CLI's stores live for one command)."""
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    # --- writes ----------------------------------------------------------------------------

    def insert(self, rows: Sequence[Base]) -> None:
        """Insert rows in one transaction, committed before this returns."""
        with self._sessions.begin() as session:
            session.add_all(rows)

    def revoke_key(self, key_id: str) -> bool:
        """Mark a key revoked; False when there is no such active key."""
        with self._sessions.begin() as session:
            row = session.get(ApiKeyRow, key_id)
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = utcnow()
            return True

    # --- reads -----------------------------------------------------------------------------

    def key(self, key_id: str) -> ApiKeyRow | None:
        with self.session() as session:
            return session.get(ApiKeyRow, key_id)

    def api_keys(self) -> list[ApiKeyRow]:
        with self.session() as session:
            return list(session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at)))

    def draft(self, draft_id: str) -> DraftRecord | None:
        with self.session() as session:
            row = session.get(DraftRow, draft_id)
            if row is None:
                return None
            return DraftRecord(row, self._feedback(session, draft_id))

    def draft_by_idempotency_key(self, key_id: str, idempotency_key: str) -> DraftRow | None:
        query = select(DraftRow).where(
            DraftRow.key_id == key_id, DraftRow.idempotency_key == idempotency_key
        )
        with self.session() as session:
            return session.scalars(query).first()

    def draft_exists(self, draft_id: str) -> bool:
        with self.session() as session:
            return session.scalar(select(DraftRow.id).where(DraftRow.id == draft_id)) is not None

    def drafts_with_feedback(self, outcomes: Sequence[str]) -> Iterator[DraftRecord]:
        """Drafts whose latest feedback has one of the outcomes, oldest first."""
        query = (
            select(DraftRow)
            .where(DraftRow.id.in_(select(FeedbackRow.draft_id).distinct()))
            .order_by(DraftRow.created_at, DraftRow.id)
        )
        with self.session() as session:
            for row in session.scalars(query):
                feedback = self._feedback(session, row.id)
                if feedback and feedback[-1].outcome in outcomes:
                    yield DraftRecord(row, feedback)

    @staticmethod
    def _feedback(session: Session, draft_id: str) -> list[FeedbackRow]:
        query = (
            select(FeedbackRow)
            .where(FeedbackRow.draft_id == draft_id)
            .order_by(FeedbackRow.created_at, FeedbackRow.id)
        )
        return list(session.scalars(query))
