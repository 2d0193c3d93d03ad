"""Next step and timeline: the reply says what happens now and by when.

Passes when one sentence holds both an action ("we'll email the label", "a supervisor will
reply", "once it arrives") and a time frame ("within 5 to 10 business days", "by 5 December",
"as soon as you reply"). When the verdict itself gives no time frame anywhere (a legal
escalation, say), a next step alone passes: stating a time would be inventing one, which the
compliance guard rightly forbids.
"""

from __future__ import annotations

from drafter.evals.lexicon import phrases
from drafter.evals.scorers.base import Outcome, Scorer, Target

__all__ = ["NEXT_STEP"]


def _score(target: Target) -> Outcome:
    steps = phrases("tone", "next_step", target.language)
    times = phrases("tone", "timeline", target.language)
    sentences = target.reply.content_sentences
    both = [s for s in sentences if steps.any(s) and times.any(s)]
    if both:
        first = both[0]
        shown = first if len(first) <= 90 else first[:87] + "..."
        return Outcome(value=1.0, passed=True, reason=f"next step with timeline: '{shown}'")
    has_step = any(steps.any(s) for s in sentences)
    has_time = any(times.any(s) for s in sentences)
    if has_step and not target.facts.verdict_has_timeline:
        reason = "says what happens next; the verdict gives no time frame to state"
        return Outcome(value=1.0, passed=True, reason=reason)
    if has_step:
        reason = "says what happens next but not when"
    elif has_time:
        reason = "gives a time frame but no next step"
    else:
        reason = "no next step and no time frame"
    return Outcome(value=0.5 if (has_step or has_time) else 0.0, passed=False, reason=reason)


NEXT_STEP = Scorer(
    name="next_step",
    family="tone",
    hard=False,
    targets=("no_next_step",),
    description="A next step with a time frame, in the same sentence.",
    function=_score,
)
