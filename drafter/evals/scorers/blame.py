"""Blame: no wording that faults the customer or defends the company against them."""

from __future__ import annotations

from drafter.evals.lexicon import phrases
from drafter.evals.scorers.base import Outcome, Scorer, Target, quoted

__all__ = ["BLAME"]


def _score(target: Target) -> Outcome:
    found = phrases("tone", "blame", target.language).find(target.reply.text)
    if found:
        return Outcome(value=0.0, passed=False, reason=f"blaming or defensive: {quoted(found)}")
    return Outcome(value=1.0, passed=True, reason="no blaming or defensive wording")


BLAME = Scorer(
    name="blame",
    family="tone",
    hard=False,
    targets=("blaming",),
    description="No wording that blames the customer or defends the company.",
    function=_score,
)
