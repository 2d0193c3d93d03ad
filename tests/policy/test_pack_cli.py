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


def test_the_next_commands_pack_new_prints_run_as_printed(tmp_path: Path) -> None:
    # A pack written outside the configured folder is found only through the setting that
    # points there; the printed commands carry it, so they run as an author copies them.
    made = _drafter("pack", "new", "gym", "--dir", str(tmp_path / "packs"))
    assert made.returncode == 0, made.stderr
    commands = [line.strip() for line in made.stdout.splitlines()[1:]]
    assert commands[0].startswith(f"DRAFTER_POLICIES_DIR={tmp_path / 'packs'} ")
    assert commands[0].endswith(" policy test gym-standard")
    runs = [
        subprocess.run(command, shell=True, capture_output=True, text=True, check=False)
        for command in commands
    ]
    assert [run.returncode for run in runs] == [0, 0], [run.stderr for run in runs]
    assert "gym-standard: 7/7 cases passed" in runs[0].stdout


def test_a_missing_policies_folder_or_policy_says_where_it_looked(tmp_path: Path) -> None:
    missing = _drafter("facts", "gym-standard", policies=tmp_path / "nowhere")
    assert missing.returncode == 2
    assert f"the policies folder {tmp_path / 'nowhere'} does not exist" in missing.stderr
    assert "DRAFTER_POLICIES_DIR" in missing.stderr
    unknown = _drafter("policy", "test", "gym-standard", policies=tmp_path)
    assert unknown.returncode == 2
    assert "unknown policy 'gym-standard'" in unknown.stderr
    assert f"(in {tmp_path}, which DRAFTER_POLICIES_DIR names)" in unknown.stderr
    env = {k: v for k, v in os.environ.items() if k != "DRAFTER_POLICIES_DIR"}
    command = [sys.executable, "-m", "drafter", "policy", "test", "gym-standard"]
    default = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    assert default.returncode == 2
    assert "policies; DRAFTER_POLICIES_DIR names another folder)" in default.stderr


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
        "reads": ["case.booking.check_in", "as_of"],  # every field it is worked out from
        "question": "When is your check-in?",
    }
    assert rows["ask"]["source"] == "ask.kind"
    retail = json.loads(_drafter("facts", "retail-standard", "--json").stdout)
    assert {"fact": "days_since_delivery", "type": "int"}.items() <= next(
        r for r in retail if r["fact"] == "days_since_delivery"
    ).items()
