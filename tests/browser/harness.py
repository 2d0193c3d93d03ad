"""Driving the extension in Debian's Chromium: launch, find the service worker, message tabs as
the side panel does, evaluate code in the content script's isolated world, press the toolbar
button, and open the side panel page for a tab."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, CDPSession, Error, Page, Playwright, Worker

ROOT = Path(__file__).resolve().parents[2]
EXTENSION_DIR = ROOT / "extension"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "browser"
EXTENSION_NAME = "drafter"

SITE_URLS = {
    "zendesk": "https://acme.zendesk.com/agent/tickets/4821",
    "freshdesk": "https://acme.freshdesk.com/a/tickets/1207",
    "gmail": "https://mail.google.com/mail/u/0/#inbox/FMfcgzQXJWbtSRlq",
    "helpscout": "https://secure.helpscout.net/conversation/2231/88",
    "generic": "https://shop.example.test/support/tickets/77",
}


def launch(playwright: Playwright, profile: Path, fixture_port: int) -> BrowserContext:
    """Chromium with the unpacked extension, every fixture host mapped to the local server and
    every other host unresolvable, so nothing leaves the machine."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run .ci/deps-chromium")
    hosts = ", ".join(
        f"MAP {host} 127.0.0.1:{fixture_port}"
        for host in (
            "*.zendesk.com",
            "*.freshdesk.com",
            "mail.google.com",
            "secure.helpscout.net",
            "shop.example.test",
        )
    )
    args = [
        f"--load-extension={EXTENSION_DIR}",
        f"--disable-extensions-except={EXTENSION_DIR}",
        "--enable-unsafe-extension-debugging",  # lets CDP press the toolbar button
        f"--host-resolver-rules={hosts}, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        headless=True,
        args=args,
        ignore_https_errors=True,
        viewport={"width": 1200, "height": 900},
    )


@dataclass
class Extension:
    context: BrowserContext
    worker: Worker
    id: str

    @classmethod
    def find(cls, context: BrowserContext) -> Extension:
        workers = [w for w in context.service_workers if w.url.startswith("chrome-extension://")]
        worker = workers[0] if workers else context.wait_for_event("serviceworker", timeout=15_000)
        match = re.match(r"chrome-extension://([a-p]{32})/", worker.url)
        assert match, worker.url
        return cls(context, worker, match.group(1))

    def url(self, path: str) -> str:
        return f"chrome-extension://{self.id}/{path}"

    def tab_id(self, page: Page) -> int:
        tab: int = self.worker.evaluate(
            "async (url) => (await chrome.tabs.query({})).find((t) => t.url === url)?.id ?? null",
            page.url,
        )
        assert tab is not None, f"no tab for {page.url}"
        return tab

    def tell_tab(self, page: Page, message: dict[str, Any]) -> Any:
        """Send a message to the page's content script, as the side panel does."""
        return self.worker.evaluate(
            "([tab, message]) => chrome.tabs.sendMessage(tab, message)",
            [self.tab_id(page), message],
        )

    def wait_for_content_script(self, page: Page, timeout_s: float = 10.0) -> str:
        """Ping the content script until it answers (it loads at document_idle); its site id."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                answer = self.tell_tab(page, {"type": "drafter:ping"})
                return str(answer["site"])
            except Error:
                if time.monotonic() > deadline:
                    raise
                page.wait_for_timeout(100)

    def store(self, values: dict[str, Any]) -> None:
        self.worker.evaluate("(values) => chrome.storage.local.set(values)", values)

    def clear_storage(self) -> None:
        self.worker.evaluate("() => chrome.storage.local.clear()")

    def press_action(self, page: Page) -> None:
        """Click the toolbar button on this page's tab (grants activeTab, opens the panel)."""
        browser = self.context.browser
        assert browser is not None
        cdp = browser.new_browser_cdp_session()
        try:
            tabs = cdp.send("Target.getTargets", {"filter": [{"type": "tab"}]})["targetInfos"]
            target = next(t["targetId"] for t in tabs if t["url"] == page.url)
            cdp.send("Extensions.triggerAction", {"id": self.id, "targetId": target})
        finally:
            cdp.detach()

    def open_targets(self) -> list[str]:
        browser = self.context.browser
        assert browser is not None
        cdp = browser.new_browser_cdp_session()
        try:
            return [t["url"] for t in cdp.send("Target.getTargets")["targetInfos"]]
        finally:
            cdp.detach()

    def open_panel(self, page: Page, *, width: int = 420, height: int = 1000) -> Page:
        """The side panel page, pinned to `page`'s tab, in a panel-sized viewport."""
        panel = self.context.new_page()
        panel.set_viewport_size({"width": width, "height": height})
        panel.goto(self.url(f"sidepanel/panel.html?tab={self.tab_id(page)}"))
        panel.wait_for_selector("body[data-loaded]")
        return panel


class ContentWorld:
    """Evaluate JavaScript in the extension's isolated world on a page: the content script's
    own context, with its chrome.* APIs, which Playwright does not expose directly."""

    def __init__(self, page: Page) -> None:
        self.cdp: CDPSession = page.context.new_cdp_session(page)
        self.contexts: list[dict[str, Any]] = []
        self.cdp.on("Runtime.executionContextCreated", lambda e: self.contexts.append(e["context"]))
        self.cdp.send("Runtime.enable")

    def context_id(self) -> int:
        for context in self.contexts:
            if context["auxData"].get("type") == "isolated" and context["name"] == EXTENSION_NAME:
                return int(context["id"])
        raise AssertionError(f"no content script world among {[c['name'] for c in self.contexts]}")

    def evaluate(self, expression: str) -> Any:
        result = self.cdp.send(
            "Runtime.evaluate",
            {
                "expression": expression,
                "contextId": self.context_id(),
                "awaitPromise": True,
                "returnByValue": True,
            },
        )
        if "exceptionDetails" in result:
            raise AssertionError(result["exceptionDetails"].get("exception", {}).get("description"))
        return result["result"].get("value")
