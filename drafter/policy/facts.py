"""The fact catalogue: every name a policy condition may read, its type, and how it is derived
from a ``Request``.

Policies list the facts they read under ``inputs:``; the loader checks each against this
catalogue. A fact the request does not supply is ``MISSING``, never a guessed default, so a rule
that depends on it cannot approve (see ``engine``). How each is worked out is in ``derive``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import yaml

from drafter.policy.derive import (
    View,
    amount_paid,
    any_item,
    days_late,
    exchange_available,
    exchange_price_difference,
    exchange_same_product,
    in_trial,
    item_condition,
    items_total,
    or_missing,
    order_days,
    order_total,
    original_payment_kind,
    payment_balance_covers,
    payment_method,
    refund_to,
    subscription,
)
from drafter.policy.types import BOOL, INT, MISSING, MONEY, EnumType, Type, Value
from drafter.schemas import AskKind, Channel, Decision, Reason, Request

__all__ = ["CATALOGUE", "OUTCOME_FACTS", "Fact", "extract", "question"]


@dataclass(frozen=True, slots=True)
class Fact:
    """A catalogue fact. ``source`` is the request field it is mainly read from (forms place
    the fact there); ``also`` lists other fields it reads, so a form can offer them too."""

    name: str
    type: Type
    source: str
    question: str
    derive: Callable[[View], Value]
    also: tuple[str, ...] = ()

    def read(self, request: Request) -> Value:
        """This fact's value for ``request``."""
        return self.derive(View(request))


class Field:
    """A fact that is one field of the request (``customer.tier``): MISSING when it, or the
    part holding it (``order``, ``subscription``), is unset. An enum field's fact is the
    member's value.

    Extraction reads these with a C-level getter straight from the request, without the
    per-fact Python calls a derived fact needs.
    """

    __slots__ = ("get", "path", "values")

    def __init__(self, path: str, enum: type[Enum] | None = None) -> None:
        self.path = path
        self.get = operator.attrgetter(path)
        # Enum .value is a Python-level property; a dict lookup is not.
        self.values: dict[object, str] | None = (
            None if enum is None else {member: member.value for member in enum}
        )

    def __call__(self, view: View) -> Value:
        return self.read(view.request)

    def read(self, request: Request) -> Value:
        try:
            value = self.get(request)
        except AttributeError:  # the part holding the field is unset
            return MISSING
        if self.values is not None:
            value = self.values.get(value)
        return or_missing(value)


def _enum(*values: str) -> EnumType:
    return EnumType(frozenset(values))


