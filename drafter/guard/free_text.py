"""The model's own words commit to nothing: no figure, decision, money, promise, fault,
completeness or timing language outside the markers (``lexicons/free_text.yaml``).

Every commitment is a marker rendered from the verdict, so this check needs no negation,
hedge or scope parsing: a listed word in the free text is a violation in any form. It reads
words one at a time (folded to lower case without accents) against sets, prefixes and short
phrases, so it runs in time linear in the text whatever the customer or the model wrote.

Names and identifiers from the request (the customer's name, order and ticket references,
item names, the plan) and the phrasebook's name for the request ("your return request") are
skipped: they are the request's own words, not commitments.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from drafter.claims import CLAIM_DETECTORS
from drafter.guard.codes import Code
from drafter.guard.lexicon import LANGUAGES, load
from drafter.text import linear

__all__ = ["CATEGORY_CODES", "Finding", "claim_detectors", "find"]

_WORD = linear.compile(r"\w+")
_SYMBOL = linear.compile(r"[$€£¥%‰]")
_COMBINING = linear.compile(r"[\u0300-\u036f]")
_LONGEST_STEM = 24

CATEGORY_CODES: Mapping[str, Code] = {
    "decision": Code.FREE_DECISION,
    "money": Code.FREE_MONEY,
    "promise": Code.FREE_PROMISE,
    "fault": Code.FREE_FAULT,
    "completeness": Code.FREE_COMPLETENESS,
    "timing": Code.FREE_TIMING,
    "figure": Code.FREE_FIGURE,
}
_FIGURE = "figure"


def fold_word(word: str) -> str:
    """Lower case, accents and ß folded away: ``Rückerstattung`` → ``ruckerstattung``."""
    return _COMBINING.sub("", unicodedata.normalize("NFKD", word.casefold()))


@dataclass
class _Vocabulary:
    """One language's entries (plus English), compiled for word-at-a-time lookup."""

    words: dict[str, str] = field(default_factory=dict)
    stems: dict[str, str] = field(default_factory=dict)
    infixes: list[tuple[str, str]] = field(default_factory=list)
    phrases: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)

    def add(self, entry: str, category: str) -> None:
        words = tuple(fold_word(word) for word in _WORD.findall(entry))
        if len(words) > 1:
            self.phrases.setdefault(words[0], []).append((words[1:], category))
        elif entry.startswith("*") and entry.endswith("*"):
            self.infixes.append((fold_word(entry.strip("*")), category))
        elif entry.endswith("*"):
            self.stems[words[0]] = category
        else:
            self.words[words[0]] = category

    def single(self, word: str) -> str | None:
        """The category of one folded word, if any."""
        found = self.words.get(word)
        if found is not None:
            return found
        for length in range(min(len(word), _LONGEST_STEM), 1, -1):
            found = self.stems.get(word[:length])
            if found is not None:
                return found
        return next((category for infix, category in self.infixes if infix in word), None)

    def phrase(self, words: list[str], at: int) -> tuple[int, str] | None:
        """The longest phrase starting at ``words[at]``: (its length, its category)."""
        best: tuple[int, str] | None = None
        for rest, category in self.phrases.get(words[at], ()):
            end = at + 1 + len(rest)
            if tuple(words[at + 1 : end]) == rest and (best is None or len(rest) + 1 > best[0]):
                best = (len(rest) + 1, category)
        return best


@dataclass
class _Lexicon:
    terms: _Vocabulary
    numbers: _Vocabulary
    units: _Vocabulary
    counted_by: _Vocabulary
    allowed: _Vocabulary
    endings: tuple[str, ...]
    accented_endings: tuple[str, ...]
    exceptions: frozenset[str]


def _entries(section: object, languages: Iterable[str]) -> Iterator[str]:
    if not isinstance(section, Mapping):
        return
    for language in languages:
        yield from section.get(language, ())


