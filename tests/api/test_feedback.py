"""Agent feedback on drafts, its export as eval cases, and the friction report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from drafter.cli import app as cli
from drafter.feedback import export_cases, friction_report
from drafter.settings import Settings
from drafter.testing.llm_server import LLMServer
from drafter.testing.llm_server import Reply as Scripted
from tests.api.conftest import llm_settings
from tests.api.test_drafts import BAD, GOOD, Drafting, body, store_of
from tests.test_pipeline import GOOD_FINAL


def draft(client: TestClient, auth: dict[str, str], ticket: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/drafts", headers=auth, json=body(ticket))
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def feedback(client: TestClient, auth: dict[str, str], draft_id: str, **data: Any) -> Any:
    return client.post(f"/v1/drafts/{draft_id}/feedback", headers=auth, json=data)


def test_feedback_is_recorded_and_shown_with_the_draft(
    drafting: Drafting, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    draft_id = draft(client, auth, ticket)["id"]
    response = feedback(
        client, auth, draft_id, outcome="edited", final_text="Hi Ana, ...", reason="Too formal"
    )
    assert response.status_code == 201
    assert response.json()["draft_id"] == draft_id
    assert response.headers["location"] == f"/v1/drafts/{draft_id}"
    shown = client.get(f"/v1/drafts/{draft_id}", headers=auth).json()["feedback"]
    assert [(f["outcome"], f["final_text"], f["reason"]) for f in shown] == [
        ("edited", "Hi Ana, ...", "Too formal")
    ]
    assert shown[0]["id"] == response.json()["id"]


def test_sent_as_is_records_the_draft_text(drafting: Drafting, ticket: dict[str, Any]) -> None:
    client, auth = drafting
    answer = draft(client, auth, ticket)
    feedback(client, auth, answer["id"], outcome="sent_as_is")
    shown = client.get(f"/v1/drafts/{answer['id']}", headers=auth).json()["feedback"]
    assert shown[0]["final_text"] == answer["reply"]["draft"]["body"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"outcome": "edited", "final_text": "  "}, "final_text"),
        ({"outcome": "loved_it"}, "outcome"),
        ({"final_text": "x"}, "outcome"),
        ({"outcome": "rejected", "mood": "bad"}, "mood"),
    ],
)
def test_bad_feedback_names_the_field(
    drafting: Drafting, ticket: dict[str, Any], data: dict[str, Any], field: str
) -> None:
    client, auth = drafting
    draft_id = draft(client, auth, ticket)["id"]
    response = feedback(client, auth, draft_id, **data)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_feedback_on_an_unknown_draft_is_404(drafting: Drafting) -> None:
    client, auth = drafting
    assert feedback(client, auth, "dr_missing", outcome="rejected").status_code == 404


def test_redaction_masks_what_is_stored_not_what_is_answered(
    llm_server: LLMServer, database_url: str, tmp_path: Path, ticket: dict[str, Any]
) -> None:
    from drafter.api import create_app
    from drafter.keys import create_key

    ticket["message"] = "Email me at ana@example.com or call +1 415 555 0132"
    app = create_app(llm_settings(llm_server, database_url, tmp_path, redact_pii=True))
    with TestClient(app) as client:
        token, _ = create_key(app.state.services.store, "t", rate_limit_per_minute=100)
        auth = {"Authorization": f"Bearer {token}"}
        answer = draft(client, auth, ticket)
        feedback(client, auth, answer["id"], outcome="rejected", final_text="Call ana@example.com")
        stored = client.get(f"/v1/drafts/{answer['id']}", headers=auth).json()
    assert stored["request"]["message"] == "Email me at [email] or call [phone]"
    assert stored["feedback"][0]["final_text"] == "Call [email]"
    assert stored["request"]["case"]["order"]["items"] == ticket["case"]["order"]["items"]
    assert stored["request"]["as_of"] == ticket["as_of"]  # structured values stay as they were


def make_history(
    client: TestClient, auth: dict[str, str], llm: LLMServer, ticket: dict[str, Any]
) -> dict[str, str]:
    """Three drafts: one sent as is, one edited, one rejected after a fallback."""
    llm.script.push(Scripted(GOOD))
    sent = draft(client, auth, ticket)["id"]
    llm.script.push(Scripted(GOOD))
    edited = draft(client, auth, ticket)["id"]
    llm.script.push(Scripted(BAD), Scripted(BAD))
    rejected = draft(client, auth, ticket)["id"]
    feedback(client, auth, sent, outcome="sent_as_is")
    feedback(client, auth, edited, outcome="edited", final_text="Hi Ana!", reason="warmer")
    feedback(client, auth, rejected, outcome="rejected", reason="robotic")
    return {"sent": sent, "edited": edited, "rejected": rejected}


def test_export_writes_edited_and_rejected_drafts_as_cases(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any], tmp_path: Path
) -> None:
    client, auth = drafting
    ids = make_history(client, auth, llm_server, ticket)
    written = export_cases(store_of(client), tmp_path / "cases")
    assert sorted(p.stem for p in written) == sorted([ids["edited"], ids["rejected"]])
    text = (tmp_path / "cases" / f"{ids['edited']}.yaml").read_text()
    document = yaml.safe_load(text)
    assert document["policy"] == "mini-store"
    [case] = document["cases"]
    assert case["id"] == "fb-" + ids["edited"].replace("_", "-")
    assert case["title"] == "Edited by an agent: warmer"
    assert case["situations"] == ["eligibility"]
    assert case["request"]["message"] == ticket["message"]
    assert case["expect"]["verdict"] == {
        "decision": "decline",
        "rule": "outside_window",
        "offers": ["goodwill_discount", "store_credit"],
        "needs": [],
        "must_say": [],
        "must_not_say": [],
    }
    assert case["expect"]["reply"] == {}
    # The agent's side rides along as comments, which the case schema does not have fields for.
    assert f"# Agent feedback on draft {ids['edited']}: edited" in text
    assert "# Reason: warmer" in text
    assert "# What the agent sent:\n#   Hi Ana!" in text
    assert f"#   {GOOD_FINAL.splitlines()[0]}" in text
    again = export_cases(store_of(client), tmp_path / "cases")  # idempotent: same files
    assert sorted(again) == sorted(written)


def test_exported_cases_load_in_the_eval_suite(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any], tmp_path: Path
) -> None:
    """The eval runner reads exported files like its own (once drafter.evals has landed)."""
    cases = pytest.importorskip("drafter.evals.cases")
    from drafter.policy import PolicyRegistry
    from tests.api.conftest import FIXTURES

    client, auth = drafting
    ids = make_history(client, auth, llm_server, ticket)
    export_cases(store_of(client), tmp_path / "cases")
    loaded = cases.load_cases(tmp_path / "cases", PolicyRegistry(FIXTURES))
    assert sorted(c.id for c in loaded) == sorted(
        "fb-" + ids[k].replace("_", "-") for k in ("edited", "rejected")
    )


def test_the_report_shows_friction_per_rule(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    make_history(client, auth, llm_server, ticket)
    client.post("/v1/verdicts", headers=auth, json=body(ticket))
    [row] = friction_report(store_of(client))
    assert (row.policy, row.rule) == ("mini-store", "outside_window")
    assert (row.verdicts, row.drafts, row.declines) == (1, 3, 4)
    assert row.fallback_rate == pytest.approx(1 / 3)
    assert row.share("edited") == pytest.approx(1 / 3)
    assert row.share("rejected") == pytest.approx(1 / 3)


def test_the_cli_exports_and_reports(
    drafting: Drafting,
    llm_server: LLMServer,
    ticket: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, auth = drafting
    make_history(client, auth, llm_server, ticket)
    settings: Settings = client.app.state.services.settings  # type: ignore[attr-defined]
    monkeypatch.setenv("DRAFTER_DATABASE_URL", str(settings.database_url))
    runner = CliRunner()
    out = tmp_path / "exported"
    done = runner.invoke(cli, ["feedback", "export", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "wrote 2 case(s)" in done.output
    assert len(list(out.glob("*.yaml"))) == 2
    report = runner.invoke(cli, ["report", "--json"])
    assert report.exit_code == 0, report.output
    [row] = json.loads(report.output)
    assert row["rule"] == "outside_window"
    assert row["edited_share"] == pytest.approx(0.3333, abs=1e-3)
    table = runner.invoke(cli, ["report"], env={"COLUMNS": "200"})
    assert "outside_window" in table.output
