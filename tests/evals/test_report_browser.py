"""The HTML report in a real headless Chromium: it loads from a file with no network, its
filters work, and a screenshot is kept in artifacts/ for people and CI to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafter.evals.reports import write_html
from drafter.evals.results import RunResults
from tests.evals.builders import case, run

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/deps-chromium installs it)"
)


def _results() -> RunResults:
    return run(
        [
            case("warm", {"empathy": True, "blame": True}, body="Hi Maya, I'm sorry..."),
            case("cold", {"empathy": False, "blame": True}, body="Refund denied."),
            case("rude", {"empathy": False, "blame": False}, body="You should have read it."),
        ]
    )


def open_report(results: RunResults, tmp_path: Path, screenshot: str) -> dict[str, object]:
    """Open the report, try its filters, keep a screenshot; return what the page showed."""
    from playwright.sync_api import sync_playwright

    report = tmp_path / "report.html"
    write_html(results, report)
    ARTIFACTS.mkdir(exist_ok=True)
    seen: dict[str, object] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(report.as_uri())
        seen["initial"] = page.inner_text("#shown")
        page.screenshot(path=str(ARTIFACTS / screenshot))
        page.select_option("#scorer", "empathy")
        seen["empathy"] = page.inner_text("#shown")
        seen["visible"] = page.eval_on_selector_all(
            "section.case:not([hidden])", "nodes => nodes.map(n => n.dataset.id.split(' ')[0])"
        )
        page.select_option("#scorer", "")
        page.fill("#search", "rude")
        seen["search"] = page.inner_text("#shown")
        seen["requests"] = [url for url in requests if not url.startswith("file://")]
        browser.close()
    return seen


def test_the_report_filters_by_failing_scorer_in_chromium(tmp_path: Path) -> None:
    seen = open_report(_results(), tmp_path, "eval-report-synthetic.png")
    assert seen["initial"] == "3 of 3 cases shown"
    assert seen["empathy"] == "2 of 3 cases shown"
    assert seen["visible"] == ["cold", "rude"]
    assert seen["search"] == "1 of 3 cases shown"
    assert seen["requests"] == []  # self-contained: nothing fetched
    assert (ARTIFACTS / "eval-report-synthetic.png").stat().st_size > 10_000


def test_a_real_replay_report_opens_and_keeps_a_screenshot(tmp_path: Path) -> None:
    """The report of a replay of the committed recordings, as the README shows it."""
    import asyncio

    from drafter.evals.cases import load_cases
    from drafter.evals.config import load_config
    from drafter.evals.runner import run_eval
    from drafter.policy import PolicyRegistry
    from drafter.settings import Settings

    config = load_config()
    if not (config.recordings_dir / config.default_recording).is_dir():
        pytest.skip("no committed recordings yet")
    cases = load_cases(config.cases_dir, PolicyRegistry(Settings().policies_dir))[:12]
    results = asyncio.run(run_eval(cases, config=config, settings=Settings(), mode="replay"))
    seen = open_report(results, tmp_path, "eval-report.png")
    assert seen["initial"] == f"{len(results.cases)} of {len(results.cases)} cases shown"
    assert seen["requests"] == []
