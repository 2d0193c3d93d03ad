"""The issue's unreported regression, end to end: a run recorded from a stand-in model that
wrote another customer's letter. Its raw drafts break the verdict, the fallback makes every
final reply compliant, and ``drafter eval compare --fail-on-regression`` must still exit 1 and
name what regressed (it printed "regressed (0)" and exited 0 when it paired final replies only).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

from drafter.evals.cases import EvalCase
from drafter.evals.config import EvalConfig
from drafter.evals.results import RunResults
from drafter.evals.runner import RecordSpec, run_eval
from drafter.evals.scripted import load_answers, scripted_responder
from drafter.phrase.prompting import PromptRenderer
from drafter.settings import Settings
from drafter.testing.llm_server import RecordedRequest, ScriptedLLM, Step, run_llm_server
from tests.evals.test_cli import drafter

CHOSEN = ("rs-outside-window-credit", "ss-monthly-cancel")


def _record(
    cases: list[EvalCase],
    config: EvalConfig,
    responder: Callable[[RecordedRequest], Step],
    name: str,
) -> RunResults:
    spec = RecordSpec(source="scripted", server="test server", note=name)
    with run_llm_server(ScriptedLLM(responder=responder)) as server:
        settings = Settings(llm_base_url=server.base_url, llm_model=name)
        return asyncio.run(
            run_eval(
                cases,
                config=config,
                settings=settings,
                mode="record",
                recording_set=name,
                record=spec,
            )
        )


def test_worse_raw_drafts_with_equal_final_replies_fail_the_comparison(
    case_by_id: dict[str, EvalCase], config: EvalConfig, tmp_path: Path
) -> None:
    local = dataclasses.replace(config, recordings_dir=tmp_path / "recordings")
    chosen = [case_by_id[case_id] for case_id in CHOSEN]
    answers = load_answers(config.reference_dir)
    renderer = PromptRenderer.from_settings(Settings())
    # The stand-in answers each case with the other customer's exemplary letter.
    swapped = {CHOSEN[0]: answers[CHOSEN[1]], CHOSEN[1]: answers[CHOSEN[0]]}
    good = _record(chosen, local, scripted_responder(chosen, answers, renderer), "good-model")
    bad = _record(chosen, local, scripted_responder(chosen, swapped, renderer), "stand-in")
    # What the issue describes: 2 of 2 raw drafts compliant before, 0 of 2 after, and both
    # replies fell back to the template, so the final replies are compliant in both runs.
    assert (good.summary.raw_compliant, good.summary.fallbacks) == (2, 0)
    assert (bad.summary.raw_compliant, bad.summary.fallbacks) == (0, 2)
    assert good.summary.final_compliant == bad.summary.final_compliant == 2
    good.write(tmp_path / "a.json")
    bad.write(tmp_path / "b.json")
    args = ("compare", str(tmp_path / "a.json"), str(tmp_path / "b.json"))

    done = drafter(*args, "--fail-on-regression")
    assert done.returncode == 1, done.stdout + done.stderr
    text = " ".join(done.stdout.split())  # rich wraps long lines
    assert f"regressed (2): {CHOSEN[0]}, {CHOSEN[1]}" in text
    assert "regressions (" in text
    assert "compliant (raw drafts): 100% -> 0%: 2 case(s) lost it" in text

    data = json.loads(drafter(*args, "--json").stdout)
    named = {r["metric"]: r["cases"] for r in data["regressions"]}
    assert named["compliant (raw drafts)"] == list(CHOSEN)
    final = next(r for r in data["rates"] if (r["metric"], r["reply"]) == ("compliant", "final"))
    assert final["regressed"] == []  # the final replies alone show nothing
    fallback = next(r for r in data["rates"] if r["metric"] == "fallback")
    assert (fallback["rate_a"], fallback["rate_b"]) == (0.0, 1.0)
    assert drafter(*args).returncode == 0  # without the flag it reports, and does not fail
