"""Politeness: the weighed politeness strategies of the reply are on the polite side."""

from __future__ import annotations

from drafter.evals.politeness import strategies
from drafter.evals.scorers.base import Outcome, Scorer, Target

__all__ = ["POLITENESS"]


def _score(target: Target) -> Outcome:
    measured = strategies(target.reply, target.language)
    floor = target.thresholds.politeness_min
    found = ", ".join(measured.found()) or "no strategy"
    reason = f"politeness {measured.score:+.2f} (min {floor:+.2f}): {found}"
    # Map the score onto [0, 1]: -2 or less is 0, +2 or more is 1.
    value = (min(max(measured.score, -2.0), 2.0) + 2.0) / 4.0
    return Outcome(value=value, passed=measured.score >= floor, reason=reason)


POLITENESS = Scorer(
    name="politeness",
    family="tone",
    hard=False,
    targets=("curt",),
    description="Politeness strategies (Danescu-Niculescu-Mizil et al. 2013) weigh polite.",
    function=_score,
)
