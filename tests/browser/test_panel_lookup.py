"""The panel with a lookup: the Zendesk ticket's order app links to the order in Shopify, so the
panel looks it up through `drafter serve` (the credential stays on the server) as soon as it
opens, fills what the order system gave, marked so, and the draft's stored request says which
values came from where. The order system is a local stand-in serving Shopify's documented
example order."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import Extension
from tests.browser.live_server import LiveServer, drafter_server
from tests.order_system import SHOPIFY_TOKEN, OrderSystem, serve_order_system

POLICY = "tau-retail"


@pytest.fixture(scope="module")
def order_system() -> Iterator[OrderSystem]:
    with serve_order_system() as system:
        yield system


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, order_system: OrderSystem
) -> Iterator[LiveServer]:
    connection = {
        "DRAFTER_CONNECTIONS__DEFAULT__SHOPIFY__URL": order_system.url,
        "DRAFTER_CONNECTIONS__DEFAULT__SHOPIFY__TOKEN": SHOPIFY_TOKEN,
    }
    with drafter_server(tmp_path_factory.mktemp("server"), connection) as live:
        yield live


@pytest.fixture
def panel(open_site: Callable[[str], Page], extension: Extension, server: LiveServer) -> Page:
    extension.store({"apiUrl": server.url, "apiKey": server.key, "defaultPolicy": POLICY})
    page = open_site("zendesk")
    panel = extension.open_panel(page, height=1400)
    expect(panel.locator("body")).to_have_attribute("data-ready", "true")
    return panel


def panel_request(panel: Page) -> dict[str, Any]:
    request: dict[str, Any] = panel.evaluate(
        """async () => {
          const { formPlan } = await import('/sidepanel/schema.js');
          const { readRequest, provenance } = await import('/sidepanel/form.js');
          const id = document.getElementById('policy').value;
          const policy = await chrome.runtime.sendMessage({ type: 'api:policy', id });
          const form = document.getElementById('facts');
          const { request } = readRequest(form, formPlan(policy.data.inputs_schema));
          return { ...request, provenance: provenance(form, request) };
        }"""
    )
    return request


def test_a_verdict_in_two_clicks_after_a_lookup(
    panel: Page, server: LiveServer, artifact: Callable[[str], Path]
) -> None:
    """Click one opened the panel, which looked the order up by itself; click two is Check
    policy, and the verdict is the server's for what the form holds."""
    expect(panel.locator("#lookup-status")).to_contain_text("filled from Shopify order 450789469.")
    filled = panel.locator("#facts [data-field].from-lookup")
    # the form shows only the fields the policy reads (tau-retail reads no dates)
    expect(panel.locator("#lookup-status")).to_have_text(
        f"{filled.count()} field(s) filled from Shopify order 450789469."
    )
    assert filled.count() >= 4
    status = panel.locator('[data-field="case.order.status"]')
    expect(status).to_contain_class("from-lookup")
    expect(panel.locator('[data-path="case.order.status"]')).to_have_value("pending")
    panel.click("#check")
    badge = panel.locator("#verdict .badge")
    expect(badge).to_be_visible()
    request = panel_request(panel)
    assert request["provenance"]["order.status"] == "lookup:shopify-order"
    verdict = server.call("POST", "/v1/verdicts", {"policy": POLICY, "request": request})
    assert verdict["decision"] != "needs_info"
    expect(badge).to_have_text(verdict["decision"].replace("_", " "))
    panel.locator("body").screenshot(path=artifact("panel-lookup.png"))


def test_the_audit_log_records_which_values_came_from_the_order_system(
    panel: Page, server: LiveServer
) -> None:
    expect(panel.locator("#lookup-status")).to_contain_text("filled from Shopify order")
    # The agent corrects one value: from then on it is theirs.
    folded = panel.locator(
        '#facts details:not([open]):has([data-path="case.order.status"]) > summary'
    )
    if folded.count():
        folded.click()
    panel.locator('[data-path="case.order.status"]').select_option("delivered")
    panel.click("#draft")
    panel.wait_for_selector("#draft-card[data-draft-id]", timeout=60_000)
    draft_id = panel.locator("#draft-card").get_attribute("data-draft-id")
    stored = server.call("GET", f"/v1/drafts/{draft_id}")
    sources = stored["request"]["provenance"]
    assert sources["order.status"] == "agent"
    assert sources["order.currency"] == "lookup:shopify-order"
    assert stored["request"]["case"]["order"]["currency"] == "USD"


def test_a_failed_lookup_is_a_message_and_the_form_still_works(
    open_site: Callable[[str], Page],
    extension: Extension,
    server: LiveServer,
    order_system: OrderSystem,
) -> None:
    order_system.mode = "error"
    try:
        extension.store({"apiUrl": server.url, "apiKey": server.key, "defaultPolicy": POLICY})
        panel = extension.open_panel(open_site("zendesk"), height=1400)
        expect(panel.locator("body")).to_have_attribute("data-ready", "true")
        expect(panel.locator("#lookup-status")).to_contain_text("Shopify order:")
        expect(panel.locator('[data-field="case.order.status"]')).not_to_contain_class(
            "from-lookup"
        )
        panel.click("#check")
        expect(panel.locator("#verdict .badge")).to_have_text("needs info")
    finally:
        order_system.mode = "ok"
