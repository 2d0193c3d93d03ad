"""Reports: the terminal summary, JUnit XML and the HTML page render what the run holds."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from rich.console import Console

from drafter.evals.compare import compare_runs
from drafter.evals.reports import junit_xml, print_comparison, print_summary, render_html
from tests.evals.builders import case, run

ATTACK = '<script>alert("x")</script> & <b>bold</b>'


def _results():  # type: ignore[no-untyped-def]
    return run(
        [
            case("good", {"empathy": True, "blame": True}),
            case("cold", {"empathy": False, "blame": True}, body=ATTACK),
            case("broken", {"empathy": True, "blame": True, "verdict_facts": False}, raw=False),
        ]
    )


def test_terminal_summary_shows_each_scorer_and_the_gates() -> None:
    console = Console(record=True, width=140)
    print_summary(console, _results())
    text = console.export_text()
    assert "empathy" in text
    assert "2/3 (67%)" in text  # empathy passed in two final replies of three
    assert "final replies 2/3" in text
    assert "raw drafts 2/2" in text


def test_terminal_comparison_lists_regressions() -> None:
    a = _results()
    b = run(
        [
            case("good", {"empathy": False, "blame": True}),
            case("cold", {"empathy": True, "blame": True}),
        ]
    )
    console = Console(record=True, width=160)
    print_comparison(console, compare_runs(a, b), [])
    text = console.export_text()
    assert "McNemar p" in text
    assert "regressed (1): good" in text
    assert "improved (1): cold" in text
    assert "1 only in A" in text
    assert "no regression" in text


def test_junit_has_a_suite_per_family_and_a_failure_per_failing_scorer() -> None:
    root = ET.fromstring(junit_xml(_results()))
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    compliance, tone = suites["drafter.evals.compliance"], suites["drafter.evals.tone"]
    assert (compliance.get("tests"), compliance.get("failures")) == ("3", "1")
    assert (tone.get("tests"), tone.get("failures")) == ("6", "1")
    failure = next(tone.iter("failure"))
    assert failure.get("type") == "soft-threshold"
    assert ATTACK in (failure.text or "")
    hard = next(compliance.iter("failure"))
    assert hard.get("type") == "hard"


def test_html_escapes_replies_and_lists_every_case_and_scorer() -> None:
    page = render_html(_results())
    assert ATTACK not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert page.count('<section class="case"') == 3
    assert '<option value="empathy">empathy</option>' in page
    assert 'data-final="empathy"' in page
    assert "no model draft" in page
    assert "final NOT compliant" in page
