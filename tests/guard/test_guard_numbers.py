"""Figure parsing in en/es/fr/de number and date formats."""

from __future__ import annotations

from decimal import Decimal

import pytest

from drafter.guard.numbers import extract, parse_number


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1,234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1'234.56", "1234.56"),
        ("59,00", "59.00"),
        ("1,5", "1.5"),
        ("1.234", "1234"),
        ("120", "120"),
    ],
)
def test_parse_number_reads_every_locale_format(raw: str, value: str) -> None:
    assert parse_number(raw) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "kind", "values", "unit"),
    [
        ("a refund of $1,234.56 today", "money", ("1234.56",), ""),
        ("un reembolso de 1.234,56 € hoy", "money", ("1234.56",), ""),
        ("un avoir de 1 234,56 € valable", "money", ("1234.56",), ""),
        ("59,00 EUR zurück", "money", ("59.00",), ""),
        ("19.99 dollars", "money", ("19.99",), ""),
        ("a 15 % fee", "percent", ("15",), ""),
        ("10 Prozent Rabatt", "percent", ("10",), ""),
        ("within 5 to 10 business days", "timeframe", ("5", "10"), "day"),
        ("en 5–10 días hábiles", "timeframe", ("5", "10"), "day"),
        ("sous 5 à 10 jours ouvrés", "timeframe", ("5", "10"), "day"),
        ("innerhalb von 5 bis 10 Werktagen", "timeframe", ("5", "10"), "day"),
        ("within two weeks", "timeframe", ("14",), "day"),
        ("valid for 1 year", "timeframe", ("12",), "month"),
        ("a 30-day window", "timeframe", ("30",), "day"),
        ("eine 14-tägige Frist", "timeframe", ("14",), "day"),
    ],
)
def test_extract_finds_money_percentages_and_timeframes(
    text: str, kind: str, values: tuple[str, ...], unit: str
) -> None:
    (figure,) = extract(text)
    assert figure.kind == kind
    assert figure.values == tuple(Decimal(v) for v in values)
    assert figure.unit == unit
    assert text[figure.start : figure.end].strip()


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("on March 3, 2026", [(2026, 3, 3)]),
        ("on 3 March 2026", [(2026, 3, 3)]),
        ("el 3 de marzo de 2026", [(2026, 3, 3)]),
        ("le 1er mars 2026", [(2026, 3, 1)]),
        ("am 3. März 2026", [(2026, 3, 3)]),
        ("on 2026-03-15", [(2026, 3, 15)]),
        ("on 03/04/2026", [(2026, 4, 3), (2026, 3, 4)]),
        ("am 15.03.2026", [(2026, 3, 15)]),
        ("since February 2", [(None, 2, 2)]),
        ("until March 2027", [(2027, 3, None)]),
    ],
)
def test_extract_reads_dates_with_every_reading(text: str, readings: list[tuple[int, ...]]) -> None:
    (figure,) = extract(text)
    assert figure.kind == "date"
    assert list(figure.dates) == readings


def test_ids_plain_counts_and_clock_times_are_not_figures() -> None:
    assert extract("Order W1048213 has 2 items, ticket #4821, support 24/7") == ()


def test_each_span_is_claimed_once() -> None:
    figures = extract("Refund €102.00 of €120.00 on 2026-03-02 within 5 to 10 business days")
    assert [f.kind for f in figures] == ["money", "money", "date", "timeframe"]
