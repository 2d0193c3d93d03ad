"""Two ``drafter serve`` instances on different ports share one PostgreSQL, and a client spreads
its requests over both, as a load balancer would: a key's rate limit holds across them, one
Idempotency-Key makes one draft, tenants hold, and every acknowledged draft is readable from
either instance, also after one of them is killed with ``kill -9``.

PostgreSQL only (skipped without DRAFTER_TEST_DATABASE_URL). The figures each test finds are
printed (``pytest -s``); the README quotes them."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import func, select

from drafter.keys import create_key
from drafter.store import opened_store
from drafter.store.tables import DraftRow
from drafter.testing.llm_server import LLMServer
from drafter.testing.llm_server import Reply as Scripted
from tests.api.conftest import FIXTURES, POSTGRES_URL, llm_settings, postgres_schema_url
from tests.api.live import LiveServer
from tests.test_pipeline import GOOD

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(POSTGRES_URL is None, reason="DRAFTER_TEST_DATABASE_URL is not set"),
]


class Cluster:
    """Two instances (the first with two worker processes) on one PostgreSQL schema."""

    def __init__(self, url: str, llm: LLMServer, folder: Path) -> None:
        self.url = url
        self.settings = llm_settings(llm, url, folder)
        self.env = {
            "DRAFTER_DATA_DIR": str(folder / "data"),
            "DRAFTER_POLICIES_DIR": str(FIXTURES),
            "DRAFTER_DATABASE_URL": url,
            "DRAFTER_LLM_BASE_URL": llm.base_url,
            "DRAFTER_LLM_MODEL": "test-model",
            "DRAFTER_LLM_API_KEY": "sk-test",
            "DRAFTER_LOG_LEVEL": "warning",
        }
        self.folder = folder
        self.instances = [self.instance(workers=2), self.instance(workers=1)]

    def instance(self, *, workers: int) -> LiveServer:
        return LiveServer(self.env, workers=workers, log=self.folder / "servers.log")

    def key(self, *, limit: int, tenant: str = "default") -> dict[str, str]:
        with opened_store(self.settings) as store:
            token, _ = create_key(store, "scale-out", rate_limit_per_minute=limit, tenant=tenant)
        return {"Authorization": f"Bearer {token}"}

    def drafts_with(self, idempotency_key: str) -> int:
        query = select(func.count()).where(DraftRow.idempotency_key == idempotency_key)
        with opened_store(self.settings) as store, store.session() as session:
            return int(session.scalar(query) or 0)


@pytest.fixture
def cluster(llm_server: LLMServer, tmp_path: Path) -> Iterator[Cluster]:
    assert POSTGRES_URL is not None
    for url in postgres_schema_url(POSTGRES_URL):
        cluster = Cluster(url, llm_server, tmp_path)
        with opened_store(cluster.settings):
            pass  # migrate once, before both start
        try:
            for instance in cluster.instances:
                instance.start()
            yield cluster
        finally:
            for instance in cluster.instances:  # a restarted one included
                if instance.process is not None:
                    instance.stop()


def body(ticket: dict[str, Any]) -> dict[str, Any]:
    return {"policy": "mini-store", "request": ticket}


# --- rate limits -------------------------------------------------------------------------


async def burst(cluster: Cluster, auth: dict[str, str], total: int) -> tuple[Counter[int], float]:
    """``total`` requests, 16 at a time, alternating between the instances."""
    urls = itertools.cycle([i.url for i in cluster.instances])
    statuses: Counter[int] = Counter()
    missing_headers: list[int] = []
    queue = [next(urls) for _ in range(total)]

    async def client() -> None:
        async with httpx.AsyncClient(headers=auth, timeout=30) as http:
            while queue:
                answer = await http.get(f"{queue.pop()}/v1/policies")
                statuses[answer.status_code] += 1
                if "ratelimit-limit" not in answer.headers:
                    missing_headers.append(answer.status_code)

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(16)))
    assert not missing_headers, f"answers without RateLimit headers: {missing_headers[:5]}"
    return statuses, time.monotonic() - started


def test_a_burst_over_both_instances_stays_within_one_limit(cluster: Cluster) -> None:
    limit = 60  # a token a second
    statuses, seconds = asyncio.run(burst(cluster, cluster.key(limit=limit), total=4 * limit))
    refilled = int(seconds * limit / 60) + 1
    print(
        f"\nburst of {4 * limit} over 2 instances (3 processes) in {seconds:.2f} s, "
        f"limit {limit}/min: {statuses[200]} got through (limit + refill = "
        f"{limit + refilled}), {statuses[429]} got 429"
    )
    assert set(statuses) <= {200, 429}
    assert limit <= statuses[200] <= limit + refilled  # one bucket, not one per process


# --- idempotency -------------------------------------------------------------------------


async def both_at_once(
    cluster: Cluster, auth: dict[str, str], ticket: dict[str, Any], key: str
) -> list[httpx.Response]:
    headers = auth | {"Idempotency-Key": key}
    async with httpx.AsyncClient(headers=headers, timeout=30) as http:
        posts = [http.post(f"{i.url}/v1/drafts", json=body(ticket)) for i in cluster.instances]
        return list(await asyncio.gather(*posts))


def test_one_idempotency_key_makes_one_draft_across_instances(
    cluster: Cluster, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    # Each model call takes 0.5 s, so the two requests with a key overlap.
    llm_server.script.responder = lambda request: Scripted(GOOD, delay_s=0.5)
    auth = cluster.key(limit=10_000)
    keys = [f"ticket-{n}" for n in range(8)]
    outcomes: Counter[tuple[int, ...]] = Counter()
    for key in keys:
        answers = asyncio.run(both_at_once(cluster, auth, ticket, key))
        outcomes[tuple(sorted(a.status_code for a in answers))] += 1
        ids = {a.json()["id"] for a in answers if a.status_code == 200}
        assert len(ids) == 1
        assert cluster.drafts_with(key) == 1
        for instance in cluster.instances:  # a repeat, on either instance, replays it
            again = httpx.post(
                f"{instance.url}/v1/drafts",
                json=body(ticket),
                headers=auth | {"Idempotency-Key": key},
                timeout=30,
            )
            assert again.status_code == 200
            assert again.json()["id"] in ids
    print(f"\n{len(keys)} keys sent to both instances at once: {dict(outcomes)}, "
          f"{len(llm_server.script.requests)} model calls")  # fmt: skip
    assert len(llm_server.script.requests) == len(keys)  # one draft per key, not one each


# --- tenants and kill -9 -----------------------------------------------------------------


async def spread_drafts(
    cluster: Cluster, auth: dict[str, str], ticket: dict[str, Any], want: int
) -> tuple[dict[str, tuple[int, str]], int]:
    """Draft from 16 clients, each alternating between the instances, until ``want`` are
    acknowledged; then kill the first instance with SIGKILL and carry on against the second
    for a moment. Returns each acknowledged draft's instance and answer, and how many
    requests the kill cut off."""
    received: dict[str, tuple[int, str]] = {}
    other: Counter[int] = Counter()
    cut_off = 0
    stop = asyncio.Event()
    dead: set[int] = set()

    async def client(offset: int) -> None:
        nonlocal cut_off
        async with httpx.AsyncClient(headers=auth, timeout=30) as http:
            for turn in itertools.count(offset):
                if stop.is_set():
                    return
                which = 1 if 0 in dead else turn % 2
                try:
                    answer = await http.post(
                        f"{cluster.instances[which].url}/v1/drafts", json=body(ticket)
                    )
                except httpx.TransportError:
                    cut_off += 1
                    continue
                if answer.status_code == 200:
                    received[answer.json()["id"]] = (which, answer.text)
                else:
                    other[answer.status_code] += 1

    tasks = [asyncio.create_task(client(n)) for n in range(16)]
    deadline = time.monotonic() + 60
    while len(received) < want and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    cluster.instances[0].kill()  # kill -9, with requests in flight
    dead.add(0)
    await asyncio.sleep(1.0)
    stop.set()
    await asyncio.gather(*tasks)
    assert not other, f"answers other than 200: {dict(other)}"
    return received, cut_off


def read_all(url: str, auth: dict[str, str], received: dict[str, tuple[int, str]]) -> int:
    readable = 0
    with httpx.Client(base_url=url, headers=auth, timeout=30) as http:
        for draft_id, (_, answer) in received.items():
            stored = http.get(f"/v1/drafts/{draft_id}")
            assert stored.status_code == 200, f"acknowledged draft {draft_id} is not readable"
            assert stored.json()["reply"] == json.loads(answer)["reply"]
            readable += 1
    return readable


def test_every_acknowledged_draft_is_readable_from_both_after_a_kill_9(
    cluster: Cluster, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    # Every model call takes 0.2 s, so drafts are in flight on both when one is killed.
    llm_server.script.responder = lambda request: Scripted(GOOD, delay_s=0.2)
    auth = cluster.key(limit=1_000_000, tenant="acme")
    received, cut_off = asyncio.run(spread_drafts(cluster, auth, ticket, want=80))
    by_instance = Counter(which for which, _ in received.values())
    assert by_instance[0] >= 20  # both really served
    assert by_instance[1] >= 20
    assert cut_off >= 1  # the kill hit requests in flight

    survivor = cluster.instances[1]
    from_survivor = read_all(survivor.url, auth, received)
    restarted = cluster.instance(workers=1)
    cluster.instances[0] = restarted
    restarted.start()
    from_restarted = read_all(restarted.url, auth, received)
    print(
        f"\n{len(received)} drafts acknowledged ({by_instance[0]} by the killed instance, "
        f"{by_instance[1]} by the other), {cut_off} requests cut off by kill -9; readable: "
        f"{from_survivor} from the survivor, {from_restarted} from the restarted instance"
    )

    # Tenants hold across instances: another tenant's key finds none of them.
    other = cluster.key(limit=1000, tenant="globex")
    some = next(iter(received))
    for instance in cluster.instances:
        assert httpx.get(f"{instance.url}/v1/drafts/{some}", headers=other).status_code == 404
