"""The fact catalogue: every name a policy condition may read, its type, and how it is derived
from a ``Request``.

Policies list the facts they read under ``inputs:``; the loader checks each against this
catalogue. A fact the request does not supply is ``MISSING``, never a guessed default, so a rule
that depends on it cannot approve (see ``engine``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml

from drafter.policy.types import BOOL, INT, MISSING, MONEY, EnumType, Type, Value
from drafter.schemas import AskKind, Channel, Decision, Item, Payment, Request, Subscription

__all__ = ["CATALOGUE", "OUTCOME_FACTS", "Fact", "extract", "question"]


@dataclass(frozen=True, slots=True)
class Fact:
    """A catalogue fact. ``source`` is the request field it is mainly read from (forms place
    the fact there); ``also`` lists other fields it reads, so a form can offer them too."""

    name: str
    type: Type
    source: str
    question: str
    read: Callable[[Request], Value]
    also: tuple[str, ...] = ()


def _days(later: dt.date | None, earlier: dt.date | None) -> Value:
    if later is None or earlier is None:
        return MISSING
    return (later - earlier).days


def _or_missing(value: Value | None) -> Value:
    return MISSING if value is None else value


def _asked_items(request: Request) -> list[Item]:
    if request.order is None:
        return []
    wanted = set(request.ask.item_ids)
    return [i for i in request.order.items if not wanted or i.id in wanted]


def _items_total(request: Request) -> Value:
    if request.order is None:
        return MISSING
    return sum((i.price * i.quantity for i in _asked_items(request)), Decimal(0))


def _order_total(request: Request) -> Value:
    """Items plus shipping; unknown when the shipping fee is unstated (never taken as free)."""
    if request.order is None or request.order.shipping_fee is None:
        return MISSING
    items = sum((i.price * i.quantity for i in request.order.items), Decimal(0))
    return items + request.order.shipping_fee


def _known_payments(request: Request) -> list[Payment] | None:
    """The order's payment rows, or None when what was paid is unknown: no order, no rows, or
    a row that does not say whether it was a charge or a refund."""
    if request.order is None or not request.order.payments:
        return None
    if any(p.kind is None for p in request.order.payments):
        return None
    return request.order.payments


def _amount_paid(request: Request) -> Value:
    payments = _known_payments(request)
    if payments is None:
        return MISSING
    paid = sum((p.amount for p in payments if p.kind == "payment"), Decimal(0))
    refunded = sum((p.amount for p in payments if p.kind == "refund"), Decimal(0))
    return paid - refunded


def _any_item(flag: str) -> Callable[[Request], Value]:
    """Three-valued "any asked item has the flag": one True decides; otherwise an unstated
    flag leaves it unknown, so an omitted final_sale is never read as "returnable"."""

    def read(request: Request) -> Value:
        if request.order is None:
            return MISSING
        flags = [getattr(i, flag) for i in _asked_items(request)]
        if True in flags:
            return True
        return MISSING if None in flags else False

    return read


_CONDITION_RANK = {"unopened": 0, "opened": 1, "used": 2}


def _item_condition(request: Request) -> Value:
    conditions = [i.condition for i in _asked_items(request)]
    if not conditions or None in conditions:
        return MISSING
    return max((c for c in conditions if c is not None), key=_CONDITION_RANK.__getitem__)


def _original_method_ids(request: Request) -> set[str] | None:
    """The methods that paid for the order, or None when the payments are unknown."""
    payments = _known_payments(request)
    if payments is None:
        return None
    return {p.method_id for p in payments if p.kind == "payment"}


def _refund_to(request: Request) -> Value:
    target = request.ask.refund_to
    if target is None:
        return MISSING
    if target == "store_credit":
        return "store_credit"
    originals = _original_method_ids(request)
    if originals is None:
        return MISSING  # whether the target is the original method cannot be told
    if target in originals:
        return "original"
    methods = {m.id: m for m in request.customer.payment_methods}
    if target in methods and methods[target].kind == "gift_card":
        return "gift_card_on_file"
    return "other_method"


def _original_payment_kind(request: Request) -> Value:
    """The kind of method that paid for the order, or 'mixed'; refund timing depends on it."""
    method_ids = _original_method_ids(request)
    methods = {m.id: m for m in request.customer.payment_methods}
    if not method_ids or not method_ids <= methods.keys():
        return MISSING
    kinds = {methods[method_id].kind for method_id in method_ids}
    return kinds.pop() if len(kinds) == 1 else "mixed"


def _payment_method(request: Request, attribute: str) -> Value:
    method_id = request.ask.payment_method_id
    if method_id is None:
        return MISSING
    methods = {m.id: m for m in request.customer.payment_methods}
    if attribute == "on_file":
        return method_id in methods
    if attribute == "original":
        originals = _original_method_ids(request)
        return MISSING if originals is None else method_id in originals
    method = methods.get(method_id)
    return MISSING if method is None else method.kind


def _amount_due(request: Request) -> Value:
    """What the new payment method must cover: the whole order, or a positive difference."""
    if request.ask.kind == AskKind.modify_payment:
        return _order_total(request)
    difference = _exchange_price_difference(request)
    if isinstance(difference, Decimal):
        return max(difference, Decimal(0))
    return MISSING


def _payment_balance_covers(request: Request) -> Value:
    method_id = request.ask.payment_method_id
    methods = {m.id: m for m in request.customer.payment_methods}
    if method_id is None or method_id not in methods:
        return MISSING
    method = methods[method_id]
    if method.kind != "gift_card":
        return True
    due = _amount_due(request)
    if method.balance is None or not isinstance(due, Decimal):
        return MISSING
    return method.balance >= due


def _exchange_lines(request: Request) -> list[tuple[Item, object, object]] | None:
    if request.order is None or not request.ask.exchanges:
        return None
    items = {i.id: i for i in request.order.items}
    return [
        (items[line.item_id], line.new_product_id, line.new_available)
        for line in request.ask.exchanges
        if line.item_id in items
    ]


def _exchange_same_product(request: Request) -> Value:
    lines = _exchange_lines(request)
    if not lines or any(new is None or item.product_id is None for item, new, _ in lines):
        return MISSING
    return all(item.product_id == new for item, new, _ in lines)


def _exchange_available(request: Request) -> Value:
    lines = _exchange_lines(request)
    if not lines or any(available is None for _, _, available in lines):
        return MISSING
    return all(available is True for _, _, available in lines)


def _exchange_price_difference(request: Request) -> Value:
    if request.order is None or not request.ask.exchanges:
        return MISSING
    items = {i.id: i for i in request.order.items}
    total = Decimal(0)
    for line in request.ask.exchanges:
        if line.new_price is None or line.item_id not in items:
            return MISSING
        total += line.new_price - items[line.item_id].price
    return total


def _subscription(
    read: Callable[[Subscription, dt.date], Value | None],
) -> Callable[[Request], Value]:
    def fact(request: Request) -> Value:
        if request.subscription is None:
            return MISSING
        return _or_missing(read(request.subscription, request.as_of))

    return fact


def _in_trial(sub: Subscription, as_of: dt.date) -> Value:
    return sub.trial_end is not None and as_of <= sub.trial_end


def _order(read: Callable[[Request], Value | None]) -> Callable[[Request], Value]:
    def fact(request: Request) -> Value:
        if request.order is None:
            return MISSING
        return _or_missing(read(request))

    return fact


def _enum(*values: str) -> EnumType:
    return EnumType(frozenset(values))


def _order_days(field: str) -> Callable[[Request], Value]:
    def read(request: Request) -> Value:
        if request.order is None:
            return MISSING
        day: dt.date | None = getattr(request.order, field)
        return _days(request.as_of, day)

    return read


def _days_late(request: Request) -> Value:
    order = request.order
    if order is None or order.expected_delivery_on is None:
        return MISSING
    arrived = order.delivered_on or request.as_of
    return max((arrived - order.expected_delivery_on).days, 0)


_FACTS: list[Fact] = [
    # What is asked
    Fact(
        "ask",
        _enum(*AskKind),
        "ask.kind",
        "What would you like us to do?",
        lambda r: r.ask.kind.value,
    ),
    Fact(
        "reason",
        _enum(
            "changed_mind",
            "no_longer_needed",
            "ordered_by_mistake",
            "defective",
            "damaged_in_transit",
            "wrong_item",
            "not_as_described",
            "late_delivery",
            "duplicate_charge",
            "billing_error",
            "company_error",
            "unused_service",
            "other",
        ),
        "ask.reason",
        "What is the reason for the request?",
        lambda r: MISSING if r.ask.reason is None else r.ask.reason.value,
    ),
    Fact(
        "amount_requested",
        MONEY,
        "ask.amount",
        "How much are you asking to have refunded?",
        lambda r: _or_missing(r.ask.amount),
    ),
    Fact(
        "channel", _enum(*Channel), "channel", "Which channel is this?", lambda r: r.channel.value
    ),
    Fact(
        "refund_to",
        _enum("original", "gift_card_on_file", "store_credit", "other_method"),
        "ask.refund_to",
        "Where should the refund go?",
        _refund_to,
    ),
    Fact(
        "original_payment_kind",
        _enum("card", "paypal", "gift_card", "bank", "store_credit", "other", "mixed"),
        "order.payments[].method_id",
        "How was the order paid for?",
        _original_payment_kind,
    ),
    # The customer
    Fact(
        "tier",
        _enum(),
        "customer.tier",
        "Which loyalty tier is your account in?",
        lambda r: _or_missing(r.customer.tier),
    ),
    Fact(
        "tenure_days",
        INT,
        "customer.tenure_days",
        "How long have you been a customer with us?",
        lambda r: _or_missing(r.customer.tenure_days),
    ),
    Fact(
        "refunds_last_12_months",
        INT,
        "customer.refunds_last_12_months",
        "How many refunds have you had in the last 12 months?",
        lambda r: _or_missing(r.customer.refunds_last_12_months),
    ),
    # The order
    Fact(
        "order_status",
        _enum(),
        "order.status",
        "What is the order's status?",
        _order(lambda r: r.order.status if r.order else None),
    ),
    Fact(
        "days_since_delivery",
        INT,
        "order.delivered_on",
        "When was the order delivered?",
        _order_days("delivered_on"),
    ),
    Fact(
        "days_since_order",
        INT,
        "order.placed_on",
        "When was the order placed?",
        _order_days("placed_on"),
    ),
    Fact(
        "days_late",
        INT,
        "order.expected_delivery_on",
        "When was the order expected to arrive?",
        _days_late,
    ),
    Fact(
        "items_total",
        MONEY,
        "order.items",
        "Which items is this about, and what did they cost?",
        _items_total,
    ),
    Fact(
        "order_total",
        MONEY,
        "order.items",
        "What was the order total?",
        _order_total,
        also=("order.shipping_fee",),
    ),
    Fact(
        "amount_paid",
        MONEY,
        "order.payments",
        "What was actually charged for the order?",
        _amount_paid,
    ),
    Fact(
        "shipping_fee",
        MONEY,
        "order.shipping_fee",
        "What was the shipping fee?",
        _order(lambda r: r.order.shipping_fee if r.order else None),
    ),
    Fact(
        "any_final_sale",
        BOOL,
        "order.items[].final_sale",
        "Were any items final sale?",
        _any_item("final_sale"),
    ),
    Fact(
        "any_custom",
        BOOL,
        "order.items[].custom",
        "Were any items custom or personalized?",
        _any_item("custom"),
    ),
    Fact(
        "item_condition",
        _enum("unopened", "opened", "used"),
        "order.items[].condition",
        "Are the items unopened, opened, or used?",
        _item_condition,
    ),
    # Payment for modifications and exchanges
    Fact(
        "payment_method_on_file",
        BOOL,
        "ask.payment_method_id",
        "Which payment method on file should we use?",
        lambda r: _payment_method(r, "on_file"),
    ),
    Fact(
        "payment_method_is_original",
        BOOL,
        "ask.payment_method_id",
        "Which payment method should we use?",
        lambda r: _payment_method(r, "original"),
    ),
    Fact(
        "payment_method_kind",
        _enum("card", "paypal", "gift_card", "bank", "store_credit", "other"),
        "ask.payment_method_id",
        "Which payment method should we use?",
        lambda r: _payment_method(r, "kind"),
    ),
    Fact(
        "payment_balance_covers",
        BOOL,
        "customer.payment_methods[].balance",
        "Does the gift card's balance cover the amount due?",
        _payment_balance_covers,
    ),
    Fact(
        "exchange_same_product",
        BOOL,
        "ask.exchanges[].new_product_id",
        "Which item would you like instead?",
        _exchange_same_product,
    ),
    Fact(
        "exchange_available",
        BOOL,
        "ask.exchanges[].new_available",
        "Is the replacement item in stock?",
        _exchange_available,
    ),
    Fact(
        "exchange_price_difference",
        MONEY,
        "ask.exchanges[].new_price",
        "What does the replacement item cost?",
        _exchange_price_difference,
    ),
    # Evidence and signals
    Fact(
        "evidence_photos",
        BOOL,
        "evidence.photos",
        "Could you send photos of the problem?",
        lambda r: _or_missing(r.evidence.photos),
    ),
    Fact(
        "defect_confirmed",
        BOOL,
        "evidence.defect_confirmed",
        "Has the defect been confirmed?",
        lambda r: _or_missing(r.evidence.defect_confirmed),
    ),
    Fact(
        "misuse_found",
        BOOL,
        "evidence.misuse_found",
        "Was any misuse or damage found?",
        lambda r: _or_missing(r.evidence.misuse_found),
    ),
    Fact(
        "carrier_damage_confirmed",
        BOOL,
        "evidence.carrier_damage_confirmed",
        "Has the carrier damage been confirmed?",
        lambda r: _or_missing(r.evidence.carrier_damage_confirmed),
    ),
    Fact(
        "duplicate_charge_confirmed",
        BOOL,
        "evidence.duplicate_charge_confirmed",
        "Has the duplicate charge been confirmed on our side?",
        lambda r: _or_missing(r.evidence.duplicate_charge_confirmed),
    ),
    Fact(
        "company_error_confirmed",
        BOOL,
        "evidence.company_error_confirmed",
        "Could you tell us what went wrong with your order?",
        lambda r: _or_missing(r.evidence.company_error_confirmed),
    ),
    Fact(
        "legal_threat",
        BOOL,
        "signals.legal_threat",
        "Has legal action been mentioned?",
        lambda r: r.signals.legal_threat,
    ),
    Fact(
        "chargeback_threat",
        BOOL,
        "signals.chargeback_threat",
        "Has a chargeback been mentioned?",
        lambda r: r.signals.chargeback_threat,
    ),
    Fact(
        "abusive_language",
        BOOL,
        "signals.abusive_language",
        "Was the language abusive?",
        lambda r: r.signals.abusive_language,
    ),
    # Subscriptions
    Fact(
        "plan",
        _enum("monthly", "annual"),
        "subscription.plan",
        "Which plan is it?",
        _subscription(lambda s, _: s.plan),
    ),
    Fact(
        "subscription_status",
        _enum("trialing", "active", "past_due", "cancelled"),
        "subscription.status",
        "What is the subscription's status?",
        _subscription(lambda s, _: s.status),
    ),
    Fact(
        "in_trial",
        BOOL,
        "subscription.trial_end",
        "Is the subscription in its trial?",
        _subscription(_in_trial),
    ),
    Fact(
        "days_since_start",
        INT,
        "subscription.started_on",
        "When did the subscription start?",
        _subscription(lambda s, d: (d - s.started_on).days),
    ),
    Fact(
        "days_since_period_start",
        INT,
        "subscription.period_start",
        "When did the current billing period start?",
        _subscription(lambda s, d: (d - s.period_start).days),
    ),
    Fact(
        "days_left_in_period",
        INT,
        "subscription.period_end",
        "When does the current billing period end?",
        _subscription(lambda s, d: max((s.period_end - d).days, 0)),
    ),
    Fact(
        "period_days",
        INT,
        "subscription.period_end",
        "How long is the billing period?",
        _subscription(lambda s, _: (s.period_end - s.period_start).days),
    ),
    Fact(
        "period_price",
        MONEY,
        "subscription.price",
        "What does one billing period cost?",
        _subscription(lambda s, _: s.price),
    ),
    Fact(
        "usage_consumed",
        MONEY,
        "subscription.usage_consumed",
        "How much of this period's usage has been consumed?",
        _subscription(lambda s, _: s.usage_consumed),
    ),
    Fact(
        "retention_offers_used",
        INT,
        "subscription.retention_offers_used",
        "Have you already had a retention offer from us?",
        _subscription(lambda s, _: s.retention_offers_used),
    ),
]

CATALOGUE: dict[str, Fact] = {fact.name: fact for fact in _FACTS}

# Facts that only escalation triggers and flags may read: the outcome already decided.
OUTCOME_FACTS: dict[str, Type] = {"decision": _enum(*Decision), "refund_amount": MONEY}


_TRANSLATIONS: dict[str, dict[str, str]] = (
    yaml.safe_load((Path(__file__).parent / "questions.yaml").read_text(encoding="utf-8")) or {}
)


def question(fact: str, language: str) -> str:
    """What to ask the customer for a missing fact, in their language when we have it."""
    known = _TRANSLATIONS.get(fact, {})
    translated = known.get(language) or known.get("en")
    if translated:
        return translated
    if fact in CATALOGUE:
        return CATALOGUE[fact].question
    return f"What is the {fact.replace('_', ' ')}?"


def extract(request: Request, names: frozenset[str]) -> dict[str, Value]:
    """The values of the named catalogue facts for ``request``."""
    return {name: CATALOGUE[name].read(request) for name in names}
