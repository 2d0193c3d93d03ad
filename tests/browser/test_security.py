"""The key stays in the service worker: a content script can neither read the stored settings
nor ask the service worker for them, nor make it call the API; the extension's own pages learn
only that a key exists. The manifest keeps permissions narrow and loads no remote code, and no
extension script writes HTML."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.harness import EXTENSION_DIR, ContentWorld, Extension

KEY = "drk_test_5f2d9c1e8b7a4f30a9c6e1d2b3a4c5d6"


@pytest.fixture
def stored_key(extension: Extension) -> None:
    extension.store({"apiUrl": "http://127.0.0.1:9", "apiKey": KEY, "defaultPolicy": "tau-retail"})


@pytest.mark.usefixtures("stored_key")
def test_content_script_cannot_read_storage(open_site: Callable[[str], Page]) -> None:
    world = ContentWorld(open_site("zendesk"))
    outcome = world.evaluate(
        "chrome.storage.local.get(null)"
        ".then((v) => 'read: ' + JSON.stringify(v), (e) => 'refused: ' + e.message)"
    )
    assert outcome.startswith("refused: ")
    assert KEY not in outcome


@pytest.mark.usefixtures("stored_key")
@pytest.mark.parametrize(
    "message",
    [
        {"type": "settings:get"},
        {"type": "settings:save", "settings": {"apiUrl": "https://evil.example", "apiKey": "x"}},
        {"type": "api:policies"},
        {"type": "api:verdict", "policy": "tau-retail", "request": {}},
        {"type": "tab:ensure", "tabId": 1},
    ],
)
def test_service_worker_refuses_content_scripts(
    message: dict[str, object], open_site: Callable[[str], Page], extension: Extension
) -> None:
    world = ContentWorld(open_site("helpscout"))
    answer = world.evaluate(f"chrome.runtime.sendMessage({json.dumps(message)})")
    assert answer["ok"] is False
    assert answer["error"]["status"] == 403
    assert KEY not in json.dumps(answer)
    stored = extension.worker.evaluate("() => chrome.storage.local.get(null)")
    assert stored["apiUrl"] == "http://127.0.0.1:9"  # the save above changed nothing


@pytest.mark.usefixtures("stored_key")
def test_service_worker_drops_draft_ports_from_content_scripts(
    open_site: Callable[[str], Page],
) -> None:
    world = ContentWorld(open_site("gmail"))
    outcome = world.evaluate(
        """new Promise((resolve) => {
          const port = chrome.runtime.connect({ name: 'drafter:draft' });
          port.onMessage.addListener((m) => resolve('answered: ' + JSON.stringify(m)));
          port.onDisconnect.addListener(() => resolve('disconnected'));
          port.postMessage({ policy: 'tau-retail', request: {} });
        })"""
    )
    assert outcome == "disconnected"


@pytest.mark.usefixtures("stored_key")
def test_extension_pages_learn_only_that_a_key_exists(
    browser: BrowserContext, extension: Extension
) -> None:
    page = browser.new_page()
    try:
        page.goto(extension.url("options/options.html"))
        page.wait_for_selector("body[data-loaded]")
        settings = page.evaluate("() => chrome.runtime.sendMessage({ type: 'settings:get' })")
        assert settings == {
            "ok": True,
            "data": {"apiUrl": "http://127.0.0.1:9", "defaultPolicy": "tau-retail", "hasKey": True},
        }
        assert page.input_value("#apiKey") == ""
        assert KEY not in page.content()
    finally:
        page.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "http://drafter.example.com",
            "apiUrl: must use https:// unless the server runs on this computer",
        ),
        ("ftp://127.0.0.1", "apiUrl: must start with https:// (or http:// for this computer)"),
        ("not a url", "apiUrl: 'not a url' is not a URL"),
        (
            "https://user:pw@drafter.example.com",
            "apiUrl: must not carry a query, fragment or credentials",
        ),
    ],
)
def test_options_refuse_unsafe_api_urls(
    url: str, message: str, browser: BrowserContext, extension: Extension
) -> None:
    page = browser.new_page()
    try:
        page.goto(extension.url("options/options.html"))
        page.wait_for_selector("body[data-loaded]")
        page.fill("#apiUrl", url)
        page.fill("#apiKey", KEY)
        page.click("#save")
        expect(page.locator("#status")).to_have_text(f"Invalid settings: {message}")
        assert extension.worker.evaluate("() => chrome.storage.local.get(null)") == {}
    finally:
        page.close()


def test_manifest_is_narrow_and_loads_no_remote_code() -> None:
    manifest = json.loads((EXTENSION_DIR / "manifest.json").read_text())
    assert manifest["manifest_version"] == 3
    assert manifest["host_permissions"] == [
        "https://*.zendesk.com/*",
        "https://*.freshdesk.com/*",
        "https://mail.google.com/*",
        "https://secure.helpscout.net/*",
        "http://127.0.0.1/*",
        "http://localhost/*",
    ]
    assert "<all_urls>" not in json.dumps(manifest)
    assert "web_accessible_resources" not in manifest
    assert "externally_connectable" not in manifest
    csp = manifest["content_security_policy"]["extension_pages"]
    assert re.search(r"script-src 'self';", csp)
    assert "unsafe" not in csp
    for script in manifest["content_scripts"][0]["js"]:
        assert (EXTENSION_DIR / script).is_file()


def test_no_extension_code_writes_html_or_loads_remote_code() -> None:
    """API and page text reach the DOM only through textContent and insertText."""
    sinks = re.compile(
        r"\.innerHTML\s*=|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function"
    )
    remote = re.compile(r"""(src|href)=["']https?:|import\s*\(?\s*["']https?:""")
    for path in sorted(EXTENSION_DIR.rglob("*")):
        if path.suffix not in {".js", ".html"}:
            continue
        text = path.read_text()
        assert not sinks.search(text), f"{path.relative_to(EXTENSION_DIR)} writes HTML"
        assert not remote.search(text), f"{path.relative_to(EXTENSION_DIR)} loads remote code"
