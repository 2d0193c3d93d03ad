"""Plain-text helpers the scorers share: sentences, words, numbers and amounts.

Everything works on a normalised copy of the reply (curly quotes straightened, whitespace
kept), so offsets never matter here; the guard is the one that reports spans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property

__all__ = ["WORD", "Reply", "amount_in", "normalise", "parse_number"]

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"'})
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
_WORD = WORD
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,  ]\d+)*")


# Small numbers written as words in en, es, fr and de ("within one business day", "sous un
# jour ouvré"), so a disclosure's "1" is found whichever way the reply writes it.
_NUMBER_WORDS = {
    **dict.fromkeys(
        ("one", "uno", "una", "un", "une", "ein", "eine", "einen", "eines", "einem"), 1
    ),
    **dict.fromkeys(("two", "dos", "deux", "zwei"), 2),
    **dict.fromkeys(("three", "tres", "trois", "drei"), 3),
    **dict.fromkeys(("five", "cinco", "cinq", "fünf"), 5),
    **dict.fromkeys(("seven", "siete", "sept", "sieben"), 7),
    **dict.fromkeys(("ten", "diez", "dix", "zehn"), 10),
    **dict.fromkeys(("fourteen", "catorce", "quatorze", "vierzehn"), 14),
    **dict.fromkeys(("thirty", "treinta", "trente", "dreißig"), 30),
}


def normalise(text: str) -> str:
    """Straight quotes and one kind of apostrophe, so lexicon phrases match either."""
    return text.translate(_QUOTES)


def parse_number(token: str) -> Decimal | None:
    """A number as written in en, es, fr or de: '1,234.56', '1.234,56', '227,51', '89'.

    A final separator followed by exactly one or two digits is the decimal mark; every other
    separator groups thousands.
    """
    if token.isdigit():
        return Decimal(token)
    token = token.replace(" ", "").replace(" ", "")
    match = re.fullmatch(r"(.*?)(?:[.,](\d{1,2}))?", token)
    if match is None:
        return None
    whole, cents = match.group(1), match.group(2)
    digits = re.sub(r"[.,]", "", whole)
    if not digits.isdigit():
        return None
    try:
        return Decimal(f"{digits}.{cents}") if cents else Decimal(digits)
    except InvalidOperation:
        return None


def amount_in(amount: Decimal, numbers: list[Decimal]) -> bool:
    """Whether ``amount`` is among ``numbers`` (so 89.00 matches a written 89 or 89,00)."""
    return any(number == amount for number in numbers)


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
        words = (_NUMBER_WORDS.get(word.lower()) for word in self.words)
        return digits + [Decimal(value) for value in words if value is not None]


def _is_framing(sentence: str) -> bool:
    """A salutation or sign-off: a short line that ends with a comma or has no verb-like
    length, such as 'Hi Maya,' or 'Warm regards,' or a lone name."""
    words = _WORD.findall(sentence)
    return len(words) <= 4 and not sentence.rstrip().endswith(("?", "."))
