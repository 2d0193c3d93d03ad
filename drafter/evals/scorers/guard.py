"""Guard: the pipeline's own compliance guard (drafter.guard), run on the reply as scored.

The pipeline runs the guard too; scoring it here lets raw drafts, final replies and reference
replies be judged by exactly the checks that decide what reaches an agent.
"""

from __future__ import annotations

from drafter.evals.scorers.base import Outcome, Scorer, Target
from drafter.guard import check
from drafter.phrase.phrasebook import Composed

__all__ = ["GUARD"]


def _score(target: Target) -> Outcome:
    # Without the pipeline's report the reply is a finished text with no markers: every word
    # of it is checked as the writer's own.
    report = target.guard_report or check(
        draft=Composed.plain(target.body),
        subject=target.subject,
        verdict=target.verdict,
        request=target.request,
    )
    if report.passed:
        return Outcome(value=1.0, passed=True, reason="the guard found no violation")
    found = [f"{v.code}: {v.message}" for v in report.violations]
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    return Outcome(value=0.0, passed=False, reason="; ".join(found[:3]) + more)


GUARD = Scorer(
    name="guard",
    family="compliance",
    hard=True,
    targets=(),
    description="The pipeline's compliance guard passes the reply.",
    function=_score,
)
