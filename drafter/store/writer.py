"""Group commit: many requests, one transaction, each caller told when its rows are durable.

Every verdict and draft is committed before its response is sent. Committing each in its own
transaction would cost one fsync per request; instead one writer thread takes whatever has
queued up since its last commit, writes it in one transaction, and then wakes each waiting
request. Under load the batches grow, so throughput rises while the guarantee stays the same.
A batch that violates a constraint (an Idempotency-Key race) is retried row group by row
group, so only the offending request fails.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from drafter.errors import StoreError
from drafter.store.audit import AuditStore
from drafter.store.tables import Base

__all__ = ["GroupWriter"]

log = logging.getLogger("drafter.store")
MAX_BATCH = 500


@dataclass(frozen=True, slots=True)
class _Job:
    rows: Sequence[Base]
    future: asyncio.Future[None]
    loop: asyncio.AbstractEventLoop


class GroupWriter:
    """Owns one thread that commits queued rows in batches."""

    def __init__(self, store: AuditStore) -> None:
        self.store = store
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="drafter-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Commit what is queued, then end the thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    async def write(self, rows: Sequence[Base]) -> None:
        """Return once the rows are committed.

        Raises:
            IntegrityError: a row broke a constraint (nothing of this call was written).
            StoreError: the database failed.
        """
        if self._thread is None:
            raise RuntimeError("the writer is not running")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._queue.put(_Job(rows, future, loop))
        try:
            await future
        except IntegrityError:
            raise  # the caller decides: an idempotency race, usually
        except SQLAlchemyError as error:
            raise StoreError(
                f"the audit store could not be written ({type(error).__name__})"
            ) from None

    def _run(self) -> None:
        while (first := self._queue.get()) is not None:
            batch = [first]
            stopping = False
            while len(batch) < MAX_BATCH:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stopping = True
                    break
                batch.append(job)
            self._commit(batch)
            if stopping:
                return

    def _commit(self, batch: list[_Job]) -> None:
        try:
            self.store.insert([row for job in batch for row in job.rows])
            outcomes: list[Exception | None] = [None] * len(batch)
        except IntegrityError:
            outcomes = self.store.insert_each([job.rows for job in batch])
        except Exception as error:  # the database is down: every waiting request must know
            log.error("audit write failed: %s", type(error).__name__)
            outcomes = [error] * len(batch)
        for job, outcome in zip(batch, outcomes, strict=True):
            job.loop.call_soon_threadsafe(_settle, job.future, outcome)


def _settle(future: asyncio.Future[None], outcome: Exception | None) -> None:
    if future.cancelled():
        return
    if outcome is None:
        future.set_result(None)
    else:
        future.set_exception(outcome)
