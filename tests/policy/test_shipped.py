"""Every shipped policy loads, passes its own test table with every rule reached, lints with
no errors, and every bundled example request is valid and gets a verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafter.intake import parse_request
from drafter.policy import PolicyRegistry, evaluate
from drafter.policy.lint import lint
from drafter.policy.tables import run_table
from drafter.settings import Settings

REGISTRY = PolicyRegistry(Settings().policies_dir)
# Each pack's examples, with the first policy of the pack (retail-standard for retail).
EXAMPLES = sorted(Settings().policies_dir.glob("*/examples/*.json"))
FIRST = {REGISTRY.path(i).parent.name: i for i in sorted(REGISTRY.ids(), reverse=True)}


def test_the_three_policies_ship() -> None:
    assert {"retail-standard", "saas-subscription", "tau-retail"} <= set(REGISTRY.ids())


@pytest.mark.parametrize("policy_id", REGISTRY.ids())
def test_table_passes_and_reaches_every_rule(policy_id: str) -> None:
    report = run_table(REGISTRY.get(policy_id), REGISTRY.tests_path(policy_id))
    assert [(r.name, r.problems) for r in report.failed] == []
    assert report.uncovered == []
    assert len(report.results) >= 25


@pytest.mark.parametrize("policy_id", REGISTRY.ids())
def test_lint_finds_no_errors(policy_id: str) -> None:
    findings = [f for f in lint(REGISTRY.get(policy_id)) if f.level != "info"]
    assert findings == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_examples_are_valid_requests_with_a_verdict(path: Path) -> None:
    policy_id = FIRST[path.parent.parent.name]
    verdict = evaluate(REGISTRY.get(policy_id), parse_request(path.read_bytes()))
    assert verdict.rule
