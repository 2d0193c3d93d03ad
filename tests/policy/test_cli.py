"""``drafter policy lint`` as an operations lead runs it: only what needs action, by default."""

from __future__ import annotations

import os
import subprocess
import sys

from drafter.policy import PolicyRegistry
from drafter.policy.lint import lint
from tests.conftest import FIXTURES

# A pack a helper wrote from the documentation alone, as an operations lead would (a gym's
# membership cancellations), kept as it was written.
AUTHORED = FIXTURES / "authored"


def _lint(*args: str, policies: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "drafter", "policy", "lint", *args]
    env = os.environ | ({"DRAFTER_POLICIES_DIR": policies} if policies else {})
    return subprocess.run(command, capture_output=True, text=True, check=False, env=env)


def test_lint_shows_only_what_needs_action_by_default() -> None:
    done = _lint("retail-standard")
    assert done.returncode == 0, done.stderr
    assert "INFO" not in done.stdout
    assert "retail-standard: 0 findings (" in done.stdout
    assert "informational, shown with --verbose)" in done.stdout


def test_lint_verbose_shows_the_informational_findings() -> None:
    done = _lint("retail-standard", "--verbose")
    assert done.returncode == 0, done.stderr
    informational = [line for line in done.stdout.splitlines() if line.startswith("INFO")]
    assert informational
    assert f"retail-standard: {len(informational)} findings" in done.stdout


def test_a_rule_the_table_reaches_is_not_reported_shadowed_by_the_search() -> None:
    # The search finds no input reaching annual_medical (it needs an annual member past 30
    # days with months left and a doctor's note), but two passing cases of the table do: the
    # search fell short, so lint must not tell the author the rule is dead.
    policy = PolicyRegistry(AUTHORED).get("pulsefit-standard")
    alone = [f for f in lint(policy) if f.rule == "annual_medical"]
    assert [(f.level, f.code) for f in alone] == [("warning", "shadowed")]
    done = _lint("pulsefit-standard", policies=str(AUTHORED))
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stdout
    verbose = _lint("pulsefit-standard", "--verbose", policies=str(AUTHORED)).stdout
    assert (
        "[annual_medical] shadowed: the search found no input that reaches it, but the test "
        "table does"
    ) in verbose


def test_check_says_a_question_is_asked_at_a_rule_and_what_trace_results_mean() -> None:
    example = AUTHORED / "pulsefit" / "examples" / "annual-moved-no-distance.json"
    command = [sys.executable, "-m", "drafter", "check", str(example)]
    command += ["--policy", "pulsefit-standard"]
    env = os.environ | {"DRAFTER_POLICIES_DIR": str(AUTHORED), "COLUMNS": "200"}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("NEEDS_INFO at rule annual_moved ")
    assert "fired: its condition held; passed: it did not; unknown: a fact it reads" in done.stdout
