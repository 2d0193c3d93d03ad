"""Against a real ``drafter serve`` (uvicorn) on 127.0.0.1, with several workers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from drafter.keys import Role, create_key
from drafter.store import opened_store
from drafter.testing.llm_server import LLMServer
from drafter.testing.llm_server import Reply as Scripted
from tests.api.conftest import FIXTURES, make_settings
from tests.api.live import LiveServer, live_server
from tests.api.sse import parse_sse


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    with opened_store(make_settings(database_url, tmp_path)) as store:
        token, _ = create_key(store, "live", rate_limit_per_minute=10_000, role=Role.admin)
    env = {
        "DRAFTER_DATA_DIR": str(tmp_path / "data"),
        "DRAFTER_POLICIES_DIR": str(FIXTURES),
        "DRAFTER_DATABASE_URL": database_url,
    }
    with live_server(env, workers=2, log=tmp_path / "server.log") as server:
        yield server, {"Authorization": f"Bearer {token}"}


def test_verdicts_over_tcp_with_two_workers(
    served: tuple[LiveServer, dict[str, str]], ticket: dict[str, Any], tmp_path: Path
) -> None:
    server, auth = served
    body = {"policy": "mini-store", "request": ticket}
    with httpx.Client(base_url=server.url, headers=auth) as client:
        responses = [client.post("/v1/verdicts", json=body) for _ in range(20)]
        metrics = client.get("/metrics").text
    assert {r.status_code for r in responses} == {200}
    assert {r.json()["decision"] for r in responses} == {"decline"}
    assert len({r.headers["x-request-id"] for r in responses}) == 20
    # Both workers' samples are summed: the counter saw every verdict.
    assert 'drafter_verdicts_total{decision="decline"} 20.0' in metrics


def test_logs_are_json_lines_with_request_ids_and_no_message_text(
    served: tuple[LiveServer, dict[str, str]], ticket: dict[str, Any], tmp_path: Path
) -> None:
    server, auth = served
    ticket["message"] = "My phone is 555 867 5309 and I am furious"
    with httpx.Client(base_url=server.url, headers=auth) as client:
        response = client.post("/v1/verdicts", json={"policy": "mini-store", "request": ticket})
    server.stop()
    lines = [line for line in server.log.read_text().splitlines() if line.startswith("{")]
    entries = [json.loads(line) for line in lines]
    request_id = response.headers["x-request-id"]
    mine = [e for e in entries if e.get("request_id") == request_id]
    assert mine, "the request's log line carries its request id"
    assert mine[0]["status"] == 200
    assert mine[0]["path"] == "/v1/verdicts"
    assert "furious" not in server.log.read_text()


def test_a_streamed_draft_arrives_piece_by_piece_over_tcp(
    llm_server: LLMServer, database_url: str, tmp_path: Path, ticket: dict[str, Any]
) -> None:
    """Deltas reach the client while the model is still writing, not all at the end."""
    from tests.test_pipeline import GOOD, GOOD_FINAL

    llm_server.script.chunk_delay_s = 0.02  # about 40 chunks: the model writes for ~1 s
    llm_server.script.responder = lambda request: Scripted(GOOD)
    settings = make_settings(database_url, tmp_path)
    with opened_store(settings) as store:
        token, _ = create_key(store, "live", rate_limit_per_minute=100)
    env = {
        "DRAFTER_DATA_DIR": str(tmp_path / "data"),
        "DRAFTER_POLICIES_DIR": str(FIXTURES),
        "DRAFTER_DATABASE_URL": database_url,
        "DRAFTER_LLM_BASE_URL": llm_server.base_url,
        "DRAFTER_LLM_MODEL": "test-model",
    }
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    arrivals: list[tuple[float, str]] = []
    with (
        live_server(env, log=tmp_path / "server.log") as server,
        httpx.Client(base_url=server.url, headers=headers, timeout=30) as client,
    ):
        started = time.perf_counter()
        body = {"policy": "mini-store", "request": ticket}
        with client.stream("POST", "/v1/drafts", json=body) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            for chunk in response.iter_text():
                arrivals.append((time.perf_counter() - started, chunk))
    events = parse_sse("".join(chunk for _, chunk in arrivals))
    assert events[-1].event == "final"
    assert "".join(e.json()["text"] for e in events if e.event == "delta") == GOOD_FINAL
    first_delta = next(t for t, chunk in arrivals if "event: delta" in chunk)
    final = next(t for t, chunk in arrivals if "event: final" in chunk)
    assert final - first_delta > 0.5  # the deltas were not held back until the end
