"""Under concurrent load, ``kill -9`` the server: every draft whose answer a client received
is in the store after a restart, exactly as it was answered."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from drafter.keys import create_key
from drafter.store import opened_store
from drafter.testing.llm_server import LLMServer
from drafter.testing.llm_server import Reply as Scripted
from tests.api.conftest import FIXTURES, llm_settings
from tests.api.live import LiveServer
from tests.api.sse import parse_sse
from tests.test_pipeline import GOOD

CLIENTS = 24


async def hammer(
    server: LiveServer, auth: dict[str, str], ticket: dict[str, Any], index: int,
    received: dict[str, str], stop: asyncio.Event, cut_off: list[int],
) -> None:  # fmt: skip
    """Send drafts one after another (every third one streamed) until the server dies."""
    body = {"policy": "mini-store", "request": ticket}
    stream = index % 3 == 0
    headers = auth | ({"Accept": "text/event-stream"} if stream else {})
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as client:
        while not stop.is_set():
            try:
                response = await client.post("/v1/drafts", json=body)
            except httpx.TransportError:
                cut_off.append(index)  # the server died with this request in flight
                return
            if response.status_code != 200:
                continue
            if stream:
                events = parse_sse(response.text)
                if not events or events[-1].event != "final":
                    continue  # cut off mid-stream: no answer was received
                answer = events[-1].data
            else:
                answer = response.text
            received[json.loads(answer)["id"]] = answer


async def load_then_kill(
    server: LiveServer, auth: dict[str, str], ticket: dict[str, Any]
) -> tuple[dict[str, str], list[int]]:
    received: dict[str, str] = {}
    cut_off: list[int] = []
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(hammer(server, auth, ticket, i, received, stop, cut_off))
        for i in range(CLIENTS)
    ]
    deadline = time.monotonic() + 60
    while len(received) < 60 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    server.kill()  # SIGKILL, mid-flight: some requests are half done
    stop.set()
    await asyncio.gather(*tasks)
    return received, cut_off


@pytest.mark.slow
def test_kill_9_loses_no_acknowledged_draft(
    llm_server: LLMServer, database_url: str, tmp_path: Path, ticket: dict[str, Any]
) -> None:
    # Every model call takes 50 ms, so many drafts are in flight when the server dies.
    llm_server.script.responder = lambda request: Scripted(GOOD, delay_s=0.05)
    settings = llm_settings(llm_server, database_url, tmp_path)
    with opened_store(settings) as store:
        token, _ = create_key(store, "load", rate_limit_per_minute=1_000_000)
    auth = {"Authorization": f"Bearer {token}"}
    env = {
        "DRAFTER_DATA_DIR": str(tmp_path / "data"),
        "DRAFTER_POLICIES_DIR": str(FIXTURES),
        "DRAFTER_DATABASE_URL": database_url,
        "DRAFTER_LLM_BASE_URL": llm_server.base_url,
        "DRAFTER_LLM_MODEL": "test-model",
        "DRAFTER_LLM_API_KEY": "sk-test",
        "DRAFTER_LOG_LEVEL": "warning",
    }
    server = LiveServer(env, workers=2, log=tmp_path / "server.log")
    server.start()
    try:
        received, cut_off = asyncio.run(load_then_kill(server, auth, ticket))
    finally:
        server.stop()
    assert len(received) >= 60
    assert len(cut_off) >= CLIENTS // 2  # the kill really hit requests in flight

    restarted = LiveServer(env, workers=1, log=tmp_path / "server.log")
    restarted.start()
    try:
        with httpx.Client(base_url=restarted.url, headers=auth) as client:
            for draft_id, answer in received.items():
                stored = client.get(f"/v1/drafts/{draft_id}")
                assert stored.status_code == 200, f"acknowledged draft {draft_id} was lost"
                assert stored.json()["reply"] == json.loads(answer)["reply"]
    finally:
        restarted.stop()
