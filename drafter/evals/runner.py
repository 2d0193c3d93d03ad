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

from drafter.errors import ConfigError, LLMUnreachable
from drafter.evals.cases import EvalCase
from drafter.evals.config import EvalConfig
from drafter.evals.evidence import prompt_messages, usage_of, verdict_view
from drafter.evals.providers import Call, RecordingProvider, TrackingReplay
from drafter.evals.recordings import (
    Provenance,
    RecordedCall,
    Recording,
    RequestParams,
    load_recordings,
    replay_failures,
    replay_outputs,
    save_recording,
)
from drafter.evals.results import (
    CaseResult,
    ReplyResult,
    RunInfo,
    RunResults,
    Usage,
    summarize,
)
from drafter.evals.scorers import Target, score_all
from drafter.evals.scorers.facts import CaseFacts
from drafter.phrase.prompting import Prompt, PromptRenderer
from drafter.phrase.providers import Provider, TemplateProvider, make_provider
from drafter.phrase.providers.base import Completion
from drafter.phrase.providers.openai import shown_url
from drafter.pipeline import Pipeline, Reply
from drafter.policy import PolicyRegistry
from drafter.schemas import ComplianceReport, Draft
from drafter.settings import Settings

__all__ = ["EvalRun", "Mode", "RecordSpec", "case_result", "run_eval"]

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
    case: EvalCase,
    reply: Reply,
    config: EvalConfig,
    *,
    note: str | None,
    recording: str | None,
    prompt: Prompt | None = None,
    usage: Usage | None = None,
    repair: tuple[str | None, str | None] = (None, None),
) -> CaseResult:
    """Score the raw draft and the final reply of one case, and keep what a reader needs to
    judge them: the customer's message, the verdict, the first prompt and the calls' cost."""
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
        message=case.request.message,
        verdict=verdict_view(case.verdict),
        prompt=prompt_messages(prompt),
        usage=usage,
        repair=repair[0],
        repair_source=repair[1],
    )


def _repair_texts(calls: list[Call], renderer: PromptRenderer) -> tuple[str | None, str | None]:
    """The repair call's answer as the customer would read it (its markers expanded from the
    verdict, as the pipeline composes a reply) and as the model wrote it; what became of the
    call when it failed; (None, None) when no repair was asked for."""
    if len(calls) < 2:
        return None, None
    repair = calls[1]
    if repair.completion is None:
        failed = f"(no answer: {repair.error})"
        return failed, failed
    source = repair.completion.body
    prompt = repair.prompt
    return renderer.phrasebook.compose(source, prompt.brief, prompt.tone).text, source


def _params(settings: Settings) -> RequestParams:
    return RequestParams(
        base_url=shown_url(settings),  # recordings are committed: never a credential
        model=settings.llm_model or "",
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        json_schema=settings.llm_json_schema,
    )


def _refuse_unreachable(case: EvalCase, calls: list[Call]) -> None:
    """Stop a recording run when the endpoint is down: a refused connection says nothing about
    the model, and saving it would overwrite a real recording with a set-up failure.

    Raises:
        LLMUnreachable: a call of ``case`` could not connect.
    """
    for call in calls:
        if call.unreachable:
            raise LLMUnreachable(f"{call.error}; recording stopped at case {case.id}, not saved")


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
            model=first.completion.model if first.completion else settings.llm_model or "",
            server=spec.server,
            recorded_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            note=spec.note,
        ),
        params=_params(settings),
        calls=[_recorded_call(index, call) for index, call in enumerate(calls)],
    )


def _recorded_call(index: int, call: Call) -> RecordedCall:
    completion = call.completion
    return RecordedCall(
        purpose="draft" if index == 0 else "repair",
        prompt_sha256=call.prompt.sha256,
        raw=completion.raw if completion else None,
        error=call.error,
        finish_reason=_finish_reason(completion),
        prompt_tokens=completion.prompt_tokens if completion else None,
        completion_tokens=completion.completion_tokens if completion else None,
        latency_ms=round(call.latency_ms, 1),
    )


def _finish_reason(completion: Completion | None) -> str | None:
    if completion is None:
        return None
    return "length" if completion.truncated else "stop"


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
        replay = TrackingReplay(replay_outputs(recordings), replay_failures(recordings))
        return _Session(provider=replay, recordings=recordings, replay=replay)
    if not settings.llm_base_url or not settings.llm_model:
        raise ConfigError("record mode needs DRAFTER_LLM_BASE_URL and DRAFTER_LLM_MODEL")
    live = make_provider(settings.model_copy(update={"provider": "openai"}), renderer=renderer)
    recorder = RecordingProvider(live)
    return _Session(provider=recorder, recordings={}, recorder=recorder)


