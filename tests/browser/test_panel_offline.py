"""The side panel and the options page before a server is connected: the panel still reads the
ticket and says how to connect; the options page stores settings for a loopback server and
reports a server that does not answer."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.harness import Extension


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_panel_without_a_server_reads_the_ticket_and_asks_to_connect(
    open_site: Callable[[str], Page], extension: Extension, artifact: Callable[[str], Path]
) -> None:
    page = open_site("helpscout")
    panel = extension.open_panel(page)
    expect(panel.locator("#setup")).to_be_visible()
    expect(panel.locator("#connection")).to_have_text("not connected")
    expect(panel.locator("#facts-card")).to_be_hidden()
    summary = panel.locator("#summary")
    expect(summary).to_contain_text("Dana Okafor · dana.okafor@example.com")
    expect(summary).to_contain_text("HS-5521")
    expect(summary.locator("blockquote")).to_have_text(
        "Hi! The fleece jacket from order number HS-5521 is too small. It arrived on "
        "November 3, 2026, tags still on. Could I exchange it for a size L?"
    )
    panel.screenshot(path=artifact("panel-not-connected.png"), full_page=True)


def test_options_save_a_loopback_server_and_report_it_unreachable(
    browser: BrowserContext, extension: Extension
) -> None:
    port = closed_port()
    page = browser.new_page()
    try:
        page.goto(extension.url("options/options.html"))
        page.wait_for_selector("body[data-loaded]")
        page.fill("#apiUrl", f"http://127.0.0.1:{port}/")
        page.fill("#apiKey", "drk_example_key")
        page.fill("#defaultPolicy", "tau-retail")
        page.click("#save")
        expect(page.locator("#status")).to_have_text("Saved.")
        expect(page.locator("#key-state")).to_have_text(
            "A key is saved. Leave this empty to keep it."
        )
        stored = extension.worker.evaluate("() => chrome.storage.local.get(null)")
        assert stored == {
            "apiUrl": f"http://127.0.0.1:{port}",
            "apiKey": "drk_example_key",
            "defaultPolicy": "tau-retail",
        }
        page.click("#save")  # an empty key field keeps the stored key
        expect(page.locator("#status")).to_have_text("Saved.")
        assert extension.worker.evaluate("() => chrome.storage.local.get('apiKey')") == {
            "apiKey": "drk_example_key"
        }
        page.click("#test")
        expect(page.locator("#status")).to_contain_text(
            f"Cannot reach the drafter server: http://127.0.0.1:{port}/readyz"
        )
    finally:
        page.close()
