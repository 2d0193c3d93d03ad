"""API keys: created once, shown once, stored as a SHA-256 of the secret, checked in constant
time, and each with its own rate limit.

Every key belongs to a tenant: what it stores belongs to that tenant, and it reads only its
tenant's data. Every key has a role; each role can do what the one before it can:

- ``agent``: ask for verdicts and drafts, read the tenant's drafts, give feedback;
- ``supervisor``: what an agent can; the drafts list and the console are meant for it;
- ``admin``: also the service's own figures (``/metrics``), which count every tenant.

Rate limits are a token bucket per key: in the process (``RateLimiter``) when one process
serves from SQLite, in PostgreSQL (``SharedRateLimiter``) when several instances share it.

A key looks like ``drk_<id>_<secret>``. The id is public (it names the key in lists, logs and
the audit store); the secret carries 256 bits of randomness, so a plain SHA-256 is the right
hash (a slow password hash protects low-entropy secrets and would only add latency here).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import queue
import re
import secrets
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import PoolProxiedConnection

from drafter.errors import AuthError, ForbiddenError, RateLimitedError, StoreError, UserError
from drafter.store.audit import AuditStore, utc, utcnow
from drafter.store.tables import ApiKeyRow

__all__ = [
    "ApiKey",
    "KeyRing",
    "RateLimiter",
    "Role",
    "SharedRateLimiter",
    "create_key",
    "parse_key",
]

PREFIX = "drk"
MAX_BATCH = 500  # rate-limit statements sent in one round trip
log = logging.getLogger("drafter.api")


class Role(StrEnum):
    """What a key may do, each role including the ones before it."""

    agent = "agent"
    supervisor = "supervisor"
    admin = "admin"

    def allows(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An authenticated caller, without its secret."""

    id: str
    name: str
    rate_limit_per_minute: int
    tenant: str = "default"
    role: Role = Role.agent

    def require(self, needed: Role) -> None:
        """Raises ForbiddenError unless this key's role allows ``needed``'s work."""
        if not self.role.allows(needed):
            raise ForbiddenError(
                f"this needs a key with the role {needed} (this key is {self.role})"
            )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_key(token: str) -> str:
    """The key id inside a presented token.

    Raises:
        AuthError: the token is not shaped like a drafter key.
    """
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != PREFIX or not key_id or len(secret) < 32 or len(token) > 200:
        raise AuthError("the API key is malformed; expected drk_<id>_<secret>")
    return key_id


TENANT = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")


def create_key(
    store: AuditStore,
    name: str,
    *,
    rate_limit_per_minute: int,
    tenant: str = "default",
    role: Role = Role.agent,
) -> tuple[str, ApiKey]:
    """Make and store a new key of ``tenant``; returns the token (shown once, never stored)
    and the key."""
    if not name.strip() or len(name) > 200:
        raise UserError("a key needs a name of 1 to 200 characters")
    if not TENANT.fullmatch(tenant):
        raise UserError(
            "a tenant is 1 to 100 lowercase letters, digits, '-' or '_', starting with a letter "
            "or digit"
        )
    if not 1 <= rate_limit_per_minute <= 1_000_000:
        raise UserError("the rate limit must be between 1 and 1000000 requests per minute")
    key_id = secrets.token_hex(6)
    token = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    row = ApiKeyRow(
        id=key_id,
        tenant=tenant,
        role=role.value,
        name=name.strip(),
        secret_sha256=_digest(token),
        rate_limit_per_minute=rate_limit_per_minute,
        created_at=utcnow(),
    )
    store.insert([row])
    return token, ApiKey(key_id, row.name, rate_limit_per_minute, tenant, role)


