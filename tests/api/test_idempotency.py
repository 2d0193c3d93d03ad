"""Idempotency-Key on POST /v1/drafts: same key and body replay the first answer; another
body is 422; a key still running is 409; keys are per API key."""

from __future__ import annotations

import json
import threading
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from drafter.keys import create_key
from drafter.store.tables import DraftRow, IdempotencyClaimRow
from drafter.testing.llm_server import LLMServer
from drafter.testing.llm_server import Reply as Scripted
from tests.api.sse import parse_sse
from tests.api.test_drafts import GOOD, Drafting, body, store_of


def draft_count(client: TestClient) -> int:
    with store_of(client).session() as session:
        return int(session.scalar(select(func.count()).select_from(DraftRow)) or 0)


def test_the_same_key_and_body_replay_the_first_answer(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    headers = auth | {"Idempotency-Key": "ticket-1001-a"}
    first = client.post("/v1/drafts", headers=headers, json=body(ticket))
    calls = len(llm_server.script.requests)
    # Same content, different key order and spacing: still the same body.
    again = client.post(
        "/v1/drafts", headers=headers | {"Content-Type": "application/json"},
        content=json.dumps({"request": ticket, "policy": "mini-store"}, indent=2),
    )  # fmt: skip
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert len(llm_server.script.requests) == calls  # the model was not asked again
    assert draft_count(client) == 1


def test_a_replay_can_be_streamed(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    headers = auth | {"Idempotency-Key": "k-stream"}
    first = client.post("/v1/drafts", headers=headers, json=body(ticket)).json()
    events = parse_sse(
        client.post(
            "/v1/drafts", headers=headers | {"Accept": "text/event-stream"}, json=body(ticket)
        ).text
    )
    assert [e.event for e in events] == ["final"]
    assert events[0].json() == first


def test_the_same_key_with_another_body_is_422(drafting: Drafting, ticket: dict[str, Any]) -> None:
    client, auth = drafting
    headers = auth | {"Idempotency-Key": "k-mismatch"}
    assert client.post("/v1/drafts", headers=headers, json=body(ticket)).status_code == 200
    ticket["message"] = "Actually, it was a gift."
    response = client.post("/v1/drafts", headers=headers, json=body(ticket))
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/idempotency-key"
    assert draft_count(client) == 1


def test_keys_are_scoped_to_the_api_key(drafting: Drafting, ticket: dict[str, Any]) -> None:
    client, auth = drafting
    other, _ = create_key(store_of(client), "other", rate_limit_per_minute=100)
    shared = {"Idempotency-Key": "same-name"}
    a = client.post("/v1/drafts", headers=auth | shared, json=body(ticket)).json()
    b = client.post(
        "/v1/drafts", headers={"Authorization": f"Bearer {other}"} | shared, json=body(ticket)
    ).json()
    assert a["id"] != b["id"]


def test_a_key_still_running_is_409(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    llm_server.script.push(Scripted(GOOD, delay_s=1.0))
    headers = auth | {"Idempotency-Key": "k-slow"}
    results: dict[str, int] = {}

    def first() -> None:
        results["first"] = client.post("/v1/drafts", headers=headers, json=body(ticket)).status_code

    thread = threading.Thread(target=first)
    thread.start()
    while not llm_server.script.requests:  # the first request has reached the model
        threading.Event().wait(0.01)
    second = client.post("/v1/drafts", headers=headers, json=body(ticket))
    thread.join()
    assert second.status_code == 409
    assert results["first"] == 200
    third = client.post("/v1/drafts", headers=headers, json=body(ticket))
    assert third.status_code == 200  # once done, the answer replays


def test_a_malformed_key_is_a_field_error(drafting: Drafting, ticket: dict[str, Any]) -> None:
    client, auth = drafting
    response = client.post(
        "/v1/drafts", headers=auth | {"Idempotency-Key": "x" * 300}, json=body(ticket)
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_a_streamed_first_answer_releases_its_key(
    drafting: Drafting, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    headers = auth | {"Idempotency-Key": "k-streamed-first"}
    streamed = parse_sse(
        client.post(
            "/v1/drafts", headers=headers | {"Accept": "text/event-stream"}, json=body(ticket)
        ).text
    )
    again = client.post("/v1/drafts", headers=headers, json=body(ticket))
    assert again.status_code == 200  # not 409: the stream let go of the key
    assert again.json() == streamed[-1].json()
    with store_of(client).session() as session:  # no claim is left on the key
        assert session.scalar(select(func.count()).select_from(IdempotencyClaimRow)) == 0
