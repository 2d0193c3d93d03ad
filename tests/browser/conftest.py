"""Browser fixtures: one Chromium with the unpacked extension for the browser tests, the
fixture helpdesks on a local HTTPS server, and a fresh page per test.

Package-scoped, not session-scoped: Playwright's sync API keeps an event loop running in the
main thread while it lives, which would make every later asyncio.run() in the suite fail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright

from tests.browser.fixture_server import serve_fixtures
from tests.browser.harness import ARTIFACTS, SITE_URLS, Extension, launch


@pytest.fixture(scope="package")
def fixture_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with serve_fixtures(tmp_path_factory.mktemp("tls")) as port:
        yield port


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(
    playwright: Playwright, fixture_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BrowserContext]:
    context = launch(playwright, tmp_path_factory.mktemp("profile"), fixture_port)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    yield context
    context.close()


@pytest.fixture(scope="package")
def extension(browser: BrowserContext) -> Extension:
    return Extension.find(browser)


@pytest.fixture(autouse=True)
def _fresh_storage(request: pytest.FixtureRequest) -> None:
    """Browser tests start with no settings stored."""
    if "extension" in request.fixturenames:
        request.getfixturevalue("extension").clear_storage()


_VISITS = count()


@pytest.fixture
def open_site(browser: BrowserContext, extension: Extension) -> Iterator[Callable[[str], Page]]:
    pages: list[Page] = []

    def open_(site: str) -> Page:
        page = browser.new_page()
        pages.append(page)
        # The generic page is found by its URL to press the toolbar button on it
        # (harness.press_action): a URL of its own, so a tab of an earlier test that is still
        # closing can never be the one pressed.
        page.goto(SITE_URLS[site] + (f"?visit={next(_VISITS)}" if site == "generic" else ""))
        page.wait_for_function("window.__editorReady === true")
        # The content script runs at document_idle; wait until it answers.
        if site != "generic":
            extension.wait_for_content_script(page)
        return page

    yield open_
    for page in browser.pages:
        if page.url != "about:blank":
            page.close()


@pytest.fixture
def artifact() -> Callable[[str], Path]:
    """A path under artifacts/browser/ (gitignored) for a screenshot."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return lambda name: ARTIFACTS / name