class EvalRun:
    """One run's pipeline and provider, ready to take cases one at a time.

    Building it loads the policies, the recordings and the templates; ``case`` then runs and
    scores one case. ``drafter.evals.parallel`` builds one before forking worker processes so
    they start warm.

    Raises:
        RecordingError: replay of a recording set that does not exist or is malformed.
        ConfigError: record mode without an endpoint and model.
    """

    def __init__(
        self,
        *,
        config: EvalConfig,
        settings: Settings,
        mode: Mode,
        recording_set: str | None = None,
        record: RecordSpec | None = None,
        recordings: dict[str, Recording] | None = None,
    ) -> None:
        self.config, self.settings, self.mode, self.record = config, settings, mode, record
        self.name = recording_set or config.default_recording
        self.renderer = PromptRenderer.from_settings(settings)
        self.session = _session(mode, self.name, config, settings, self.renderer, recordings)
        self.pipeline = Pipeline(
            settings,
            registry=PolicyRegistry(settings.policies_dir),
            provider=self.session.provider,
            renderer=self.renderer,
        )
        # Every recorded call by the hash of its prompt: replay reports what a call cost when
        # it was recorded, not how fast the replay served it.
        self._recorded = {
            call.prompt_sha256: call
            for rec in self.session.recordings.values()
            for call in rec.calls
        }

    def runnable(self, cases: list[EvalCase]) -> tuple[list[EvalCase], list[str]]:
        """The cases this run can take, and the ids it skips (replay: no recording)."""
        if self.mode != "replay":
            return cases, []
        known = self.session.recordings
        return [c for c in cases if c.id in known], [c.id for c in cases if c.id not in known]

    async def case(self, case: EvalCase) -> CaseResult:
        """Run one case through the pipeline and score its raw draft and final reply."""
        reply = await self.pipeline.reply(case.request, case.policy)
        note, recording, usage = None, None, None
        calls: list[Call] = []
        session = self.session
        if session.replay is not None:
            calls = session.replay.take()
            recorded = (self._recorded.get(call.prompt.sha256) for call in calls)
            usage = usage_of(call for call in recorded if call is not None)
            misses = session.replay.take_misses()
            if misses:
                note = f"no recording for {len(misses)} prompt(s) of this case: it is stale"
            if case.id in session.recordings:
                recording = f"{self.name}/{case.id}.json"
        if session.recorder is not None and self.record is not None:
            calls = session.recorder.take()
            _refuse_unreachable(case, calls)
            if calls:
                rec = _recording(case, calls, self.record, self.settings)
                save_recording(self.config.recordings_dir / self.name, rec)
                recording = f"{self.name}/{case.id}.json"
                usage = usage_of(rec.calls)
        return case_result(
            case,
            reply,
            self.config,
            note=note,
            recording=recording,
            prompt=calls[0].prompt if calls else None,
            usage=usage,
            repair=_repair_texts(calls, self.renderer),
        )

    async def aclose(self) -> None:
        await self.pipeline.aclose()

    def results(
        self,
        results: list[CaseResult],
        *,
        started: dt.datetime,
        seconds: float,
        unrecorded: list[str],
    ) -> RunResults:
        """The run's results file for ``results``."""
        provenance = _replay_provenance(self.session.recordings)
        if self.record is not None:
            model = self.settings.llm_model or ""
            provenance = {
                "source": self.record.source,
                "server": self.record.server,
                "model": model,
            }
        info = RunInfo(
            mode=self.mode,
            recording_set=None if self.mode == "template" else self.name,
            provenance=provenance,
            template_version=self.renderer.version,
            started_at=started.replace(microsecond=0),
            duration_s=round(seconds, 3),
            cases=len(results),
            unrecorded=unrecorded,
        )
        return RunResults(run=info, summary=summarize(results), cases=results)


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
    """Run ``cases`` through the pipeline in ``mode``, one after the other, and score every
    raw and final reply.

    Replay skips the cases its recording set has no recording for (``run.unrecorded``); the
    staleness check is what fails on them. ``recordings`` replays these instead of loading the
    set from disk.

    Raises:
        RecordingError: replay of a recording set that does not exist or is malformed.
        ConfigError: record mode without an endpoint and model.
    """
    started, clock = dt.datetime.now(dt.UTC), time.perf_counter()
    run = EvalRun(
        config=config,
        settings=settings,
        mode=mode,
        recording_set=recording_set,
        record=record,
        recordings=recordings,
    )
    chosen, unrecorded = run.runnable(cases)
    results: list[CaseResult] = []
    try:
        for case in chosen:
            results.append(await run.case(case))
            if on_case is not None:
                on_case(results[-1])
    finally:
        await run.aclose()
    seconds = time.perf_counter() - clock
    return run.results(results, started=started, seconds=seconds, unrecorded=unrecorded)
