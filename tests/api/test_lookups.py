"""``POST /v1/lookups`` against a local stand-in for the company's order system: a real HTTP
server on 127.0.0.1 that serves the vendors' documented example answers (tests/data/lookups)
only with the right credential, and records every request it gets."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from drafter.api import create_app
from drafter.keys import create_key
from drafter.store import AuditStore, opened_store
from tests.api.conftest import make_settings
from tests.api.live import live_server
from tests.conftest import ROOT
from tests.order_system import (
    ACME_TOKEN,
    SHOPIFY_PATH,
    SHOPIFY_TOKEN,
    STRIPE_KEY,
    STRIPE_PATH,
    OrderSystem,
    serve_order_system,
)

DATA = ROOT / "tests" / "data" / "lookups"


@pytest.fixture(scope="module")
def order_system() -> Iterator[OrderSystem]:
    with serve_order_system() as system:
        yield system


@pytest.fixture
def system(order_system: OrderSystem) -> OrderSystem:
    order_system.mode = "ok"
    order_system.seen.clear()
    return order_system


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped retail and SaaS packs; Shopify's timeout cut to a second for the tests."""
    root = tmp_path_factory.mktemp("policies")
    for pack in ("retail", "saas"):
        shutil.copytree(ROOT / "policies" / pack, root / pack)
    shopify = root / "retail" / "lookups" / "shopify-order.yaml"
    shopify.write_text(shopify.read_text().replace("timeout_seconds: 5", "timeout_seconds: 1"))
    return root


def connections(system: OrderSystem) -> dict[str, Any]:
    return {
        "default": {
            "shopify": {"url": system.url, "token": SHOPIFY_TOKEN},
            "stripe": {"url": system.url, "token": STRIPE_KEY},
        },
        "acme": {"shopify": {"url": system.url, "token": ACME_TOKEN}},
    }


