"""``drafter policy lint`` as an operations lead runs it: only what needs action, by default."""

from __future__ import annotations

import subprocess
import sys


def _lint(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "drafter", "policy", "lint", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


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
