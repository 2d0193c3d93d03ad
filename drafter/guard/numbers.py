"""Finding figures in text: money amounts, percentages, dates and timeframes, in the number
formats of en, es, fr and de ("$1,234.56", "1.234,56 €", "1 234,56 €", "15 %",
"5 to 10 business days", "5–10 días hábiles", "3. März 2026").

Dates are found first and masked, then money, percentages and timeframes, then bare amounts
with two decimals; a span is claimed by one figure only. Spans index the text given, so they
are spans of the draft.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from drafter.guard.lexicon import load

__all__ = [
    "DateParts",
    "Figure",
    "canonical_span",
    "extract",
    "extract_cached",
    "parse_number",
]

FigureKind = Literal["money", "percent", "date", "timeframe"]
# A date as written: the year or day may be absent ("March 3", "March 2026").
DateParts = tuple[int | None, int, int | None]

_NUM = r"(?:\d{1,3}(?:[.,' ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
_NUM_EDGE_BEFORE = r"(?<![\w.,/])"
_NUM_EDGE_AFTER = r"(?!\w|[.,]\d)"
# Timeframes are canonicalised to hours, days or months.
_CANONICAL = {"hour": ("hour", 1), "day": ("day", 1), "week": ("day", 7), "month": ("month", 1)}
_CANONICAL["year"] = ("month", 12)


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure found in text.

    ``values`` holds one amount or percentage, or the one or two ends of a timeframe in
    canonical units; ``currencies`` is empty for an amount written without a currency;
    ``dates`` holds every reading of an ambiguous date (3/4/2026).
    """

    kind: FigureKind
    start: int
    end: int
    values: tuple[Decimal, ...] = ()
    currencies: frozenset[str] = frozenset()
    unit: str = ""
    dates: tuple[DateParts, ...] = ()


def parse_number(raw: str) -> Decimal | None:
    """A number written in en/es/fr/de style, or None when it is not one.

    The last separator is decimal when one or two digits follow it; a separator followed by
    three digits groups thousands ("1.234" is 1234, "1,5" is 1.5).
    """
    digits = raw.replace(" ", "").replace("'", "")
    last = max(digits.rfind("."), digits.rfind(","))
    if last >= 0 and len(digits) - last - 1 in (1, 2):
        whole, fraction = digits[:last], digits[last + 1 :]
        digits = whole.replace(".", "").replace(",", "") + "." + fraction
    else:
        digits = digits.replace(".", "").replace(",", "")
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def canonical_span(value: Decimal, family: str) -> tuple[Decimal, str]:
    """A timeframe value in canonical units: weeks become days, years become months."""
    unit, factor = _CANONICAL[family]
    return value * factor, unit


def _words(key: str) -> list[str]:
    return [str(word) for word in load("figures")[key]]


