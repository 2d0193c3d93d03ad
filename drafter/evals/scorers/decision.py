"""Decision up front: the reply states its decision within the first few sentences.

Looks for the first sentence (salutation not counted) that states the verdict's decision in
plain words; partial refunds accept approval or partial wording.
"""

from __future__ import annotations

from drafter.evals.lexicon import Phrases, phrases
from drafter.evals.scorers.base import Outcome, Scorer, Target
from drafter.schemas import Decision

__all__ = ["DECISION_EARLY", "decision_phrases"]


def decision_phrases(decision: Decision, language: str) -> list[Phrases]:
    """The lexicons that state ``decision``."""
    names = {Decision.partial: ["partial", "approve"]}.get(decision, [decision.value])
    return [phrases("decision", name, language) for name in names]


def _first_stating(sentences: list[str], lexicons: list[Phrases]) -> int | None:
    """The index of the first sentence that states the decision: one search over the
    sentences joined by newlines, then the newlines before the match give the index."""
    joined = "\n".join(sentences)
    starts = [
        m.start() for lex in lexicons if lex.pattern for m in [lex.pattern.search(joined)] if m
    ]
    return joined.count("\n", 0, min(starts)) if starts else None


def _score(target: Target) -> Outcome:
    lexicons = decision_phrases(target.decision, target.language)
    sentences = target.reply.content_sentences
    within = int(target.thresholds.decision_within)
    index = _first_stating(sentences, lexicons)
    if index is None:
        reason = f"the decision ({target.decision.value}) is never stated plainly"
        return Outcome(value=0.0, passed=False, reason=reason)
    value = 1.0 - index / max(len(sentences), 1)
    where = f"the decision ({target.decision.value}) is stated in sentence {index + 1}"
    if index + 1 <= within:
        return Outcome(value=value, passed=True, reason=where)
    return Outcome(value=value, passed=False, reason=f"buried: {where}, after {within}")


DECISION_EARLY = Scorer(
    name="decision_early",
    family="tone",
    hard=False,
    targets=("buried_decision",),
    description="The decision is stated plainly within the first sentences.",
    function=_score,
)