class KeyRing:
    """Checks presented tokens against the store, remembering good ones for a few seconds so
    the database is not read on every request (a revocation takes effect within that time)."""

    def __init__(self, store: AuditStore, *, cache_seconds: float) -> None:
        self.store = store
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, str, ApiKey]] = {}

    def authenticate(self, token: str) -> ApiKey:
        """The key the token belongs to.

        Raises:
            AuthError: malformed, unknown or revoked.
        """
        key_id = parse_key(token)
        digest = _digest(token)
        cached = self._cache.get(key_id)
        fresh = cached is not None and time.monotonic() < cached[0]
        if cached is not None and fresh and hmac.compare_digest(cached[1], digest):
            return cached[2]
        row = self.store.key(key_id)
        if row is None or not hmac.compare_digest(row.secret_sha256, digest):
            raise AuthError("the API key is not valid")
        if row.revoked_at is not None:
            raise AuthError(f"the API key was revoked at {utc(row.revoked_at):%Y-%m-%d %H:%M}Z")
        key = ApiKey(row.id, row.name, row.rate_limit_per_minute, row.tenant, Role(row.role))
        if self.cache_seconds > 0:
            self._cache[key_id] = (time.monotonic() + self.cache_seconds, digest, key)
        return key

    def is_cached(self, token: str) -> bool:
        """Whether authenticate() would answer without reading the database."""
        try:
            key_id = parse_key(token)
        except AuthError:
            return True  # rejected without the database
        cached = self._cache.get(key_id)
        return cached is not None and time.monotonic() < cached[0]


