"""Politeness strategies in the style of Danescu-Niculescu-Mizil et al. (2013).

The paper found which request strategies readers judge polite or impolite. We count the ones
that carry over to a support reply, per sentence, and weigh each with the sign the paper
found: gratitude, deference, hedges, apology, "please" inside a sentence and counterfactual
modals ("could you") read as polite; direct imperatives, a second-person start ("You need
to..."), "please" opening a command, direct questions and factuality ("actually", "obviously")
read as impolite. The weights are ours; only their signs come from the paper.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from drafter.evals.lexicon import phrases
from drafter.evals.text import Reply

__all__ = ["STRATEGIES", "Politeness", "strategies"]

# strategy -> weight per occurrence (capped at two occurrences each, so one habit can't
# dominate a long reply).
STRATEGIES: dict[str, float] = {
    "gratitude": 1.0,
    "deference": 1.0,
    "hedges": 0.5,
    "apology": 0.5,
    "please": 0.5,
    "counterfactual_modal": 0.5,
    "indicative_modal": 0.0,
    "please_start": -0.25,
    "direct_imperative": -1.0,
    "second_person_start": -0.25,
    "direct_question": -0.5,
    "factuality": -0.75,
}
_CAP = 2
_ANYWHERE = ("gratitude", "deference", "hedges", "counterfactual_modal", "indicative_modal")


@dataclass(frozen=True)
class Politeness:
    counts: dict[str, int]
    score: float

    def found(self) -> list[str]:
        """The strategies present, as 'name×count', polite ones first."""
        ordered = sorted(self.counts, key=lambda name: -STRATEGIES[name])
        return [f"{name}×{self.counts[name]}" for name in ordered if self.counts[name]]


def strategies(reply: Reply, language: str) -> Politeness:
    """Count each strategy in ``reply`` and weigh them into one score (above 0 is polite)."""
    counts: Counter[str] = Counter()
    for name in _ANYWHERE:
        counts[name] = phrases("politeness", name, language).count(reply.text)
    counts["apology"] = phrases("tone", "apology", language).count(reply.text)
    counts["factuality"] = phrases("politeness", "factuality", language).count(reply.text)
    for sentence in reply.content_sentences:
        counts.update(_sentence_strategies(sentence, language))
    score = sum(STRATEGIES[name] * min(count, _CAP) for name, count in counts.items())
    return Politeness(counts={name: counts[name] for name in STRATEGIES}, score=round(score, 2))


def _sentence_strategies(sentence: str, language: str) -> list[str]:
    """The position-dependent strategies of one sentence."""
    found = []
    please = phrases("politeness", "please", language)
    starts_with_please = please.pattern is not None and please.pattern.match(sentence)
    if starts_with_please:
        found.append("please_start")
    elif please.any(sentence):
        found.append("please")
    if not starts_with_please and phrases("politeness", "imperative_verbs", language).any(sentence):
        found.append("direct_imperative")
    if phrases("politeness", "second_person_start", language).any(sentence):
        found.append("second_person_start")
    if phrases("politeness", "direct_question", language).any(sentence):
        found.append("direct_question")
    return found
