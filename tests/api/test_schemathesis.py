"""Property-based tests generated from the OpenAPI document: whatever schemathesis sends,
valid or not, the service never answers 500 and answers problem+json to every error.

The schema is loaded when the module is imported (schemathesis parametrizes at collection),
so the app gets its own temporary folder here rather than pytest's tmp_path.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from drafter.api import create_app
from drafter.keys import Role, create_key
from drafter.store import opened_store
from tests.api.conftest import make_settings

_FOLDER = Path(tempfile.mkdtemp(prefix="drafter-fuzz-"))
atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)
SETTINGS = make_settings(f"sqlite:///{_FOLDER / 'fuzz.db'}", _FOLDER)
with opened_store(SETTINGS) as _store:
    _TOKEN, _ = create_key(_store, "fuzz", rate_limit_per_minute=10**6, role=Role.admin)
AUTH = {"Authorization": f"Bearer {_TOKEN}"}
APP = create_app(SETTINGS)
# Loading the document starts the app's lifespan; the document itself needs the key too.
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, headers=AUTH)


def problem_json_on_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error is RFC 9457 problem+json carrying the request id."""
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith("application/problem+json"), response.text
        assert response.json()["request_id"], response.text
    return None


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_a_server_error(case: Any) -> None:
    case.call_and_validate(
        headers=AUTH, checks=[not_a_server_error], additional_checks=[problem_json_on_errors]
    )
