"""API keys: created once, shown once, stored as a SHA-256 of the secret, checked in constant
time, and each with its own rate limit.

Every key belongs to a tenant: what it stores belongs to that tenant, and it reads only its
tenant's data. Every key has a role; each role can do what the one before it can:

- ``agent``: ask for verdicts and drafts, read the tenant's drafts, give feedback;
- ``supervisor``: what an agent can; the drafts list and the console are meant for it;
- ``admin``: also the service's own figures (``/metrics``), which count every tenant.

A key looks like ``drk_<id>_<secret>``. The id is public (it names the key in lists, logs and
the audit store); the secret carries 256 bits of randomness, so a plain SHA-256 is the right
hash (a slow password hash protects low-entropy secrets and would only add latency here).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from enum import StrEnum

from drafter.errors import AuthError, ForbiddenError, RateLimitedError, UserError
from drafter.store.audit import AuditStore, utc, utcnow
from drafter.store.tables import ApiKeyRow

__all__ = [
    "ApiKey",
    "KeyRing",
    "RateLimiter",
    "Role",
    "create_key",
    "parse_key",
]

PREFIX = "drk"


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
