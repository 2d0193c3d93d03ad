"""Language: the reply is written in the request's language."""

from __future__ import annotations

import re
from functools import cache

from drafter.evals.lexicon import LANGUAGES, phrases
from drafter.evals.scorers.base import Outcome, Scorer, Target

__all__ = ["LANGUAGE", "detect_language"]

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@cache
def _stopwords(language: str) -> frozenset[str]:
    """The function words of ``language`` as a set: they are single plain words, so a set
    lookup per word is all the matching they need."""
    return frozenset(entry.lower() for entry in phrases("language", "stopwords", language).entries)


def detect_language(text: str) -> tuple[str, dict[str, int]]:
    """The language whose function words occur most often, with every language's count."""
    words = [word.lower() for word in _WORD.findall(text)]
    counts = {lang: sum(word in _stopwords(lang) for word in words) for lang in LANGUAGES}
    best = max(LANGUAGES, key=lambda lang: counts[lang])
    return best, counts


def _score(target: Target) -> Outcome:
    detected, counts = detect_language(target.reply.text)
    total = sum(counts.values())
    share = counts[target.language] / total if total else 0.0
    tally = ", ".join(f"{lang} {counts[lang]}" for lang in LANGUAGES)
    if detected != target.language:
        reason = f"written in {detected}, expected {target.language} (function words: {tally})"
        return Outcome(value=share, passed=False, reason=reason)
    return Outcome(value=share, passed=True, reason=f"written in {detected} ({tally})")


LANGUAGE = Scorer(
    name="language",
    family="tone",
    hard=False,
    targets=("wrong_language",),
    description="Written in the request's language.",
    function=_score,
)
