"""What every response shares: request ids, problem+json, the body limit, no stack traces;
and the operational routes (health, readiness, metrics, OpenAPI)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

from drafter.api import create_app
from drafter.api import services as services_module
from drafter.settings import Settings
from tests.api.conftest import ROOT


def test_every_response_has_a_request_id(client: TestClient, auth: dict[str, str]) -> None:
    ids = {
        client.get("/healthz").headers["x-request-id"],
        client.get("/v1/policies").headers["x-request-id"],  # 401
        client.get("/v1/policies", headers=auth).headers["x-request-id"],
        client.get("/no/such/route", headers=auth).headers["x-request-id"],
    }
    assert len(ids) == 4
    assert all(i.startswith("req_") for i in ids)


def test_a_safe_incoming_request_id_is_kept(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "helpdesk-42.a"})
    assert response.headers["x-request-id"] == "helpdesk-42.a"
    response = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert response.headers["x-request-id"].startswith("req_")


def test_a_problem_carries_its_request_id(client: TestClient) -> None:
    response = client.get("/v1/policies")
    problem = response.json()
    assert problem["request_id"] == response.headers["x-request-id"]
    assert problem["instance"] == "/v1/policies"
    assert problem["status"] == 401
    assert set(problem) >= {"type", "title", "status", "detail", "instance", "request_id"}


def test_malformed_json_is_a_field_error_on_the_body(
    client: TestClient, auth: dict[str, str]
) -> None:
    response = client.post("/v1/verdicts", headers=auth, content=b'{"policy": ')
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "(body)"
    assert "malformed JSON" in response.json()["detail"]


def test_a_body_over_the_limit_is_refused_before_it_is_read(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    size = settings.max_body_bytes + 1
    response = client.post("/v1/verdicts", headers=auth, content=b" " * size)
    assert response.status_code == 413
    assert response.json()["type"] == "/problems/body-too-large"

    def chunks() -> Any:  # no Content-Length: counted while streaming
        for _ in range(size // 1000 + 1):
            yield b" " * 1000

    response = client.post("/v1/verdicts", headers=auth, content=chunks())
    assert response.status_code == 413


def test_an_unexpected_error_is_a_500_without_a_stack_trace(
    app: FastAPI, auth: dict[str, str]
) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise ZeroDivisionError("secret detail from deep inside")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "Traceback" not in response.text
    assert "secret detail" not in response.text
    assert "ZeroDivisionError" not in response.text
    assert response.json()["request_id"] == response.headers["x-request-id"]


def test_wrong_method_is_a_problem(client: TestClient, auth: dict[str, str]) -> None:
    response = client.delete("/v1/verdicts", headers=auth)
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


def test_readiness_reports_an_unreachable_database(tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(services_module, "READY_CHECK_SECONDS", 0.0)  # every call checks
    settings = Settings(
        data_dir=tmp_path,
        policies_dir=ROOT / "policies",
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
    )
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/readyz").json()["checks"]["database"] == "ok"
        (tmp_path / "db.sqlite").unlink()
        app.state.services.engine.dispose()
        (tmp_path / "db.sqlite").mkdir()  # a folder where the file was: cannot open
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("unreachable")


def test_a_flood_of_readiness_calls_costs_one_check(client: TestClient, monkeypatch: Any) -> None:
    """/readyz is open without a key: 200 calls within one checking period cost the database
    round trips and policy scans of one call."""
    services = client.app.state.services  # type: ignore[attr-defined]
    # However slow the machine, the 200 calls fall inside one checking period.
    monkeypatch.setattr(services_module, "READY_CHECK_SECONDS", 3600.0)
    work: list[str] = []
    scan = services.registry.ids
    monkeypatch.setattr(services.registry, "ids", lambda: work.append("scan") or scan())

    def query(*args: Any) -> None:
        work.append(args[2])

    def cost(calls: int) -> list[str]:
        services._readiness = (float("-inf"), {})
        work.clear()
        event.listen(services.engine, "before_cursor_execute", query)
        try:
            assert {client.get("/readyz").status_code for _ in range(calls)} == {200}
        finally:
            event.remove(services.engine, "before_cursor_execute", query)
        return list(work)

    one = cost(1)
    assert one  # the check does query and scan
    assert cost(200) == one


def test_readiness_reports_a_missing_schema(tmp_path: Any) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}")
    with TestClient(create_app(settings, migrate_schema=False)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert "schema at None" in response.json()["checks"]["database"]


def test_metrics_count_requests_by_route_template(
    client: TestClient, auth: dict[str, str], admin_auth: dict[str, str], ticket: dict[str, Any]
) -> None:
    client.get("/v1/policies/mini-store", headers=auth)
    client.post("/v1/verdicts", headers=auth, json={"policy": "mini-store", "request": ticket})
    text = client.get("/metrics", headers=admin_auth).text
    assert 'route="/v1/policies/{policy_id}"' in text
    assert 'drafter_verdicts_total{decision="decline"}' in text
    assert "drafter_http_request_seconds_bucket" in text


def test_the_openapi_document_describes_the_bodies(
    client: TestClient, auth: dict[str, str]
) -> None:
    assert client.get("/openapi.json").status_code == 401  # every route but health needs a key
    document = client.get("/openapi.json", headers=auth).json()
    body = document["paths"]["/v1/verdicts"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/VerdictIn"
    }
    schemas = document["components"]["schemas"]
    assert {"VerdictIn", "DraftIn", "FeedbackIn", "Request", "Verdict"} <= set(schemas)
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["paths"]["/v1/verdicts"]["post"]["security"] == [{"bearer": []}]
    assert "security" not in document["paths"]["/healthz"]["get"]


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_there_is_no_interactive_docs_page(
    client: TestClient, auth: dict[str, str], path: str
) -> None:
    # Left off on purpose: the OpenAPI document is served behind a key, like every route.
    assert client.get(path, headers=auth).status_code == 404
    assert client.get(path).status_code in (401, 404)
