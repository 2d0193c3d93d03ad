"""POST /v1/verdicts: the verdict as the engine gives it, recorded before the answer."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from drafter.policy import PolicyRegistry, evaluate
from drafter.schemas import Request
from drafter.store import AuditStore
from drafter.store.tables import VerdictRow
from tests.api.conftest import FIXTURES


def test_verdict_matches_the_engine_byte_for_byte(
    client: TestClient, auth: dict[str, str], ticket: dict[str, Any]
) -> None:
    response = client.post(
        "/v1/verdicts", headers=auth, json={"policy": "mini-store", "request": ticket}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    expected = evaluate(
        PolicyRegistry(FIXTURES).get("mini-store"), Request.model_validate_json(json.dumps(ticket))
    )
    assert response.content == expected.model_dump_json().encode()
    assert response.json()["decision"] == "decline"
    assert response.json()["rule"] == "outside_window"


def test_every_verdict_is_in_the_audit_store(
    client: TestClient, auth: dict[str, str], ticket: dict[str, Any], store: AuditStore
) -> None:
    for _ in range(3):
        client.post("/v1/verdicts", headers=auth, json={"policy": "mini-store", "request": ticket})
    with store.session() as session:
        rows = list(session.scalars(select(VerdictRow)))
    assert len(rows) == 3
    row = rows[0]
    assert (row.policy_id, row.decision, row.rule) == ("mini-store", "decline", "outside_window")
    assert json.loads(row.request_json)["message"] == ticket["message"]
    assert json.loads(row.verdict_json)["policy"]["version"] == row.policy_version
    assert not row.redacted
    # The brief a replay reads: the verdict's decision and the steps that fired, no texts.
    assert row.brief_json is not None
    brief, whole = json.loads(row.brief_json), json.loads(row.verdict_json)
    assert brief["decision"] == whole["decision"]
    steps = [{"rule": s["rule"], "result": s["result"]} for s in whole["trace"]]
    fired = [step for step in steps if step["result"] == "fired"]
    assert brief["trace"] == fired != []


def test_dates_are_read_as_json_strings_in_strict_mode(
    client: TestClient, auth: dict[str, str], ticket: dict[str, Any]
) -> None:
    # A strict model validated in Python mode would refuse "2026-11-20"; the API must not.
    ticket["as_of"] = "2026-11-21"
    response = client.post(
        "/v1/verdicts", headers=auth, json={"policy": "mini-store", "request": ticket}
    )
    assert response.status_code == 200, response.text
    assert response.json()["as_of"] == "2026-11-21"


def test_a_float_amount_is_refused_with_its_field_path(
    client: TestClient, auth: dict[str, str], ticket: dict[str, Any]
) -> None:
    ticket["case"]["order"]["items"][0]["price"] = 89.5
    response = client.post(
        "/v1/verdicts", headers=auth, json={"policy": "mini-store", "request": ticket}
    )
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["type"] == "/problems/invalid-request"
    assert problem["errors"][0]["field"] == "case.order.items.0.price"
    assert problem["errors"][0]["pointer"] == "/request/case/order/items/0/price"
    assert "never a float" in problem["errors"][0]["message"]


def test_every_problem_in_the_body_is_listed(
    client: TestClient, auth: dict[str, str], ticket: dict[str, Any]
) -> None:
    del ticket["customer"]
    ticket["ask"]["kind"] = "Teleport!"  # not a word at all; an unknown word is the policy's call
    body = {"policy": "mini-store", "request": ticket, "colour": "red"}
    problem = client.post("/v1/verdicts", headers=auth, json=body).json()
    fields = {error["field"]: error["message"] for error in problem["errors"]}
    assert fields["customer"] == "is required"
    assert "ask.kind" in fields
    assert fields["colour"] == "is not a known field"


def test_a_cross_field_error_names_the_field(
    client: TestClient, auth: dict[str, str], ticket: dict[str, Any]
) -> None:
    ticket["case"]["order"]["delivered_on"] = "2026-12-01"  # after as_of
    problem = client.post(
        "/v1/verdicts", headers=auth, json={"policy": "mini-store", "request": ticket}
    ).json()
    assert problem["errors"][0]["field"] == "case.order.delivered_on"
    assert "after as_of" in problem["errors"][0]["message"]


def test_an_unknown_policy_is_a_field_error_listing_the_known_ones(
    client: TestClient, auth: dict[str, str], ticket: dict[str, Any]
) -> None:
    response = client.post("/v1/verdicts", headers=auth, json={"policy": "nope", "request": ticket})
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/unknown-policy"
    assert problem["errors"][0]["field"] == "policy"
    assert problem["known"] == ["mini-store"]


def test_an_exception_the_policy_does_not_allow_is_refused(
    client: TestClient, auth: dict[str, str], ticket: dict[str, Any]
) -> None:
    ticket["exception"] = {"id": "no-such-exception", "role": "agent", "granted_by": "Sam"}
    response = client.post(
        "/v1/verdicts", headers=auth, json={"policy": "mini-store", "request": ticket}
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/exception-not-allowed"
    assert problem["errors"][0]["field"].startswith("exception")
