"""Put a run's replies (and the reference replies) to the judge, one rubric at a time, and
turn its answers into scores.

Each rubric becomes a scorer named ``judge:<rubric>`` (family ``judge``, never hard), on the
raw draft and the final reply alike, with the judge's reason. An answer the strict parser
cannot read is *unparsed*: not applicable, counted and shown with the judge's text, never a
pass. A prompt replay has no answer for (the rubric or the reply changed since recording) is
not applicable either, and ``drafter eval stale --judge`` lists it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from drafter.evals.cases import CaseFileError, EvalCase
from drafter.evals.judge.agreement import RubricAgreement, agreement, asked_of, reference_reply
from drafter.evals.judge.answers import Unparsed, parse_answer
from drafter.evals.judge.client import Judge, LiveJudge
from drafter.evals.judge.recordings import JudgeCall, JudgeParams, JudgeRecording
from drafter.evals.judge.rubrics import JudgedReply, Rubric, RubricSet
from drafter.evals.recordings import Provenance
from drafter.evals.reference import ReferenceReply
from drafter.evals.results import CaseResult, ReplyResult, RunResults, summarize
from drafter.evals.runner import RecordSpec
from drafter.evals.scorers import Score

__all__ = ["JudgeSession", "judge_reference", "judge_run", "judge_score", "judged_replies"]


def judge_score(rubric: Rubric, call: JudgeCall | None) -> Score:
    """The score ``call`` gives ``rubric``'s question (None: nothing recorded for it)."""

    def score(value: float, passed: bool, reason: str, *, unparsed: bool = False) -> Score:
        return Score(
            scorer=rubric.scorer,
            family="judge",
            hard=False,
            value=value,
            passed=passed,
            applicable=value >= 0,
            reason=reason,
            unparsed=unparsed,
        )

    if call is None:
        return score(-1, False, "not judged: nothing recorded for this prompt (stale)")
    if call.raw is None:
        return score(-1, False, f"not judged: the judge call failed: {call.error}")
    parsed = parse_answer(call.raw)
    if isinstance(parsed, Unparsed):
        shown = call.raw if len(call.raw) <= 200 else call.raw[:200] + "..."
        return score(-1, False, f"unparsed answer ({parsed.why}): {shown!r}", unparsed=True)
    yes = parsed.answer == "yes"
    return score(float(yes), yes, f"{parsed.answer}: {parsed.reason} ({call.model})")


@dataclass
class JudgeSession:
    """A judge, the set its answers are recorded in, and the rubrics it is asked."""

    rubrics: RubricSet
    judge: Judge
    directory: Path
    record: RecordSpec | None = None

    async def scores(
        self, group: str, subject: str, asked: list[tuple[Rubric, JudgedReply]]
    ) -> list[Score]:
        """The judge's score for each (rubric, reply) about ``subject``, in order; a live
        judge's calls are saved as the subject's recording in ``group``.

        Raises:
            LLMUnreachable: the live endpoint cannot be reached (the subject is not saved).
        """
        prompts = [self.rubrics.render(rubric, reply) for rubric, reply in asked]
        answers: dict[str, JudgeCall | None] = {}
        for prompt in prompts:
            if prompt.sha256 not in answers:  # a raw draft kept as the final reply: ask once
                answers[prompt.sha256] = await self.judge.ask(prompt)
        if isinstance(self.judge, LiveJudge) and self.record is not None:
            calls = [call for call in answers.values() if call is not None]
            _save(self.directory, group, subject, calls, self.judge.params, self.record)
        return [judge_score(p.rubric, answers[p.sha256]) for p in prompts]


def _save(
    directory: Path,
    group: str,
    subject: str,
    calls: list[JudgeCall],
    params: JudgeParams,
    record: RecordSpec,
) -> None:
    if not calls:
        return
    provenance = Provenance(
        source=record.source,
        model=calls[0].model,
        server=record.server,
        recorded_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        note=record.note,
    )
    recording = JudgeRecording(
        group=group, subject=subject, provenance=provenance, params=params, calls=calls
    )
    recording.save(directory)


def judged_replies(case: CaseResult) -> list[JudgedReply]:
    """The raw draft (when there is one) and the final reply of ``case``, as the judge sees
    them."""
    found = []
    kinds: tuple[tuple[Literal["raw", "final"], ReplyResult | None], ...] = (
        ("raw", case.raw),
        ("final", case.final),
    )
    for kind, reply in kinds:
        if reply is not None:
            found.append(
                JudgedReply(
                    kind=kind,
                    language=case.language,
                    channel=case.channel,
                    decision=case.decision,
                    message=case.message,
                    verdict=case.verdict,
                    subject=reply.subject,
                    body=reply.body,
                )
            )
    return found


def _with(reply: ReplyResult | None, scores: list[Score]) -> ReplyResult | None:
    if reply is None:
        return None
    return reply.model_copy(update={"scores": [*reply.scores, *scores]})


async def judge_case(session: JudgeSession, group: str, case: CaseResult) -> CaseResult:
    """``case`` with every rubric's judge score added to its raw draft and final reply."""
    replies = judged_replies(case)
    asked = [(rubric, reply) for reply in replies for rubric in session.rubrics.rubrics]
    scores = await session.scores(group, case.id, asked)
    count = len(session.rubrics.rubrics)
    by_kind = {reply.kind: scores[i * count : (i + 1) * count] for i, reply in enumerate(replies)}
    final = _with(case.final, by_kind["final"])
    assert final is not None
    return case.model_copy(update={"raw": _with(case.raw, by_kind.get("raw", [])), "final": final})


async def judge_run(session: JudgeSession, results: RunResults, name: str) -> RunResults:
    """``results`` with the judge's scores on every raw draft and final reply, re-summarized,
    and the judge set named in the run's provenance (so a changed judge shows in history).

    Raises:
        LLMUnreachable: recording, and the endpoint cannot be reached.
    """
    group = results.run.recording_set or "template"
    try:
        cases = [await judge_case(session, group, case) for case in results.cases]
    finally:
        await session.judge.aclose()
    provenance = {**results.run.provenance, "judge": f"{name} ({session.judge.models()})"}
    run = results.run.model_copy(update={"provenance": provenance})
    return results.model_copy(update={"run": run, "cases": cases, "summary": summarize(cases)})


async def judge_reference(
    session: JudgeSession,
    replies: list[ReferenceReply],
    cases: list[EvalCase],
    group: str = "reference",
) -> list[RubricAgreement]:
    """Ask each rubric about the reference replies it applies to and measure its agreement
    with their labels.

    Raises:
        CaseFileError: a reply names a case that does not exist.
        LLMUnreachable: recording, and the endpoint cannot be reached.
    """
    by_id = {case.id: case for case in cases}
    judged: dict[str, list[tuple[ReferenceReply, Score]]] = {
        rubric.name: [] for rubric in session.rubrics.rubrics
    }
    try:
        for reply in replies:
            case = by_id.get(reply.case)
            if case is None:
                raise CaseFileError(
                    f"reply '{reply.id}' names unknown case '{reply.case}'", file=""
                )
            seen = reference_reply(reply, case)
            rubrics = [r for r in session.rubrics.rubrics if asked_of(r, reply)]
            scores = await session.scores(group, reply.id, [(r, seen) for r in rubrics])
            for rubric, score in zip(rubrics, scores, strict=True):
                judged[rubric.name].append((reply, score))
    finally:
        await session.judge.aclose()
    return [agreement(rubric, judged[rubric.name]) for rubric in session.rubrics.rubrics]
