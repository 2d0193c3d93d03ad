"""Mask personal data in text before it is stored (``DRAFTER_REDACT_PII``).

Four kinds are masked, each with a visible placeholder so a reader knows something was
there: ``[email]``, ``[card]`` (13 to 19 digits that pass the Luhn check), ``[phone]`` (8 or more
digits, not an ISO date) and ``[address]`` (a house number with a street word, in English,
Spanish, French or German). Names are not masked: the reply addresses the customer by name,
and a name alone says little. The patterns are deliberately simple and err towards masking.

The text is a customer's or an agent's, so every pattern runs in linear time
(``drafter.text.linear``): the email and most address patterns on RE2 (on Python's engine
the email pattern rescanned a long run of address characters from each of them), the others
with every attempt bounded (a German street is tried once per hyphenated word: tried at each
hyphen, ``a-a-a-…`` took 10 s for 20 kB).
"""

from __future__ import annotations

import re
from typing import Any

from drafter.text import linear

__all__ = ["redact_json", "redact_text"]

_EMAIL = linear.compile_re2(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_CARD = linear.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_PHONE = linear.compile(r"(?<![\w])\+?\(?\d[\d\s().-]{6,}\d(?!\d)")
_ISO_DATE = linear.compile(r"\d{4}-\d{2}-\d{2}")
_STREET_WORDS = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|"
    "terrace|square|sq|highway|hwy|parkway|pkwy"
)
# RE2's \b is ASCII: a house number glued to an accented letter ("é12 Main St") is masked
# too, which errs the documented way.
_ADDRESS = linear.compile_re2(
    rf"\b\d{{1,6}}[A-Za-z]?,?\s+(?:[A-Za-z][\w'.-]*\s+){{0,4}}(?:{_STREET_WORDS})\b\.?"
    r"(?:,?\s+(?:apt|apartment|suite|ste|unit|#)\.?\s*\w+)?"
    r"|\b\d{1,5},?\s+(?:rue|avenue|boulevard|chemin|place|calle|avenida|paseo|plaza)"
    r"(?:\s+[\w'-]+){1,4}",
    ignorecase=True,
    ascii_boundary=True,
)
# A German street is tried once per run of word characters and hyphens, from its first word
# boundary before a letter (the atomic group: the rest of the run has the same suffix, so a
# later start would fail too); what precedes that boundary is kept. Its leading \b must see
# "Ä" as a letter, so it stays on Python's engine.
_GERMAN_ADDRESS = linear.compile(
    r"(?<![\w-])(?P<keep>(?>[\w-]*?\b(?=[A-ZÄÖÜ])))"
    r"[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|weg|platz|gasse|allee)\s+\d+[a-z]?\b",
    re.IGNORECASE,
)
_NOT_DIGIT = linear.compile(r"\D")
# Whole values that are structured data, not free text: dates and amounts stay as they are.
_STRUCTURED = linear.compile(r"\d{4}-\d{2}-\d{2}|-?\d+(?:\.\d+)?")


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = _NOT_DIGIT.sub("", match.group())
    return "[card]" if _luhn(digits) else match.group()


def _address(match: re.Match[str]) -> str:
    return (match["keep"] or "") + "[address]"


def _phone(match: re.Match[str]) -> str:
    text = match.group()
    digits = _NOT_DIGIT.sub("", text)
    if len(digits) < 8 or _ISO_DATE.fullmatch(text.strip()):
        return text
    return "[phone]"


def redact_text(text: str) -> str:
    """The text with emails, card numbers, phone numbers and street addresses masked."""
    text = _EMAIL.sub("[email]", text)
    text = _CARD.sub(_card, text)
    text = _ADDRESS.sub("[address]", text)
    text = _GERMAN_ADDRESS.sub(_address, text)
    return _PHONE.sub(_phone, text)


def redact_json(value: Any) -> Any:
    """A copy of a JSON document with every free-text string redacted; dates, amounts and
    keys are kept so the stored request still parses."""
    if isinstance(value, dict):
        return {key: redact_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_json(item) for item in value]
    if isinstance(value, str) and not _STRUCTURED.fullmatch(value):
        return redact_text(value)
    return value
