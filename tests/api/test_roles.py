"""Roles: an agent's key drafts, reads its tenant's drafts and gives feedback; only an admin's
key reads /metrics, which counts every tenant. Keys made before roles keep what they could do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from drafter.cli import app as cli
from drafter.keys import Role, create_key
from tests.api.test_drafts import Drafting, body, store_of
from tests.api.test_tenants import key_upgraded_from


def bearer(drafting: Drafting, role: Role) -> dict[str, str]:
    client, _ = drafting
    token, _ = create_key(store_of(client), role.value, rate_limit_per_minute=100, role=role)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("role", list(Role))
def test_every_role_drafts_reads_and_gives_feedback(
    drafting: Drafting, ticket: dict[str, Any], role: Role
) -> None:
    client, _ = drafting
    auth = bearer(drafting, role)
    created = client.post("/v1/drafts", headers=auth, json=body(ticket))
    assert created.status_code == 200, created.text
    draft_id = created.json()["id"]
    assert client.get(f"/v1/drafts/{draft_id}", headers=auth).status_code == 200
    sent = {"outcome": "sent_as_is"}
    assert (
        client.post(f"/v1/drafts/{draft_id}/feedback", headers=auth, json=sent).status_code == 201
    )
    verdict = client.post("/v1/verdicts", headers=auth, json=body(ticket))
    assert verdict.status_code == 200


@pytest.mark.parametrize(
    ("role", "status"), [(Role.agent, 403), (Role.supervisor, 403), (Role.admin, 200)]
)
def test_only_an_admin_reads_the_metrics(drafting: Drafting, role: Role, status: int) -> None:
    client, _ = drafting
    response = client.get("/metrics", headers=bearer(drafting, role))
    assert response.status_code == status
    if status == 403:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "/problems/forbidden"
        assert "admin" in response.json()["detail"]


def test_a_new_key_is_an_agent_unless_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAFTER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DRAFTER_DATABASE_URL", f"sqlite:///{tmp_path / 'keys.db'}")
    runner = CliRunner()
    assert runner.invoke(cli, ["keys", "create", "zendesk"]).exit_code == 0
    made = runner.invoke(cli, ["keys", "create", "ops", "--role", "admin"])
    assert made.exit_code == 0, made.output
    refused = runner.invoke(cli, ["keys", "create", "x", "--role", "owner"])
    assert refused.exit_code != 0
    assert "owner" in refused.output
    listed = runner.invoke(cli, ["keys", "list", "--json"]).output
    assert listed.count('"role": "agent"') == 1
    assert listed.count('"role": "admin"') == 1


def test_keys_made_before_roles_become_admins(tmp_path: Path) -> None:
    key = key_upgraded_from("0002", tmp_path)
    assert key is not None
    assert key.role == "admin"
