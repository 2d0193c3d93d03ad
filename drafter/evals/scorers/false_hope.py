"""False hope: a reply that does not grant everything must not hint that it might."""

from __future__ import annotations

from drafter.evals.lexicon import phrases
from drafter.evals.scorers.base import Outcome, Scorer, Target, not_applicable, quoted
from drafter.schemas import Decision

__all__ = ["FALSE_HOPE"]


def _score(target: Target) -> Outcome:
    if target.decision == Decision.approve:
        return not_applicable("an approval grants what was asked")
    found = phrases("tone", "false_hope", target.language).find(target.reply.text)
    if found:
        reason = f"hints at an outcome the {target.decision.value} does not give: {quoted(found)}"
        return Outcome(value=0.0, passed=False, reason=reason)
    return Outcome(value=1.0, passed=True, reason="firm: no hint of a different outcome")


FALSE_HOPE = Scorer(
    name="false_hope",
    family="tone",
    hard=False,
    targets=("false_hope",),
    description="No hint of an outcome the verdict does not give.",
    function=_score,
)
