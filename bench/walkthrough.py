"""The agent's walk-through, timed: from a ticket open in the helpdesk to a checked draft in its
reply box, in real Chromium with the extension, the Zendesk fixture page (CKEditor 5) and a real
`drafter serve` (template provider). It counts the agent's clicks and choices and the seconds
they take, with each step's wait for the panel; nothing here sleeps.

    .venv/bin/python bench/walkthrough.py [--runs 5]

Needs what the browser tests need (`.ci/deps-chromium`, `.ci/deps-editors`). The path is the
one the browser tests check. Without a lookup (the order system fails): open the panel, Check
policy with what the page gave, answer the one needs_info round, Check again, tick the line the
ask is about, Draft reply, Insert. With it (a local stand-in serving Shopify's documented
example order): open the panel, which looks the order up by itself, Check policy, tick, Draft
reply, Insert.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser.fixture_server import serve_fixtures
from tests.browser.harness import SITE_URLS, Extension, launch
from tests.browser.live_server import drafter_server
from tests.order_system import SHOPIFY_TOKEN, serve_order_system

POLICY = "tau-retail"


class Agent:
    """Counts what the agent does: each click, choice or tick is one action."""

    def __init__(self) -> None:
        self.actions = 0

    def click(self, page: Page, selector: str) -> None:
        self.actions += 1
        page.locator(selector).click()

    def choose(self, page: Page, selector: str, value: str) -> None:
        self.actions += 1
        page.locator(selector).select_option(value)

    def tick(self, page: Page, label: str) -> None:
        self.actions += 1
        page.get_by_label(label).check()


def walk(extension: Extension, browser_page: Page, *, lookup: bool) -> tuple[int, int, float]:
    """One walk-through: (actions to a verdict, actions to the inserted draft, seconds from the
    toolbar click to the inserted draft)."""
    agent = Agent()
    started = time.perf_counter()
    agent.actions += 1  # the toolbar button opens the side panel on this ticket
    panel = extension.open_panel(browser_page, height=1400)
    expect(panel.locator("body")).to_have_attribute("data-ready", "true")
    badge = panel.locator("#verdict .badge")
    if lookup:  # the panel looks the order up by itself: the page links to it
        expect(panel.locator("#lookup-status")).to_contain_text("filled from Shopify order")
        agent.click(panel, "#check")
        expect(badge).not_to_have_text("needs info")
        to_verdict = agent.actions
        agent.tick(panel, "IPod Nano - 8gb - green (466157049)")
    else:
        agent.click(panel, "#check")
        expect(badge).to_have_text("needs info")
        needed = '#facts [data-group="needed"]'
        agent.choose(panel, f'{needed} [data-path="case.order.status"]', "delivered")
        agent.click(panel, "#check")
        expect(badge).not_to_have_text("needs info")
        to_verdict = agent.actions
        agent.tick(panel, "Trailhead 2 hiking boots (1)")
    agent.click(panel, "#draft")
    panel.wait_for_selector("#draft-card[data-draft-id]", timeout=60_000)
    agent.click(panel, "#insert")
    expect(panel.locator("#insert-status")).to_contain_text("Inserted into the ckeditor5 reply box")
    seconds = time.perf_counter() - started
    body = panel.locator("#draft-text").inner_text()
    editor = browser_page.locator(".ck-editor__editable").inner_text()
    assert " ".join(body.split()) == " ".join(editor.split()), "the reply box holds another text"
    panel.close()
    return to_verdict, agent.actions, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, serve_order_system() as orders:
        for part in ("tls", "server", "profile"):
            (Path(tmp) / part).mkdir()
        connection = {
            "DRAFTER_CONNECTIONS__DEFAULT__SHOPIFY__URL": orders.url,
            "DRAFTER_CONNECTIONS__DEFAULT__SHOPIFY__TOKEN": SHOPIFY_TOKEN,
        }
        with (
            serve_fixtures(Path(tmp) / "tls") as port,
            drafter_server(Path(tmp) / "server", connection) as server,
            sync_playwright() as playwright,
        ):
            context = launch(playwright, Path(tmp) / "profile", port)
            extension = Extension.find(context)
            extension.store({"apiUrl": server.url, "apiKey": server.key, "defaultPolicy": POLICY})
            for lookup in (False, True):
                orders.mode = "ok" if lookup else "error"  # no order system: the agent types
                results = []
                for _ in range(args.runs):
                    page = context.new_page()
                    page.goto(SITE_URLS["zendesk"])
                    page.wait_for_function("window.__editorReady === true")
                    extension.wait_for_content_script(page)
                    results.append(walk(extension, page, lookup=lookup))
                    page.close()
                report("with the lookup" if lookup else "without a lookup", results)
            context.close()


def report(label: str, results: list[tuple[int, int, float]]) -> None:
    seconds = sorted(s for _, _, s in results)
    print(
        f"{label}: {sorted({v for v, _, _ in results})} actions to a verdict, "
        f"{sorted({a for _, a, _ in results})} to the draft in the reply box; seconds: median "
        f"{statistics.median(seconds):.2f}, min {seconds[0]:.2f}, max {seconds[-1]:.2f} "
        f"({len(results)} runs)"
    )


if __name__ == "__main__":
    main()
