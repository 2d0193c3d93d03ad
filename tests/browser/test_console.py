"""The console in real Chromium against a real `drafter serve` (drafts written by the scripted
OpenAI-compatible server): sign in with a supervisor key, read the friction page and its
charts, filter them to one rule, open a draft, sign out. Screenshots of each page go to
artifacts/browser/console-*.png (the README's are copies of them)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from drafter.testing.llm_server import LLMServer, run_llm_server
from drafter.testing.llm_server import Reply as Scripted
from tests.browser.harness import CHROMIUM
from tests.browser.live_server import LiveServer, drafter_server, server_env
from tests.test_pipeline import BAD, GOOD

FIXTURES = Path(__file__).resolve().parents[1] / "policy" / "fixtures"


@pytest.fixture(scope="module")
def llm() -> Iterator[LLMServer]:
    with run_llm_server() as server:
        yield server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, llm: LLMServer) -> Iterator[LiveServer]:
    settings = {
        "DRAFTER_POLICIES_DIR": str(FIXTURES),
        "DRAFTER_LLM_BASE_URL": llm.base_url,
        "DRAFTER_LLM_MODEL": "test-model",
        "DRAFTER_LLM_API_KEY": "sk-test",
    }
    with drafter_server(tmp_path_factory.mktemp("server"), settings) as live:
        yield live


@pytest.fixture(scope="module")
def supervisor_key(server: LiveServer) -> str:
    env = server_env(server.data_dir, urlsplit(server.url).port or 0)
    created = subprocess.run(
        [sys.executable, "-m", "drafter", "keys", "create", "team lead", "--role", "supervisor"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return created.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def history(server: LiveServer, llm: LLMServer) -> dict[str, str]:
    """A repaired draft the agent edited, a fallback the agent rejected, a draft sent as is,
    and one verdict without a draft."""
    ticket = json.loads((FIXTURES / "request.json").read_text())
    body = {"policy": "mini-store", "request": ticket}
    llm.script.reset()
    llm.script.push(Scripted(BAD), Scripted(GOOD))
    repaired = server.call("POST", "/v1/drafts", body)
    llm.script.push(Scripted(BAD), Scripted(BAD))
    fallback = server.call("POST", "/v1/drafts", body)
    llm.script.push(Scripted(GOOD))
    kept = server.call("POST", "/v1/drafts", body)
    server.call("POST", "/v1/verdicts", body)
    final = repaired["reply"]["draft"]["body"]
    edited = final.replace("Dear Ana Ruiz,", "Hi Ana,").replace(
        "Kind regards,", "Sorry again about the fit. Kind regards,"
    )
    feedback: list[tuple[str, dict[str, Any]]] = [
        (repaired["id"], {"outcome": "edited", "final_text": edited, "reason": "warmer"}),
        (fallback["id"], {"outcome": "rejected", "reason": "reads like a form letter"}),
        (kept["id"], {"outcome": "sent_as_is"}),
    ]
    for draft_id, data in feedback:
        server.call("POST", f"/v1/drafts/{draft_id}/feedback", data)
    return {"repaired": repaired["id"], "fallback": fallback["id"], "kept": kept["id"]}


@pytest.fixture(scope="module")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
    )
    yield browser
    browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def watch_csp(page: Page) -> list[str]:
    """Messages Chromium logs when the page's policy blocks something (or anything fails)."""
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text))
    return seen


def sign_in(page: Page, server: LiveServer, key: str) -> None:
    page.goto(f"{server.url}/console/friction")
    expect(page).to_have_url(f"{server.url}/console/sign-in?next=%2Fconsole%2Ffriction")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server.url}/console/friction")


