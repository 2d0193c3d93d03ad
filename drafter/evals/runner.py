"""Run the eval cases through the real pipeline and score what comes out.

Three modes, one pipeline (``drafter.pipeline.Pipeline``), only the provider differs:

- ``replay``: recorded model outputs, served by prompt hash; offline and deterministic.
- ``record``: a live OpenAI-compatible endpoint; every model call is kept and each case's
  recording is rewritten, labelled with where the text came from.
- ``template``: no model at all; the embedded templated replies are scored.

For every case both the raw model draft (the first answer, before the guard) and the final
reply (after guard, repair and fallback) are scored by every scorer.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from drafter.errors import ConfigError
from drafter.evals.cases import EvalCase
from drafter.evals.config import EvalConfig
from drafter.evals.providers import Call, RecordingProvider, TrackingReplay
from drafter.evals.recordings import (
    Provenance,
    RecordedCall,
    Recording,
    RequestParams,
    load_recordings,
    replay_outputs,
    save_recording,
)
from drafter.evals.results import CaseResult, ReplyResult, RunInfo, RunResults, summarize
from drafter.evals.scorers import Target, score_all
from drafter.evals.scorers.facts import CaseFacts
from drafter.pipeline import Pipeline, Reply
from drafter.policy import PolicyRegistry
from drafter.prompting import PromptRenderer
from drafter.providers import Provider, TemplateProvider, make_provider
from drafter.schemas import ComplianceReport, Draft
from drafter.settings import Settings

__all__ = ["Mode", "RecordSpec", "run_eval"]

Mode = Literal["replay", "record", "template"]


@dataclass(frozen=True)
class RecordSpec:
    """How to label what record mode writes."""

    source: Literal["model", "scripted"]
    server: str
    note: str | None = None


def _score(
    draft: Draft | None,
    report: ComplianceReport | None,
    case: EvalCase,
    config: EvalConfig,
    facts: CaseFacts,
) -> ReplyResult | None:
    if draft is None:
        return None
    thresholds = config.thresholds(case.language, case.request.channel.value)
    target = Target(
        body=draft.body,
        subject=draft.subject,
        request=case.request,
        verdict=case.verdict,
        expect=case.reply,
        thresholds=thresholds.overridden(case.reply.tone),
        shared=facts,
        guard_report=report,
    )
    return ReplyResult(subject=draft.subject, body=draft.body, scores=score_all(target))


def case_result(
    case: EvalCase, reply: Reply, config: EvalConfig, *, note: str | None, recording: str | None
) -> CaseResult:
    """Score the raw draft and the final reply of one case."""
    facts = CaseFacts(request=case.request, verdict=case.verdict)
    final = _score(reply.draft, reply.report, case, config, facts)
    assert final is not None  # a reply always has a final draft
    return CaseResult(
        id=case.id,
        title=case.title,
        policy=case.policy,
        situations=list(case.situations),
        language=case.language,
        channel=case.request.channel.value,
        decision=case.verdict.decision.value,
        raw=_score(reply.raw_draft, reply.raw_report, case, config, facts),
        final=final,
        fallback=reply.fallback,
        repaired=reply.repaired,
        llm_calls=reply.llm_calls,
        prompt_sha256=reply.prompt_sha256,
        recording=recording,
        note=note or reply.fallback_reason,
    )


def _params(settings: Settings) -> RequestParams:
    return RequestParams(
        base_url=settings.llm_base_url or "",
        model=settings.llm_model or "",
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        json_schema=settings.llm_json_schema,
    )


def _recording(
    case: EvalCase, calls: list[Call], spec: RecordSpec, settings: Settings
) -> Recording:
    first = calls[0]
    return Recording(
        case=case.id,
        template_version=first.prompt.template_version,
        prompt_sha256=first.prompt.sha256,
        provenance=Provenance(
            source=spec.source,
            model=first.completion.model,
            server=spec.server,
            recorded_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            note=spec.note,
        ),
        params=_params(settings),
        calls=[
            RecordedCall(
                purpose="draft" if index == 0 else "repair",
                prompt_sha256=call.prompt.sha256,
                raw=call.completion.raw,
                prompt_tokens=call.completion.prompt_tokens,
                completion_tokens=call.completion.completion_tokens,
                latency_ms=round(call.latency_ms, 1),
            )
            for index, call in enumerate(calls)
        ],
    )


def _replay_provenance(recordings: dict[str, Recording]) -> dict[str, str]:
    if not recordings:
        return {}
    values = list(recordings.values())
    dates = sorted(r.provenance.recorded_at for r in values)
    return {
        "source": ", ".join(sorted({r.provenance.source for r in values})),
        "model": ", ".join(sorted({r.provenance.model for r in values})),
        "server": ", ".join(sorted({r.provenance.server for r in values})),
        "recorded": f"{dates[0]:%Y-%m-%d} to {dates[-1]:%Y-%m-%d}",
    }


@dataclass
class _Session:
    """The provider a run uses, and what it learns case by case."""

    provider: Provider
    recordings: dict[str, Recording]
    replay: TrackingReplay | None = None
    recorder: RecordingProvider | None = None


def _session(
    mode: Mode,
    recording_set: str | None,
    config: EvalConfig,
    settings: Settings,
    renderer: PromptRenderer,
    preloaded: dict[str, Recording] | None = None,
) -> _Session:
    if mode == "template":
        return _Session(provider=TemplateProvider(renderer), recordings={})
    directory = config.recordings_dir / (recording_set or config.default_recording)
    if mode == "replay":
        recordings = preloaded if preloaded is not None else load_recordings(directory)
        replay = TrackingReplay(replay_outputs(recordings))
        return _Session(provider=replay, recordings=recordings, replay=replay)
    if not settings.llm_base_url or not settings.llm_model:
        raise ConfigError("record mode needs DRAFTER_LLM_BASE_URL and DRAFTER_LLM_MODEL")
    live = make_provider(settings.model_copy(update={"provider": "openai"}), renderer=renderer)
    recorder = RecordingProvider(live)
    return _Session(provider=recorder, recordings={}, recorder=recorder)


async def _run_case(
    case: EvalCase,
    pipeline: Pipeline,
    session: _Session,
    *,
    config: EvalConfig,
    settings: Settings,
    directory_name: str,
    spec: RecordSpec | None,
) -> CaseResult:
    reply = await pipeline.reply(case.request, case.policy)
    note, recording = None, None
    if session.replay is not None:
        misses = session.replay.take_misses()
        if misses:
            note = f"no recording for {len(misses)} prompt(s) of this case: it is stale"
        if case.id in session.recordings:
            recording = f"{directory_name}/{case.id}.json"
    if session.recorder is not None and spec is not None:
        calls = session.recorder.take()
        if calls:
            directory = config.recordings_dir / directory_name
            save_recording(directory, _recording(case, calls, spec, settings))
            recording = f"{directory_name}/{case.id}.json"
    return case_result(case, reply, config, note=note, recording=recording)


async def run_eval(
    cases: list[EvalCase],
    *,
    config: EvalConfig,
    settings: Settings,
    mode: Mode,
    recording_set: str | None = None,
    record: RecordSpec | None = None,
    on_case: Callable[[CaseResult], None] | None = None,
    recordings: dict[str, Recording] | None = None,
) -> RunResults:
    """Run ``cases`` through the pipeline in ``mode`` and score every raw and final reply.

    Replay skips the cases its recording set has no recording for (``run.unrecorded``); the
    staleness check is what fails on them. ``recordings`` replays these instead of loading the
    set from disk.

    Raises:
        RecordingError: replay of a recording set that does not exist or is malformed.
        ConfigError: record mode without an endpoint and model.
    """
    started, clock = dt.datetime.now(dt.UTC), time.perf_counter()
    renderer = PromptRenderer.from_settings(settings)
    session = _session(mode, recording_set, config, settings, renderer, recordings)
    registry = PolicyRegistry(settings.policies_dir)
    pipeline = Pipeline(settings, registry=registry, provider=session.provider, renderer=renderer)
    name = recording_set or config.default_recording
    unrecorded: list[str] = []
    if mode == "replay":
        unrecorded = [case.id for case in cases if case.id not in session.recordings]
        cases = [case for case in cases if case.id in session.recordings]
    results: list[CaseResult] = []
    try:
        for case in cases:
            result = await _run_case(
                case,
                pipeline,
                session,
                config=config,
                settings=settings,
                directory_name=name,
                spec=record,
            )
            results.append(result)
            if on_case is not None:
                on_case(result)
    finally:
        await pipeline.aclose()
    provenance = _replay_provenance(session.recordings)
    if record is not None:
        provenance = {
            "source": record.source,
            "server": record.server,
            "model": settings.llm_model or "",
        }
    info = RunInfo(
        mode=mode,
        recording_set=None if mode == "template" else name,
        provenance=provenance,
        template_version=renderer.version,
        started_at=started.replace(microsecond=0),
        duration_s=round(time.perf_counter() - clock, 3),
        cases=len(results),
        unrecorded=unrecorded,
    )
    return RunResults(run=info, summary=summarize(results), cases=results)
