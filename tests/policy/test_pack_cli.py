"""``drafter pack new`` and ``drafter facts`` as a policy's author runs them: the scaffold loads,
passes its table with every rule reached and lints clean, with no Python written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _drafter(*args: str, policies: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if policies is not None:
        env["DRAFTER_POLICIES_DIR"] = str(policies)
    command = [sys.executable, "-m", "drafter", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False, env=env)


def test_a_new_pack_loads_passes_its_table_and_lints_clean(tmp_path: Path) -> None:
    made = _drafter("pack", "new", "event-tickets", "--dir", str(tmp_path))
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "event-tickets" / "domain.yaml").is_file()
    tested = _drafter("policy", "test", policies=tmp_path)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "event-tickets-standard: 7/7 cases passed, 0 rules uncovered" in tested.stdout
    linted = _drafter("policy", "lint", policies=tmp_path)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "event-tickets-standard: 0 findings" in linted.stdout
    example = tmp_path / "event-tickets" / "examples" / "refund-inside-window.json"
    checked = _drafter(
        "check", str(example), "--policy", "event-tickets-standard", "--json", policies=tmp_path
    )
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["decision"] == "approve"


def test_a_pack_is_never_written_over(tmp_path: Path) -> None:
    assert _drafter("pack", "new", "tickets", "--dir", str(tmp_path)).returncode == 0
    again = _drafter("pack", "new", "tickets", "--dir", str(tmp_path))
    assert again.returncode == 2
    assert "already exists" in again.stderr
    bad = _drafter("pack", "new", "Tickets!", "--dir", str(tmp_path))
    assert bad.returncode == 2
    assert "lowercase letters, digits and dashes" in bad.stderr


def test_facts_lists_each_fact_with_its_type_source_and_question() -> None:
    done = _drafter("facts", "lodging-standard", "--json")
    assert done.returncode == 0, done.stderr
    rows = {row["fact"]: row for row in json.loads(done.stdout)}
    assert rows["hours_before_check_in"] == {
        "fact": "hours_before_check_in",
        "type": "decimal",
        "source": "case.booking.check_in",
        "question": "When is your check-in?",
    }
    assert rows["ask"]["source"] == "ask.kind"
    retail = json.loads(_drafter("facts", "retail-standard", "--json").stdout)
    assert {"fact": "days_since_delivery", "type": "int"}.items() <= next(
        r for r in retail if r["fact"] == "days_since_delivery"
    ).items()
