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
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from drafter.guard.gate import required_literals
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
    units_group = rf"(?:\s+|-)(?:(?:{quals})\s+)?(?P<u>{units})(?:\s+(?:{suffixes}))?(?!\w)"
    connector = rf"\s*(?<![^\W\d_])(?:{connectors})(?![^\W\d_])\s*"
    # Every pattern is tried only where a figure can start (a digit, a month name before a
    # digit, a currency mark before a digit, a number word), never across the whole text.
    raw = {
        "iso": r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)",
        "numeric": r"(?<![\d.,/])(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)"
        r"(?P<y>\d{4}|\d{2})(?!\d)",
        "day_month": rf"(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|º|\.)?\s+(?:de\s+|of\s+)?"
        rf"(?P<m>{months})\.?(?:,?\s+(?:de(?:l)?\s+)?(?P<y>\d{{4}}))?(?!\w)",
        "month_day": rf"\b(?P<m>{months})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?"
        rf"(?:,?\s+(?P<y>\d{{4}}))?(?!\d)",
        "month_year": rf"\b(?P<m>{months})\s+(?:de\s+)?(?P<y>\d{{4}})\b",
        "month_before": rf"(?P<m>{months})\.?\s+(?:de\s+)?\Z",
        "money_before": rf"(?<!\w)(?P<cur>{currency})\s?(?P<num>{_NUM}){_NUM_EDGE_AFTER}",
        "currency_before": rf"(?<!\w)(?P<cur>{currency})\s?\Z",
        "money_after": rf"{_NUM_EDGE_BEFORE}(?P<num>{_NUM})\s?(?P<cur>{currency})(?!\w)",
        "percent": rf"{_NUM_EDGE_BEFORE}(?P<num>{_NUM})\s?(?:{percent})(?!\w)",
        "timeframe": rf"(?P<a>{count})(?:{connector}(?P<b>{count}))?{units_group}",
        "bare_amount": r"(?<![\w.,$€£])\d{1,3}(?:[.,' ]\d{3})*[.,]\d{2}(?!\w|[.,]\d)",
        "word": word,
    }
    return {name: re.compile(regex, re.IGNORECASE) for name, regex in raw.items()}


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
        readings: list[DateParts] = [(year, second, first), (year, first, second)]
    else:
        month = groups["m"]
        month_number = int(month) if month.isdigit() else _month_map().get(month.casefold())
        if month_number is None:
            return ()
        day = int(groups["d"]) if groups.get("d") else None
        readings = [(year, month_number, day)]
    return tuple(dict.fromkeys(r for r in readings if _valid(*r)))


