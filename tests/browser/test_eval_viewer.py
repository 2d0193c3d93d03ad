"""The eval run viewer in a real headless Chromium (Debian's, through Playwright): the static
site from a file:// URL and the server of ``drafter eval view`` on 127.0.0.1. It lists the
runs, filters the case x run matrix (changed, policy, decision, language, channel, scorer,
outcome), shows a case's message, verdict, prompt, drafts and every score with its reason,
shows hostile text as text, and fetches nothing from the network."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright

from drafter.evals.history import RunHistory
from drafter.evals.results import CaseResult, PromptMessage, RunResults, Usage, VerdictView
from drafter.evals.viewer import build_site, serve
from tests.browser.harness import ARTIFACTS
from tests.evals.builders import case, run

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ATTACK = "<img src=x onerror=\"document.title='owned'\"> please refund"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/deps-chromium installs it)"
)


def _case(
    case_id: str,
    *,
    language: str = "en",
    decision: str = "decline",
    final: dict[str, bool] | None = None,
    raw: dict[str, bool] | None = None,
    fallback: bool = False,
    policy_version: str = "2026.11.1",
) -> CaseResult:
    built = case(
        case_id,
        final or {"empathy": True},
        raw_outcomes=raw,
        fallback=fallback,
        body=f"Dear customer, about {case_id}.",
        usage=Usage(calls=1, prompt_tokens=2000, completion_tokens=200, latency_ms=900.0),
    )
    return built.model_copy(
        update={
            "language": language,
            "decision": decision,
            "policy": "saas-subscription" if case_id.startswith("s") else "retail-standard",
            "message": f"{ATTACK} ({case_id})",
            "verdict": VerdictView(
                decision=decision,
                policy_version=f"retail-standard@{policy_version}",
                policy_sha256="a" * 64,
                refund=None,
                offers=["store_credit 99.00 USD: credit for the full price"],
                must_say=["Store credit is added within one business day."],
                must_not_say=["No admission of fault."],
            ),
            "prompt": [
                PromptMessage(role="system", content="You write replies. [canary]"),
                PromptMessage(role="user", content=f"The facts of {case_id}."),
            ],
            "repair": "A repaired answer: we cannot refund it." if fallback else None,
            "repair_source": "A repaired answer: [[decision]]" if fallback else None,
        }
    )


def _runs() -> list[RunResults]:
    before = [
        _case("r-window"),
        _case("r-gold", language="es", decision="partial"),
        _case("s-cancel", decision="approve"),
        _case("s-legal", decision="escalate"),
    ]
    after = [
        # Worse raw draft, same final reply: the fallback hid it.
        _case("r-window", raw={"verdict_facts": False}, fallback=True, policy_version="2026.12.1"),
        _case("r-gold", language="es", decision="partial", final={"empathy": False}),
        _case("s-cancel", decision="approve"),
        _case("s-legal", decision="escalate"),
    ]
    return [run(before), run(after), run(after)]


@pytest.fixture
def site(tmp_path: Path) -> tuple[RunHistory, Path]:
    history = RunHistory(tmp_path / "runs")
    for results in _runs():
        history.keep(results)
    return history, build_site(history, tmp_path / "site")


@pytest.fixture
def chromium(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
    )
    yield browser
    browser.close()


def _open(browser: Browser, url: str) -> tuple[Page, list[str]]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: requests.append("dialog: " + dialog.message))
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    return page, requests


def _shown(page: Page) -> str:
    return page.inner_text("#shown")


def _visible(page: Page) -> list[str]:
    return page.eval_on_selector_all("#matrix tr.case", "rows => rows.map(r => r.dataset.id)")


def test_the_static_site_lists_runs_and_filters_the_matrix(
    site: tuple[RunHistory, Path], chromium: Browser
) -> None:
    _, index = site
    page, requests = _open(chromium, index.as_uri())
    assert page.locator("#runs tr.run-row").count() == 3
    assert page.locator("#matrix th.run-col").count() == 3
    assert _shown(page) == "4 of 4 cases shown"
    page.check("#f-changed")
    assert _visible(page) == ["r-gold", "r-window"]
    page.select_option("#f-outcome", "fallback")
    assert _visible(page) == ["r-window"]
    page.select_option("#f-outcome", "raw-fail")
    assert _visible(page) == ["r-window"]
    page.select_option("#f-outcome", "")
    page.select_option("#f-scorer", "empathy")
    assert _visible(page) == ["r-gold"]
    page.select_option("#f-scorer", "")
    page.uncheck("#f-changed")
    page.select_option("#f-language", "es")
    assert _visible(page) == ["r-gold"]
    page.select_option("#f-language", "")
    page.select_option("#f-policy", "saas-subscription")
    assert _visible(page) == ["s-cancel", "s-legal"]
    page.select_option("#f-decision", "escalate")
    assert _visible(page) == ["s-legal"]
    page.select_option("#f-channel", "email")
    assert _visible(page) == ["s-legal"]
    page.fill("#f-search", "nothing like it")
    assert _shown(page) == "0 of 4 cases shown"
    page.fill("#f-search", "")
    # Only the two older runs shown: the changed filter follows the columns.
    page.select_option("#f-channel", "")
    page.select_option("#f-decision", "")
    page.select_option("#f-policy", "")
    page.locator("#runs input.show").nth(0).uncheck()
    page.check("#f-changed")
    assert _shown(page) == "0 of 4 cases shown"  # the last two runs are the same
    assert [url for url in requests if not url.startswith("file://")] == []


def test_a_case_shows_message_verdict_prompt_drafts_and_scores_side_by_side(
    site: tuple[RunHistory, Path], chromium: Browser
) -> None:
    _, index = site
    page, requests = _open(chromium, index.as_uri())
    page.locator("#runs input[name=a]").nth(0).check()  # A: the first run, B: the latest
    page.click("#matrix tr.case[data-id=r-window]")
    page.wait_for_selector("#detail .run-block >> nth=1")
    assert page.inner_text("#d-message") == f"{ATTACK} (r-window)"  # text, never markup
    assert page.title() == "drafter eval runs"
    verdict = page.inner_text("#d-verdict")
    assert "decision: decline" in verdict
    assert "store_credit 99.00 USD" in verdict
    assert "Store credit is added within one business day." in verdict
    assert "No admission of fault." in verdict
    assert "retail-standard@2026.11.1" in verdict
    assert "had another verdict:" in verdict  # the policy changed between the runs
    assert "retail-standard@2026.12.1" in verdict
    blocks = page.locator("#detail .run-block")
    assert blocks.count() == 2
    before, after = blocks.nth(0), blocks.nth(1)
    assert "first draft kept" in before.locator(".how").inner_text()
    assert "fell back to the template" in after.locator(".how").inner_text()
    after.locator("details.prompt summary").click()
    assert "The facts of r-window." in after.locator("details.prompt").inner_text()
    assert "Raw Dear customer" in after.locator(".box.raw").inner_text()
    repair = after.locator(".box.repair")
    assert "A repaired answer: we cannot refund it." in repair.inner_text()  # as read
    assert "as the customer would read it" in repair.inner_text()
    assert "[[decision]]" not in repair.locator("> pre").inner_text()
    repair.locator("details.source summary").click()
    assert "A repaired answer: [[decision]]" in repair.locator("details.source").inner_text()
    assert "Dear customer, about r-window." in after.locator(".box.final").inner_text()
    row = after.locator("tr[data-scorer=verdict_facts]").inner_text()
    assert "FAIL" in row
    assert "verdict_facts failed" in row  # the raw draft's reason
    assert "verdict_facts ok" in row  # the final reply's
    page.screenshot(path=str(_artifact("eval-viewer-case.png")), full_page=True)
    assert [url for url in requests if not url.startswith("file://")] == []


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def test_the_server_serves_the_viewer_on_localhost(
    site: tuple[RunHistory, Path], chromium: Browser
) -> None:
    history, _ = site
    with serve(history) as address:
        assert address.startswith("http://127.0.0.1:")
        page, requests = _open(chromium, address)
        assert _shown(page) == "4 of 4 cases shown"
        page.click("#matrix tr.case[data-id=s-legal]")
        page.wait_for_selector("#detail .run-block")
        assert "(s-legal)" in page.inner_text("#d-message")
        assert all(url.startswith(address) for url in requests), requests


def test_the_server_shows_a_run_kept_after_it_started_on_reload(
    site: tuple[RunHistory, Path], chromium: Browser
) -> None:
    history, _ = site
    with serve(history) as address:
        page, _ = _open(chromium, address)
        assert page.locator("#runs tr.run-row").count() == 3
        later = [*_runs()[0].cases, _case("s-new-case", decision="approve")]
        kept = history.keep(run(later))
        page.reload()
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator("#runs tr.run-row").count() == 4
        assert _shown(page) == "5 of 5 cases shown"
        page.click("#matrix tr.case[data-id=s-new-case]")
        page.wait_for_selector(f"#detail .run-block[data-run='{kept.id}']")
        assert "(s-new-case)" in page.inner_text("#d-message")


def test_drafter_eval_view_serves_until_stopped(
    site: tuple[RunHistory, Path], chromium: Browser
) -> None:
    history, _ = site
    command = ["eval", "view", "--runs", str(history.directory), "--port", "0"]
    process = subprocess.Popen(
        [sys.executable, "-m", "drafter", *command],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("serving 3 runs at http://127.0.0.1:"), line
        address = line.split(" at ")[1].split()[0]
        page, _ = _open(chromium, address)
        assert page.locator("#runs tr.run-row").count() == 3
        page.screenshot(path=str(_artifact("eval-viewer.png")))
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
