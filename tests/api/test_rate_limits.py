"""Rate-limit headers on every answer to a key, the limit kept in PostgreSQL when the store is
PostgreSQL, and Idempotency-Key claims in the store (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from drafter.errors import RateLimitedError
from drafter.keys import ApiKey, RateLimiter, SharedRateLimiter, create_key
from drafter.store import AuditStore
from drafter.store.claims import IdempotencyClaims
from drafter.store.db import make_engine, migrate
from tests.api.conftest import make_settings


def test_a_429_carries_the_rate_limit_headers(client: TestClient, store: AuditStore) -> None:
    token, _ = create_key(store, "small", rate_limit_per_minute=2)
    auth = {"Authorization": f"Bearer {token}"}
    answers = [client.get("/v1/policies", headers=auth) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers.get("ratelimit-remaining") for a in answers] == ["1", "0", "0"]
    assert {a.headers.get("ratelimit-limit") for a in answers} == {"2"}
    assert int(answers[2].headers["retry-after"]) >= 1


def test_a_401_carries_none(client: TestClient, store: AuditStore) -> None:
    # A 401 has no key, so no limit applies to it; and the limit of the key id inside a bad
    # token is not for someone without its secret to learn.
    token, key = create_key(store, "victim", rate_limit_per_minute=2)
    wrong = f"drk_{key.id}_{'x' * 43}"
    for headers in ({}, {"Authorization": f"Bearer {wrong}"}):
        answer = client.get("/v1/policies", headers=headers)
        assert answer.status_code == 401
        assert "ratelimit-limit" not in answer.headers
    # A wrong secret spends nothing of the key's limit.
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/policies", headers=auth).headers["ratelimit-remaining"] == "1"


def test_sqlite_keeps_the_limit_in_the_process(client: TestClient) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    expected = SharedRateLimiter if services.engine.dialect.name == "postgresql" else RateLimiter
    assert isinstance(services.limiter, expected)


@pytest.fixture
def engine(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a migrated, empty store (SQLite or PostgreSQL)."""
    engine = make_engine(make_settings(database_url, tmp_path))
    migrate(engine)
    yield engine
    engine.dispose()


def test_the_shared_bucket_refills_and_says_when(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the shared bucket is PostgreSQL's")
    # Two limiters on one database stand for two instances.
    first, second = SharedRateLimiter(engine), SharedRateLimiter(engine)
    first.start()
    second.start()
    try:
        outcomes = asyncio.run(_spend_both(first, second, ApiKey("k1", "k", 6)))
    finally:
        first.stop()
        second.stop()
    granted = [o for o in outcomes if isinstance(o, float)]
    refused = [o for o in outcomes if isinstance(o, RateLimitedError)]
    assert len(granted) == 6  # not 12: both spend from one bucket
    assert sorted(granted) == pytest.approx([0, 1, 2, 3, 4, 5], abs=0.05)
    assert len(refused) == 6
    assert all(8 <= r.retry_after <= 10 for r in refused)  # one token in 10 s


async def _spend_both(
    first: SharedRateLimiter, second: SharedRateLimiter, key: ApiKey
) -> list[float | BaseException]:
    calls = [limiter.take(key) for _ in range(6) for limiter in (first, second)]
    return await asyncio.gather(*calls, return_exceptions=True)


def test_a_claim_holds_until_released_or_stale(engine: Engine) -> None:
    claims = IdempotencyClaims(engine, stale_after_s=0.5)
    assert claims.claim("key1", "ticket-1")
    assert not claims.claim("key1", "ticket-1")  # held: another request gets 409
    assert claims.claim("key2", "ticket-1")  # per API key
    claims.release("key1", "ticket-1")
    assert claims.claim("key1", "ticket-1")  # released: free again
    time.sleep(0.6)
    assert claims.claim("key1", "ticket-1")  # its holder died: taken over
    assert not claims.claim("key1", "ticket-1")
