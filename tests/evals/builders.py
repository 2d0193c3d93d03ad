"""Small builders of run results for report and comparison tests."""

from __future__ import annotations

import datetime as dt

from drafter.evals.results import (
    CaseResult,
    ReplyResult,
    RunInfo,
    RunResults,
    Usage,
    summarize,
)
from drafter.evals.scorers import Score


def score(name: str, passed: bool, *, hard: bool = False, value: float | None = None) -> Score:
    return Score(
        scorer=name,
        family="compliance" if hard else "tone",
        hard=hard,
        value=(1.0 if passed else 0.0) if value is None else value,
        passed=passed,
        applicable=True,
        reason=f"{name} {'ok' if passed else 'failed'}",
    )


def reply(outcomes: dict[str, bool], body: str = "Hi") -> ReplyResult:
    outcomes = dict(outcomes)
    scores = [score("verdict_facts", outcomes.pop("verdict_facts", True), hard=True)]
    scores += [score(name, passed) for name, passed in outcomes.items()]
    return ReplyResult(subject=None, body=body, scores=scores)


def case(
    case_id: str,
    outcomes: dict[str, bool],
    *,
    body: str = "Hi",
    raw: bool = True,
    raw_outcomes: dict[str, bool] | None = None,
    fallback: bool = False,
    repaired: bool = False,
    usage: Usage | None = None,
) -> CaseResult:
    """A case whose raw draft scores ``raw_outcomes`` (default: the final reply's)."""
    final = reply(outcomes, body)
    draft = reply(raw_outcomes, "Raw " + body) if raw_outcomes is not None else final
    return CaseResult(
        id=case_id,
        title=f"case {case_id}",
        policy="retail-standard",
        situations=["outside_window"],
        language="en",
        channel="email",
        decision="decline",
        raw=draft if raw else None,
        final=final,
        fallback=fallback,
        repaired=repaired,
        llm_calls=1,
        prompt_sha256="0" * 64,
        usage=usage,
        # A repair was asked for whenever the pipeline repaired or fell back after one.
        repair="repaired draft" if repaired or fallback else None,
    )


def run(cases: list[CaseResult]) -> RunResults:
    info = RunInfo(
        mode="replay",
        recording_set="test",
        template_version="t1",
        started_at=dt.datetime(2026, 11, 22, tzinfo=dt.UTC),
        duration_s=0.5,
        cases=len(cases),
    )
    return RunResults(run=info, summary=summarize(cases), cases=cases)
