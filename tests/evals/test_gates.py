"""The CI gates of the eval suite, on the committed recordings, offline:

1. every final reply (after guard, repair and fallback) is compliant;
2. the staleness check passes: the default set records every case, and every recording of
   every set matches the prompt its case renders today;
3. every recording is labelled with where its text came from.

(The third gate, the reference set's separation, is in test_reference.py.)
"""

from __future__ import annotations

import asyncio

import pytest

from drafter.evals.cases import EvalCase
from drafter.evals.config import EvalConfig
from drafter.evals.recordings import Recording, load_recordings
from drafter.evals.results import RunResults
from drafter.evals.runner import run_eval
from drafter.evals.stale import find_all_stale
from drafter.phrase.prompting import PromptRenderer
from drafter.settings import Settings


@pytest.fixture(scope="module")
def recordings(config: EvalConfig) -> dict[str, Recording]:
    return load_recordings(config.recordings_dir / config.default_recording)


@pytest.fixture(scope="module")
def replay(cases: list[EvalCase], config: EvalConfig) -> RunResults:
    return asyncio.run(run_eval(cases, config=config, settings=Settings(), mode="replay"))


def test_the_staleness_check_passes(
    cases: list[EvalCase], recordings: dict[str, Recording], config: EvalConfig
) -> None:
    """The same check as ``drafter eval stale``: first prompts, then repairs by replay."""
    renderer = PromptRenderer.from_settings(Settings())
    stale = asyncio.run(find_all_stale(cases, recordings, renderer, config))
    assert [f"{entry.case}: {entry.reason}" for entry in stale] == []


@pytest.mark.parametrize("name", ["smollm2-135m"])
def test_a_partial_recording_set_is_fresh_where_it_records(
    cases: list[EvalCase], config: EvalConfig, name: str
) -> None:
    """A set that records only some cases (a slow model's) is stale nowhere it records."""
    directory = config.recordings_dir / name
    recorded = load_recordings(directory) if directory.is_dir() else {}
    if not recorded:
        pytest.skip(f"no recording set {name}")
    chosen = [case for case in cases if case.id in recorded]
    renderer = PromptRenderer.from_settings(Settings())
    stale = asyncio.run(find_all_stale(chosen, recorded, renderer, config))
    assert [f"{entry.case}: {entry.reason}" for entry in stale] == []
    assert len(chosen) == len(recorded) >= 20


def test_every_case_was_replayed_in_full(replay: RunResults, cases: list[EvalCase]) -> None:
    assert replay.run.unrecorded == []
    assert len(replay.cases) == len(cases)
    assert [c.id for c in replay.cases if c.note and "stale" in c.note] == []


def test_every_final_reply_is_compliant(replay: RunResults) -> None:
    failing = {
        case.id: [f"{s.scorer}: {s.reason}" for s in case.final.scores if s.hard and not s.passed]
        for case in replay.cases
        if not case.final.compliant
    }
    assert failing == {}


def test_raw_drafts_were_scored_and_missing_ones_explained(replay: RunResults) -> None:
    """Every model draft is scored; a case without one says why (the recorded call failed,
    e.g. a reply cut off at the token limit, so the pipeline fell back)."""
    assert replay.summary.raw_drafts > 0
    for case in replay.cases:
        if case.raw is not None:
            assert {s.scorer for s in case.raw.scores} == {s.scorer for s in case.final.scores}
        else:
            assert case.fallback
            assert case.note is not None
            assert "failed" in case.note


@pytest.mark.parametrize("name", ["smollm2-135m", "scripted-reference"])
def test_every_recording_is_labelled_with_its_provenance(config: EvalConfig, name: str) -> None:
    directory = config.recordings_dir / name
    if not directory.is_dir():
        pytest.skip(f"no recording set {name}")
    for recording in load_recordings(directory).values():
        provenance = recording.provenance
        assert provenance.model
        assert provenance.server
        assert recording.calls[0].purpose == "draft"
        if name == "scripted-reference":
            assert provenance.source == "scripted"
            assert "not a model's output" in provenance.server
        else:
            assert provenance.source == "model"
            assert "llama" in provenance.server
