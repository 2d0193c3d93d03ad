"""Empathy without over-apology: some warmth, and no more than a couple of apologies.

Counts empathy phrases and apologies anywhere in the reply. Fails a cold reply (neither) and a
grovelling one (more apologies than ``apology_max``).
"""

from __future__ import annotations

from drafter.evals.lexicon import phrases
from drafter.evals.scorers.base import Outcome, Scorer, Target, quoted

__all__ = ["EMPATHY"]


def _score(target: Target) -> Outcome:
    text = target.reply.text
    warm = phrases("tone", "empathy", target.language).find(text)
    apologies = phrases("tone", "apology", target.language).find(text)
    markers = len(warm) + len(apologies)
    too_many = len(apologies) > target.thresholds.apology_max
    if too_many:
        reason = (
            f"over-apologises: {len(apologies)} apologies ({quoted(apologies)}), "
            f"at most {target.thresholds.apology_max:g}"
        )
        return Outcome(value=0.0, passed=False, reason=reason)
    if markers < target.thresholds.empathy_min:
        return Outcome(value=0.0, passed=False, reason="cold: no empathy phrase or apology")
    reason = f"{len(warm)} empathy phrase(s) {quoted(warm)}, {len(apologies)} apology(ies)"
    return Outcome(value=min(markers, 2) / 2, passed=True, reason=reason)


EMPATHY = Scorer(
    name="empathy",
    family="tone",
    hard=False,
    targets=("cold", "over_apologizing"),
    description="Warm without grovelling: at least one empathy phrase, at most two apologies.",
    function=_score,
)