_FACTS: list[Fact] = [
    # What is asked
    Fact(
        "ask",
        _enum(*AskKind),
        "ask.kind",
        "What would you like us to do?",
        Field("ask.kind", AskKind),
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
        Field("ask.reason", Reason),
    ),
    Fact(
        "amount_requested",
        MONEY,
        "ask.amount",
        "How much are you asking to have refunded?",
        Field("ask.amount"),
    ),
    Fact(
        "channel",
        _enum(*Channel),
        "channel",
        "Which channel is this?",
        Field("channel", Channel),
    ),
    Fact(
        "refund_to",
        _enum("original", "gift_card_on_file", "store_credit", "other_method"),
        "ask.refund_to",
        "Where should the refund go?",
        refund_to,
    ),
    Fact(
        "original_payment_kind",
        _enum("card", "paypal", "gift_card", "bank", "store_credit", "other", "mixed"),
        "order.payments[].method_id",
        "How was the order paid for?",
        original_payment_kind,
    ),
    # The customer
    Fact(
        "tier",
        _enum(),
        "customer.tier",
        "Which loyalty tier is your account in?",
        Field("customer.tier"),
    ),
    Fact(
        "tenure_days",
        INT,
        "customer.tenure_days",
        "How long have you been a customer with us?",
        Field("customer.tenure_days"),
    ),
    Fact(
        "refunds_last_12_months",
        INT,
        "customer.refunds_last_12_months",
        "How many refunds have you had in the last 12 months?",
        Field("customer.refunds_last_12_months"),
    ),
    # The order
    Fact(
        "order_status",
        _enum(),
        "order.status",
        "What is the order's status?",
        Field("order.status"),
    ),
    Fact(
        "days_since_delivery",
        INT,
        "order.delivered_on",
        "When was the order delivered?",
        order_days("delivered_on"),
    ),
    Fact(
        "days_since_order",
        INT,
        "order.placed_on",
        "When was the order placed?",
        order_days("placed_on"),
    ),
    Fact(
        "days_late",
        INT,
        "order.expected_delivery_on",
        "When was the order expected to arrive?",
        days_late,
    ),
    Fact(
        "items_total",
        MONEY,
        "order.items",
        "Which items is this about, and what did they cost?",
        items_total,
    ),
    Fact(
        "order_total",
        MONEY,
        "order.items",
        "What was the order total?",
        order_total,
        also=("order.shipping_fee",),
    ),
    Fact(
        "amount_paid",
        MONEY,
        "order.payments",
        "What was actually charged for the order?",
        amount_paid,
    ),
    Fact(
        "shipping_fee",
        MONEY,
        "order.shipping_fee",
        "What was the shipping fee?",
        Field("order.shipping_fee"),
    ),
    Fact(
        "any_final_sale",
        BOOL,
        "order.items[].final_sale",
        "Were any items final sale?",
        any_item("final_sale"),
    ),
    Fact(
        "any_custom",
        BOOL,
        "order.items[].custom",
        "Were any items custom or personalized?",
        any_item("custom"),
    ),
    Fact(
        "item_condition",
        _enum("unopened", "opened", "used"),
        "order.items[].condition",
        "Are the items unopened, opened, or used?",
        item_condition,
    ),
    # Payment for modifications and exchanges
    Fact(
        "payment_method_on_file",
        BOOL,
        "ask.payment_method_id",
        "Which payment method on file should we use?",
        payment_method("on_file"),
    ),
    Fact(
        "payment_method_is_original",
        BOOL,
        "ask.payment_method_id",
        "Which payment method should we use?",
        payment_method("original"),
    ),
    Fact(
        "payment_method_kind",
        _enum("card", "paypal", "gift_card", "bank", "store_credit", "other"),
        "ask.payment_method_id",
        "Which payment method should we use?",
        payment_method("kind"),
    ),
    Fact(
        "payment_balance_covers",
        BOOL,
        "customer.payment_methods[].balance",
        "Does the gift card's balance cover the amount due?",
        payment_balance_covers,
    ),
    Fact(
        "exchange_same_product",
        BOOL,
        "ask.exchanges[].new_product_id",
        "Which item would you like instead?",
        exchange_same_product,
    ),
    Fact(
        "exchange_available",
        BOOL,
        "ask.exchanges[].new_available",
        "Is the replacement item in stock?",
        exchange_available,
    ),
    Fact(
        "exchange_price_difference",
        MONEY,
        "ask.exchanges[].new_price",
        "What does the replacement item cost?",
        exchange_price_difference,
    ),
    # Evidence and signals
    Fact(
        "evidence_photos",
        BOOL,
        "evidence.photos",
        "Could you send photos of the problem?",
        Field("evidence.photos"),
    ),
    Fact(
        "defect_confirmed",
        BOOL,
        "evidence.defect_confirmed",
        "Has the defect been confirmed?",
        Field("evidence.defect_confirmed"),
    ),
    Fact(
        "misuse_found",
        BOOL,
        "evidence.misuse_found",
        "Was any misuse or damage found?",
        Field("evidence.misuse_found"),
    ),
    Fact(
        "carrier_damage_confirmed",
        BOOL,
        "evidence.carrier_damage_confirmed",
        "Has the carrier damage been confirmed?",
        Field("evidence.carrier_damage_confirmed"),
    ),
    Fact(
        "duplicate_charge_confirmed",
        BOOL,
        "evidence.duplicate_charge_confirmed",
        "Has the duplicate charge been confirmed on our side?",
        Field("evidence.duplicate_charge_confirmed"),
    ),
    Fact(
        "company_error_confirmed",
        BOOL,
        "evidence.company_error_confirmed",
        "Could you tell us what went wrong with your order?",
        Field("evidence.company_error_confirmed"),
    ),
    Fact(
        "legal_threat",
        BOOL,
        "signals.legal_threat",
        "Has legal action been mentioned?",
        Field("signals.legal_threat"),
    ),
    Fact(
        "chargeback_threat",
        BOOL,
        "signals.chargeback_threat",
        "Has a chargeback been mentioned?",
        Field("signals.chargeback_threat"),
    ),
    Fact(
        "abusive_language",
        BOOL,
        "signals.abusive_language",
        "Was the language abusive?",
        Field("signals.abusive_language"),
    ),
    # Subscriptions
    Fact(
        "plan",
        _enum("monthly", "annual"),
        "subscription.plan",
        "Which plan is it?",
        Field("subscription.plan"),
    ),
    Fact(
        "subscription_status",
        _enum("trialing", "active", "past_due", "cancelled"),
        "subscription.status",
        "What is the subscription's status?",
        Field("subscription.status"),
    ),
    Fact(
        "in_trial",
        BOOL,
        "subscription.trial_end",
        "Is the subscription in its trial?",
        subscription(in_trial),
    ),
    Fact(
        "days_since_start",
        INT,
        "subscription.started_on",
        "When did the subscription start?",
        subscription(lambda s, d: (d - s.started_on).days),
    ),
    Fact(
        "days_since_period_start",
        INT,
        "subscription.period_start",
        "When did the current billing period start?",
        subscription(lambda s, d: (d - s.period_start).days),
    ),
    Fact(
        "days_left_in_period",
        INT,
        "subscription.period_end",
        "When does the current billing period end?",
        subscription(lambda s, d: max((s.period_end - d).days, 0)),
    ),
    Fact(
        "period_days",
        INT,
        "subscription.period_end",
        "How long is the billing period?",
        subscription(lambda s, _: (s.period_end - s.period_start).days),
    ),
    Fact(
        "period_price",
        MONEY,
        "subscription.price",
        "What does one billing period cost?",
        Field("subscription.price"),
    ),
    Fact(
        "usage_consumed",
        MONEY,
        "subscription.usage_consumed",
        "How much of this period's usage has been consumed?",
        Field("subscription.usage_consumed"),
    ),
    Fact(
        "retention_offers_used",
        INT,
        "subscription.retention_offers_used",
        "Have you already had a retention offer from us?",
        Field("subscription.retention_offers_used"),
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
    fields, derived = _PLANS.get(names) or _plan(names)
    env: dict[str, Value] = {}
    for name, get, values in fields:
        try:
            value = get(request)
        except AttributeError:  # the part holding the field (order, subscription) is unset
            value = None
        if values is not None:
            value = values.get(value)
        env[name] = MISSING if value is None else value
    view = View(request)
    for name, derive in derived:
        env[name] = derive(view)
    return env


_Plan = tuple[
    tuple[tuple[str, Callable[[Request], Value | None], dict[object, str] | None], ...],
    tuple[tuple[str, Callable[[View], Value]], ...],
]
# Each policy's facts, split into request fields and derived facts, worked out once per set of
# names (a frozenset keeps its hash).
_PLANS: dict[frozenset[str], _Plan] = {}


def _plan(names: frozenset[str]) -> _Plan:
    facts = [CATALOGUE[name] for name in names]
    fields = tuple(
        (f.name, f.derive.get, f.derive.values) for f in facts if isinstance(f.derive, Field)
    )
    derived = tuple((f.name, f.derive) for f in facts if not isinstance(f.derive, Field))
    plan = _PLANS[names] = (fields, derived)
    return plan
