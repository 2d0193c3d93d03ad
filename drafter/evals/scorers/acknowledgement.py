"""Acknowledgement: the opening reflects the customer's situation back to them.

Passes when the first sentences hold both an acknowledging phrase ("I can see...", "thanks
for the photos", "sorry to hear") and a reference to what happened: the item, the ask, its
reason, or a word of the customer's own message.
"""

from __future__ import annotations

import re

from drafter.evals.lexicon import phrases
from drafter.evals.scorers.base import Outcome, Scorer, Target, quoted

__all__ = ["ACKNOWLEDGEMENT", "situation_references"]

_LONG_WORD = re.compile(r"[^\W\d_]{5,}")


def situation_references(target: Target, text: str) -> list[str]:
    """What in ``text`` refers to the customer's situation, as written."""
    found = phrases("situations", "ask", target.language).find(text)
    found += phrases("situations", "reason", target.language).find(text)
    found += phrases("situations", "plan", target.language).find(text)
    words = {w.lower() for w in _LONG_WORD.findall(text)}
    found += sorted(words & (target.facts.item_words | target.facts.message_words))
    return found


def _score(target: Target) -> Outcome:
    within = int(target.thresholds.acknowledgement_within)
    opening = " ".join(target.reply.content_sentences[:within])
    acknowledging = phrases("tone", "acknowledgement", target.language).find(opening)
    references = situation_references(target, opening)
    value = (bool(acknowledging) + bool(references)) / 2
    if acknowledging and references:
        reason = f"opening acknowledges ({quoted(acknowledging)}) and names {quoted(references)}"
    elif references:
        reason = f"opening names {quoted(references)} but never acknowledges the customer"
    elif acknowledging:
        reason = f"opening acknowledges ({quoted(acknowledging)}) but names nothing specific"
    else:
        reason = f"no acknowledgement in the first {within} sentences"
    return Outcome(value=value, passed=value == 1, reason=reason)


ACKNOWLEDGEMENT = Scorer(
    name="acknowledgement",
    family="tone",
    hard=False,
    targets=("no_acknowledgement", "cold"),
    description="The opening acknowledges the customer's situation and names it.",
    function=_score,
)