class RateLimiter:
    """A token bucket per key: ``limit`` requests per minute, refilled continuously, with
    bursts of up to the whole minute's allowance. Counts are per process."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: ApiKey) -> float:
        """Spend one request; returns what is left.

        Raises:
            RateLimitedError: the bucket is empty; says when the next request is allowed.
        """
        limit = float(key.rate_limit_per_minute)
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key.id, (limit, now))
            tokens = min(limit, tokens + (now - last) * limit / 60.0)
            if tokens < 1.0:
                self._buckets[key.id] = (tokens, now)
                wait = (1.0 - tokens) * 60.0 / limit
                raise RateLimitedError(key.id, limit=key.rate_limit_per_minute, retry_after=wait)
            self._buckets[key.id] = (tokens - 1.0, now)
            return tokens - 1.0


# One statement spends a token of the key's bucket in PostgreSQL, whichever instance runs it.
# A new bucket starts full. The refill since ``updated_at`` is worked out in the statement,
# under the row lock ON CONFLICT takes, so concurrent requests on any instance see each other's
# spending: the update happens only while a whole token is left, and RETURNING gives what is
# left after it (no row: refused). The clock is the database's, the same for every instance;
# ``GREATEST`` keeps it from running backwards between two transactions that started out of
# order.
_REFILLED = (
    "LEAST(%(limit)s, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM now() - b.updated_at))"
    " * %(limit)s / 60.0)"
)
_SPEND = (
    "INSERT INTO rate_limits AS b (key_id, tokens, updated_at)"
    " VALUES (%(key_id)s, %(limit)s - 1, now())"
    " ON CONFLICT (key_id) DO UPDATE"
    f" SET tokens = {_REFILLED} - 1, updated_at = GREATEST(b.updated_at, now())"
    f" WHERE {_REFILLED} >= 1"
    " RETURNING tokens"
)
_LEFT = f"SELECT {_REFILLED} FROM rate_limits AS b WHERE b.key_id = %(key_id)s"


@dataclass(frozen=True, slots=True)
class _Spend:
    key: ApiKey
    future: asyncio.Future[float]
    loop: asyncio.AbstractEventLoop


class SharedRateLimiter:
    """``RateLimiter``'s bucket kept in PostgreSQL, so that every instance serving from it
    spends from the same one: one statement per request, and a second one only to tell a
    refused request how long to wait; at most one round trip per request, fewer under load.

    One thread per process runs the statements, on one connection of its own, through psycopg
    directly (SQLAlchemy's ``raw_connection``): no pool checkout or ping per request, and half
    the CPU of a Core ``execute``, which matters because this thread shares the GIL with the
    event loop. The connection commits without waiting for the disk
    (``synchronous_commit = off``): a database crash may forget the last few milliseconds of
    spending, which a rate limit can afford, and no request waits for a WAL flush.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._queue: queue.SimpleQueue[_Spend | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pooled: PoolProxiedConnection | None = None
        self._connection: psycopg.Connection[tuple[Any, ...]] | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="drafter-limiter", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    async def take(self, key: ApiKey) -> float:
        """Spend one request; returns what is left.

        Raises:
            RateLimitedError: the bucket is empty; says when the next request is allowed.
            StoreError: the database could not be reached (fail closed: no request passes).
        """
        if self._thread is None:
            raise RuntimeError("the rate limiter is not running")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[float] = loop.create_future()
        self._queue.put(_Spend(key, future, loop))
        return await future

    def _run(self) -> None:
        running = True
        while running:
            batch = [self._queue.get()]
            while batch[-1] is not None and len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            running = batch[-1] is not None
            jobs = [job for job in batch if job is not None]
            if jobs:
                outcomes = self._spend_all([job.key for job in jobs])
                for job, outcome in zip(jobs, outcomes, strict=True):
                    job.loop.call_soon_threadsafe(_settle, job.future, outcome)
        self._drop()

    def _spend_all(self, keys: list[ApiKey]) -> list[float | Exception]:
        """Spend one request of each key, in order. Under load many requests wait while a
        statement runs; they go together in one round trip (psycopg's pipeline mode), each
        still its own statement, so two requests of one key see each other."""
        values = [{"key_id": key.id, "limit": float(key.rate_limit_per_minute)} for key in keys]
        try:
            connection = self._connect()
            spent = _run_each(connection, _SPEND, values)
            refused = [i for i, row in enumerate(spent) if row is None]
            lefts = _run_each(connection, _LEFT, [values[i] for i in refused])
            tokens_left = dict(zip(refused, lefts, strict=True))
        except (psycopg.Error, SQLAlchemyError) as error:
            self._drop()
            log.error("rate limit: the database failed: %s", type(error).__name__)
            return [StoreError("the rate limit could not be checked") for _ in keys]
        outcomes: list[float | Exception] = []
        for i, (key, row) in enumerate(zip(keys, spent, strict=True)):
            if row is not None:
                outcomes.append(float(row[0]))
                continue
            left = tokens_left[i]
            tokens = float(left[0]) if left is not None else 0.0
            wait = max(0.0, 1.0 - tokens) * 60.0 / key.rate_limit_per_minute
            outcomes.append(
                RateLimitedError(key.id, limit=key.rate_limit_per_minute, retry_after=wait)
            )
        return outcomes

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        if self._connection is None:
            self._pooled = self.engine.raw_connection()
            connection = self._pooled.driver_connection
            assert isinstance(connection, psycopg.Connection)
            connection.autocommit = True
            connection.execute("SET synchronous_commit = off")
            connection.execute("SET statement_timeout = '5s'")
            self._connection = connection
        return self._connection

    def _drop(self) -> None:
        if self._pooled is not None:
            with contextlib.suppress(psycopg.Error, SQLAlchemyError):
                self._pooled.invalidate()  # never hand a connection in this state to the pool
            self._pooled = None
            self._connection = None


Row = tuple[Any, ...] | None


def _run_each(
    connection: psycopg.Connection[tuple[Any, ...]], sql: str, values: list[dict[str, Any]]
) -> list[Row]:
    """One statement per set of values, and the first row each returns. Several go in one
    round trip (pipeline mode), which costs more than a plain execute for a single one."""
    if len(values) <= 1:
        return [connection.execute(sql, v).fetchone() for v in values]
    with connection.pipeline():
        cursors = [connection.execute(sql, v) for v in values]
    return [cursor.fetchone() for cursor in cursors]


def _settle(future: asyncio.Future[float], outcome: float | Exception) -> None:
    if future.cancelled():
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
