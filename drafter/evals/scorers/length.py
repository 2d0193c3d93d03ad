"""Length for the channel: an email is complete but concise, a chat turn short."""

from __future__ import annotations

from drafter.evals.scorers.base import Outcome, Scorer, Target

__all__ = ["LENGTH"]


def _score(target: Target) -> Outcome:
    words = len(target.reply.words)
    low, high = target.thresholds.length_min, target.thresholds.length_max
    bounds = f"{low:.0f}-{high:.0f} for {target.channel}"
    if words > high:
        return Outcome(value=high / words, passed=False, reason=f"{words} words, over {bounds}")
    if words < low:
        return Outcome(value=words / low, passed=False, reason=f"{words} words, under {bounds}")
    return Outcome(value=1.0, passed=True, reason=f"{words} words, within {bounds}")


LENGTH = Scorer(
    name="length",
    family="tone",
    hard=False,
    targets=("too_long",),
    description="Word count within the channel's range.",
    function=_score,
)
