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


def _score(target: Target) -> Outcome:
    lexicons = decision_phrases(target.decision, target.language)
    sentences = target.reply.content_sentences
    within = int(target.thresholds.decision_within)
    for index, sentence in enumerate(sentences):
        if any(lexicon.any(sentence) for lexicon in lexicons):
            position = index + 1
            value = 1.0 - index / max(len(sentences), 1)
            where = f"the decision ({target.decision.value}) is stated in sentence {position}"
            if position <= within:
                return Outcome(value=value, passed=True, reason=where)
            return Outcome(value=value, passed=False, reason=f"buried: {where}, after {within}")
    reason = f"the decision ({target.decision.value}) is never stated plainly"
    return Outcome(value=0.0, passed=False, reason=reason)


DECISION_EARLY = Scorer(
    name="decision_early",
    family="tone",
    hard=False,
    targets=("buried_decision",),
    description="The decision is stated plainly within the first sentences.",
    function=_score,
)
