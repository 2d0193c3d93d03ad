"""Group commit: many requests, one transaction, each caller told when its rows are durable.

Every verdict and draft is committed before its response is sent. Committing each in its own
transaction would cost one fsync per request; instead one writer thread takes whatever has
queued up since its last commit, writes it in one transaction, and then wakes each waiting
request. Under load the batches grow, so throughput rises while the guarantee stays the same.
A batch the database refuses for its rows (a constraint, an Idempotency-Key race, a value the
column cannot hold) is retried job by job, so only the offending request fails; only a
database that is down or unreachable fails every waiting request at once.

Rows travel as plain column dictionaries and are inserted with one Core ``executemany`` per
table: the writer thread shares the GIL with the event loop, so it must do as little Python
work as possible (ORM objects cost ten times more). A caller may pass a function that builds
its rows instead (redacting reads up to tens of kB of the customer's text with Python
patterns, which must not hold up the event loop): it runs in the writer thread, which runs
anyway, rather than in a worker thread of its own, since each hop between threads costs a
wake-up on both sides.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from drafter.errors import StoreError

__all__ = ["GroupWriter", "NewRow"]

log = logging.getLogger("drafter.store")
MAX_BATCH = 500


@dataclass(frozen=True, slots=True)
class NewRow:
    """One row to insert: its table and its column values."""

    table: Table
    values: dict[str, Any]


Rows = Sequence[NewRow] | Callable[[], Sequence[NewRow]]


@dataclass(frozen=True, slots=True)
class _Job:
    rows: Rows
    future: asyncio.Future[None]
    loop: asyncio.AbstractEventLoop


class _Unbuilt(Exception):
    """A job's own function failed to build its rows: that error, for its caller alone."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def _insert(connection: Connection, rows: Sequence[NewRow]) -> None:
    by_table: dict[Table, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_table[row.table].append(row.values)
    # Parents before children (drafts before feedback), whatever order the jobs came in.
    for table in sorted(by_table, key=lambda t: len(t.foreign_keys)):
        connection.execute(table.insert(), by_table[table])


class GroupWriter:
    """Owns one thread that commits queued rows in batches."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        # The writer keeps one connection: checking one out of the pool for every batch costs
        # more than the inserts. It is dropped after an error and reopened for the next batch.
        self._connection: Connection | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="drafter-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Commit what is queued, then end the thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    async def write(self, rows: Rows) -> None:
        """Return once the rows (or those the function builds, in the writer thread) are
        committed.

        Raises:
            IntegrityError: a row broke a constraint (nothing of this call was written).
            StoreError: the database failed.
            Exception: whatever the function raised, as it raised it.
        """
        if self._thread is None:
            raise RuntimeError("the writer is not running")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._queue.put(_Job(rows, future, loop))
        try:
            await future
        except _Unbuilt as failed:
            raise failed.error from None
        except IntegrityError:
            raise  # the caller decides: an idempotency race, usually
        except Exception as error:
            kind = type(error).__name__
            raise StoreError(f"the audit store could not be written ({kind})") from None

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
                break
        if self._connection is not None:
            self._connection.close()

    def _transaction(self, rows: Sequence[NewRow]) -> None:
        if self._connection is None:
            self._connection = self.engine.connect()
        try:
            with self._connection.begin():
                _insert(self._connection, rows)
        except Exception as error:
            if _database_down(error):  # reopened for the next batch
                self._connection.close()
                self._connection = None
            raise  # otherwise the connection is fine; only these rows were refused

    def _commit(self, jobs: list[_Job]) -> None:
        batch: list[_Built] = []
        for job in jobs:
            try:
                batch.append(_Built(job, job.rows() if callable(job.rows) else job.rows))
            except Exception as error:
                job.loop.call_soon_threadsafe(_settle, job.future, _Unbuilt(error))
        if not batch:
            return
        try:
            self._transaction([row for built in batch for row in built.rows])
            outcomes: list[Exception | None] = [None] * len(batch)
        except Exception as error:
            if len(batch) > 1 and not _database_down(error):
                outcomes = self._commit_each(batch)
            else:
                log.error("audit write failed: %s", type(error).__name__)
                outcomes = [error] * len(batch)
        for built, outcome in zip(batch, outcomes, strict=True):
            built.job.loop.call_soon_threadsafe(_settle, built.job.future, outcome)

    def _commit_each(self, batch: list[_Built]) -> list[Exception | None]:
        """One transaction per job, so a bad row fails its own request only; once the
        database is found down, the rest fail without being tried."""
        outcomes: list[Exception | None] = []
        down: Exception | None = None
        for built in batch:
            if down is not None:
                outcomes.append(down)
                continue
            try:
                self._transaction(built.rows)
                outcomes.append(None)
            except Exception as error:
                log.warning("audit write refused one request's rows: %s", type(error).__name__)
                outcomes.append(error)
                down = error if _database_down(error) else None
        return outcomes


@dataclass(frozen=True, slots=True)
class _Built:
    """A job with its rows built."""

    job: _Job
    rows: Sequence[NewRow]


def _database_down(error: Exception) -> bool:
    """Whether the database itself failed (unreachable, shut down, out of resources), rather
    than refusing these rows (a constraint, a value a column cannot hold, text UTF-8 cannot
    encode)."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _settle(future: asyncio.Future[None], outcome: Exception | None) -> None:
    if future.cancelled():
        return
    if outcome is None:
        future.set_result(None)
    else:
        future.set_exception(outcome)
