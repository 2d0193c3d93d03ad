"""The run history: every run kept, comparable runs found, what changed between them said, and
``drafter eval run`` comparing with the previous comparable run (it overwrote the last one)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from drafter.evals.history import HistoryError, RunHistory, changes, identify
from drafter.evals.results import CaseResult, RunResults, VerdictView
from tests.evals.builders import case, run
from tests.evals.test_cli import drafter


def _verdict(version: str = "2026.11.1", sha: str = "a" * 64) -> VerdictView:
    return VerdictView(
        decision="decline",
        policy_version=f"retail-standard@{version}",
        policy_sha256=sha,
        refund=None,
        offers=[],
        must_say=[],
        must_not_say=[],
    )


def _case(case_id: str, *, prompt: str = "0", verdict: VerdictView | None = None) -> CaseResult:
    built = case(case_id, {"empathy": True})
    return built.model_copy(update={"prompt_sha256": prompt * 64, "verdict": verdict or _verdict()})


def _run(cases: list[CaseResult], **info: object) -> RunResults:
    built = run(cases)
    return built.model_copy(update={"run": built.run.model_copy(update=info)})


def test_kept_runs_list_oldest_first_and_load_back(tmp_path: Path) -> None:
    history = RunHistory(tmp_path / "runs")
    assert history.runs() == []
    first = history.keep(_run([_case("c1")]))
    second = history.keep(_run([_case("c1"), _case("c2")]))
    assert [kept.id for kept in history.runs()] == [first.id, second.id]
    assert history.load(second.id).cases[1].id == "c2"
    assert (tmp_path / "runs" / first.id / "results.json.gz").is_file()
    with pytest.raises(HistoryError, match="no kept run 'nope'"):
        history.load("nope")


def test_the_previous_run_is_the_latest_with_the_same_mode_set_and_cases(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    both = [_case("c1"), _case("c2")]
    old = history.keep(_run(both))
    newer = history.keep(_run(both, template_version="t2"))  # comparable: it changed a template
    history.keep(_run([_case("c1")]))  # another case set
    history.keep(_run(both, recording_set="other"))  # another recording set
    history.keep(_run(both, mode="template", recording_set=None))  # another mode
    latest = history.keep(_run(both))
    assert history.previous(old) is None
    assert history.previous(newer) == old
    found = history.previous(latest)
    assert found is not None
    assert found.id == newer.id


def test_changes_name_the_templates_prompts_policies_and_model() -> None:
    before = _run([_case("c1"), _case("c2")], provenance={"model": "m1", "source": "model"})
    after = _run(
        [_case("c1"), _case("c2", prompt="1", verdict=_verdict("2026.12.1", "b" * 64))],
        template_version="t2",
        provenance={"model": "m2", "source": "model"},
    )
    assert changes(before, after) == [
        "templates: t1 -> t2",
        "rendered prompts: 1 of 2 changed (c2)",
        f"policy retail-standard: 2026.11.1 {'a' * 12} -> 2026.12.1 {'b' * 12}",
        "model: m1 -> m2",
    ]
    assert changes(before, before) == []
    assert identify(after).policies == {"retail-standard": f"2026.12.1 {'b' * 12}"}


def test_run_keeps_each_run_and_compares_with_the_previous_comparable_one(
    tmp_path: Path,
) -> None:
    runs = tmp_path / "runs"
    args = ("run", "--template", "--case", "rs-outside-window-c*", "--runs", str(runs))
    first = drafter(*args, "--out", str(tmp_path / "one"))
    assert first.returncode in (0, 1), first.stderr
    assert "no earlier comparable run" in first.stdout
    second = drafter(*args, "--out", str(tmp_path / "two"))
    text = " ".join(second.stdout.split())
    assert "compared with run" in text, second.stdout
    assert "same mode, recording set and 1 cases); what changed:" in text
    assert "nothing in templates, prompts, policies or model" in text
    assert "no case got worse or better" in text
    listed = drafter("runs", "--runs", str(runs), "--json")
    kept = json.loads(listed.stdout)
    assert len(kept) == 2
    assert kept[0]["identity"]["mode"] == "template"
    assert kept[0]["identity"]["policies"]["retail-standard"].startswith("20")
    both = drafter("compare", kept[0]["id"], kept[1]["id"], "--runs", str(runs), "--json")
    assert json.loads(both.stdout)["paired"] == 1
    lines = drafter("runs", "--runs", str(runs)).stdout
    assert f"{kept[1]['id']}  template -, 1 cases" in lines
    skipped = drafter(*args, "--out", str(tmp_path / "three"), "--no-keep")
    assert "kept as run" not in skipped.stdout
    assert len(list(runs.iterdir())) == 2


def test_runs_are_ignored_by_git() -> None:
    ignore = Path(__file__).resolve().parents[2] / "evals" / "runs" / ".gitignore"
    assert ignore.read_text(encoding="utf-8").splitlines()[1:] == ["*", "!.gitignore"]


def test_compare_names_a_run_that_is_not_kept(tmp_path: Path) -> None:
    done = drafter("compare", "nope", "nope-either", "--runs", str(tmp_path))
    assert done.returncode == 2
    assert f"no kept run 'nope' in {tmp_path}" in done.stderr


def test_view_writes_a_static_site_and_refuses_a_taken_port(tmp_path: Path) -> None:
    history = RunHistory(tmp_path / "runs")
    kept = history.keep(_run([_case("c1")]))
    site = tmp_path / ("a-folder-name-long-enough-that-the-line-passes-eighty-columns" * 2)
    done = drafter("view", "--runs", str(history.directory), "--out", str(site))
    assert done.returncode == 0, done.stderr
    # The path is printed whole, on one line, to be copied: never wrapped at the terminal width.
    assert f"wrote {site / 'index.html'} (1 runs)" in done.stdout
    assert "<script" in (site / "index.html").read_text(encoding="utf-8")
    assert kept.id in (site / "data" / "index.js").read_text(encoding="utf-8")
    assert (site / "data" / "runs" / f"{kept.id}.js").is_file()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = drafter("view", "--runs", str(history.directory), "--port", str(port))
    assert busy.returncode == 2
    assert f"--port {port}: Address already in use" in busy.stderr
