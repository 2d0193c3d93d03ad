"""The figures a draft may state: those the verdict gives and those the request's own facts
give. Anything else in a draft is a figure the model made up.

From the verdict: the refund (amount, gross, fees and the fee rate), each offer's amount,
percentage and cap, every figure written in its customer-facing texts (rationale, must_say,
offer terms, escalation reason, questions), the facts its trace saw, and its date. From the
request: item prices and line totals, the order and asked totals, shipping, payments, the
subscription's price and usage, the amount asked, and every date on the ticket. Dates a known
date plus an allowed number of days or months away (a window's last day) are allowed too.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from drafter.guard.numbers import DateParts, canonical_span, extract_cached, parse_number
from drafter.schemas import Money, Request, Verdict

__all__ = ["Allowed", "allowed_figures"]

_HUNDRED = Decimal(100)
_DAYS_PER_YEAR = 365
_NEAREST_YEAR_DAYS = 183
_INTERNAL_LIMIT_WORDS = ("limit", "cap", "threshold", "authority")


@dataclass(slots=True)
class Allowed:
    """The allowed figures, by kind. Money maps each amount to the currencies it may carry."""

    money: dict[Decimal, set[str]] = field(default_factory=dict)
    percents: set[Decimal] = field(default_factory=set)
    spans: set[tuple[Decimal, str]] = field(default_factory=set)
    dates: set[dt.date] = field(default_factory=set)
    # A date written without its year is read as the nearest one to the decision date.
    as_of: dt.date | None = None

    def add_money(self, amount: Decimal, currency: str) -> None:
        self.money.setdefault(amount.normalize(), set()).add(currency)

    def add_span(self, value: Decimal, unit: str) -> None:
        self.spans.add((value.normalize(), unit))

    def has_money(self, amount: Decimal, currencies: frozenset[str]) -> bool:
        known = self.money.get(amount.normalize())
        return known is not None and (not currencies or bool(known & currencies))

    def has_percent(self, value: Decimal) -> bool:
        return value.normalize() in self.percents

    def has_span(self, value: Decimal, unit: str) -> bool:
        return (value.normalize(), unit) in self.spans

    def has_date(self, parts: DateParts) -> bool:
        year, month, day = parts
        return any(
            d.month == month and day in (None, d.day) and self._year_fits(year, d)
            for d in self.dates
        )

    def _year_fits(self, year: int | None, known: dt.date) -> bool:
        if year is not None:
            return year == known.year
        return self.as_of is None or abs((known - self.as_of).days) <= _NEAREST_YEAR_DAYS


def _verdict_texts(verdict: Verdict) -> Iterator[str]:
    yield from (item.text for item in verdict.rationale)
    yield from (item.text for item in verdict.must_say)
    yield from (offer.terms for offer in verdict.offers)
    yield from (need.question for need in verdict.needs)
    if verdict.escalation is not None:
        yield verdict.escalation.reason


def _add_text(allowed: Allowed, text: str, currency: str) -> None:
    for figure in extract_cached(text):
        if figure.kind == "money":
            for code in figure.currencies or {currency}:
                allowed.add_money(figure.values[0], code)
        elif figure.kind == "percent":
            allowed.percents.add(figure.values[0].normalize())
        elif figure.kind == "timeframe":
            for value in figure.values:
                allowed.add_span(value, figure.unit)
        else:
            allowed.dates.update(dt.date(y, m, d) for y, m, d in figure.dates if y and d)


def _add_moneys(allowed: Allowed, moneys: Iterable[Money | None]) -> None:
    for money in moneys:
        if money is not None:
            allowed.add_money(money.amount, money.currency)


def _add_verdict(allowed: Allowed, verdict: Verdict) -> None:
    refund = verdict.refund
    if refund is not None:
        fees = [fee.amount for fee in refund.fees]
        _add_moneys(allowed, [refund.amount, refund.gross, *fees])
        for fee in fees:
            if refund.gross.amount:
                rate = (fee.amount / refund.gross.amount * _HUNDRED).quantize(Decimal("0.01"))
                allowed.percents.add(rate.normalize())
    for offer in verdict.offers:
        _add_moneys(allowed, [offer.amount, offer.cap])
        if offer.percent is not None:
            allowed.percents.add(offer.percent.normalize())
    for text in _verdict_texts(verdict):
        _add_text(allowed, text, verdict.currency)
    allowed.dates.add(verdict.as_of)


def _add_trace_fact(allowed: Allowed, name: str, raw: str, currency: str) -> None:
    """A fact the policy saw: a date, a count of days or months, or an amount of money."""
    try:
        allowed.dates.add(dt.date.fromisoformat(raw))
        return
    except ValueError:
        pass
    value = parse_number(raw)
    if value is None:
        return
    if "day" in name:
        allowed.add_span(value, "day")
    elif "month" in name:
        allowed.add_span(value, "month")
    elif not any(word in name for word in _INTERNAL_LIMIT_WORDS):
        allowed.add_money(value, currency)


def _add_trace(allowed: Allowed, verdict: Verdict) -> None:
    for step in verdict.trace:
        for name, raw in step.facts.items():
            if raw is not None:
                _add_trace_fact(allowed, name, raw, verdict.currency)


def _request_amounts(request: Request) -> Iterator[Decimal]:
    order, subscription = request.order, request.subscription
    if order is not None:
        lines = [item.price * item.quantity for item in order.items]
        wanted = set(request.ask.item_ids)
        asked = [i.price * i.quantity for i in order.items if not wanted or i.id in wanted]
        yield from (item.price for item in order.items)
        yield from lines
        yield from (sum(lines, Decimal(0)), sum(asked, Decimal(0)))
        if order.shipping_fee is not None:
            yield order.shipping_fee
            yield sum(lines, Decimal(0)) + order.shipping_fee
        yield from (payment.amount for payment in order.payments)
    if subscription is not None:
        yield subscription.price
        if subscription.usage_consumed is not None:
            yield subscription.usage_consumed
            yield subscription.price - subscription.usage_consumed
    yield from _asked_amounts(request)


def _asked_amounts(request: Request) -> Iterator[Decimal]:
    if request.ask.amount is not None:
        yield request.ask.amount
    yield from (line.new_price for line in request.ask.exchanges if line.new_price is not None)
    if request.exception is not None and request.exception.amount is not None:
        yield request.exception.amount


def _request_dates(request: Request) -> Iterator[dt.date | None]:
    yield request.as_of
    if request.order is not None:
        yield from (request.order.placed_on, request.order.delivered_on)
        yield request.order.expected_delivery_on
    if request.subscription is not None:
        sub = request.subscription
        yield from (sub.started_on, sub.period_start, sub.period_end, sub.trial_end)


def _request_spans(request: Request) -> Iterator[tuple[Decimal, str]]:
    as_of = request.as_of
    for day in _request_dates(request):
        if day is not None and day < as_of:
            yield Decimal((as_of - day).days), "day"
    if request.subscription is not None:
        sub = request.subscription
        yield Decimal((sub.period_end - sub.period_start).days), "day"
    tenure = request.customer.tenure_days
    if tenure is not None:
        yield Decimal(tenure), "day"
        for years in {tenure // _DAYS_PER_YEAR, round(tenure / _DAYS_PER_YEAR)}:
            yield canonical_span(Decimal(years), "year")
        yield Decimal(tenure * 12 // _DAYS_PER_YEAR), "month"


def _add_request_facts(allowed: Allowed, request: Request) -> None:
    currency = request.currency
    if currency is not None:
        for amount in _request_amounts(request):
            allowed.add_money(amount, currency)
    allowed.dates.update(day for day in _request_dates(request) if day is not None)


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _add_derived_dates(allowed: Allowed) -> None:
    """Known dates moved by an allowed span: the last day of a window, a credit's expiry."""
    # The whole spans are picked out once, not once per date (Decimal tests are slow).
    whole = [
        (int(value), unit)
        for value, unit in allowed.spans
        if value == value.to_integral_value() and 0 < value <= 3660
    ]
    days = [dt.timedelta(days=count) for count, unit in whole if unit == "day"]
    months = [count for count, unit in whole if unit == "month"]
    derived: set[dt.date] = set()
    for base in allowed.dates:
        derived.update(base + delta for delta in days)
        derived.update(_add_months(base, count) for count in months)
    allowed.dates |= derived


def allowed_figures(verdict: Verdict, request: Request) -> Allowed:
    """Every figure the draft for this verdict and request may state.

    Dates are moved only by the policy's own spans (verdict texts and trace), before the
    request's elapsed times and tenure join the spans: "45 days since delivery" is a fact to
    state, not a distance to add to a date.
    """
    allowed = Allowed(as_of=verdict.as_of)
    _add_verdict(allowed, verdict)
    _add_trace(allowed, verdict)
    _add_request_facts(allowed, request)
    _add_derived_dates(allowed)
    for value, unit in _request_spans(request):
        allowed.add_span(value, unit)
    return allowed
