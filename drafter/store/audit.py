"""The audit store: every verdict, draft and piece of agent feedback, and the API keys.

Synchronous on purpose: the API calls it from worker threads (reads) and from the group-commit
writer thread (writes), and the CLI calls it directly. Nothing here knows about HTTP.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from drafter.store.listing import DraftFilter, DraftSummary, Position, list_drafts, utc
from drafter.store.replay import RequestScope, StoredRequest, stored_requests
from drafter.store.tables import ApiKeyRow, Base, DraftRow, FeedbackRow

__all__ = ["AuditStore", "DraftRecord", "new_id", "random_part", "utc", "utcnow"]


class _Entropy:
    """Bytes of the operating system's CSPRNG, read 4 KiB at a time.

    Ids must be unguessable: a draft id is all another caller would need to try. os.urandom()
    is a system call that releases the GIL, and under load a thread that gives up the GIL waits
    for it again, so one call per id cost more than a whole verdict. One call serves 256 ids;
    each id's bytes are fresh CSPRNG output that no other id or answer reveals."""

    SIZE = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buffer = b""
        self._at = 0

    def take(self, count: int) -> bytes:
        with self._lock:
            if self._at + count > len(self._buffer):
                self._buffer, self._at = os.urandom(self.SIZE), 0
            start, self._at = self._at, self._at + count
            return self._buffer[start : self._at]

    def forget(self) -> None:
        self._lock = threading.Lock()
        self._buffer, self._at = b"", 0


_ENTROPY = _Entropy()
# A forked worker must never hand out the bytes its parent had read ahead.
os.register_at_fork(after_in_child=_ENTROPY.forget)


def random_part() -> str:
    """128 random bits from the CSPRNG, as 26 lowercase base32 characters."""
    return base64.b32encode(_ENTROPY.take(16)).decode().rstrip("=").lower()


def new_id(prefix: str) -> str:
    """A unique, unguessable id that sorts by creation time: the prefix, 11 hex digits of
    milliseconds, then 128 random bits. At most 40 characters for a two-letter prefix."""
    return f"{prefix}_{int(time.time() * 1000):011x}{random_part()}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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

    def draft(self, draft_id: str, tenant: str) -> DraftRecord | None:
        """The draft with its feedback, or None when ``tenant`` has no such draft: another
        tenant's draft is not found, the same as one that does not exist."""
        with self.session() as session:
            row = session.get(DraftRow, draft_id)
            if row is None or row.tenant != tenant:
                return None
            return DraftRecord(row, self._feedback(session, draft_id))

    def drafts_page(
        self, tenant: str, where: DraftFilter, *, after: Position | None, limit: int
    ) -> list[DraftSummary]:
        """A page of ``tenant``'s drafts matching ``where``, newest first, after ``after``
        (see ``listing.py``); never another tenant's."""
        return list_drafts(self.engine, tenant, where, after=after, limit=limit)

    def stored_requests(self, scope: RequestScope) -> Iterator[StoredRequest]:
        """Every stored request in ``scope`` with what it was answered, streamed (see
        ``replay.py``)."""
        return stored_requests(self.engine, scope)

    def draft_by_idempotency_key(self, key_id: str, idempotency_key: str) -> DraftRow | None:
        query = select(DraftRow).where(
            DraftRow.key_id == key_id, DraftRow.idempotency_key == idempotency_key
        )
        with self.session() as session:
            return session.scalars(query).first()

    def drafts_with_feedback(
        self, outcomes: Sequence[str], tenant: str | None = None
    ) -> Iterator[DraftRecord]:
        """Drafts (of ``tenant``, or of every tenant) whose latest feedback has one of the
        outcomes, oldest first."""
        query = (
            select(DraftRow)
            .where(DraftRow.id.in_(select(FeedbackRow.draft_id).distinct()))
            .order_by(DraftRow.created_at, DraftRow.id)
        )
        if tenant is not None:
            query = query.where(DraftRow.tenant == tenant)
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
