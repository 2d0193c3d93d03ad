"""JUnit XML for CI: one suite for compliance (a failure there is a gate failure), one for the
case expectations and one for tone, with one test per case and scorer of the final reply."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from drafter.evals.results import CaseResult, RunResults

__all__ = ["junit_xml", "write_junit"]

_SUITES = (
    ("compliance", "drafter.evals.compliance"),
    ("expectations", "drafter.evals.expectations"),
    ("tone", "drafter.evals.tone"),
)


def _testcase(suite: ET.Element, case: CaseResult, family: str) -> tuple[int, int]:
    tests = failures = 0
    for score in case.final.scores:
        if score.family != family:
            continue
        element = ET.SubElement(
            suite, "testcase", classname=f"{case.policy}.{case.id}", name=score.scorer, time="0"
        )
        tests += 1
        if not score.applicable:
            ET.SubElement(element, "skipped", message=score.reason)
        elif not score.passed:
            failures += 1
            kind = "hard" if score.hard else "soft-threshold"
            failure = ET.SubElement(element, "failure", type=kind, message=score.reason)
            failure.text = f"{case.title}\n\n{case.final.body}"
    return tests, failures


def junit_xml(results: RunResults) -> str:
    """The run as a JUnit XML document."""
    root = ET.Element("testsuites", name="drafter-evals")
    for family, name in _SUITES:
        suite = ET.SubElement(root, "testsuite", name=name)
        tests = failures = 0
        for case in results.cases:
            added, failed = _testcase(suite, case, family)
            tests, failures = tests + added, failures + failed
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(results: RunResults, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(results), encoding="utf-8")
