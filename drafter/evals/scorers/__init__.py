"""The scorers, in report order: compliance first (hard), then the case's expectations, then
tone. Each is a small module with one ``Scorer``; each returns a value and a reason."""

from __future__ import annotations

from drafter.evals.scorers.acknowledgement import ACKNOWLEDGEMENT
from drafter.evals.scorers.alternatives import ALTERNATIVES
from drafter.evals.scorers.base import Family, Outcome, Score, Scorer, Target
from drafter.evals.scorers.blame import BLAME
from drafter.evals.scorers.decision import DECISION_EARLY
from drafter.evals.scorers.empathy import EMPATHY
from drafter.evals.scorers.expectations import FORBIDDEN_CLAIMS, REQUIRED_OFFERS
from drafter.evals.scorers.false_hope import FALSE_HOPE
from drafter.evals.scorers.guard import GUARD
from drafter.evals.scorers.language import LANGUAGE
from drafter.evals.scorers.length import LENGTH
from drafter.evals.scorers.next_step import NEXT_STEP
from drafter.evals.scorers.personalization import PERSONALIZATION
from drafter.evals.scorers.politeness import POLITENESS
from drafter.evals.scorers.rationale import RATIONALE
from drafter.evals.scorers.readability import READABILITY
from drafter.evals.scorers.verdict_facts import VERDICT_FACTS

__all__ = [
    "SCORERS",
    "TONE_SCORERS",
    "Family",
    "Outcome",
    "Score",
    "Scorer",
    "Target",
    "score_all",
]

SCORERS: tuple[Scorer, ...] = (
    GUARD,
    VERDICT_FACTS,
    FORBIDDEN_CLAIMS,
    REQUIRED_OFFERS,
    ACKNOWLEDGEMENT,
    EMPATHY,
    BLAME,
    RATIONALE,
    ALTERNATIVES,
    NEXT_STEP,
    PERSONALIZATION,
    READABILITY,
    LENGTH,
    POLITENESS,
    LANGUAGE,
    DECISION_EARLY,
    FALSE_HOPE,
)
TONE_SCORERS = tuple(s for s in SCORERS if s.family == "tone")


def score_all(target: Target, scorers: tuple[Scorer, ...] = SCORERS) -> list[Score]:
    """Every scorer's judgement of ``target``, in report order."""
    return [scorer(target) for scorer in scorers]
