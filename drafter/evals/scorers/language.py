"""Language: the reply is written in the request's language, every sentence of it.

A reply in the wrong language fails, and so does one with a sentence in another language (an
untranslated policy text pasted into a Spanish reply, say): three or more function words of
another language and none of the reply's own.
"""

from __future__ import annotations

import re
from functools import cache

from drafter.evals.lexicon import LANGUAGES, word_set
from drafter.evals.scorers.base import Outcome, Scorer, Target

__all__ = ["LANGUAGE", "detect_language"]

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@cache
def _languages_of_words() -> dict[str, tuple[str, ...]]:
    """Each function word and the languages it belongs to."""
    found: dict[str, list[str]] = {}
    for language in LANGUAGES:
        for word in word_set("language", "stopwords", language):
            found.setdefault(word, []).append(language)
    return {word: tuple(languages) for word, languages in found.items()}


def detect_language(text: str) -> tuple[str, dict[str, int]]:
    """The language whose function words occur most often, with every language's count."""
    table = _languages_of_words()
    counts = dict.fromkeys(LANGUAGES, 0)
    for word in _WORD.findall(text):
        for language in table.get(word.lower(), ()):
            counts[language] += 1
    best = max(LANGUAGES, key=lambda lang: counts[lang])
    return best, counts


def _foreign_sentences(target: Target) -> list[tuple[str, str]]:
    found = []
    for sentence in target.reply.content_sentences:
        detected, counts = detect_language(sentence)
        if detected != target.language and counts[detected] >= 3 and not counts[target.language]:
            found.append((detected, sentence))
    return found


def _score(target: Target) -> Outcome:
    detected, counts = detect_language(target.reply.text)
    total = sum(counts.values())
    share = counts[target.language] / total if total else 0.0
    tally = ", ".join(f"{lang} {counts[lang]}" for lang in LANGUAGES)
    if detected != target.language:
        reason = f"written in {detected}, expected {target.language} (function words: {tally})"
        return Outcome(value=share, passed=False, reason=reason)
    foreign = _foreign_sentences(target)
    if foreign:
        language, sentence = foreign[0]
        shown = sentence if len(sentence) <= 70 else sentence[:67] + "..."
        reason = f"written in {detected}, but {len(foreign)} sentence(s) in {language}: '{shown}'"
        return Outcome(value=share / 2, passed=False, reason=reason)
    return Outcome(value=share, passed=True, reason=f"written in {detected} ({tally})")


LANGUAGE = Scorer(
    name="language",
    family="tone",
    hard=False,
    targets=("wrong_language",),
    description="Written in the request's language, every sentence of it.",
    function=_score,
)
