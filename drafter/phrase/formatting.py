"""Locale formatting of money, percentages, dates and day counts, with babel.

The prompts and the templated fallback both show figures exactly as this module formats them,
so the language model copies a figure instead of computing or re-formatting it, and the guard
can look for the same strings. Babel's output keeps the locale's typography, including
no-break spaces (U+00A0, U+202F) inside amounts such as ``59,00 €``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_percent
from babel.units import format_unit

from drafter.errors import RequestError
from drafter.schemas import Money

__all__ = ["SUPPORTED_LANGUAGES", "LocaleFormatter", "language_of"]

SUPPORTED_LANGUAGES = ("en", "es", "fr", "de")


def language_of(locale: str) -> str:
    """The two-letter language of a request locale such as ``es-MX`` (supported or not)."""
    return locale.split("-")[0].split("_")[0].lower()


def _babel_locale(locale: str) -> Locale:
    """Parse ``es-MX`` (the request form) into babel's ``es_MX``, keeping the region if known.

    Raises:
        RequestError: babel does not know the locale (field ``locale``).
    """
    try:
        return Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError) as error:
        raise RequestError(f"'{locale}' is not a known locale: {error}", field="locale") from error


@dataclass(frozen=True, slots=True)
class LocaleFormatter:
    """Formats figures for one locale. Build it with :meth:`for_locale`."""

    locale: Locale
    language: str

    @classmethod
    def for_locale(cls, locale: str) -> LocaleFormatter:
        """A formatter for a request locale (``en``, ``es-MX``, ``fr-FR``, ``de``…). A known
        locale whose language drafter has no phrasebook for (``it``) gets English figures, to
        go with the English commitments its replies carry.

        Raises:
            RequestError: the locale is unknown (field ``locale``).
        """
        parsed = _babel_locale(locale)
        language = language_of(locale)
        if language not in SUPPORTED_LANGUAGES:
            return cls(locale=Locale.parse("en"), language="en")
        return cls(locale=parsed, language=language)

    def money(self, money: Money) -> str:
        """``59.00`` EUR as ``€59.00`` (en), ``59,00 €`` (es, fr, de)."""
        return str(format_currency(money.amount, money.currency, locale=self.locale))

    def percent(self, points: Decimal) -> str:
        """A percentage given in points (``15`` means 15 %), as ``15%`` or ``15 %``."""
        fraction = points / Decimal(100)
        return str(format_percent(fraction, locale=self.locale, decimal_quantization=False))

    def date(self, day: dt.date) -> str:
        """A date in the locale's long form: ``November 3, 2026``, ``3 de noviembre de 2026``."""
        return str(format_date(day, format="long", locale=self.locale))

    def days(self, count: int) -> str:
        """A timeframe in days: ``30 days``, ``30 días``, ``30 jours``, ``30 Tage``."""
        return str(format_unit(count, "duration-day", length="long", locale=self.locale))

    @property
    def language_name(self) -> str:
        """The language's English name (``Spanish``), for instructions written in English."""
        return str(Locale.parse(self.language).english_name)

    @property
    def native_language_name(self) -> str:
        """The language's own name (``español``), for instructions the model reads as a cue."""
        return str(Locale.parse(self.language).get_display_name(self.language))
