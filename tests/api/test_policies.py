"""GET /v1/policies and GET /v1/policies/{id} over the shipped policies."""

from __future__ import annotations

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
