"""GET /v1/policies and GET /v1/policies/{id} over the shipped policies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from drafter.api import create_app
from drafter.keys import create_key
from drafter.policy import PolicyRegistry
from tests.api.conftest import ROOT, make_settings

SHIPPED = ROOT / "policies"


@pytest.fixture
def shipped(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = make_settings(f"sqlite:///{tmp_path / 'a.db'}", tmp_path, policies_dir=SHIPPED)
    with TestClient(create_app(settings)) as client:
        token, _ = create_key(client.app.state.services.store, "t", rate_limit_per_minute=100)  # type: ignore[attr-defined]
        yield client, {"Authorization": f"Bearer {token}"}


def test_the_list_names_every_shipped_policy(shipped: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = shipped
    listed = client.get("/v1/policies", headers=auth).json()
    registry = PolicyRegistry(SHIPPED)
    assert [p["id"] for p in listed] == registry.ids()
    for entry in listed:
        policy = registry.get(entry["id"])
        assert entry == {
            "id": policy.id,
            "version": policy.version,
            "title": policy.title,
            "sha256": policy.sha256,
        }


def test_one_policy_carries_its_inputs_schema(shipped: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = shipped
    policy_id = PolicyRegistry(SHIPPED).ids()[0]
    detail = client.get(f"/v1/policies/{policy_id}", headers=auth).json()
    schema = detail["inputs_schema"]
    assert schema["x-policy"]["id"] == policy_id
    assert all("x-source" in prop for prop in schema["properties"].values())
    assert "x-request-schema" in schema


def test_an_unknown_policy_is_404(shipped: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = shipped
    response = client.get("/v1/policies/no-such-policy", headers=auth)
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


def test_a_pack_policy_serves_its_case_schema_and_decides_over_http(
    shipped: tuple[TestClient, dict[str, str]],
) -> None:
    """The pack's request format reaches the caller, and a request in it is decided; a bad
    case field is a 422 naming it, never a 500."""
    client, auth = shipped
    schema = client.get("/v1/policies/lodging-standard", headers=auth).json()["inputs_schema"]
    assert schema["x-domain"]["noun"] == "booking"
    assert schema["properties"]["hours_before_check_in"]["x-source"] == "case.booking.check_in"
    request_schema = schema["x-request-schema"]
    assert "booking" in request_schema["properties"]["case"]["properties"]
    assert request_schema["properties"]["as_of"]["format"] == "date-time"
    example = json.loads(
        (SHIPPED / "lodging" / "examples" / "flexible-cancel-early.json").read_text()
    )
    decided = client.post(
        "/v1/verdicts", headers=auth, json={"policy": "lodging-standard", "request": example}
    )
    assert decided.status_code == 200, decided.text
    verdict = decided.json()
    assert (verdict["decision"], verdict["rule"]) == ("approve", "free_cancellation")
    assert verdict["nouns"]["reference"] == "BK-55120"
    example["case"]["booking"]["check_in"] = "2026-12-10T15:00:00"  # no time zone
    refused = client.post(
        "/v1/verdicts", headers=auth, json={"policy": "lodging-standard", "request": example}
    )
    assert refused.status_code == 422
    fields = {error["field"] for error in refused.json()["errors"]}
    assert any(field.endswith("case.booking.check_in") for field in fields), fields