@functools.cache
def _lexicon(language: str) -> _Lexicon:
    data = load("free_text")
    # English slips into every reply. A language without a lexicon of its own is read with
    # all four: it shares many words with them, and digits and symbols are caught anyway.
    languages = ("en", language) if language in LANGUAGES else LANGUAGES

    def vocabulary(name: str, category: str = "") -> _Vocabulary:
        vocab = _Vocabulary()
        for entry in _entries(data.get(name), languages):
            vocab.add(entry, category or name)
        return vocab

    terms = _Vocabulary()
    for category, by_language in data["categories"].items():
        for entry in _entries(by_language, languages):
            terms.add(entry, category)
    return _Lexicon(
        terms=terms,
        numbers=vocabulary("numbers", _FIGURE),
        units=vocabulary("units", _FIGURE),
        counted_by=vocabulary("counted_by"),
        allowed=vocabulary("allowed"),
        endings=tuple(_entries(data.get("future_endings"), (language,))),
        accented_endings=tuple(_entries(data.get("future_endings_accented"), (language,))),
        exceptions=frozenset(_entries(data.get("future_exceptions"), (language,))),
    )


def claim_detectors() -> Mapping[str, tuple[str, ...]]:
    """Each claim a policy may forbid, with the categories that detect it (every category
    named there exists in the lexicon; a test holds it to that)."""
    return CLAIM_DETECTORS


@dataclass(frozen=True, slots=True)
class Finding:
    """A committing word or phrase at ``[start, end)`` of the text, and its category."""

    category: str
    start: int
    end: int


def _future(lexicon: _Lexicon, raw: str, word: str) -> bool:
    """A Spanish or French verb in the future tense, told by its ending. A French ending after
    an accented é is the present of an -érer verb ("préférez", "espérons"), not a future."""
    if word in lexicon.exceptions or len(word) < 5:
        return False
    lower = raw.lower()
    if lower.endswith(("érez", "érons")):
        return False
    return any(lower.endswith(e) for e in lexicon.accented_endings) or any(
        word.endswith(e) for e in lexicon.endings
    )


def find(text: str, language: str, skip: Iterable[tuple[int, int]] = ()) -> Iterator[Finding]:
    """Every committing word, phrase, number or symbol in ``text``, outside the ``skip`` spans.

    Args:
        text: the model's own words (one run between markers, or the subject).
        language: the reply's language; English entries always apply too.
        skip: spans of names, identifiers and contact points that may contain anything.
    """
    lexicon = _lexicon(language if language in LANGUAGES else "*")
    spans = sorted(skip)
    matches = list(_outside(_WORD.finditer(text), spans))
    words = [fold_word(m.group()) for m in matches]
    yield from (
        Finding(_FIGURE, m.start(), m.end()) for m in _outside(_SYMBOL.finditer(text), spans)
    )
    at = 0
    while at < len(words):
        width, category = _classify(lexicon, words, matches, at)
        if category is not None:
            yield Finding(category, matches[at].start(), matches[at + width - 1].end())
        at += width


def _classify(
    lexicon: _Lexicon, words: list[str], matches: list[re.Match[str]], at: int
) -> tuple[int, str | None]:
    """How many words from ``at`` form one unit, and its category (None: commits to nothing)."""
    allowed = lexicon.allowed.phrase(words, at)
    if allowed is not None:
        return allowed[0], None
    phrase = lexicon.terms.phrase(words, at)
    if phrase is not None:
        return phrase
    word = words[at]
    if any(ch.isdigit() for ch in word):
        return 1, _FIGURE
    category = lexicon.terms.single(word) or lexicon.numbers.single(word)
    if category is not None:
        return 1, category
    if lexicon.units.single(word) and at > 0 and _counts(lexicon, words[at - 1]):
        return 1, _FIGURE
    if _future(lexicon, matches[at].group(), word):
        return 1, "promise"
    return 1, None


def _counts(lexicon: _Lexicon, word: str) -> bool:
    """``word`` quantifies a unit of time that follows it ("a few days", "14 days")."""
    return (
        any(ch.isdigit() for ch in word)
        or lexicon.counted_by.single(word) is not None
        or lexicon.numbers.single(word) is not None
    )


def _outside(
    matches: Iterable[re.Match[str]], spans: list[tuple[int, int]]
) -> Iterator[re.Match[str]]:
    """The matches (in text order) that lie within none of ``spans`` (sorted): one sweep over
    both, so a text full of skipped spans (phone numbers, say) stays linear."""
    index, reach = 0, -1  # spans[:index] start before the current match; reach: their end
    for match in matches:
        start, end = match.span()
        while index < len(spans) and spans[index][0] <= start:
            reach = max(reach, spans[index][1])
            index += 1
        if end > reach:
            yield match