@pytest.fixture
def client(system: OrderSystem, packs: Path, tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(
        f"sqlite:///{tmp_path / 'audit.db'}",
        tmp_path,
        policies_dir=packs,
        connections=connections(system),
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def key(client: TestClient, tenant: str = "default", limit: int = 1000) -> dict[str, str]:
    store: AuditStore = client.app.state.services.store  # type: ignore[attr-defined]
    token, _ = create_key(store, "tests", tenant=tenant, rate_limit_per_minute=limit)
    return {"Authorization": f"Bearer {token}"}


def shopify(reference: str = "450789469") -> dict[str, str]:
    return {"policy": "retail-standard", "lookup": "shopify-order", "id": reference}


# --- answers ------------------------------------------------------------------------------


def test_a_shopify_order_comes_back_as_a_case_fragment_with_sources(
    client: TestClient, system: OrderSystem
) -> None:
    response = client.post("/v1/lookups", json=shopify(), headers=key(client))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["lookup"], body["title"], body["id"]) == (
        "shopify-order",
        "Shopify order",
        "450789469",
    )
    assert body["case"]["order"]["id"] == "#1001"
    assert body["case"]["order"]["items"][2]["price"] == "199.00"
    assert body["sources"]["order.status"] == "lookup:shopify-order"
    assert body["left_out"] == {}
    [(path, headers)] = system.seen
    assert path == SHOPIFY_PATH
    assert headers["x-shopify-access-token"] == SHOPIFY_TOKEN
    assert headers["accept"] == "application/json"


def test_a_stripe_subscription_sends_the_key_as_a_bearer_token(
    client: TestClient, system: OrderSystem
) -> None:
    body = {
        "policy": "saas-subscription",
        "lookup": "stripe-subscription",
        "id": "sub_1MowQVLkdIwHu7ixeRlqHVzs",
    }
    response = client.post("/v1/lookups", json=body, headers=key(client))
    assert response.status_code == 200, response.text
    assert response.json()["case"]["subscription"]["price"] == "10.00"
    assert system.seen[0][1]["authorization"] == f"Bearer {STRIPE_KEY}"


def test_each_tenant_reaches_its_own_connection(client: TestClient, system: OrderSystem) -> None:
    response = client.post("/v1/lookups", json=shopify(), headers=key(client, tenant="acme"))
    assert response.json()["case"]["order"]["id"] == "#ACME-1"
    assert system.seen[0][1]["x-shopify-access-token"] == ACME_TOKEN


def test_a_tenant_without_a_connection_is_told_which_setting_to_set(
    client: TestClient, system: OrderSystem
) -> None:
    body = {"policy": "saas-subscription", "lookup": "stripe-subscription", "id": "sub_1"}
    response = client.post("/v1/lookups", json=body, headers=key(client, tenant="acme"))
    assert response.status_code == 503
    problem = response.json()
    assert problem["type"] == "/problems/lookup-not-configured"
    assert "DRAFTER_CONNECTIONS__ACME__STRIPE__URL" in problem["detail"]
    assert (problem["lookup"], problem["reason"]) == ("stripe-subscription", "not_configured")
    assert system.seen == []  # the default tenant's key was not used instead


# --- failures: clear problems, never a 500, never the credential ---------------------------


@pytest.mark.parametrize(
    ("mode", "reference", "status", "slug", "words"),
    [
        ("ok", "1", 404, "lookup-not-found", "has no record with the id '1'"),
        ("error", "450789469", 502, "lookup-failed", "answered 500"),
        ("not_json", "450789469", 502, "lookup-failed", "is not JSON"),
        ("huge", "450789469", 502, "lookup-failed", "larger than 2 MB"),
        ("redirect", "450789469", 502, "lookup-failed", "answered 302"),
        ("float_price", "450789469", 502, "lookup-failed", "order.items.0.price"),
        ("slow", "450789469", 504, "lookup-timeout", "did not answer within 1 s"),
        ("drip", "450789469", 504, "lookup-timeout", "did not answer within 1 s"),
    ],
)
def test_a_failed_lookup_is_a_problem_naming_it(
    client: TestClient,
    system: OrderSystem,
    mode: str,
    reference: str,
    status: int,
    slug: str,
    words: str,
) -> None:
    system.mode = mode
    started = time.monotonic()
    response = client.post("/v1/lookups", json=shopify(reference), headers=key(client))
    elapsed = time.monotonic() - started
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == f"/problems/{slug}"
    assert problem["detail"].startswith("shopify-order: ")
    assert words in problem["detail"]
    assert SHOPIFY_TOKEN not in response.text
    assert system.url not in response.text
    assert elapsed < 2.5  # the timeout (1 s) holds, even against a server that drips


def test_a_refused_credential_says_so_without_showing_it(
    client: TestClient, system: OrderSystem, packs: Path, tmp_path: Path
) -> None:
    wrong = connections(system)
    wrong["default"]["shopify"]["token"] = "shpat_wrong_secret"
    settings = make_settings(
        f"sqlite:///{tmp_path / 'other.db'}", tmp_path, policies_dir=packs, connections=wrong
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as other:
        response = other.post("/v1/lookups", json=shopify(), headers=key(other))
    assert response.status_code == 502
    assert "refused the connection's credential (401)" in response.json()["detail"]
    assert "shpat_wrong_secret" not in response.text


def test_an_unreachable_order_system_is_a_502(packs: Path, tmp_path: Path) -> None:
    from tests.api.live import free_port

    closed = {"default": {"shopify": {"url": f"http://127.0.0.1:{free_port()}", "token": "t"}}}
    settings = make_settings(
        f"sqlite:///{tmp_path / 'audit.db'}", tmp_path, policies_dir=packs, connections=closed
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.post("/v1/lookups", json=shopify(), headers=key(client))
    assert response.status_code == 502
    assert response.json()["detail"] == (
        "shopify-order: the order system could not be reached (ConnectError)"
    )


# --- the agent's id stays one path segment --------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "path"),
    [
        ("../../shop", "/admin/api/2025-10/orders/%2E%2E%2F%2E%2E%2Fshop.json"),
        ("..", "/admin/api/2025-10/orders/%2E%2E.json"),
        ("1?fields=token", "/admin/api/2025-10/orders/1%3Ffields%3Dtoken.json"),
        ("1#x", "/admin/api/2025-10/orders/1%23x.json"),
        ("@evil.example", "/admin/api/2025-10/orders/%40evil%2Eexample.json"),
        ("1/../../../../v1/subscriptions/x", None),
        ("//evil.example/x", "/admin/api/2025-10/orders/%2F%2Fevil%2Eexample%2Fx.json"),
        ("1 2", "/admin/api/2025-10/orders/1%202.json"),
        ("ü", "/admin/api/2025-10/orders/%C3%BC.json"),
    ],
)
def test_the_id_is_encoded_into_one_segment(
    client: TestClient, system: OrderSystem, reference: str, path: str | None
) -> None:
    response = client.post("/v1/lookups", json=shopify(reference), headers=key(client))
    assert response.status_code == 404  # the stand-in knows only 450789469
    [(seen, _)] = system.seen  # one request, to the connection's host
    assert seen.startswith("/admin/api/2025-10/orders/")
    assert seen.endswith(".json")
    assert seen.count("/") == SHOPIFY_PATH.count("/")
    if path is not None:
        assert seen == path


def test_a_dot_dot_id_cannot_climb_out_of_the_path(client: TestClient, system: OrderSystem) -> None:
    """Left as it is, ``..`` at the end of Stripe's path would ask for ``/v1/`` instead."""
    body = {"policy": "saas-subscription", "lookup": "stripe-subscription", "id": ".."}
    assert client.post("/v1/lookups", json=body, headers=key(client)).status_code == 404
    assert [path for path, _ in system.seen] == ["/v1/subscriptions/%2E%2E"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lookup": "shopify-order", "id": "1"}, "policy"),
        ({"policy": "retail-standard", "id": "1"}, "lookup"),
        ({"policy": "retail-standard", "lookup": "shopify-order"}, "id"),
        ({**shopify(), "id": ""}, "id"),
        ({**shopify(), "id": " 450789469"}, "id"),
        ({**shopify(), "id": "1\n2"}, "id"),
        ({**shopify(), "id": "9" * 201}, "id"),
        ({**shopify(), "id": 450789469}, "id"),
        ({**shopify(), "lookup": "stripe-subscription"}, "lookup"),
        ({**shopify(), "lookup": "../etc"}, "lookup"),
        ({**shopify(), "policy": "nope"}, "policy"),
        ({**shopify(), "extra": 1}, "extra"),
    ],
)
def test_a_bad_body_is_a_422_naming_the_field(
    client: TestClient, system: OrderSystem, body: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/lookups", json=body, headers=key(client))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert system.seen == []


# --- like every other route ---------------------------------------------------------------


def test_a_lookup_needs_a_key_and_spends_its_rate_limit(
    client: TestClient, system: OrderSystem
) -> None:
    assert client.post("/v1/lookups", json=shopify()).status_code == 401
    auth = key(client, limit=1)
    assert client.post("/v1/lookups", json=shopify(), headers=auth).status_code == 200
    limited = client.post("/v1/lookups", json=shopify(), headers=auth)
    assert limited.status_code == 429
    assert len(system.seen) == 1


def test_a_form_can_list_the_lookups_of_a_policy(client: TestClient) -> None:
    auth = key(client)
    response = client.get("/v1/policies/retail-standard/lookups", headers=auth)
    assert response.status_code == 200
    [shopify_order] = response.json()
    assert shopify_order["name"] == "shopify-order"
    assert shopify_order["id_label"] == "Shopify order ID"
    assert "order.items" in shopify_order["fields"]
    unknown = client.get("/v1/policies/nope/lookups", headers=auth)
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "no policy with id 'nope'"
    assert client.get("/v1/policies/retail-standard/lookups").status_code == 401


def test_the_route_is_in_the_openapi_document(client: TestClient) -> None:
    document = client.get("/openapi.json", headers=key(client)).json()
    assert set(document["paths"]["/v1/lookups"]) == {"post"}
    assert "404" in document["paths"]["/v1/policies/{policy_id}/lookups"]["get"]["responses"]
    operation = document["paths"]["/v1/lookups"]["post"]
    assert operation["security"] == [{"bearer": []}]
    assert set(operation["responses"]) >= {"200", "401", "404", "422", "429", "502", "503", "504"}
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LookupIn"
    }
    assert set(document["components"]["schemas"]["LookupIn"]["properties"]) == {
        "policy",
        "lookup",
        "id",
    }


# --- through a real drafter serve -------------------------------------------------------------


def test_lookups_through_a_real_server(
    order_system: OrderSystem, database_url: str, tmp_path: Path
) -> None:
    """uvicorn, the shipped packs as they are, and the connections from the environment."""
    order_system.mode = "ok"
    order_system.seen.clear()
    with opened_store(make_settings(database_url, tmp_path)) as store:
        token, _ = create_key(store, "live", rate_limit_per_minute=100)
    env = {
        "DRAFTER_DATA_DIR": str(tmp_path / "data"),
        "DRAFTER_POLICIES_DIR": str(ROOT / "policies"),
        "DRAFTER_DATABASE_URL": database_url,
        "DRAFTER_CONNECTIONS__DEFAULT__SHOPIFY__URL": order_system.url,
        "DRAFTER_CONNECTIONS__DEFAULT__SHOPIFY__TOKEN": SHOPIFY_TOKEN,
        "DRAFTER_CONNECTIONS__DEFAULT__STRIPE__URL": order_system.url + "/",
        "DRAFTER_CONNECTIONS__DEFAULT__STRIPE__TOKEN": STRIPE_KEY,
    }
    stripe = {
        "policy": "saas-subscription",
        "lookup": "stripe-subscription",
        "id": "sub_1MowQVLkdIwHu7ixeRlqHVzs",
    }
    with (
        live_server(env, log=tmp_path / "server.log") as server,
        httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as http,
    ):
        order = http.post("/v1/lookups", json=shopify())
        subscription = http.post("/v1/lookups", json=stripe)
        missing = http.post("/v1/lookups", json=shopify("../../x"))
    assert order.status_code == 200, order.text
    assert order.json()["case"]["order"]["status"] == "pending"
    assert subscription.status_code == 200, subscription.text
    assert subscription.json()["case"]["subscription"]["period_end"] == "2024-06-22"
    assert subscription.json()["sources"]["subscription.plan"] == "lookup:stripe-subscription"
    assert missing.status_code == 404
    assert [path for path, _ in order_system.seen] == [
        SHOPIFY_PATH,
        STRIPE_PATH,
        "/admin/api/2025-10/orders/%2E%2E%2F%2E%2E%2Fx.json",
    ]
    assert order_system.seen[0][1]["x-shopify-access-token"] == SHOPIFY_TOKEN
    assert order_system.seen[1][1]["authorization"] == f"Bearer {STRIPE_KEY}"
    log = server.log.read_text()
    assert SHOPIFY_TOKEN not in log
    assert STRIPE_KEY not in log


# --- provenance: the audit log records which values came from where ------------------------


def test_a_draft_records_which_values_came_from_the_lookup(
    client: TestClient, system: OrderSystem
) -> None:
    """The panel's flow: look up, let the agent correct a value, draft; the stored request
    says which values the order system gave and which the agent typed. Tenants hold."""
    auth = key(client)
    found = client.post("/v1/lookups", json=shopify(), headers=auth).json()
    order = found["case"]["order"]
    order["status"] = "delivered"  # the agent knows better than Shopify's fulfillment status
    order["delivered_on"] = "2008-01-15"
    provenance = found["sources"] | {"order.status": "agent", "order.delivered_on": "agent"}
    request = {
        "as_of": "2008-01-20",
        "customer": {"id": "c1", "name": "Bob Norman", "tier": "standard"},
        "case": {"order": order},
        "ask": {"kind": "return", "reason": "changed_mind"},
        "provenance": provenance,
    }
    body = {"policy": "retail-standard", "request": request}
    drafted = client.post("/v1/drafts", json=body, headers=auth)
    assert drafted.status_code == 200, drafted.text
    draft_id = drafted.json()["id"]
    stored = client.get(f"/v1/drafts/{draft_id}", headers=auth).json()
    assert stored["request"]["provenance"] == {
        "order.id": "lookup:shopify-order",
        "order.currency": "lookup:shopify-order",
        "order.placed_on": "lookup:shopify-order",
        "order.status": "agent",
        "order.shipping_fee": "lookup:shopify-order",
        "order.items": "lookup:shopify-order",
        "order.delivered_on": "agent",
    }
    other = client.get(f"/v1/drafts/{draft_id}", headers=key(client, tenant="acme"))
    assert other.status_code == 404


def test_a_verdict_with_provenance_the_case_does_not_hold_is_a_422(client: TestClient) -> None:
    found = client.post("/v1/lookups", json=shopify(), headers=key(client)).json()
    request = {
        "as_of": "2008-01-20",
        "customer": {"id": "c1", "name": "Bob Norman", "tier": "standard"},
        "case": found["case"],
        "ask": {"kind": "return", "reason": "changed_mind"},
        "provenance": {"order.delivered_on": "lookup:shopify-order"},
    }
    response = client.post(
        "/v1/verdicts", json={"policy": "retail-standard", "request": request}, headers=key(client)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "provenance.order.delivered_on"
