"""What the API needs at run time, built once per process in the app's lifespan."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine

from drafter.errors import PolicyError
from drafter.keys import ApiKey, KeyRing, RateLimiter, SharedRateLimiter
from drafter.lookups import Lookups
from drafter.pipeline import Pipeline
from drafter.policy import PolicyRegistry
from drafter.settings import Settings
from drafter.store import AuditLog, AuditStore
from drafter.store.claims import IdempotencyClaims
from drafter.store.db import current_revision, head_revision, make_engine, migrate
from drafter.store.writer import GroupWriter

__all__ = ["Services"]

log = logging.getLogger("drafter.api")
# /readyz is open without a key, so a flood of it must not cost a flood of database round trips
# and policy-folder scans: each process checks at most once per this many seconds.
READY_CHECK_SECONDS = 1.0


@dataclass
class Services:
    """The settings, the audit store and its writer, the keys and their rate limits, the
    Idempotency-Key claims, the policies, the pipeline."""

    settings: Settings
    engine: Engine
    store: AuditStore
    writer: GroupWriter
    audit_log: AuditLog  # the store's front door for verdicts, drafts and feedback
    keys: KeyRing
    # In PostgreSQL, shared by every instance on it; else in this process (see ``spend``).
    limiter: RateLimiter | SharedRateLimiter
    claims: IdempotencyClaims
    registry: PolicyRegistry
    pipeline: Pipeline
    lookups: Lookups  # calls the tenants' order systems for the packs' lookups
    # The policy ids found at start-up (policies are loaded once; restart to pick up changes).
    policy_ids: list[str] = field(default_factory=list)
    # The last readiness checks and when they were made (monotonic seconds).
    _readiness: tuple[float, dict[str, str]] = (float("-inf"), {})
    _readiness_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, settings: Settings, *, migrate_schema: bool) -> Services:
        """Open the store (upgrading its schema if asked), start the writer, load policies."""
        engine = make_engine(settings)
        if migrate_schema:
            migrate(engine)
        store = AuditStore(engine)
        writer = GroupWriter(engine)
        writer.start()
        limiter = _limiter(engine)
        registry = PolicyRegistry(settings.policies_dir)
        services = cls(
            settings=settings,
            engine=engine,
            store=store,
            writer=writer,
            audit_log=AuditLog(writer, redact=settings.redact_pii),
            keys=KeyRing(store, cache_seconds=settings.key_cache_seconds),
            limiter=limiter,
            claims=IdempotencyClaims(engine, stale_after_s=_longest_draft_s(settings)),
            registry=registry,
            pipeline=Pipeline(settings, registry=registry),
            lookups=Lookups(settings),
        )
        services.load_policies()
        return services

    async def stop(self) -> None:
        await self.pipeline.aclose()
        await self.lookups.aclose()
        self.writer.stop()
        if isinstance(self.limiter, SharedRateLimiter):
            self.limiter.stop()
        self.engine.dispose()

    async def spend(self, key: ApiKey) -> int:
        """Spend one request of the key's rate limit; returns the whole requests left.

        Raises:
            RateLimitedError: the key is over its limit.
            StoreError: the shared limit could not be checked.
        """
        if isinstance(self.limiter, SharedRateLimiter):
            return int(await self.limiter.take(key))
        return int(self.limiter.take(key))

    def load_policies(self) -> list[str]:
        """Load every policy now rather than on the first request; returns the failures."""
        failures = []
        self.policy_ids = self.registry.ids()
        for policy_id in self.policy_ids:
            try:
                self.registry.get(policy_id)
            except PolicyError as error:
                log.error("policy %s failed to load: %s", policy_id, error)
                failures.append(f"{policy_id}: {error.detail}")
        return failures

    def readiness(self) -> dict[str, str]:
        """Each dependency and whether it is ready ("ok" or why not), checked at most once per
        ``READY_CHECK_SECONDS``; concurrent callers wait for one check rather than each making
        their own."""
        with self._readiness_lock:
            checked_at, checks = self._readiness
            if time.monotonic() - checked_at >= READY_CHECK_SECONDS:
                checks = self._check_readiness()
                self._readiness = (time.monotonic(), checks)
            return dict(checks)

    def _check_readiness(self) -> dict[str, str]:
        checks = {"database": self._database_state(), "policies": "ok"}
        failures = self.load_policies()
        if failures:
            checks["policies"] = "; ".join(failures)
        elif not self.registry.ids():
            checks["policies"] = f"no policies in {self.settings.policies_dir}"
        return checks

    def _database_state(self) -> str:
        try:
            current, head = current_revision(self.engine), head_revision()
        except Exception as error:  # any driver error means not ready
            return f"unreachable ({type(error).__name__})"
        if current != head:
            return f"schema at {current}, expected {head}; run drafter serve --migrate"
        return "ok"


def _limiter(engine: Engine) -> RateLimiter | SharedRateLimiter:
    """On PostgreSQL the bucket is shared, so N instances (or worker processes) behind a load
    balancer let a key through at its limit, not N times it. On SQLite, which serves one
    machine, it stays in the process: sharing it would cost a write transaction, and a disk
    sync, per request; with --workers N a key gets up to N times its limit there."""
    if engine.dialect.name != "postgresql":
        return RateLimiter()
    limiter = SharedRateLimiter(engine)
    limiter.start()
    return limiter


def _longest_draft_s(settings: Settings) -> float:
    """A claim older than this was left by a dead instance: a draft makes at most two model
    calls (the draft and its repair), each within the LLM deadline; a minute more covers the
    rest (the guard, the store, a slow client reading the stream)."""
    return 2 * settings.llm_deadline_s + 60.0
