import datetime as dt
from decimal import Decimal

import pytest

from drafter.errors import RequestError
from drafter.phrase.formatting import LocaleFormatter, language_of
from drafter.schemas import Money

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("locale", "money", "percent", "date", "days"),
    [
        ("en", "€59.00", "12.5%", "November 3, 2026", "30 days"),
        ("en-GB", "€59.00", "12.5%", "3 November 2026", "30 days"),
        ("es", f"59,00{NBSP}€", f"12,5{NBSP}%", "3 de noviembre de 2026", "30 días"),
        ("fr", f"59,00{NBSP}€", f"12,5{NBSP}%", "3 novembre 2026", f"30{NBSP}jours"),
        ("de", f"59,00{NBSP}€", f"12,5{NBSP}%", "3. November 2026", "30 Tage"),
    ],
)
def test_figures_follow_the_locale(locale, money, percent, date, days):
    fmt = LocaleFormatter.for_locale(locale)
    assert fmt.money(Money(amount=Decimal("59.00"), currency="EUR")) == money
    assert fmt.percent(Decimal("12.5")) == percent
    assert fmt.date(dt.date(2026, 11, 3)) == date
    assert fmt.days(30) == days


def test_large_amounts_group_digits_per_locale():
    amount = Money(amount=Decimal("1234.50"), currency="USD")
    assert LocaleFormatter.for_locale("en").money(amount) == "$1,234.50"
    assert LocaleFormatter.for_locale("de").money(amount) == f"1.234,50{NBSP}$"
    assert LocaleFormatter.for_locale("fr").money(amount) == f"1{NNBSP}234,50{NBSP}$US"


def test_language_names():
    fmt = LocaleFormatter.for_locale("es-MX")
    assert (fmt.language, fmt.language_name, fmt.native_language_name) == (
        "es",
        "Spanish",
        "español",
    )


@pytest.mark.parametrize("locale", ["it", "pt-BR"])
def test_a_language_without_a_phrasebook_gets_english_figures(locale):
    fmt = LocaleFormatter.for_locale(locale)
    assert fmt.language == "en"
    assert language_of(locale) == locale[:2]


def test_an_unknown_locale_names_the_field():
    with pytest.raises(RequestError) as caught:
        LocaleFormatter.for_locale("zz")
    assert caught.value.field == "locale"
    assert "zz" in str(caught.value)
