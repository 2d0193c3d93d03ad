"""The runner over the real pipeline: template mode, recording from the local scripted server,
offline replay of what was recorded, and the staleness check when a template changes."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from drafter.evals.cases import EvalCase
from drafter.evals.config import EvalConfig
from drafter.evals.recordings import load_recordings
from drafter.evals.results import RunResults
from drafter.evals.runner import Mode, RecordSpec, run_eval
from drafter.evals.scripted import SCRIPTED_SERVER, load_answers, scripted_responder
from drafter.evals.stale import find_stale
from drafter.phrase.prompting import PromptRenderer
from drafter.settings import Settings
from drafter.testing.llm_server import ScriptedLLM, run_llm_server

CHOSEN = ("rs-outside-window-credit", "rb-legal-threat", "ss-monthly-cancel")


@pytest.fixture
def chosen(case_by_id: dict[str, EvalCase]) -> list[EvalCase]:
    return [case_by_id[case_id] for case_id in CHOSEN]


@pytest.fixture
def local(config: EvalConfig, tmp_path: Path) -> EvalConfig:
    """The eval config with recordings in a temporary directory."""
    return dataclasses.replace(config, recordings_dir=tmp_path / "recordings")


def _run(
    cases: list[EvalCase],
    config: EvalConfig,
    settings: Settings,
    mode: Mode,
    spec: RecordSpec | None = None,
) -> RunResults:
    return asyncio.run(
        run_eval(
            cases, config=config, settings=settings, mode=mode, recording_set="test", record=spec
        )
    )


def test_template_mode_scores_final_replies_without_raw_drafts(
    chosen: list[EvalCase], config: EvalConfig
) -> None:
    results = _run(chosen, config, Settings(), "template")
    assert [c.id for c in results.cases] == list(CHOSEN)
    assert all(c.raw is None and c.llm_calls == 0 for c in results.cases)
    scorers = {s.scorer for s in results.cases[0].final.scores}
    assert {"guard", "verdict_facts", "empathy", "politeness"} <= scorers
    assert results.summary.raw_drafts == 0


def _record_scripted(chosen: list[EvalCase], config: EvalConfig) -> tuple[RunResults, ScriptedLLM]:
    answers = load_answers(config.reference_dir)
    script = ScriptedLLM(
        responder=scripted_responder(chosen, answers, PromptRenderer.from_settings(Settings()))
    )
    spec = RecordSpec(source="scripted", server=SCRIPTED_SERVER, note="test")
    with run_llm_server(script) as server:
        settings = Settings(llm_base_url=server.base_url, llm_model="scripted-model")
        return _run(chosen, config, settings, "record", spec), script


def test_record_then_replay_offline_gives_the_same_scores(
    chosen: list[EvalCase], local: EvalConfig
) -> None:
    recorded, script = _record_scripted(chosen, local)
    assert len(script.requests) >= len(chosen)  # the pipeline really called the server
    saved = load_recordings(local.recordings_dir / "test")
    assert sorted(saved) == sorted(CHOSEN)
    first = saved["rs-outside-window-credit"]
    assert first.provenance.source == "scripted"
    assert first.provenance.model == "scripted-model"
    assert first.calls[0].purpose == "draft"
    assert "[[offer:store_credit]]" in json.loads(first.calls[0].raw)["body"]
    assert first.params.json_schema == "auto"
    replayed = _run(chosen, local, Settings(), "replay")
    for a, b in zip(recorded.cases, replayed.cases, strict=True):
        assert a.raw is not None
        assert b.raw is not None
        assert (a.raw.body, a.final.body) == (b.raw.body, b.final.body)
        assert a.final.scores == b.final.scores
    assert replayed.run.provenance["source"] == "scripted"


def test_replay_is_deterministic(chosen: list[EvalCase], local: EvalConfig) -> None:
    _record_scripted(chosen, local)
    one, two = (_run(chosen, local, Settings(), "replay") for _ in range(2))
    assert one.cases == two.cases


def test_replay_skips_cases_without_recordings(
    chosen: list[EvalCase], local: EvalConfig, case_by_id: dict[str, EvalCase]
) -> None:
    _record_scripted(chosen, local)
    extra = case_by_id["rp-wrong-item-chat"]
    results = _run([*chosen, extra], local, Settings(), "replay")
    assert results.run.unrecorded == ["rp-wrong-item-chat"]
    assert len(results.cases) == len(chosen)


def test_a_changed_template_makes_every_case_stale(
    chosen: list[EvalCase], local: EvalConfig, tmp_path: Path
) -> None:
    _record_scripted(chosen, local)
    recordings = load_recordings(local.recordings_dir / "test")
    renderer = PromptRenderer.from_settings(Settings())
    assert find_stale(chosen, recordings, renderer) == []
    prompts = tmp_path / "prompts"
    shutil.copytree(Settings().prompts_dir, prompts)
    system = prompts / "system.j2"
    system.write_text(system.read_text(encoding="utf-8") + "\nBe brief.\n", encoding="utf-8")
    stale = find_stale(chosen, recordings, PromptRenderer(prompts))
    assert [entry.case for entry in stale] == list(CHOSEN)
    assert all("rendered prompt changed" in entry.reason for entry in stale)
    assert stale[0].recorded != stale[0].current


def test_missing_and_orphaned_recordings_are_stale(
    chosen: list[EvalCase], local: EvalConfig
) -> None:
    _record_scripted(chosen, local)
    recordings = load_recordings(local.recordings_dir / "test")
    renderer = PromptRenderer.from_settings(Settings())
    stale = find_stale(chosen[:2], {**recordings, "gone": recordings[CHOSEN[0]]}, renderer)
    # The third case was left out of the run, so its recording is an orphan too.
    assert [(e.case, e.reason) for e in stale] == [
        ("gone", "recording for a case that no longer exists"),
        ("ss-monthly-cancel", "recording for a case that no longer exists"),
    ]
    missing = find_stale(chosen, {}, renderer)
    assert {e.reason for e in missing} == {"never recorded"}


def test_record_mode_needs_an_endpoint(chosen: list[EvalCase], local: EvalConfig) -> None:
    from drafter.errors import ConfigError

    with pytest.raises(ConfigError, match="DRAFTER_LLM_BASE_URL"):
        _run(chosen, local, Settings(), "record", RecordSpec(source="model", server="x"))


def test_parallel_runs_match_sequential_ones(cases: list[EvalCase], config: EvalConfig) -> None:
    from drafter.evals.parallel import run_eval_parallel

    chosen = cases[:24]
    sequential = _run(chosen, config, Settings(), "template")
    parallel = run_eval_parallel(
        chosen, config=config, settings=Settings(), mode="template", jobs=2
    )
    assert [c.id for c in parallel.cases] == [c.id for c in chosen]
    assert [c.final for c in parallel.cases] == [c.final for c in sequential.cases]
    with pytest.raises(ValueError, match="replay and template"):
        run_eval_parallel(chosen, config=config, settings=Settings(), mode="record", jobs=2)


def test_a_failed_call_is_recorded_and_fails_again_in_replay(
    case_by_id: dict[str, EvalCase], local: EvalConfig
) -> None:
    from drafter.testing.llm_server import Fail, RecordedRequest, Reply, Step

    chosen = [case_by_id["rs-outside-window-credit"]]

    def respond(request: RecordedRequest) -> Step:
        if len(request.messages) > 2:  # the repair prompt
            return Fail(401, message="scripted refusal")
        draft = {
            "subject": "Refund",
            "body": "Hi Maya, we'll refund you $500 today.",
            "decision_stated": "approve",
            "markers_used": ["[[decision]]"],
        }
        return Reply(draft)

    spec = RecordSpec(source="scripted", server="test server, scripted failure")
    with run_llm_server(ScriptedLLM(responder=respond)) as server:
        settings = Settings(
            llm_base_url=server.base_url, llm_model="scripted-model", llm_max_attempts=1
        )
        recorded = _run(chosen, local, settings, "record", spec)
    calls = load_recordings(local.recordings_dir / "test")[chosen[0].id].calls
    assert [c.purpose for c in calls] == ["draft", "repair"]
    assert calls[1].raw is None
    assert calls[1].error
    replayed = _run(chosen, local, Settings(), "replay")
    (before,), (after,) = recorded.cases, replayed.cases
    assert after.fallback
    assert after.final.body == before.final.body
    assert after.note is not None
    assert "stale" not in after.note
    assert "recorded failure" in after.note


def test_a_cut_off_draft_is_recorded_and_scored_as_the_raw_draft(
    case_by_id: dict[str, EvalCase], local: EvalConfig
) -> None:
    from drafter.testing.llm_server import RecordedRequest, Reply, Step

    chosen = [case_by_id["rs-outside-window-credit"]]
    cut_off = '{"subject": "Your return", "body": "Hi Maya, thank you for writing. Your order'

    def respond(request: RecordedRequest) -> Step:
        return Reply(cut_off, finish_reason="length")

    spec = RecordSpec(source="scripted", server="test server, scripted token limit")
    with run_llm_server(ScriptedLLM(responder=respond)) as server:
        settings = Settings(llm_base_url=server.base_url, llm_model="scripted-model")
        recorded = _run(chosen, local, settings, "record", spec)
    calls = load_recordings(local.recordings_dir / "test")[chosen[0].id].calls
    assert [(c.raw, c.finish_reason) for c in calls] == [(cut_off, "length")] * 2
    replayed = _run(chosen, local, Settings(), "replay")
    for case in (*recorded.cases, *replayed.cases):
        assert case.fallback
        assert case.raw is not None
        assert case.raw.body == "Hi Maya, thank you for writing. Your order"
        guard = next(s for s in case.raw.scores if s.scorer == "guard")
        assert not guard.passed
        assert "truncated" in guard.reason


def test_recording_stops_without_saving_when_the_endpoint_is_down(
    case_by_id: dict[str, EvalCase], local: EvalConfig
) -> None:
    from drafter.errors import LLMUnreachable

    chosen = [case_by_id["rs-outside-window-credit"]]
    with run_llm_server(ScriptedLLM()) as server:
        down = server.base_url  # the port is free again once the server has stopped
    settings = Settings(llm_base_url=down, llm_model="scripted-model", llm_max_attempts=1)
    spec = RecordSpec(source="model", server="nothing listening")
    with pytest.raises(LLMUnreachable, match="recording stopped at case rs-outside-window-credit"):
        _run(chosen, local, settings, "record", spec)
    assert not (local.recordings_dir / "test").exists()


def test_a_changed_repair_prompt_is_stale_though_the_first_prompt_matches(
    case_by_id: dict[str, EvalCase], local: EvalConfig
) -> None:
    from drafter.evals.stale import find_all_stale
    from drafter.testing.llm_server import RecordedRequest, Reply, Step

    chosen = [case_by_id["rs-outside-window-credit"]]
    wrong = {
        "subject": "Refund",
        "body": "Hi Maya, we'll refund you $500 today.",
        "decision_stated": "approve",
        "markers_used": ["[[decision]]"],
    }

    def respond(request: RecordedRequest) -> Step:
        return Reply(wrong)

    spec = RecordSpec(source="scripted", server="test server, a draft that needs a repair")
    with run_llm_server(ScriptedLLM(responder=respond)) as server:
        settings = Settings(llm_base_url=server.base_url, llm_model="scripted-model")
        _run(chosen, local, settings, "record", spec)
    recordings = load_recordings(local.recordings_dir / "test")
    renderer = PromptRenderer.from_settings(Settings())
    assert asyncio.run(find_all_stale(chosen, recordings, renderer, local)) == []
    recording = recordings[chosen[0].id]
    draft, repair = recording.calls
    moved = repair.model_copy(update={"prompt_sha256": "0" * 64})  # as if the feedback changed
    recordings[chosen[0].id] = recording.model_copy(update={"calls": [draft, moved]})
    (stale,) = asyncio.run(find_all_stale(chosen, recordings, renderer, local))
    assert stale.case == chosen[0].id
    assert "repair" in stale.reason


def test_the_repair_is_kept_as_the_customer_reads_it_and_as_the_model_wrote_it(
    case_by_id: dict[str, EvalCase], local: EvalConfig
) -> None:
    """A first draft that breaks the verdict, then the exemplary answer as the repair: the
    result keeps the repair with its markers expanded (what the final reply says) and, beside
    it, the answer as the model wrote it, markers and all."""
    from drafter.testing.llm_server import Reply

    chosen = [case_by_id["rs-outside-window-credit"]]
    answer = load_answers(local.reference_dir)[chosen[0].id]
    wrong = {"subject": "Refund", "body": "Hi Maya, we'll refund you $500 today."}
    script = ScriptedLLM()
    script.push(
        Reply({**wrong, "decision_stated": "approve", "markers_used": []}),
        Reply(answer.model_dump(mode="json", exclude={"case"})),
    )
    spec = RecordSpec(source="scripted", server="test server, a draft that needs a repair")
    with run_llm_server(script) as server:
        settings = Settings(llm_base_url=server.base_url, llm_model="scripted-model")
        (result,) = _run(chosen, local, settings, "record", spec).cases
    assert result.repaired
    assert result.repair_source == answer.body.strip()
    assert "[[decision]]" in answer.body
    assert result.repair is not None
    assert "[[" not in result.repair
    assert result.repair == result.final.body  # the repaired reply is what the customer reads