def test_sign_in_read_friction_filter_and_sign_out(
    page: Page,
    server: LiveServer,
    supervisor_key: str,
    history: dict[str, str],
    artifact: Callable[[str], Path],
) -> None:
    del history
    console = watch_csp(page)
    page.goto(f"{server.url}/console/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.screenshot(path=artifact("console-sign-in.png"))
    page.get_by_label("API key").fill(server.key)  # an agent's key: not for the console
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("supervisor")

    page.get_by_label("API key").fill(supervisor_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Drafts")).to_be_visible()  # the console's home
    page.get_by_role("link", name="Friction").click()
    expect(page.get_by_role("heading", name="Friction by rule")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "drafter_console")
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/console")
    assert cookie["expires"] == -1  # a browser-session cookie
    # The stylesheet loaded under the page's CSP, and nothing was blocked.
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(246, 247, 249)"

    row = page.locator("#rules tbody tr", has_text="outside_window")
    cells = [text.strip() for text in row.locator("td").all_inner_texts()]
    # decided (3 drafts + 1 verdict), declines, drafts, fallback, reviewed, edited, rejected
    assert cells[:9] == ["mini-store", "outside_window", "4", "4", "3", "33%", "3", "33%", "33%"]
    bars = page.locator("#chart-decisions rect.bar")
    expect(bars).to_have_count(30)
    assert (bars.last.locator("title").text_content() or "").endswith(": 4")
    assert float(bars.last.get_attribute("height") or 0) > 0
    page.screenshot(path=artifact("console-friction.png"), full_page=True)

    page.get_by_label("Last").fill("7")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#chart-decisions rect.bar")).to_have_count(7)
    row.get_by_role("link", name="chart").click()
    expect(page.locator("#charts h2")).to_contain_text("outside_window")
    expect(page.locator("#chart-fallbacks figcaption")).to_contain_text("1 in all")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(f"{server.url}/console/friction")
    expect(page).to_have_url(f"{server.url}/console/sign-in?next=%2Fconsole%2Ffriction")
    assert not [c for c in page.context.cookies() if c["name"] == "drafter_console"]
    assert not [m for m in console if "Content Security Policy" in m], console


def test_open_a_repaired_draft_and_read_the_agent_s_edit(
    page: Page,
    server: LiveServer,
    supervisor_key: str,
    history: dict[str, str],
    artifact: Callable[[str], Path],
) -> None:
    console = watch_csp(page)
    sign_in(page, server, supervisor_key)
    page.get_by_label("Draft").fill(history["repaired"])
    page.get_by_role("button", name="Open").click()
    expect(page).to_have_url(f"{server.url}/console/drafts/{history['repaired']}")
    expect(page.get_by_role("heading", name=f"Draft {history['repaired']}")).to_be_visible()
    expect(page.locator(".meta")).to_contain_text("repaired")
    facts = page.locator("#request table")
    expect(facts.locator("tr", has_text="customer.name")).to_contain_text("Ana Ruiz")
    expect(page.locator("#verdict dl")).to_contain_text("decline")
    fired = page.locator("#verdict table.trace tr.result-fired")
    expect(fired).to_contain_text("outside_window")
    drafts = page.locator("#drafts article.draft")
    expect(drafts.nth(0)).to_contain_text("We have issued a refund anyway.")
    expect(drafts.nth(1)).not_to_contain_text("We have issued a refund anyway.")
    expect(page.locator("#drafts")).to_contain_text("free.money")
    diff = page.locator("#feedback pre.diff")
    expect(diff.locator("del").first).to_have_text("Dear Ana Ruiz,")
    expect(diff.locator("ins", has_text="Sorry again about the fit.")).to_have_count(1)
    page.screenshot(path=artifact("console-draft.png"), full_page=True)

    page.goto(f"{server.url}/console/drafts/{history['fallback']}")
    expect(page.locator(".meta")).to_contain_text("fell back")
    expect(page.locator("#feedback")).to_contain_text("reads like a form letter")
    page.goto(f"{server.url}/console/drafts/dr_{'0' * 37}")
    expect(page.get_by_role("heading", name="404")).to_be_visible()
    assert not [m for m in console if "Content Security Policy" in m], console


def test_filter_the_drafts_list_and_open_a_draft(
    page: Page,
    server: LiveServer,
    supervisor_key: str,
    history: dict[str, str],
    artifact: Callable[[str], Path],
) -> None:
    console = watch_csp(page)
    sign_in(page, server, supervisor_key)
    page.get_by_role("link", name="Drafts").click()
    rows = page.locator("#drafts tbody tr")
    expect(rows).to_have_count(3)
    page.screenshot(path=artifact("console-drafts.png"), full_page=True)
    page.get_by_label("Feedback").select_option("rejected")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-id", history["fallback"])
    page.get_by_label("Fell back").select_option("no")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#no-drafts")).to_be_visible()
    page.get_by_role("link", name="Clear").click()
    expect(rows).to_have_count(3)
    rows.filter(has_text="edited").get_by_role("link").click()
    expect(page).to_have_url(f"{server.url}/console/drafts/{history['repaired']}")
    assert not [m for m in console if "Content Security Policy" in m], console


def test_run_an_impact_analysis(
    page: Page,
    server: LiveServer,
    supervisor_key: str,
    history: dict[str, str],
    artifact: Callable[[str], Path],
) -> None:
    """Paste a candidate with a 60-day window: the three stored drafts and the verdict (all
    declined 46 days after delivery) would be approved, compared with the stored verdicts
    and, the same here, with the current policy."""
    console = watch_csp(page)
    sign_in(page, server, supervisor_key)
    page.get_by_role("link", name="Impact").click()
    page.locator("#impact-policy").select_option("mini-store")
    current = (FIXTURES / "shop" / "mini-store.yaml").read_text(encoding="utf-8")
    wider = current.replace("{standard: 30, gold: 60}", "{standard: 60, gold: 90}")
    assert wider != current
    page.get_by_label("Candidate policy").fill(wider)
    page.get_by_role("button", name="Run the impact analysis").click()
    summary = "4 of 4 requests would get another answer; 0 unchanged; 0 cannot be evaluated."
    expect(page.locator("#impact-summary")).to_have_text(
        f"{summary} Compared with the stored verdicts, what customers were told."
    )
    expect(page.locator("#impact-transitions tbody tr td")).to_have_text(
        ["decline", "approve", "4"]
    )
    page.get_by_label("Compare with").select_option("current")
    page.get_by_role("button", name="Run the impact analysis").click()
    expect(page.locator("#impact-summary")).to_have_text(
        f"{summary} Compared with the current policy, version 1.0.0, as it decides today."
    )
    expect(
        page.get_by_role("heading", name="Decisions, current policy → candidate")
    ).to_be_visible()
    expect(page.locator("#impact-cut")).to_have_count(0)  # 4 requests: none left out
    page.screenshot(path=artifact("console-impact.png"), full_page=True)
    page.get_by_role("link", name=history["repaired"]).click()  # an example opens its draft
    expect(page).to_have_url(f"{server.url}/console/drafts/{history['repaired']}")
    assert not [m for m in console if "Content Security Policy" in m], console
