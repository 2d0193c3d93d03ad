"""Property-based tests generated from the OpenAPI document: whatever schemathesis sends, valid
(positive) or not (negative), with a valid key, the service never answers 5xx, and every answer
conforms to the document: its status is declared, its content type and body match the schema,
errors are problem+json, invalid input is refused and valid input is not. Every built-in check
runs, with schemathesis's examples, coverage and fuzzing phases.

The schema is loaded when the module is imported (schemathesis parametrizes at collection),
so the app gets its own temporary folder here rather than pytest's tmp_path.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from drafter.api import create_app
from drafter.keys import Role, create_key
from drafter.store import opened_store
from tests.api.conftest import FIXTURES, make_settings

_FOLDER = Path(tempfile.mkdtemp(prefix="drafter-fuzz-"))
atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)
SETTINGS = make_settings(f"sqlite:///{_FOLDER / 'fuzz.db'}", _FOLDER)
with opened_store(SETTINGS) as _store:
    _TOKEN, _ = create_key(_store, "fuzz", rate_limit_per_minute=10**6, role=Role.admin)
AUTH = {"Authorization": f"Bearer {_TOKEN}"}
APP = create_app(SETTINGS)

REFUSED = ["400", "401", "404", "405", "406", "409", "413", "415", "422", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 13,  # the same cases on every run, so the time it takes is known
        "generation": {"mode": "all"},  # positive and negative
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}},
        "checks": {
            "enabled": True,
            # A body of the right shape can still be wrong for its policy: the document
            # describes the request every policy shares, and each policy's own case schema,
            # ask kinds and cross-field rules (a delivery before its order) are served at
            # GET /v1/policies/{id}. Those are refused with a 422 naming the field
            # (problem_json_on_errors checks the shape of every such answer).
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            },
            # A body over the size limit is refused before it is read, whatever it holds.
            "negative_data_rejection": {"expected-statuses": REFUSED},
        },
    }
)
# Loading the document starts the app's lifespan; the document itself needs the key too.
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, headers=AUTH, config=CONFIG)


def problem_json_on_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error is RFC 9457 problem+json carrying the request id; a 422 names a field."""
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith("application/problem+json"), response.text
        problem = response.json()
        assert problem["request_id"], response.text
        if response.status_code == 422:
            assert problem["errors"], response.text
            assert all(error["field"] for error in problem["errors"]), response.text
    return None


@schema.parametrize()
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_document_says(case: Any) -> None:
    case.call_and_validate(headers=AUTH, additional_checks=[problem_json_on_errors])


def test_answers_to_requests_that_fit_a_policy_match_the_document() -> None:
    """Generated bodies almost never fit a policy (above, every POST is a 422), so the document's
    200 and 201 answers are checked here on a ticket that does, with the same checks."""
    ticket = json.loads((FIXTURES / "request.json").read_text())
    body = {"policy": "mini-store", "request": ticket}
    verdict = schema["/v1/verdicts"]["POST"].Case(body=body, media_type="application/json")
    assert verdict.call_and_validate(headers=AUTH).status_code == 200
    draft = schema["/v1/drafts"]["POST"].Case(
        body=body, media_type="application/json", headers={"Idempotency-Key": "fits-1"}
    )
    created = draft.call_and_validate(headers=AUTH)
    assert created.status_code == 200
    draft_id = created.json()["id"]
    stored = schema["/v1/drafts/{draft_id}"]["GET"].Case(path_parameters={"draft_id": draft_id})
    assert stored.call_and_validate(headers=AUTH).status_code == 200
    feedback = schema["/v1/drafts/{draft_id}/feedback"]["POST"].Case(
        path_parameters={"draft_id": draft_id},
        body={"outcome": "rejected", "reason": "tone"},
        media_type="application/json",
    )
    assert feedback.call_and_validate(headers=AUTH).status_code == 201
