"""POST /v1/drafts (JSON and SSE) and GET /v1/drafts/{id}, with the real pipeline writing
through the openai SDK to the scripted local LLM server."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from drafter.keys import Role, create_key
from drafter.store import AuditStore
from drafter.store.tables import DraftRow
from drafter.testing.llm_server import LLMServer
from drafter.testing.llm_server import Reply as Scripted
from tests.api.sse import parse_sse
from tests.test_pipeline import BAD, BAD_FINAL, GOOD, GOOD_FINAL

Drafting = tuple[TestClient, dict[str, str]]
STREAM = {"Accept": "text/event-stream"}


def body(ticket: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"policy": "mini-store", "request": ticket, **more}


def store_of(client: TestClient) -> AuditStore:
    store: AuditStore = client.app.state.services.store  # type: ignore[attr-defined]
    return store


def test_a_json_draft_is_stored_as_returned(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    llm_server.script.push(Scripted(GOOD))
    response = client.post("/v1/drafts", headers=auth, json=body(ticket))
    assert response.status_code == 200, response.text
    answer = response.json()
    reply = answer["reply"]
    assert reply["verdict"]["decision"] == "decline"
    assert reply["draft"]["body"] == GOOD_FINAL
    assert (reply["fallback"], reply["llm_calls"], reply["report"]["passed"]) == (False, 1, True)
    stored = client.get(f"/v1/drafts/{answer['id']}", headers=auth).json()
    assert stored["reply"] == reply
    assert stored["policy"]["id"] == "mini-store"
    assert stored["policy"]["version"] == reply["verdict"]["policy"]["version"]
    assert stored["request"]["message"] == ticket["message"]
    assert stored["feedback"] == []
    row = store_of(client).draft(answer["id"], "default")
    assert row is not None
    assert (row.draft.model, row.draft.provider) == ("scripted-model", "openai")
    assert row.draft.template_version == reply["template_version"]


def test_a_draft_that_breaks_the_verdict_twice_falls_back_and_says_so(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    llm_server.script.push(Scripted(BAD), Scripted(BAD))
    reply = client.post("/v1/drafts", headers=auth, json=body(ticket)).json()["reply"]
    assert reply["fallback"] is True
    assert reply["raw_report"]["passed"] is False
    assert reply["raw_draft"]["body"] == BAD_FINAL
    assert reply["report"]["passed"] is True
    assert reply["llm_calls"] == 2


def test_the_channel_field_overrides_the_request(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    answer = client.post("/v1/drafts", headers=auth, json=body(ticket, channel="chat")).json()
    row = store_of(client).draft(answer["id"], "default")
    assert row is not None
    assert row.draft.channel == "chat"


def test_tone_reaches_the_prompt_and_is_recorded_with_the_draft(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    llm_server.script.push(Scripted(GOOD))
    answer = client.post("/v1/drafts", headers=auth, json=body(ticket, tone="brief")).json()
    assert client.get(f"/v1/drafts/{answer['id']}", headers=auth).json()["tone"] == "brief"
    assert "# Tone: brief" in json.dumps(llm_server.script.requests[-1].body["messages"])
    response = client.post("/v1/drafts", headers=auth, json=body(ticket, tone="snarky"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "tone"


def test_streaming_sends_deltas_then_the_stored_final_reply(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    llm_server.script.push(Scripted(GOOD))
    response = client.post("/v1/drafts", headers=auth | STREAM, json=body(ticket))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    kinds = [e.event for e in events]
    assert kinds[-1] == "final"
    assert set(kinds[:-1]) == {"delta"}
    assert len(kinds) > 2
    streamed = "".join(e.json()["text"] for e in events[:-1])
    assert streamed == GOOD_FINAL
    final = events[-1].json()
    assert final["reply"]["draft"]["body"] == GOOD_FINAL
    assert final["reply"]["fallback"] is False
    stored = client.get(f"/v1/drafts/{final['id']}", headers=auth).json()
    assert stored["reply"] == final["reply"]


def test_a_stream_whose_draft_is_replaced_ends_with_the_safe_reply(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    llm_server.script.push(Scripted(BAD), Scripted(BAD))
    events = parse_sse(client.post("/v1/drafts", headers=auth | STREAM, json=body(ticket)).text)
    streamed = "".join(e.json()["text"] for e in events if e.event == "delta")
    final = events[-1].json()["reply"]
    assert "issued a refund" in streamed  # the agent saw the model's words arrive...
    assert final["fallback"] is True  # ...and the final event replaces them
    assert "issued a refund" not in final["draft"]["body"]


def test_a_caller_error_is_a_status_not_a_stream(
    drafting: Drafting, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    response = client.post(
        "/v1/drafts", headers=auth | STREAM, json={"policy": "nope", "request": ticket}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_a_store_failure_mid_stream_is_an_error_event(
    drafting: Drafting, ticket: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from drafter.errors import StoreError

    client, auth = drafting

    async def broken(rows: object) -> None:
        raise StoreError("the audit store could not be written (OperationalError)")

    monkeypatch.setattr(client.app.state.services.writer, "write", broken)  # type: ignore[attr-defined]
    before = {status: answered("/v1/drafts", status) for status in ("200", "503")}
    events = parse_sse(client.post("/v1/drafts", headers=auth | STREAM, json=body(ticket)).text)
    assert events[-1].event == "error"
    problem = events[-1].json()
    assert problem["status"] == 503
    assert problem["request_id"]
    assert all(e.event != "final" for e in events)  # nothing unrecorded is ever final
    # Counted as what it was (a 503), not as the 200 its headers said.
    after = {status: answered("/v1/drafts", status) for status in ("200", "503")}
    assert (after["200"] - before["200"], after["503"] - before["503"]) == (0, 1)


def answered(route: str, status: str) -> float:
    labels = {"method": "POST", "route": route, "status": status}
    return REGISTRY.get_sample_value("drafter_http_requests_total", labels) or 0.0


def test_drafts_are_counted_and_timed(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    client.post("/v1/drafts", headers=auth, json=body(ticket))
    admin, _ = create_key(store_of(client), "ops", rate_limit_per_minute=10, role=Role.admin)
    text = client.get("/metrics", headers={"Authorization": f"Bearer {admin}"}).text
    assert 'drafter_drafts_total{decision="decline",fallback="false"}' in text
    assert "drafter_draft_overhead_seconds_count" in text


def test_message_text_stays_out_of_the_logs_unless_configured(
    drafting: Drafting, ticket: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    client, auth = drafting
    ticket["message"] = "These shoes are a disgrace, my number is 555 201 9999"
    with caplog.at_level(logging.INFO, logger="drafter"):
        client.post("/v1/drafts", headers=auth, json=body(ticket))
    assert any(r.getMessage() == "draft" for r in caplog.records)
    assert not any("disgrace" in str(r.__dict__) for r in caplog.records)

    services = client.app.state.services  # type: ignore[attr-defined]
    services.settings = services.settings.model_copy(update={"log_message_text": True})
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="drafter"):
        client.post("/v1/drafts", headers=auth, json=body(ticket))
    assert any("disgrace" in str(getattr(r, "customer_message", "")) for r in caplog.records)


def test_an_unknown_draft_is_404(drafting: Drafting) -> None:
    client, auth = drafting
    response = client.get("/v1/drafts/dr_nope", headers=auth)
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


def test_every_answered_draft_is_one_row(drafting: Drafting, ticket: dict[str, Any]) -> None:
    client, auth = drafting
    ids = {
        client.post("/v1/drafts", headers=auth, json=body(ticket)).json()["id"] for _ in range(5)
    }
    with store_of(client).session() as session:
        assert session.scalar(select(func.count()).select_from(DraftRow)) == 5
        rows = list(session.scalars(select(DraftRow)))
    assert len(ids) == 5
    for row in rows:  # with the brief of its verdict, which a replay reads
        verdict = json.loads(row.reply_json)["verdict"]
        assert row.brief_json is not None
        assert json.loads(row.brief_json)["rule"] == verdict["rule"] == row.rule


@pytest.mark.parametrize("headers", [{}, STREAM])
def test_a_draft_evaluates_the_policy_once(
    drafting: Drafting, ticket: dict[str, Any], monkeypatch: pytest.MonkeyPatch, headers: Any
) -> None:
    import drafter.pipeline

    calls: list[str] = []
    evaluate = drafter.pipeline.evaluate

    def counted(policy: Any, request: Any) -> Any:
        calls.append(policy.id)
        return evaluate(policy, request)

    monkeypatch.setattr(drafter.pipeline, "evaluate", counted)
    client, auth = drafting
    response = client.post("/v1/drafts", headers=auth | headers, json=body(ticket))
    assert response.status_code == 200
    assert len(calls) == 1