def _count(raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    if raw[0].isdigit():
        return parse_number(raw)
    word = _number_word_map().get(raw.casefold())
    return None if word is None else Decimal(word)


def _unit_family(unit: str) -> str:
    return next(family for pattern, family in _unit_map() if pattern.match(unit))


_DIGIT_RUN = re.compile(r"\d+")
_LOOK_BACK = 16


class _Scanner:
    """Finds figures at the places one can start, claiming each span once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.claimed = bytearray(len(text))
        self.digits = [m.start() for m in _DIGIT_RUN.finditer(text)]
        self.figures: list[Figure] = []
        self.patterns = _patterns()

    def free(self, start: int, end: int) -> bool:
        return not any(self.claimed[start:end])

    def claim(self, figure: Figure) -> None:
        self.claimed[figure.start : figure.end] = b"\x01" * (figure.end - figure.start)
        self.figures.append(figure)

    def starts(self) -> list[int]:
        """Digit positions not yet inside a figure."""
        return [pos for pos in self.digits if not self.claimed[pos]]

    def back(self, name: str, pos: int) -> int | None:
        """Where pattern ``name`` (ending at ``pos``) starts in the few characters before."""
        window = max(0, pos - _LOOK_BACK)
        match = self.patterns[name].search(self.text, window, pos)
        return None if match is None else match.start()

    def at(self, name: str, pos: int) -> re.Match[str] | None:
        match = self.patterns[name].match(self.text, pos)
        return match if match is not None and self.free(*match.span()) else None

    def after(self, pos: int, chars: str) -> bool:
        """Whether the character at ``pos`` is one of ``chars``."""
        return self.text[pos : pos + 1] in chars if pos < len(self.text) else False

    def space_before(self, pos: int) -> bool:
        return pos > 0 and self.text[pos - 1].isspace()


# Cheap tests of one character that a pattern needs where a digit starts it, so the pattern is
# not tried where it cannot match: an ISO date has "-" after its four-digit year, a numeric date
# a separator after its one- or two-digit first part; a month name before a number is followed
# by white space.
_DATE_SEPARATORS = "./-"


def _date_candidates(scan: _Scanner, pos: int) -> list[tuple[str, int]]:
    candidates = [("day_month", pos)]
    if scan.after(pos + 1, _DATE_SEPARATORS) or scan.after(pos + 2, _DATE_SEPARATORS):
        candidates.insert(0, ("numeric", pos))
    if scan.after(pos + 4, "-"):
        candidates.insert(0, ("iso", pos))
    return candidates


def _scan_dates(scan: _Scanner) -> None:
    for pos in scan.starts():
        candidates = _date_candidates(scan, pos)
        month_start = scan.back("month_before", pos) if scan.space_before(pos) else None
        if month_start is not None:
            candidates = [("month_day", month_start), ("month_year", month_start), *candidates]
        for name, start in candidates:
            match = scan.at(name, start)
            readings = _date_readings(name, match) if match else ()
            if match and readings:
                scan.claim(Figure("date", *match.span(), dates=readings))
                break


def _money_at(scan: _Scanner, pos: int) -> re.Match[str] | None:
    mark = scan.back("currency_before", pos)
    match = scan.at("money_before", mark) if mark is not None else None
    return match or scan.at("money_after", pos)


def _scan_money(scan: _Scanner) -> None:
    for pos in scan.starts():
        match = _money_at(scan, pos)
        value = parse_number(match["num"]) if match else None
        if match and value is not None:
            currencies = _currency_map()[match["cur"].casefold()]
            scan.claim(Figure("money", *match.span(), (value,), currencies))


def _scan_simple(scan: _Scanner, name: str, kind: FigureKind) -> None:
    for pos in scan.starts():
        match = scan.at(name, pos)
        value = parse_number(match.groupdict().get("num") or match[0]) if match else None
        if match and value is not None:
            scan.claim(Figure(kind, *match.span(), (value,)))


def _timeframe(scan: _Scanner, pos: int) -> Figure | None:
    match = scan.at("timeframe", pos)
    low = _count(match["a"]) if match else None
    if match is None or low is None:
        return None
    high = _count(match["b"]) if match["b"] else None
    if match["b"] and high is None:
        return None
    family = _unit_family(match["u"])
    ends = [low] if high is None else [low, high]
    values = tuple(canonical_span(value, family)[0] for value in ends)
    unit = canonical_span(low, family)[1]
    return Figure("timeframe", *match.span(), values, unit=unit)


@functools.cache
def _unit_stems() -> tuple[str, ...]:
    forms = [form for forms in load("figures")["units"].values() for form in forms]
    return tuple(sorted({lit for form in forms for lit in required_literals(form) or ()}))


def _may_have_word_count(text: str) -> bool:
    """Whether a number word ("two") is followed, maybe after a qualifier, by a unit."""
    words, stems = _number_word_map(), _unit_stems()
    tokens = text.lower().split()
    # The number words' places first (a list comprehension, the cheapest Python loop), then
    # the one or two words after each of them.
    places = [i for i, token in enumerate(tokens) if token in words]
    return any(t.startswith(stems) for i in places for t in tokens[i + 1 : i + 3])


def _word_count_starts(text: str) -> list[int]:
    if not _may_have_word_count(text):
        return []
    words = _number_word_map()
    return [m.start() for m in _patterns()["word"].finditer(text) if m[0].casefold() in words]


def _scan_timeframes(scan: _Scanner) -> None:
    word_starts = _word_count_starts(scan.text)
    for pos in sorted([*scan.starts(), *word_starts]):
        figure = _timeframe(scan, pos) if not scan.claimed[pos] else None
        if figure is not None:
            scan.claim(figure)


def extract(text: str) -> tuple[Figure, ...]:
    """Every figure in ``text``: dates first, then money, percentages, timeframes and bare
    amounts with two decimals, each span claimed once, in order of position."""
    scan = _Scanner(text)
    _scan_dates(scan)
    _scan_money(scan)
    _scan_simple(scan, "percent", "percent")
    _scan_timeframes(scan)
    _scan_simple(scan, "bare_amount", "money")
    return tuple(sorted(scan.figures, key=lambda figure: figure.start))


@functools.lru_cache(maxsize=1024)
def extract_cached(text: str) -> tuple[Figure, ...]:
    """``extract`` for texts read again and again: a verdict's rationale, terms and
    disclosures are read for every draft written for that verdict."""
    return extract(text)
