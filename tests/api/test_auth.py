"""Keys: every route but health needs one; stored hashed; revocable; rate-limited per key."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from drafter.errors import AuthError, RateLimitedError
from drafter.keys import ApiKey, KeyRing, RateLimiter, create_key, parse_key
from drafter.store import AuditStore

PROTECTED = [
    ("get", "/v1/policies"),
    ("get", "/v1/policies/mini-store"),
    ("post", "/v1/verdicts"),
    ("get", "/metrics"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_protected_routes_refuse_a_missing_key(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["type"] == "/problems/unauthorized"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer drk_abc_" + "x" * 40,  # unknown id
        "Bearer not-a-key",
        "Basic dXNlcjpwYXNz",
        "Bearer ",
    ],
)
def test_bad_credentials_are_refused(client: TestClient, header: str) -> None:
    response = client.get("/v1/policies", headers={"Authorization": header})
    assert response.status_code == 401


def test_a_right_id_with_a_wrong_secret_is_refused(client: TestClient, token: str) -> None:
    forged = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    response = client.get("/v1/policies", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_health_needs_no_key(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_only_a_hash_of_the_key_is_stored(store: AuditStore, token: str) -> None:
    row = store.key(parse_key(token))
    assert row is not None
    assert row.secret_sha256 == hashlib.sha256(token.encode()).hexdigest()
    secret = token.rsplit("_", 1)[1]
    assert secret not in (row.secret_sha256, row.id, row.name)


def test_a_revoked_key_is_refused(client: TestClient, store: AuditStore, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/policies", headers=headers).status_code == 200
    assert store.revoke_key(parse_key(token))
    response = client.get("/v1/policies", headers=headers)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert not store.revoke_key(parse_key(token))  # already revoked


def test_each_key_has_its_own_rate_limit(client: TestClient, store: AuditStore) -> None:
    slow, _ = create_key(store, "slow", rate_limit_per_minute=3)
    fast, _ = create_key(store, "fast", rate_limit_per_minute=100)
    statuses = [
        client.get("/v1/policies", headers={"Authorization": f"Bearer {slow}"}).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/v1/policies", headers={"Authorization": f"Bearer {slow}"})
    assert limited.json()["type"] == "/problems/rate-limited"
    assert int(limited.headers["retry-after"]) >= 1
    ok = client.get("/v1/policies", headers={"Authorization": f"Bearer {fast}"})
    assert ok.status_code == 200
    assert ok.headers["ratelimit-limit"] == "100"
    assert ok.headers["ratelimit-remaining"] == "99"


def test_the_bucket_refills_with_time(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("drafter.keys.time.monotonic", lambda: clock[0])
    limiter, key = RateLimiter(), ApiKey("k", "k", rate_limit_per_minute=60)
    for _ in range(60):
        limiter.take(key)
    with pytest.raises(RateLimitedError) as caught:
        limiter.take(key)
    assert caught.value.retry_after == pytest.approx(1.0)
    clock[0] += 1.0  # one request per second comes back
    limiter.take(key)
    with pytest.raises(RateLimitedError):
        limiter.take(key)


def test_the_key_cache_still_checks_the_secret(store: AuditStore) -> None:
    token, key = create_key(store, "cached", rate_limit_per_minute=10)
    ring = KeyRing(store, cache_seconds=60)
    assert ring.authenticate(token) == key
    assert ring.is_cached(token)
    with pytest.raises(AuthError):
        ring.authenticate(token[:-1] + ("A" if token[-1] != "A" else "B"))


def test_key_names_and_limits_are_validated(store: AuditStore) -> None:
    with pytest.raises(Exception, match="name"):
        create_key(store, "  ", rate_limit_per_minute=10)
    with pytest.raises(Exception, match="rate limit"):
        create_key(store, "ok", rate_limit_per_minute=0)
