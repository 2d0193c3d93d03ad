"""Tenants: every key belongs to one, and a key reads and writes only its tenant's data. Another
tenant's draft is a 404, exactly like one that does not exist; ids cannot be guessed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from drafter.cli import app as cli
from drafter.errors import UserError
from drafter.feedback import export_cases, friction_report
from drafter.keys import create_key
from drafter.store import AuditStore
from drafter.store.audit import new_id
from drafter.store.db import migrate
from drafter.store.tables import ApiKeyRow
from tests.api.test_drafts import Drafting, store_of
from tests.api.test_feedback import draft, feedback

OTHER = "acme-returns"


def _other_tenant(drafting: Drafting) -> dict[str, str]:
    client, _ = drafting
    token, _ = create_key(store_of(client), "acme", rate_limit_per_minute=1000, tenant=OTHER)
    return {"Authorization": f"Bearer {token}"}


def test_another_tenant_s_draft_is_not_found(drafting: Drafting, ticket: dict[str, Any]) -> None:
    client, auth = drafting
    draft_id = draft(client, auth, ticket)["id"]
    other = _other_tenant(drafting)
    theirs = client.get(f"/v1/drafts/{draft_id}", headers=other)
    missing = client.get(f"/v1/drafts/dr_{'0' * 37}", headers=other)
    assert theirs.status_code == missing.status_code == 404
    # The same answer as for a draft that does not exist, but for the id it names.
    assert theirs.json()["title"] == missing.json()["title"]
    assert client.get(f"/v1/drafts/{draft_id}", headers=auth).status_code == 200


def test_another_tenant_cannot_give_feedback(drafting: Drafting, ticket: dict[str, Any]) -> None:
    client, auth = drafting
    draft_id = draft(client, auth, ticket)["id"]
    response = feedback(client, _other_tenant(drafting), draft_id, outcome="rejected", reason="x")
    assert response.status_code == 404
    store = store_of(client)
    assert store.draft(draft_id, "default") is not None
    assert store.draft(draft_id, "default").feedback == []  # type: ignore[union-attr]
    assert friction_report(store, tenant="default")[0].reviewed == 0


def test_feedback_records_the_key_and_tenant_that_gave_it(
    drafting: Drafting, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    store = store_of(client)
    draft_id = draft(client, auth, ticket)["id"]
    token, colleague = create_key(store, "colleague", rate_limit_per_minute=1000)
    mine = {"Authorization": f"Bearer {token}"}
    assert feedback(client, mine, draft_id, outcome="rejected", reason="tone").status_code == 201
    shown = client.get(f"/v1/drafts/{draft_id}", headers=auth).json()["feedback"]
    assert [item["key_id"] for item in shown] == [colleague.id]
    record = store.draft(draft_id, "default")
    assert record is not None
    assert [(f.tenant, f.key_id) for f in record.feedback] == [("default", colleague.id)]


def test_reports_and_exports_can_be_scoped_to_a_tenant(
    drafting: Drafting, ticket: dict[str, Any], tmp_path: Path
) -> None:
    client, auth = drafting
    other = _other_tenant(drafting)
    for headers in (auth, other):
        draft_id = draft(client, headers, ticket)["id"]
        feedback(client, headers, draft_id, outcome="rejected", reason="tone")
    store = store_of(client)
    assert sum(r.drafts for r in friction_report(store)) == 2
    assert sum(r.drafts for r in friction_report(store, tenant=OTHER)) == 1
    assert sum(r.drafts for r in friction_report(store, tenant="nobody")) == 0
    assert len(export_cases(store, tmp_path / "all")) == 2
    assert len(export_cases(store, tmp_path / "acme", tenant=OTHER)) == 1


def test_a_tenant_name_is_checked(drafting: Drafting) -> None:
    client, _ = drafting
    for bad in ("", "Acme", "a b", "-x", "x" * 101):
        with pytest.raises(UserError, match="tenant"):
            create_key(store_of(client), "k", rate_limit_per_minute=10, tenant=bad)


def test_keys_are_created_and_listed_with_their_tenant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRAFTER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DRAFTER_DATABASE_URL", f"sqlite:///{tmp_path / 'keys.db'}")
    runner = CliRunner()
    created = runner.invoke(cli, ["keys", "create", "zendesk", "--tenant", OTHER])
    assert created.exit_code == 0, created.output
    listed = runner.invoke(cli, ["keys", "list", "--json"])
    assert '"tenant": "acme-returns"' in listed.output


def test_ids_carry_128_random_bits_and_request_ids_say_nothing_else(drafting: Drafting) -> None:
    ids = [new_id("dr") for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"dr_[0-9a-f]{11}[a-z2-7]{26}", i) for i in ids)  # 26 × 5 = 130 bits
    # The random parts share no prefix that a generator's state would give away.
    assert len({i[14:18] for i in ids}) > 1000
    client, _ = drafting
    request_ids = {client.get("/healthz").headers["x-request-id"] for _ in range(50)}
    assert len(request_ids) == 50
    assert all(re.fullmatch(r"req_[a-z2-7]{26}", r) for r in request_ids)


def key_upgraded_from(revision: str, folder: Path) -> ApiKeyRow | None:
    """A key stored by the schema at ``revision``, read back after upgrading to the newest."""
    engine = sa.create_engine(f"sqlite:///{folder / 'old.db'}")
    migrate(engine, revision)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO api_keys (id, name, secret_sha256, rate_limit_per_minute, created_at)"
                " VALUES ('k1', 'old', 'x', 10, '2026-11-01 00:00:00')"
            )
        )
    migrate(engine)
    store = AuditStore(engine)
    try:
        return store.key("k1")
    finally:
        store.close()


def test_rows_stored_before_tenants_belong_to_the_default_tenant(tmp_path: Path) -> None:
    key = key_upgraded_from("0001", tmp_path)
    assert key is not None
    assert key.tenant == "default"
