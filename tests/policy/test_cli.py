"""``drafter policy lint`` as an operations lead runs it: only what needs action, by default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from drafter.policy import PolicyRegistry, load_policy
from drafter.policy.lint import lint
from tests.conftest import FIXTURES, SHOP, shop_pack

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


def test_lint_notes_a_rule_whose_fees_can_take_the_whole_refund(tmp_path: Path) -> None:
    # A restocking fee of 150% leaves nothing of an opened item's refund: the reply would say
    # it refunds 0.00. At 15% it never can, and nothing is said.
    text = (SHOP / "mini-store.yaml").read_text()
    path = shop_pack(tmp_path) / "mini-store.yaml"
    path.write_text(text.replace("{type: decimal, value: 0.15}", "{type: decimal, value: 1.5}"))
    noted = [f for f in lint(load_policy(path)) if f.code == "refund_of_nothing"]
    assert [(f.level, f.rule) for f in noted] == [("info", "opened_item")]
    assert "for example items_total=" in noted[0].message
    as_shipped = lint(load_policy(SHOP / "mini-store.yaml"))
    assert [f for f in as_shipped if f.code == "refund_of_nothing"] == []
