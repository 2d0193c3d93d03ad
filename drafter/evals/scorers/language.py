"""Language: the reply is written in the request's language, every sentence of it.

A reply in the wrong language fails, and so does one with a sentence in another language (an
untranslated policy text pasted into a Spanish reply, say): three or more function words of
another language and none of the reply's own.
"""

from __future__ import annotations

from drafter.evals.scorers.base import Outcome, Scorer, Target
from drafter.text.language import LANGUAGES, detect_language

__all__ = ["LANGUAGE"]


def _foreign_sentences(target: Target) -> list[tuple[str, str]]:
    found = []
    for sentence in target.reply.content_sentences:
        detected, counts = detect_language(sentence)
        if detected is None or detected == target.language:
            continue
        if counts[detected] >= 3 and not counts[target.language]:
            found.append((detected, sentence))
    return found


def _score(target: Target) -> Outcome:
    found, counts = detect_language(target.reply.text)
    detected = found or target.language
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
