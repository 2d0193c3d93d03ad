"""Readability: easy to read by the language's reading-ease formula, and without jargon."""

from __future__ import annotations

from drafter.evals.lexicon import phrases
from drafter.evals.readability import reading_ease
from drafter.evals.scorers.base import Outcome, Scorer, Target, quoted

__all__ = ["READABILITY"]


def _score(target: Target) -> Outcome:
    measured = reading_ease(target.reply, target.language)
    jargon = phrases("tone", "jargon", target.language).find(target.reply.text)
    floor, allowed = target.thresholds.readability_min, target.thresholds.jargon_max
    easy, plain = measured.ease >= floor, len(jargon) <= allowed
    reason = (
        f"reading ease {measured.ease:.0f} (min {floor:.0f}; "
        f"{measured.words_per_sentence:.1f} words/sentence, "
        f"{measured.syllables_per_word:.2f} syllables/word)"
    )
    if jargon:
        reason += f"; jargon {quoted(jargon)} (max {allowed:g})"
    value = max(0.0, min(measured.ease, 100.0)) / 100 if plain else 0.0
    return Outcome(value=value, passed=easy and plain, reason=reason)


READABILITY = Scorer(
    name="readability",
    family="tone",
    hard=False,
    targets=("jargon",),
    description="Reading ease above the language's floor, and no jargon.",
    function=_score,
)
