"""``drafter eval`` end to end, as a subprocess: exit codes, files written, messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.evals.builders import case, run

ROOT = Path(__file__).resolve().parents[2]


def drafter(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drafter", "eval", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )


def test_template_run_writes_the_three_reports(tmp_path: Path) -> None:
    done = drafter(
        "run", "--template", "--case", "rs-out*", "--out", str(tmp_path), "--runs", str(tmp_path)
    )
    assert done.returncode in (0, 1), done.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    assert [c["id"] for c in results["cases"]] == [
        "rs-outside-window-credit",
        "rs-outside-window-opened",
        "rs-outside-window-gold",
        "rs-outside-window-phone",
    ]
    assert (tmp_path / "junit.xml").read_text().startswith("<?xml")
    assert "drafter eval report" in (tmp_path / "report.html").read_text()
    assert "final replies" in done.stdout


def test_a_glob_that_matches_nothing_is_a_clear_error(tmp_path: Path) -> None:
    done = drafter("run", "--template", "--case", "nope-*", "--out", str(tmp_path))
    assert done.returncode == 2
    assert "--case: no case id matches 'nope-*'" in done.stderr


def test_record_needs_a_server_label(tmp_path: Path) -> None:
    done = drafter("run", "--record", "--out", str(tmp_path))
    assert done.returncode == 2
    assert "--server" in done.stderr


def test_compare_prints_deltas_and_can_fail_on_regression(tmp_path: Path) -> None:
    before = run([case("c1", {"empathy": True}), case("c2", {"empathy": True})])
    after = run(
        [case("c1", {"empathy": False, "verdict_facts": False}), case("c2", {"empathy": True})]
    )
    before.write(tmp_path / "a.json")
    after.write(tmp_path / "b.json")
    done = drafter("compare", str(tmp_path / "a.json"), str(tmp_path / "b.json"))
    assert done.returncode == 0, done.stderr
    assert "McNemar p" in done.stdout
    assert "regressed (1): c1" in done.stdout
    failing = drafter(
        "compare",
        str(tmp_path / "a.json"),
        str(tmp_path / "b.json"),
        "--fail-on-regression",
        "--json",
    )
    assert failing.returncode == 1
    data = json.loads(failing.stdout)
    assert data["regressed_cases"] == ["c1"]
    assert (data["rates"][0]["metric"], data["rates"][0]["reply"]) == ("compliant", "final")
    assert data["regressions"][0]["metric"] == "compliant (final replies)"


def test_compare_refuses_a_file_that_is_not_a_run(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("[]")
    done = drafter("compare", str(tmp_path / "x.json"), str(tmp_path / "x.json"))
    assert done.returncode == 2
    assert "not a drafter eval results file" in done.stderr


def test_stale_lists_cases_of_a_set_that_does_not_cover_them(tmp_path: Path) -> None:
    # smollm2-135m records only a subset of the cases (a 135M model takes minutes a case).
    done = drafter("stale", "--recordings", "smollm2-135m", "--json")
    assert done.returncode == 1
    stale = json.loads(done.stdout)
    never = {entry["case"] for entry in stale if entry["reason"] == "never recorded"}
    assert "rs-outside-window-gold" in never
    assert "rb-prompt-injection" not in never  # it is recorded


def test_reference_exits_zero_when_every_scorer_separates() -> None:
    done = drafter("reference", "--json")
    assert done.returncode == 0, done.stdout[-2000:]
    rows = json.loads(done.stdout)
    assert {row["scorer"] for row in rows} >= {"empathy", "blame", "false_hope"}
    assert all(row["accuracy"] == 1.0 for row in rows)
