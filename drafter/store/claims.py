"""Claims on Idempotency-Keys, in the store, so that one key makes one draft across every
worker process and every instance sharing the database.

The first request with a key inserts a claim row and drafts; a second request with it, on any
instance, finds the claim and is told the first is still running. The claim is deleted once
the draft is stored (the stored draft then answers repeats) or has failed (so the client may
retry). An instance killed mid-draft leaves its claim behind: a claim older than any draft can
take (``stale_after_s``) is taken over by the next request with the key.

Why a claim row rather than a PostgreSQL advisory lock: an advisory lock lives on a session, so
each draft in flight would hold one database connection for the whole model call (seconds;
hundreds of drafts in flight), and SQLite has none. A row costs two short statements per draft
that carries a key, works on both engines, and a unique constraint on the draft itself still
settles any race a stale takeover could start.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, delete
from sqlalchemy.dialects import postgresql, sqlite

from drafter.store.audit import utcnow
from drafter.store.tables import IdempotencyClaimRow

__all__ = ["IdempotencyClaims"]

CLAIM = IdempotencyClaimRow


class IdempotencyClaims:
    """Claims and releases Idempotency-Keys of API keys; synchronous, like the store."""

    def __init__(self, engine: Engine, *, stale_after_s: float) -> None:
        self.engine = engine
        self.stale_after = dt.timedelta(seconds=stale_after_s)
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    def claim(self, key_id: str, idempotency_key: str) -> bool:
        """Whether this request may draft with the key: no one holds it, or its holder's
        claim is stale. One statement: insert, or take over a stale claim."""
        now = utcnow()
        statement = self._insert(CLAIM).values(
            key_id=key_id, idempotency_key=idempotency_key, claimed_at=now
        )
        statement = statement.on_conflict_do_update(
            index_elements=[CLAIM.key_id, CLAIM.idempotency_key],
            set_={"claimed_at": now},
            where=CLAIM.claimed_at < now - self.stale_after,
        )
        with self.engine.begin() as connection:  # a row comes back when inserted or taken over
            return connection.execute(statement.returning(CLAIM.key_id)).first() is not None

    def release(self, key_id: str, idempotency_key: str) -> None:
        statement = delete(CLAIM).where(
            CLAIM.key_id == key_id, CLAIM.idempotency_key == idempotency_key
        )
        with self.engine.begin() as connection:
            connection.execute(statement)
