"""Numbers as support replies write them in en, es, fr and de: digits with either decimal mark,
and the small numbers written as words that policy texts use ("within one business day")."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

__all__ = ["NUMBER_WORDS", "amount_in", "parse_number"]

# Small numbers written as words in en, es, fr and de ("within one business day", "sous un
# jour ouvré"), so a disclosure's "1" is found whichever way the reply writes it.
NUMBER_WORDS = {
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
