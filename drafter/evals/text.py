"""Plain-text helpers the scorers share: sentences, words, numbers and amounts.

Everything works on a normalised copy of the reply (curly quotes straightened, whitespace
kept), so offsets never matter here; the guard is the one that reports spans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from drafter.text.numbers import NUMBER_WORDS, amount_in, parse_number

__all__ = ["WORD", "Reply", "amount_in", "normalise", "parse_number"]

# Numbers are read with the shared text toolkit (re-exported for the scorers).

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"'})
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
_WORD = WORD
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,  ]\d+)*")


def normalise(text: str) -> str:
    """Straight quotes and one kind of apostrophe, so lexicon phrases match either."""
    return text.translate(_QUOTES)


@dataclass(frozen=True)
class Reply:
    """A reply body with its derived views, computed once."""

    body: str

    @cached_property
    def text(self) -> str:
        return normalise(self.body)

    @cached_property
    def lower(self) -> str:
        return self.text.lower()

    @cached_property
    def sentences(self) -> list[str]:
        """Sentences and stand-alone lines, trimmed, without empty ones."""
        parts = (part.strip() for part in _SENTENCE_END.split(self.text))
        return [part for part in parts if part]

    @cached_property
    def content_sentences(self) -> list[str]:
        """Sentences without the salutation and sign-off lines ('Hi Maya,', 'Best, Sam')."""
        return [s for s in self.sentences if not _is_framing(s)]

    @cached_property
    def words(self) -> list[str]:
        return _WORD.findall(self.text)

    @cached_property
    def numbers(self) -> list[Decimal]:
        """Numbers written in digits, then small ones written as words."""
        found = (parse_number(token) for token in _NUMBER.findall(self.text))
        digits = [number for number in found if number is not None]
        words = (NUMBER_WORDS.get(word.lower()) for word in self.words)
        return digits + [Decimal(value) for value in words if value is not None]


def _is_framing(sentence: str) -> bool:
    """A salutation or sign-off: a short line that ends with a comma or has no verb-like
    length, such as 'Hi Maya,' or 'Warm regards,' or a lone name."""
    words = _WORD.findall(sentence)
    return len(words) <= 4 and not sentence.rstrip().endswith(("?", "."))