def _alt(words: list[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


@functools.cache
def _currency_map() -> Mapping[str, frozenset[str]]:
    table: Mapping[str, list[str]] = load("figures")["currencies"]
    return {mark.casefold(): frozenset(codes) for mark, codes in table.items()}


@functools.cache
def _month_map() -> Mapping[str, int]:
    table: Mapping[int, list[str]] = load("figures")["months"]
    return {name.casefold(): int(month) for month, names in table.items() for name in names}


@functools.cache
def _number_word_map() -> Mapping[str, int]:
    table: Mapping[int, list[str]] = load("figures")["number_words"]
    return {word.casefold(): int(value) for value, words in table.items() for word in words}


@functools.cache
def _unit_map() -> list[tuple[re.Pattern[str], str]]:
    table: Mapping[str, list[str]] = load("figures")["units"]
    return [(re.compile(f"(?:{_alt(forms)})$", re.I), family) for family, forms in table.items()]


def _currency_alt() -> str:
    marks = [re.escape(mark) for mark in load("figures")["currencies"]]
    return _alt(marks)


@functools.cache
def _patterns() -> Mapping[str, re.Pattern[str]]:
    num = f"{_NUM_EDGE_BEFORE}{_NUM}{_NUM_EDGE_AFTER}"
    months = r"[^\W\d_]{3,10}"
    currency = _currency_alt()
    percent = _alt(_words("percent_words"))
    units = _alt([form for forms in load("figures")["units"].values() for form in forms])
    quals = _alt(_words("unit_qualifiers"))
    suffixes = _alt(_words("unit_suffixes"))
    connectors = _alt([re.escape(c) for c in _words("range_connectors")])
    # Number words and month names are matched as any word, then looked up: a long
    # alternation tried at every position of the text costs far more than a dictionary.
    word = r"\b[^\W\d_][^\W\d_-]*(?:-[^\W\d_]+)*"
    count = rf"(?:{num}|{word})"
    raw = {
        "iso": r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)",
        "numeric": r"(?<![\d.,/])(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)"
        r"(?P<y>\d{4}|\d{2})(?!\d)",
        "day_month": rf"(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|º|\.)?\s+(?:de\s+|of\s+)?"
        rf"(?P<m>{months})\.?(?:,?\s+(?:de(?:l)?\s+)?(?P<y>\d{{4}}))?(?!\w)",
        "month_day": rf"\b(?P<m>{months})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?"
        rf"(?:,?\s+(?P<y>\d{{4}}))?(?!\d)",
        "month_year": rf"\b(?P<m>{months})\s+(?:de\s+)?(?P<y>\d{{4}})\b",
        "money_before": rf"(?<!\w)(?P<cur>{currency})\s?(?P<num>{_NUM}){_NUM_EDGE_AFTER}",
        "money_after": rf"{_NUM_EDGE_BEFORE}(?P<num>{_NUM})\s?(?P<cur>{currency})(?!\w)",
        "percent": rf"{_NUM_EDGE_BEFORE}(?P<num>{_NUM})\s?(?:{percent})(?!\w)",
        "timeframe": rf"(?:(?P<a>{count})\s*(?<![^\W\d_])(?:{connectors})(?![^\W\d_])\s*)?(?P<b>{count})(?:\s+|-)"
        rf"(?:(?:{quals})\s+)?(?P<u>{units})(?:\s+(?:{suffixes}))?(?!\w)",
        "bare_amount": r"(?<![\w.,$€£])\d{1,3}(?:[.,' ]\d{3})*[.,]\d{2}(?!\w|[.,]\d)",
    }
    return {name: re.compile(regex, re.IGNORECASE) for name, regex in raw.items()}


def _mask(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _valid(year: int | None, month: int, day: int | None) -> bool:
    try:
        dt.date(year or 2000, month, day or 1)
    except ValueError:
        return False
    return True


def _date_readings(name: str, match: re.Match[str]) -> tuple[DateParts, ...]:
    groups = match.groupdict()
    year = int(groups["y"]) if groups.get("y") else None
    if year is not None and year < 100:
        year += 2000
    if name == "numeric":
        first, second = int(groups["a"]), int(groups["b"])
        readings = [(year, second, first), (year, first, second)]
    else:
        month = groups["m"]
        month_number = int(month) if month.isdigit() else _month_map().get(month.casefold())
        if month_number is None:
            return ()
        day = int(groups["d"]) if groups.get("d") else None
        readings = [(year, month_number, day)]
    return tuple(dict.fromkeys(r for r in readings if _valid(*r)))


def _dates(text: str) -> Iterator[tuple[Figure, str]]:
    for name in ("iso", "numeric", "day_month", "month_day", "month_year"):
        for match in _patterns()[name].finditer(text):
            readings = _date_readings(name, match)
            if readings:
                start, end = match.span()
                text = _mask(text, start, end)
                yield Figure("date", start, end, dates=readings), text


def _money(text: str) -> Iterator[tuple[Figure, str]]:
    for name in ("money_before", "money_after"):
        for match in _patterns()[name].finditer(text):
            value = parse_number(match["num"])
            if value is None:
                continue
            currencies = _currency_map()[match["cur"].casefold()]
            start, end = match.span()
            text = _mask(text, start, end)
            yield Figure("money", start, end, (value,), currencies), text


def _count(raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    if raw[0].isdigit():
        return parse_number(raw)
    word = _number_word_map().get(raw.casefold())
    return None if word is None else Decimal(word)


def _unit_family(unit: str) -> str:
    return next(family for pattern, family in _unit_map() if pattern.match(unit))


def _timeframes(text: str) -> Iterator[tuple[Figure, str]]:
    for match in _patterns()["timeframe"].finditer(text):
        low, high = _count(match["a"]), _count(match["b"])
        if high is None:
            continue
        # "up to 10 days": the word before the connector is no number, so only 10 counts.
        ends = [high] if low is None else [low, high]
        start = match.start() if low is not None else match.start("b")
        family = _unit_family(match["u"])
        values = tuple(canonical_span(value, family)[0] for value in ends)
        unit = canonical_span(high, family)[1]
        text = _mask(text, start, match.end())
        yield Figure("timeframe", start, match.end(), values, unit=unit), text


def _simple(text: str, name: str, kind: FigureKind) -> Iterator[tuple[Figure, str]]:
    for match in _patterns()[name].finditer(text):
        value = parse_number(match.groupdict().get("num") or match[0])
        if value is not None:
            start, end = match.span()
            text = _mask(text, start, end)
            yield Figure(kind, start, end, (value,)), text


def extract(text: str) -> tuple[Figure, ...]:
    """Every figure in ``text``, in the order of its kinds (dates, money, percent, timeframe,
    bare amounts), each span claimed once."""
    figures: list[Figure] = []
    stages = (
        _dates,
        _money,
        lambda t: _simple(t, "percent", "percent"),
        _timeframes,
        lambda t: _simple(t, "bare_amount", "money"),
    )
    for stage in stages:
        for figure, masked in stage(text):
            figures.append(figure)
            text = masked
    return tuple(figures)


@functools.lru_cache(maxsize=1024)
def extract_cached(text: str) -> tuple[Figure, ...]:
    """``extract`` for texts read again and again: a verdict's rationale, terms and
    disclosures are read for every draft written for that verdict."""
    return extract(text)
